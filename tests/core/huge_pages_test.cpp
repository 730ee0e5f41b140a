// advise_huge_pages is opt-in (host/core/huge_pages.hpp): LOCKSTEP_HUGE_PAGES=1 and nothing else
// asks for it, and without it a large buffer's mapping carries no MADV_HUGEPAGE flag ("hg" in
// /proc/self/smaps' VmFlags).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "host/core/huge_pages.hpp"

namespace lockstep {
namespace {

TEST(HugePages, OnlyTheValueOneAsksForThem) {
  EXPECT_TRUE(huge_pages_requested("1"));
  for (const char* v : {static_cast<const char*>(nullptr), "", "0", "yes", "11", " 1", "true"})
    EXPECT_FALSE(huge_pages_requested(v)) << (v ? v : "(unset)");
}

#if defined(__linux__)
/// The VmFlags line of the mapping of /proc/self/smaps that holds address a ("" if none).
std::string vm_flags_of(std::uintptr_t a) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= a && a < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

TEST(HugePages, ALargeBufferIsAdvisedOnlyOnRequest) {
  constexpr std::size_t kBytes = std::size_t{64} << 20;
  std::unique_ptr<char[]> buffer(new char[kBytes]);
  advise_huge_pages(buffer.get(), kBytes);
  const std::uintptr_t middle = reinterpret_cast<std::uintptr_t>(buffer.get()) + kBytes / 2;
  const std::string flags = vm_flags_of(middle);
  if (flags.empty()) GTEST_SKIP() << "/proc/self/smaps has no VmFlags for the buffer (kernel without them)";
  const bool advised = flags.find(" hg") != std::string::npos;
  if (huge_pages_requested(std::getenv("LOCKSTEP_HUGE_PAGES")))
    EXPECT_TRUE(advised) << "LOCKSTEP_HUGE_PAGES=1 but the mapping's flags are: " << flags;
  else
    EXPECT_FALSE(advised) << "no LOCKSTEP_HUGE_PAGES=1 but the mapping's flags are: " << flags;
}
#endif

}  // namespace
}  // namespace lockstep
