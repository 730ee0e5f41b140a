// The summary of large runs in parallel (issue 21): summarize_many() spreads quantities over the
// threads, or, with fewer quantities than threads, the chains and sort buckets of one quantity
// (detail::Analyzer, sort_with_positions, LagSums). Whatever the thread count and whichever of
// the two ways runs, every number must be the bits of the serial computation, and those bits
// must be the ones the diagnostics gave before this rewrite: the constants below were printed by
// commit 78b0e33's library (one thread) on these very draws.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "host/core/draw_set.hpp"
#include "host/diagnostics/summary.hpp"

namespace ld = lockstep::diagnostics;

namespace {

// Five quantities of 80 chains x 1001 draws (odd N: the split drops each chain's middle draw)
// whose shapes exercise every path: an AR(1) with chain offsets, a heavy-tailed positive
// quantity, a narrow range far from zero (one float key for many draws), a discrete one (tie
// groups everywhere) and one with exact zeros of both signs.
lockstep::DrawSet parallel_test_draws(int M, int N) {
  lockstep::DrawSet d;
  for (const char* n : {"ar1", "lognormal", "narrow", "discrete", "zeros"}) d.names.push_back(n);
  d.resize(M, N);
  std::uint64_t s = 20240601;
  auto uniform = [&s]() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return ((s >> 11) + 0.5) * 0x1.0p-53;
  };
  for (int c = 0; c < M; ++c) {
    double v = 0;
    for (int i = 0; i < N; ++i) {
      const double z = std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
      v = 0.5 * v + z;  // products by powers of two are exact: no fused multiply-add can change a draw
      d.series(0, c)[i] = v + 0x1p-7 * (c % 5);
      d.series(1, c)[i] = std::exp(1.5 * z);
      d.series(2, c)[i] = 1000.0 + 0x1p-30 * v;
      d.series(3, c)[i] = std::floor(3 * uniform()) + (c % 2);
      const double u = uniform();
      d.series(4, c)[i] = u < 0.2 ? 0.0 : u < 0.4 ? -0.0 : z;
    }
  }
  return d;
}

// Summary fields (mean, sd, q5, q50, q95, mcse_mean, mcse_sd, ess_bulk, ess_tail, rhat) as bit
// patterns, from commit 78b0e33's diagnostics, for N = 1001 then N = 1000.
constexpr std::uint64_t kBefore[2][5][10] = {
    {
        {0x3f71c84370c2e4e2ull, 0x3ff26c7d52a3b92eull, 0xbffe3e74834f5a84ull, 0x3f7179d18caedc20ull, 0x3ffe425b2ac06e4eull,
         0x3f7cd3a3e94b9ef7ull, 0x3f6efa613bc76ed5ull, 0x40da2431b78c497aull, 0x40e6c40b7be7bdbeull, 0x3ff009510db4d30aull},
        {0x40084c75f005f651ull, 0x4021f62d8f4b9fc9ull, 0x3fb63297ac2496ffull, 0x3fef9a867fe2eb00ull, 0x40270d0851be5a0full,
         0x3fa0305a8497eabeull, 0x3fe1d1d761ee3677ull, 0x40f37888316cd6e0ull, 0x40f31ff335e13b1aull, 0x3ff0004526c1e31bull},
        {0x408f3fffffffffa6ull, 0x3e126c33898aa2b2ull, 0x408f3fffffffc308ull, 0x408f3fffffffffa2ull, 0x408f400000003c0aull,
         0x3d9cd042af23e8b3ull, 0x3d87b080c6abdab0ull, 0x40da2a074a6be0b1ull, 0x40e6d42fbb170c7dull, 0x3ff0090f3ecef243ull},
        {0x3ff80c6dde23b3b0ull, 0x3feeb0746fa60a47ull, 0x0000000000000000ull, 0x4000000000000000ull, 0x4008000000000000ull,
         0x3fac7064a486471aull, 0x3f5c61fe220d108eull, 0x40722fea8c51d2a2ull, 0x4079e032a6606044ull, 0x3ff2e2fc9a0fdd29ull},
        {0xbf609f101a549fa9ull, 0x3fe8ad10c32e50fcull, 0xbff602ed13d69f5full, 0x0000000000000000ull, 0x3ff5f6ba112dea86ull,
         0x3f664d2616e7140eull, 0x3f6673b6d1aeb597ull, 0x40f39708830b976bull, 0x40f3574779ee4b03ull, 0x3fefff959dd3ba0aull},
    },
    {
        {0x3f71e8e00be09a22ull, 0x3ff26d2f4b1c6499ull, 0xbffe4028b531da88ull, 0x3f7101909f06a580ull, 0x3ffe46c34778a020ull,
         0x3f7cd1f97c0d37cbull, 0x3f6efa332cb52f29ull, 0x40da29d3332667caull, 0x40e6ce7e0a4e08e4ull, 0x3ff00a0236d19bc6ull},
        {0x40084ce4595ad56bull, 0x4021f7ce987ef96cull, 0x3fb631f81016396bull, 0x3fef99e3113e5f3aull, 0x40270b9c8caa1424ull,
         0x3fa0314212dc15b1ull, 0x3fe1d28597ff951aull, 0x40f3722b3f933261ull, 0x40f322b7318014beull, 0x3ff000906bc67c7cull},
        {0x408f3fffffffffa4ull, 0x3e126cd05c04b795ull, 0x408f3fffffffc2fdull, 0x408f3fffffffffa0ull, 0x408f400000003c11ull,
         0x3d9ccaaf04616ba9ull, 0x3d87b25aa4337acfull, 0x40da36b1e4c79c9aull, 0x40e6d5822c9401fdull, 0x3ff009af427b3f01ull},
        {0x3ff80c3c9eecbfb1ull, 0x3feeb3a2e38e9ff6ull, 0x0000000000000000ull, 0x4000000000000000ull, 0x4008000000000000ull,
         0x3fac8095ea944a6dull, 0x3f5c661850cf4589ull, 0x40721faad47033a2ull, 0x4079cf75d0cc0c57ull, 0x3ff2e528b908fb59ull},
        {0xbf61aba125292233ull, 0x3fe8acc01d4b0eacull, 0xbff602ed13d69f5full, 0x0000000000000000ull, 0x3ff5f61f9c64fb72ull,
         0x3f664ecb0d77c371ull, 0x3f667436d3e5c4bbull, 0x40f3946bac7b01bfull, 0x40f354cbdab203b7ull, 0x3ff0001cef77164full},
    },
};

std::vector<std::uint64_t> bits(const ld::Summary& s) {
  const double f[10] = {s.mean, s.sd, s.q5, s.q50, s.q95, s.mcse_mean, s.mcse_sd, s.ess_bulk, s.ess_tail, s.rhat};
  std::vector<std::uint64_t> b(10);
  std::memcpy(b.data(), f, sizeof f);
  return b;
}

class ThreadCount {
 public:
  explicit ThreadCount(int t) : saved_(omp_get_max_threads()) { omp_set_num_threads(t); }
  ~ThreadCount() { omp_set_num_threads(saved_); }

 private:
  int saved_;
};

}  // namespace

TEST(SummaryParallel, EveryThreadCountGivesTheSerialBitsAndTheOldBits) {
  for (int variant = 0; variant < 2; ++variant) {
    const int N = variant == 0 ? 1001 : 1000;
    // 80 chains x 1001 draws: above the sizes from which one quantity uses every thread.
    const lockstep::DrawSet d = parallel_test_draws(80, N);
    std::vector<ld::Chains> all;
    for (int p = 0; p < 5; ++p) all.push_back(ld::chains_of(d, p));
    std::vector<std::vector<std::uint64_t>> serial;
    {
      const ThreadCount one(1);
      for (const ld::Chains& q : all) serial.push_back(bits(ld::summarize(q)));
    }
    for (int p = 0; p < 5; ++p)
      for (int k = 0; k < 10; ++k)
        EXPECT_EQ(serial[p][k], kBefore[variant][p][k]) << "N " << N << " quantity " << p << " field " << k;
    for (int threads : {1, 2, 3, 4, 7}) {
      const ThreadCount t(threads);
      // All five together: quantities in parallel when threads <= 5, else chains in parallel.
      const std::vector<ld::Summary> many = ld::summarize_many(all);
      // One quantity at a time: its chains and sort buckets in parallel.
      for (int p = 0; p < 5; ++p) {
        EXPECT_EQ(bits(many[p]), serial[p]) << "N " << N << " threads " << threads << " quantity " << p;
        EXPECT_EQ(bits(ld::summarize_many({all[p]})[0]), serial[p])
            << "N " << N << " threads " << threads << " quantity " << p << " alone";
      }
    }
  }
}
