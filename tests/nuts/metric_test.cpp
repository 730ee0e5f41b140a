// The metrics of kernels/hmc/metric.hpp that NUTS runs under (here, with test_nuts, because
// the dense metric is NUTS's): momentum draws p ~ N(0, M) with M = (M^-1)^-1, sharp momentum,
// kinetic energy, and a dense metric that happens to be diagonal reproducing the diagonal
// metric's momentum draws (bit for bit) and leapfrog steps (to rounding). Also the host-side dense-metric helpers
// (host/adapt/dense_metric.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "host/adapt/dense_metric.hpp"
#include "host/algorithms/nuts/nuts_sampler.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/strided.hpp"
#include "kernels/hmc/metric.hpp"
#include "models/std_normal.hpp"
#include "tests/build_config.hpp"

namespace lockstep {
namespace testing {
namespace {

// M^-1 (3 x 3, SPD) and its inverse M, by hand: M^-1 = [[4, 2, 0], [2, 5, 1], [0, 1, 2]],
// det = 4 (10 - 1) - 2 (4 - 0) = 28.
const double kMinv[9] = {4, 2, 0, 2, 5, 1, 0, 1, 2};
const double kM[9] = {9.0 / 28, -4.0 / 28, 2.0 / 28, -4.0 / 28, 8.0 / 28, -4.0 / 28, 2.0 / 28, -4.0 / 28, 16.0 / 28};

struct Dense3 {
  std::vector<Real> minv, chol;
  Dense3() : minv(kMinv, kMinv + 9) {
    std::vector<double> L;
    EXPECT_TRUE(adapt::cholesky_lower(std::vector<double>(kMinv, kMinv + 9), 3, L));
    chol.assign(L.begin(), L.end());
  }
  hmc::DenseMetric metric() { return hmc::DenseMetric{Strided<Real>{minv.data(), 1}, Strided<Real>{chol.data(), 1}, 3}; }
};

TEST(DenseMetric, CholeskyFactorReproducesTheMatrix) {
  Dense3 d;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += d.chol[i * 3 + k] * d.chol[j * 3 + k];
      EXPECT_NEAR(s, kMinv[i * 3 + j], real_tol(1e-14)) << i << ", " << j;  // chol is in Real
      if (j > i) {
        EXPECT_EQ(d.chol[i * 3 + j], 0) << "upper triangle " << i << ", " << j;
      }
    }
  std::vector<double> L;
  EXPECT_FALSE(adapt::cholesky_lower({1, 2, 2, 1}, 2, L)) << "indefinite";
  EXPECT_FALSE(adapt::cholesky_lower({NAN, 0, 0, 1}, 2, L)) << "NaN";
}

TEST(DenseMetric, MomentumDrawsHaveCovarianceM) {
  // 200000 draws: the sample covariance's entries have sd ~ sqrt(2/n) M_ii ~ 1e-3; 6e-3 is
  // > 6 sd. E[K] = dim / 2 = 1.5 with sd ~ sqrt(1.5 / n) ~ 3e-3.
  Dense3 d;
  const hmc::DenseMetric metric = d.metric();
  const Rng rng{12345, 7};
  const int n = 200000;
  double cov[9] = {0}, kin = 0;
  std::vector<Real> p(3), ps(3);
  for (int t = 0; t < n; ++t) {
    metric.draw(rng, static_cast<std::uint64_t>(t), Stream::kMomentum, 0, Dense<Real>{p.data()});
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) cov[i * 3 + j] += p[i] * p[j] / n;
    kin += metric.kinetic(Dense<Real>{p.data()}) / n;
  }
  for (int k = 0; k < 9; ++k) EXPECT_NEAR(cov[k], kM[k], 6e-3) << "entry " << k;
  EXPECT_NEAR(kin, 1.5, 0.02);
  // sharp = M^-1 p and kinetic = p . sharp / 2
  metric.sharp(Dense<Real>{p.data()}, Dense<Real>{ps.data()});
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(ps[i], kMinv[i * 3] * p[0] + kMinv[i * 3 + 1] * p[1] + kMinv[i * 3 + 2] * p[2], real_tol(1e-14));
  EXPECT_NEAR(metric.kinetic(Dense<Real>{p.data()}), 0.5 * (p[0] * ps[0] + p[1] * ps[1] + p[2] * ps[2]),
              real_tol(1e-14));
}

TEST(DenseMetric, DiagonalDenseMetricEqualsDiagonalMetric) {
  // M^-1 = diag(0.5, 2, 1.5, 0.25): the draws agree exactly; leapfrog steps to rounding (the
  // diagonal drift rounds (eps m) p, the dense one eps (m p)).
  const std::vector<Real> diag = {0.5, 2, 1.5, 0.25};
  std::vector<Real> full(16, 0), chol(16, 0);
  for (int i = 0; i < 4; ++i) {
    full[i * 5] = diag[i];
    chol[i * 5] = std::sqrt(diag[i]);
  }
  std::vector<Real> minv = diag;
  const hmc::DiagMetric dm{Strided<Real>{minv.data(), 1}, 4};
  const hmc::DenseMetric fm{Strided<Real>{full.data(), 1}, Strided<Real>{chol.data(), 1}, 4};
  const Rng rng{99, 3};
  std::vector<Real> p1(4), p2(4), q1 = {0.3, -1, 2, 0.5}, q2 = q1, g1(4), g2(4);
  const models::StdNormal model;
  const models::StdNormalData data{4};
  model.log_density_and_grad(data, Dense<Real>{q1.data()}, Dense<Real>{g1.data()});
  g2 = g1;
  dm.draw(rng, 5, Stream::kMomentum, 0, Strided<Real>{p1.data(), 1});
  fm.draw(rng, 5, Stream::kMomentum, 0, Strided<Real>{p2.data(), 1});
  for (int i = 0; i < 4; ++i) ASSERT_EQ(p1[i], p2[i]) << "draw " << i;
  for (int s = 0; s < 20; ++s) {
    const Real e = s % 3 == 0 ? Real(-0.3) : Real(0.3);
    const Real l1 = hmc::leapfrog_step(model, data, 4, Dense<Real>{q1.data()}, Dense<Real>{p1.data()},
                                       Dense<Real>{g1.data()}, dm, e);
    const Real l2 = hmc::leapfrog_step(model, data, 4, Dense<Real>{q2.data()}, Dense<Real>{p2.data()},
                                       Dense<Real>{g2.data()}, fm, e);
    ASSERT_NEAR(l1, l2, real_tol(1e-13)) << "step " << s;
    for (int i = 0; i < 4; ++i) {
      ASSERT_NEAR(q1[i], q2[i], real_tol(1e-13)) << "step " << s;
      ASSERT_NEAR(p1[i], p2[i], real_tol(1e-13)) << "step " << s;
    }
  }
}

TEST(DenseMetricAdaptation, RegularizationAndPooledCovariance) {
  // Stan's covar_adaptation: (n / (n + 5)) Sigma + 1e-3 (5 / (n + 5)) I
  std::vector<double> a = {2, 1, 1, 3};
  adapt::regularize_covariance(a, 2, 15);
  EXPECT_DOUBLE_EQ(a[0], 0.75 * 2 + 1e-3 * 0.25);
  EXPECT_DOUBLE_EQ(a[1], 0.75 * 1);
  EXPECT_DOUBLE_EQ(a[2], 0.75 * 1);
  EXPECT_DOUBLE_EQ(a[3], 0.75 * 3 + 1e-3 * 0.25);
  // two chains of 3 draws each in 2-d, pooled from per-chain Welford sums, against the
  // two-pass covariance of all 6 draws
  const double x[2][3][2] = {{{1, 2}, {2, 0}, {4, 1}}, {{-1, 1}, {0, 3}, {2, 2}}};
  const int n_pad = 3;  // one padding chain that must be ignored
  std::vector<double> mean(2 * n_pad, 0), m2(4 * n_pad, 0);
  for (int c = 0; c < 2; ++c)
    for (int k = 0; k < 3; ++k) {
      const double f = static_cast<double>(k) / (k + 1);
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) m2[(i * 2 + j) * n_pad + c] += f * (x[c][k][i] - mean[i * n_pad + c]) * (x[c][k][j] - mean[j * n_pad + c]);
      for (int i = 0; i < 2; ++i) mean[i * n_pad + c] += (x[c][k][i] - mean[i * n_pad + c]) / (k + 1);
    }
  mean[2] = mean[5] = 1e6;  // the padding chain
  const std::vector<double> pooled = adapt::pooled_covariance(mean, m2, 2, n_pad, 2, 3);
  double mu[2] = {0, 0}, S[4] = {0, 0, 0, 0};
  for (const auto& chain : x)
    for (const auto& v : chain)
      for (int i = 0; i < 2; ++i) mu[i] += v[i] / 6;
  for (const auto& chain : x)
    for (const auto& v : chain)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) S[i * 2 + j] += (v[i] - mu[i]) * (v[j] - mu[j]) / 5;
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(pooled[k], S[k], 1e-12) << "entry " << k;
  const std::vector<double> c0 = adapt::chain_covariance(m2, 2, n_pad, 0, 3);
  EXPECT_NEAR(c0[0], 7.0 / 3, 1e-12);  // x = 1, 2, 4: variance 7/3
  EXPECT_NEAR(c0[1], -0.5, 1e-12);     // cov((1,2,4), (2,0,1)) = -1/2
}

TEST(NutsChainStride, OddNumberOfCacheLines) {
  if constexpr (kGpuShape) {
    // the GPU shape: one chain per lane, no CPU-only padding (tests/backend/shape_test.cpp)
    for (int n : {1, 8, 9, 1024, 4096, 4100}) EXPECT_EQ(nuts_detail::chain_stride(n), n) << n;
    return;
  }
  // L Reals per 64-byte line (8 doubles: 1 -> 8, 9 -> 24, 1024 -> 1032, 4096 -> 4104)
  constexpr int L = static_cast<int>(64 / sizeof(Real));
  EXPECT_EQ(nuts_detail::chain_stride(1), L);
  EXPECT_EQ(nuts_detail::chain_stride(L), L);
  EXPECT_EQ(nuts_detail::chain_stride(L + 1), 3 * L);
  EXPECT_EQ(nuts_detail::chain_stride(128 * L), 129 * L);
  EXPECT_EQ(nuts_detail::chain_stride(512 * L), 513 * L);
  EXPECT_EQ(nuts_detail::chain_stride(512 * L + 4), 513 * L);
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
