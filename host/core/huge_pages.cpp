// advise_huge_pages (see huge_pages.hpp).
#include "host/core/huge_pages.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace lockstep {

bool huge_pages_requested(const char* env_value) noexcept {
  return env_value != nullptr && std::strcmp(env_value, "1") == 0;
}

void advise_huge_pages(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  static const bool requested = huge_pages_requested(std::getenv("LOCKSTEP_HUGE_PAGES"));
  if (!requested || p == nullptr || bytes < kHugePageAdviceMinBytes) return;
  constexpr std::uintptr_t kHuge = std::uintptr_t{1} << 21;
  const std::uintptr_t begin = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t lo = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t hi = (begin + bytes) & ~(kHuge - 1);
  // madvise only takes whole pages: the aligned interior; an error (EINVAL where THP is
  // compiled out) leaves the buffer as it was.
  if (hi > lo) (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

}  // namespace lockstep
