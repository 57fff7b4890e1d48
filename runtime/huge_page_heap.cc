#include "runtime/huge_page_heap.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace cm::runtime {

namespace {
constexpr const char* kTunable = "glibc.malloc.hugetlb=1";
}  // namespace

void UseHugePageHeap(char** argv) {
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  if (const char* preload = std::getenv("LD_PRELOAD");
      preload != nullptr && std::string_view(preload).find("vgpreload") != std::string_view::npos)
    return;
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  std::getline(thp, modes);
  if (modes.empty() || modes.find("[never]") != std::string::npos) return;
  ::setenv("GLIBC_TUNABLES", kTunable, 1);
  ::execv("/proc/self/exe", argv);
  ::unsetenv("GLIBC_TUNABLES");  // the exec failed: carry on with small pages
}

bool HugePageHeap() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables != nullptr && std::string_view(tunables).find(kTunable) != std::string_view::npos;
}

}  // namespace cm::runtime
