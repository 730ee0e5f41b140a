// The Analyzer reuses its sort buffers for normal scores and ESS series, summarize() keeps one
// workspace per thread, and normal-score tables are cached per process: none of this may change
// a single bit of any result, whatever the order of the calls.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "host/diagnostics/analyzer.hpp"
#include "host/diagnostics/convergence.hpp"
#include "host/diagnostics/ranks.hpp"
#include "host/diagnostics/summary.hpp"

namespace ld = lockstep::diagnostics;

namespace {

// AR(1) chains with rho = 0.7 and per-chain offsets, from a fixed LCG + Box-Muller.
std::vector<double> ar1_draws(int M, int N, std::uint64_t seed) {
  std::vector<double> x(static_cast<std::size_t>(M) * N);
  std::uint64_t s = seed;
  auto uniform = [&s]() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return ((s >> 11) + 0.5) * 0x1.0p-53;
  };
  for (int c = 0; c < M; ++c) {
    double v = 0;
    for (int i = 0; i < N; ++i) {
      const double z = std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
      v = 0.7 * v + z;
      x[static_cast<std::size_t>(c) * N + i] = v + 0.05 * c;
    }
  }
  return x;
}

ld::Chains chains(const std::vector<double>& x, int M, int N) {
  ld::Chains ch;
  ch.n_draws = N;
  for (int c = 0; c < M; ++c) ch.chain.push_back(x.data() + static_cast<std::size_t>(c) * N);
  return ch;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST(AnalyzerWorkspace, CallOrderAndReuseGiveIdenticalBits) {
  // Odd and even N, both above the radix-sort threshold (S > 1024), so the sort buffers are
  // reused for the scores and the ESS series.
  for (int N : {1001, 1000}) {
    const int M = 4;
    const auto x1 = ar1_draws(M, N, 11 + N);
    const auto x2 = ar1_draws(M, N, 99 + N);
    for (const auto* x : {&x1, &x2}) {
      const ld::Chains ch = chains(*x, M, N);
      // Reference: every diagnostic with its own fresh workspace.
      const double rhat = ld::rhat(ch), bulk = ld::ess_bulk(ch), tail = ld::ess_tail(ch),
                   ess_mean = ld::ess_mean(ch), mcse_sd = ld::mcse_sd(ch), q = ld::quantile(ch, 0.3);
      // One workspace shared by both quantities, calls in an order that folds (overwriting the
      // bulk scores) BEFORE asking for the bulk ESS.
      static ld::detail::Workspace ws;
      ld::detail::Analyzer a(ch, ws);
      const double r1 = a.rhat();
      const double t1 = a.ess_tail();
      const double b1 = a.ess_bulk();
      const double r2 = a.rhat();
      const double m1 = a.ess_mean();
      const double s1 = a.mcse_sd();
      const double q1 = a.quantile(0.3);
      EXPECT_TRUE(same_bits(r1, rhat)) << "N " << N << ": rhat " << r1 << " vs " << rhat;
      EXPECT_TRUE(same_bits(r2, rhat)) << "N " << N << ": rhat again " << r2 << " vs " << rhat;
      EXPECT_TRUE(same_bits(b1, bulk)) << "N " << N << ": ess_bulk " << b1 << " vs " << bulk;
      EXPECT_TRUE(same_bits(t1, tail)) << "N " << N << ": ess_tail " << t1 << " vs " << tail;
      EXPECT_TRUE(same_bits(m1, ess_mean)) << "N " << N << ": ess_mean " << m1 << " vs " << ess_mean;
      EXPECT_TRUE(same_bits(s1, mcse_sd)) << "N " << N << ": mcse_sd " << s1 << " vs " << mcse_sd;
      EXPECT_TRUE(same_bits(q1, q)) << "N " << N << ": quantile " << q1 << " vs " << q;
      // summarize() (thread-local workspace, reused across calls) agrees too.
      const ld::Summary sm = ld::summarize(ch);
      EXPECT_TRUE(same_bits(sm.rhat, rhat) && same_bits(sm.ess_bulk, bulk) && same_bits(sm.ess_tail, tail))
          << "N " << N << ": summarize " << sm.rhat << " " << sm.ess_bulk << " " << sm.ess_tail;
      // Sanity: the values are real diagnostics of well-mixed AR(1) chains.
      EXPECT_LT(std::fabs(rhat - 1.0), 0.05) << "N " << N;
      EXPECT_GT(bulk, 100.0) << "N " << N;
    }
  }
}

TEST(NormalScores, CachedTablesMatchTheFormulaAcrossSizes) {
  ld::NormalScores a, b;
  for (std::size_t S : {std::size_t{2000}, std::size_t{70000}, std::size_t{2000}}) {
    const std::vector<double>& t = a.table(S);
    ASSERT_EQ(t.size(), S);
    for (std::size_t r : {std::size_t{1}, S / 3, S / 2, S}) {
      const double z = ld::NormalScores::score(static_cast<double>(r), S);
      EXPECT_TRUE(same_bits(t[r - 1], z)) << "S " << S << " r " << r << ": " << t[r - 1] << " vs " << z;
    }
    // A second holder of the same S sees the same table, even after the cache moved on.
    EXPECT_TRUE(same_bits(b.table(S)[S / 2], t[S / 2])) << "S " << S;
  }
  ld::NormalScores::release_cache();
  const std::vector<double>& t = a.table(2000);  // still held by `a` after the release
  EXPECT_TRUE(same_bits(t[0], ld::NormalScores::score(1.0, 2000)));
}
