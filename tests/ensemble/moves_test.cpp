// kernels/ensemble/{split,moves}.hpp: the red/blue split is a permutation and splits each
// walker into either half equally often; the mixture picks moves with their weights; the
// stretch factor has the density g(z) ∝ 1/sqrt(z) on [1/a, a]; Floyd's subsets are distinct
// and uniform; the semi-definite Cholesky factor reproduces rank-deficient covariances.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "tests/build_config.hpp"
#include "kernels/ensemble/half_step.hpp"
#include "kernels/ensemble/moves.hpp"
#include "kernels/ensemble/split.hpp"

namespace lockstep {
namespace ensemble {
namespace {

TEST(SplitPermutation, IsAPermutationForEvenSizes) {
  for (int n : {2, 4, 6, 10, 30, 32, 34, 64, 1000, 1024, 1026, 4098}) {
    for (std::uint64_t t : {0ull, 1ull, 77ull, 123456789ull}) {
      const SplitPermutation p = SplitPermutation::make(42, 3, t, n);
      std::vector<int> seen(n, 0);
      for (int i = 0; i < n; ++i) {
        const std::uint32_t v = p(static_cast<std::uint32_t>(i));
        ASSERT_LT(v, static_cast<std::uint32_t>(n)) << "n = " << n << ", i = " << i;
        ++seen[v];
      }
      for (int k = 0; k < n; ++k) ASSERT_EQ(seen[k], 1) << "n = " << n << ": walker " << k << " hit " << seen[k] << " times";
    }
  }
}

TEST(SplitPermutation, EveryWalkerIsInTheFirstHalfHalfOfTheTime) {
  // Over T steps walker k is in the first half B(T, 1/2) times if the split is fair; and for
  // n = 4 and 6 every one of the C(n, n/2) first halves appears about T / C(n, n/2) times.
  const int T = 20000;
  for (int n : {4, 6, 10, 34}) {
    std::vector<int> first(n, 0);
    std::vector<int> pair_count(64, 0);
    for (int t = 0; t < T; ++t) {
      const SplitPermutation p = SplitPermutation::make(7, 0, static_cast<std::uint64_t>(t), n);
      int mask = 0;
      for (int i = 0; i < n / 2; ++i) {
        const int k = static_cast<int>(p(static_cast<std::uint32_t>(i)));
        ++first[k];
        if (n <= 6) mask |= 1 << k;
      }
      if (n <= 6) ++pair_count[mask];
    }
    const double sd = std::sqrt(T * 0.25);
    for (int k = 0; k < n; ++k)
      EXPECT_LT(std::fabs(first[k] - T / 2.0), 5 * sd)
          << "n = " << n << ": walker " << k << " in the first half " << first[k] << " of " << T << " times (5 sd = " << 5 * sd << ")";
    if (n <= 6) {
      const int K = n == 4 ? 6 : 20;  // C(n, n/2)
      const double e = static_cast<double>(T) / K, sk = std::sqrt(T * (1.0 / K) * (1.0 - 1.0 / K));
      int subsets = 0;
      for (int mask = 0; mask < (1 << n); ++mask) {
        if (__builtin_popcount(mask) != n / 2) {
          EXPECT_EQ(pair_count[mask], 0);
          continue;
        }
        ++subsets;
        EXPECT_LT(std::fabs(pair_count[mask] - e), 5 * sk)
            << "n = " << n << ": first half " << mask << " drawn " << pair_count[mask] << " times, expected " << e
            << " (5 sd = " << 5 * sk << ")";
      }
      EXPECT_EQ(subsets, K);
    }
  }
}

TEST(SplitPermutation, DependsOnSeedEnsembleAndIteration) {
  const int n = 64;
  auto image = [n](std::uint64_t seed, std::uint32_t e, std::uint64_t t) {
    const SplitPermutation p = SplitPermutation::make(seed, e, t, n);
    std::vector<std::uint32_t> v;
    for (int i = 0; i < n; ++i) v.push_back(p(static_cast<std::uint32_t>(i)));
    return v;
  };
  const auto base = image(1, 0, 0);
  EXPECT_NE(base, image(2, 0, 0));
  EXPECT_NE(base, image(1, 1, 0));
  EXPECT_NE(base, image(1, 0, 1));
  EXPECT_EQ(base, image(1, 0, 0));
}

TEST(SplitPermutation, BlockFormEqualsScalarForm) {
  // SplitBlock (vectorized, per-element keys) gives exactly SplitPermutation's values, for
  // lanes inside one ensemble (init's broadcast path) and lanes that straddle several tiny
  // ensembles.
  constexpr int W = 8;
  for (int n : {2, 6, 34, 1024, 1026})
    for (int first : {0, 5})
      for (bool one_ensemble : {false, true}) {
        int ens[W];
        for (int w = 0; w < W; ++w) ens[w] = one_ensemble ? first : n == 2 ? first + w : first + w / 3;
        SplitBlock<W> block;
        block.init(77, 12, n, ens);
        std::uint32_t in[W], out[W];
        for (int w = 0; w < W; ++w) in[w] = static_cast<std::uint32_t>((w * 37 + 3) % n);
        block.apply(in, out);
        for (int w = 0; w < W; ++w) {
          const SplitPermutation s = SplitPermutation::make(77, static_cast<std::uint32_t>(ens[w]), 12, n);
          EXPECT_EQ(out[w], s(in[w])) << "n = " << n << ", element " << w << (one_ensemble ? ", one ensemble" : "");
          EXPECT_EQ(block.one(w, in[w]), s(in[w]));
        }
      }
}

TEST(WalkerDraws, BlockFormEqualsScalarForm) {
  // philox_keys under W gathered keys = Rng::bits per walker; WalkerUniformsBlock =
  // walker_uniforms; all uniforms strictly inside (0, 1).
  constexpr int W = 8;
  const std::uint32_t g[W] = {0, 9, 3, 1000000, 17, 17, 2, 123456};
  for (std::uint64_t t : {0ull, 5ull, (1ull << 33) + 7}) {
    std::uint32_t b[4][W];
    philox_keys<W>(Rng::counter(4242, t, Stream::kEnsemble, 1), g, static_cast<std::uint32_t>(4242), b);
    WalkerUniformsBlock<W> u;
    u.draw(4242, t, g, true);
    for (int w = 0; w < W; ++w) {
      const Rng rng{4242, g[w]};
      const Philox4x32::U4 r = rng.bits(t, Stream::kEnsemble, 1);
      for (int k = 0; k < 4; ++k) EXPECT_EQ(b[k][w], r.x[k]);
      const WalkerUniforms s = walker_uniforms(rng, t, true);
      EXPECT_EQ(u.accept[w], s.accept);
      EXPECT_EQ(u.move[w], s.move);
      EXPECT_EQ(u.pick1[w], s.pick1);
      EXPECT_EQ(u.pick2[w], s.pick2);
      for (double v : {s.accept, s.move, s.pick1, s.pick2}) {
        EXPECT_GT(v, 0.0);
        EXPECT_LT(v, 1.0);
      }
    }
  }
  EXPECT_EQ(uniform31(0u), 0.5 / 2147483648.0);
  EXPECT_EQ(uniform31(0xFFFFFFFFu), 1.0 - 0.5 / 2147483648.0);
  EXPECT_EQ(pick_index(1.0 - 1e-17, 7), 6);
}

TEST(WalkMove, CovarianceKernelFactorsTheOtherHalf) {
  // WalkCovariance for ensemble 1 of 2 (10 walkers, 3 parameters): L L^T must equal the
  // sample covariance (divisor 4) of the 5 walkers NOT being updated, found through the split.
  const int d = 3, n = 10, E = 2, npad = 24;
  std::vector<Real> x(static_cast<std::size_t>(d) * npad), chol(E * d * d), mean(E * d);
  for (int p = 0; p < d; ++p)
    for (int g = 0; g < npad; ++g) x[p * npad + g] = std::sin(1.3 * g + 0.7 * p) + 0.1 * p * g;
  EnsembleArrays a;
  a.dim = d;
  a.n_walkers = n;
  a.n_ensembles = E;
  a.n_pad = npad;
  a.x = x.data();
  a.walk_chol = chol.data();
  a.walk_mean = mean.data();
  for (int half = 0; half < 2; ++half) {
    WalkCovariance k{a, x.data(), 31, 4, half};
    k(1);
    const SplitPermutation s = SplitPermutation::make(31, 1, 4, n);
    std::vector<int> others;
    for (int i = 0; i < n / 2; ++i) others.push_back(n + static_cast<int>(s(static_cast<std::uint32_t>((1 - half) * n / 2 + i))));
    for (int p = 0; p < d; ++p)
      for (int q = 0; q < d; ++q) {
        double mp = 0, mq = 0, c = 0;
        for (int g : others) {
          mp += x[p * npad + g] / 5;
          mq += x[q * npad + g] / 5;
        }
        for (int g : others) c += (x[p * npad + g] - mp) * (x[q * npad + g] - mq) / 4;
        double llt = 0;
        for (int k2 = 0; k2 < d; ++k2) llt += chol[d * d + p * d + k2] * chol[d * d + q * d + k2];
        EXPECT_NEAR(llt, c, lockstep::testing::real_tol(1e-12)) << "half " << half << " (" << p << "," << q << ")";
      }
  }
}

TEST(ChooseMove, FrequenciesFollowTheWeights) {
  const double weights[kMoveKinds] = {0.8, 0.2, 0.0};
  const int T = 50000;
  int count[kMoveKinds] = {0, 0, 0};
  for (int t = 0; t < T; ++t) ++count[static_cast<int>(choose_move(5, static_cast<std::uint64_t>(t), weights))];
  EXPECT_EQ(count[2], 0);
  const double sd = std::sqrt(T * 0.8 * 0.2);
  EXPECT_LT(std::fabs(count[0] - 0.8 * T), 5 * sd) << count[0] << " stretch moves of " << T;
  const double only[kMoveKinds] = {0, 0, 3.0};
  for (int t = 0; t < 100; ++t) EXPECT_EQ(choose_move(5, static_cast<std::uint64_t>(t), only), MoveKind::kWalk);
}

TEST(StretchMove, FactorHasTheGoodmanWeareDensity) {
  // g(z) ∝ 1/sqrt(z) on [1/a, a]: CDF F(z) = (sqrt(a z) - 1) / (a - 1); the inversion
  // z = ((a-1)u + 1)^2 / a must give F(z) = u, z(0) = 1/a, z(1) = a, and g(1/z) = z g(z)
  // (the symmetry that makes the stretch move reversible, Goodman & Weare 2010, eq. 8).
  for (double a : {1.5, 2.0, 3.0}) {
    EXPECT_NEAR(stretch_z(a, 0.0), 1.0 / a, 1e-15);
    EXPECT_NEAR(stretch_z(a, 1.0), a, 1e-15);
    for (double u = 0.01; u < 1.0; u += 0.0537) {
      const double z = stretch_z(a, u);
      EXPECT_NEAR((std::sqrt(a * z) - 1.0) / (a - 1.0), u, 1e-14) << "a = " << a << ", u = " << u;
      const double gz = 1.0 / std::sqrt(z), g_inv = std::sqrt(z);  // g(1/z) = sqrt(z)
      EXPECT_NEAR(g_inv, z * gz, 1e-14);
    }
  }
  EXPECT_NEAR(de_gamma0(MoveParams{}, 5), 2.38 / std::sqrt(10.0), 1e-15);
}

TEST(WalkMove, FloydSubsetsAreDistinctAndUniform) {
  const int n = 12, S = 5, T = 30000;
  std::vector<int> hits(n, 0);
  for (int t = 0; t < T; ++t) {
    int out[kMaxWalkHelpers];
    floyd_subset(Rng{9, 4}, static_cast<std::uint64_t>(t), n, S, out);
    std::vector<int> v(out, out + S);
    std::sort(v.begin(), v.end());
    ASSERT_TRUE(std::adjacent_find(v.begin(), v.end()) == v.end()) << "repeated helper at step " << t;
    for (int k : v) {
      ASSERT_GE(k, 0);
      ASSERT_LT(k, n);
      ++hits[k];
    }
  }
  const double p = static_cast<double>(S) / n, sd = std::sqrt(T * p * (1 - p));
  for (int k = 0; k < n; ++k) EXPECT_LT(std::fabs(hits[k] - T * p), 5 * sd) << "index " << k << ": " << hits[k];
}

TEST(WalkMove, SemidefiniteCholeskyReproducesRankDeficientCovariance) {
  // A = B B^T with B 4 x 2 (rank 2), and a full-rank 3 x 3 matrix.
  const double B[4][2] = {{1.0, 0.5}, {-2.0, 1.0}, {0.3, 0.3}, {1.0, -1.0}};
  std::vector<double> A(16);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) A[i * 4 + j] = B[i][0] * B[j][0] + B[i][1] * B[j][1];
  std::vector<double> L = A;
  cholesky_semidefinite(L.data(), 4);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += L[i * 4 + k] * L[j * 4 + k];
      EXPECT_NEAR(s, A[i * 4 + j], 1e-12) << "(" << i << "," << j << ")";
      if (j > i) {
        EXPECT_EQ(L[i * 4 + j], 0.0);
      }
    }
  const std::vector<double> F = {4, 2, -1, 2, 3, 0.5, -1, 0.5, 2};
  std::vector<double> LF = F;
  cholesky_semidefinite(LF.data(), 3);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += LF[i * 3 + k] * LF[j * 3 + k];
      EXPECT_NEAR(s, F[i * 3 + j], 1e-13);
    }
  EXPECT_NEAR(LF[0], 2.0, 1e-15);
}

}  // namespace
}  // namespace ensemble
}  // namespace lockstep
