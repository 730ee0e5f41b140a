// DrawSet's parallel zeroing (see draw_set.hpp).
#include "host/core/draw_set.hpp"

#include <cstring>

#include "host/core/huge_pages.hpp"

namespace lockstep {

void zero_parallel(double* v, std::size_t n) {
  advise_huge_pages(v, n * sizeof(double));  // before the first touch below
  // Blocks of 64K doubles (512 KB), statically shared out: each thread faults in and zeroes
  // its own pages. memset of +0.0 bits is the value 0.0.
  constexpr std::size_t kBlock = std::size_t{1} << 16;
  const long long blocks = static_cast<long long>((n + kBlock - 1) / kBlock);
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (long long b = 0; b < blocks; ++b) {
    const std::size_t first = static_cast<std::size_t>(b) * kBlock;
    const std::size_t count = n - first < kBlock ? n - first : kBlock;
    std::memset(v + first, 0, count * sizeof(double));
  }
}

}  // namespace lockstep
