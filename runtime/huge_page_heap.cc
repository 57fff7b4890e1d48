#include "runtime/huge_page_heap.h"

#include <sys/auxv.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace cm::runtime {

namespace {

constexpr const char* kTunable = "glibc.malloc.hugetlb=1";

bool KernelOffersHugePages() {
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  std::getline(thp, modes);
  return !modes.empty() && modes.find("[never]") == std::string::npos;
}

}  // namespace

void UseHugePageHeap(char** argv) {
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  // A privileged start (setuid, file capabilities): glibc may drop the tunable from the new
  // image's environment, and this would then execute itself again and again.
  if (getauxval(AT_SECURE) != 0) return;
  if (const char* preload = std::getenv("LD_PRELOAD");
      preload != nullptr && std::string_view(preload).find("vgpreload") != std::string_view::npos)
    return;
  if (!KernelOffersHugePages()) return;
  // The program's own path, so the process keeps its name (ps, pgrep, journald); started
  // through the dynamic loader, /proc/self/exe is the loader, which must not be executed.
  char exe[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return;
  exe[n] = '\0';
  if (std::string_view(exe).find("/ld-") != std::string_view::npos) return;
  if (::setenv("GLIBC_TUNABLES", kTunable, 1) != 0) return;
  ::execv(exe, argv);
  ::unsetenv("GLIBC_TUNABLES");  // the exec failed: carry on with small pages
}

bool HugePageHeap() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables != nullptr && std::string_view(tunables).find(kTunable) != std::string_view::npos;
}

}  // namespace cm::runtime
