// 64-bit index arithmetic (kernels/core/index.hpp) beyond 2^31 and 2^32: chains x dimension,
// NUTS's checkpoint slots and the draws' [quantity][chain][draw] offsets, all from int
// arguments as the kernels pass them; and the views (Strided, BlockView) addressing such
// elements, over a reserved (mostly untouched) address range, so no large allocation is made.
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <climits>
#include <cstdint>

#include "host/core/draw_set.hpp"
#include "kernels/core/batch.hpp"
#include "kernels/core/index.hpp"
#include "kernels/core/strided.hpp"
#include "kernels/ensemble/ensemble_arrays.hpp"
#include "kernels/hmc/hmc_segment.hpp"

namespace lockstep {
namespace testing {
namespace {

constexpr std::int64_t k2to31 = std::int64_t{1} << 31;
constexpr std::int64_t k2to32 = std::int64_t{1} << 32;

TEST(Index, ParameterMajorBeyond2to31) {
  static_assert(sizeof(Index) == 8, "64-bit offsets");
  // parameter 40000 of chain 65535 with 65536 chains: 40000 * 65536 + 65535 > 2^31
  const int i = 40000, c = 65535, n_pad = 65536;
  EXPECT_EQ(soa_index(i, c, n_pad), std::int64_t{2621505535});
  EXPECT_GT(soa_index(i, c, n_pad), k2to31);
  // the last element of a [INT_MAX][INT_MAX] array
  EXPECT_EQ(soa_index(INT_MAX - 1, INT_MAX - 1, INT_MAX), std::int64_t{INT_MAX} * INT_MAX - 1);
  // exactly 2^32 + 5
  EXPECT_EQ(soa_index(65536, 5, 65536), k2to32 + 5);
}

TEST(Index, CheckpointSlotsBeyond2to32) {
  // slot 8 of element 999 of chain 100000 with dim 5000 and 131072 chains: 5.4e9
  const std::int64_t expect = (std::int64_t{8} * 5000 + 999) * 131072 + 100000;
  EXPECT_EQ(slot_index(8, 999, 100000, 5000, 131072), expect);
  EXPECT_GT(expect, k2to32);
  // a dense metric entry (i, j) of chain c in [dim][dim][n_pad]
  EXPECT_EQ(slot_index(299, 298, 4000, 300, 4096), (std::int64_t{299} * 300 + 298) * 4096 + 4000);
}

TEST(Index, DrawOffsetsBeyond2to31) {
  // quantity 599 of chain 4095, draw 999, with 4096 chains x 1000 draws: 2.45e9
  const std::int64_t expect = (std::int64_t{599} * 4096 + 4095) * 1000 + 999;
  EXPECT_EQ(draw_offset(599, 4095, 999, 4096, 1000), expect);
  EXPECT_GT(expect, k2to31);
  // the kernels' targets and the DrawSet agree
  hmc::DrawTarget t;
  t.n_chains = 4096;
  t.n_draws = 1000;
  EXPECT_EQ(t.at(599, 4095, 999), expect);
  ensemble::EnsembleDrawTarget e;
  e.n_chains = 4096;
  e.n_draws = 1000;
  e.draw = 999;
  EXPECT_EQ(e.at(599, 4095), expect);
  DrawSet d;
  d.n_chains = 4096;
  d.n_draws = 1000;
  EXPECT_EQ(static_cast<std::int64_t>(d.offset(599, 4095)) + 999, expect);
}

/// A reserved, never committed range of `bytes` (MAP_NORESERVE: only touched pages get
/// memory); null when the system refuses the reservation.
struct Reserved {
  void* p = nullptr;
  std::size_t bytes = 0;
  explicit Reserved(std::size_t b) : bytes(b) {
    void* q = mmap(nullptr, b, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    p = q == MAP_FAILED ? nullptr : q;
  }
  ~Reserved() {
    if (p) munmap(p, bytes);
  }
};

TEST(Index, ViewsAddressElementsBeyond2to31) {
  // A [dim][n_pad] array of 2^31 + 3 * 2^20 Reals: the views must reach element
  // (i, c) = (32768 + 48, c) of n_pad = 65536 chains, at offset i * 65536 + c > 2^31.
  const int n_pad = 65536, dim = 32768 + 64;
  const std::size_t elements = static_cast<std::size_t>(dim) * n_pad;
  Reserved mem(elements * sizeof(Real));
  if (!mem.p) GTEST_SKIP() << "the system refused to reserve " << elements * sizeof(Real) << " bytes of address space";
  Real* base = static_cast<Real*>(mem.p);
  const int i = 32768 + 48, c0 = 65536 - 16;
  const std::int64_t at = std::int64_t{i} * n_pad + c0;
  ASSERT_GT(at, k2to31);
  const Strided<Real> one{base + c0, n_pad};
  one[i] = Real(1.5);
  EXPECT_EQ(base[at], Real(1.5));
  EXPECT_EQ(&one[i], base + at);
  constexpr int W = 8;
  const BlockView<W> block{base + c0, n_pad};
  Batch<W> b;
  for (int w = 0; w < W; ++w) b[w] = Real(w);
  block[i] = b;
  for (int w = 0; w < W; ++w) EXPECT_EQ(base[at + w], Real(w)) << w;
  block[i] += Batch<W>(Real(10));
  const Batch<W> r = block[i];
  for (int w = 0; w < W; ++w) EXPECT_EQ(r[w], Real(10 + w)) << w;
  EXPECT_EQ(&block[i][3], base + at + 3);
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
