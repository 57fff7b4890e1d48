#pragma once
// The heap on transparent huge pages. A state of hundreds of megabytes is faulted in 4 KB at a
// time at every restart, and its tables miss the TLB on most probes; with glibc's heap on
// 2 MB pages a restart here takes a tenth of the page faults and the sequencer runs about a
// quarter faster (README, "Huge pages"). glibc reads its tunables only when a process starts,
// so the process executes itself again, once, with glibc.malloc.hugetlb=1 set.

namespace cm::runtime {

// Re-executes this program (same path, arguments and pid) with the tunable set, unless
// GLIBC_TUNABLES is set already (the operator's choice wins, an empty value included), the
// kernel has transparent huge pages off, the start was privileged (setuid, capabilities), it
// was started through the dynamic loader, or it runs under valgrind (which would run the new
// image uninstrumented). Returns only when it did not re-execute. Call first thing in main,
// before any thread starts or file is opened.
// Where the allocator is not glibc's (ASan, TSan), the tunable is set and does nothing.
void UseHugePageHeap(char** argv);

// Whether this process's heap was asked to use huge pages.
bool HugePageHeap();

}  // namespace cm::runtime
