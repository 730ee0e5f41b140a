// host/algorithms/abc/regression_adjustment.hpp: an exactly linear relation between u and the
// statistics is removed exactly (every adjusted value is the regression line at s_obs); with
// additive noise the adjusted spread is the noise's; constant statistics are left out; the
// kernel keeps the particles within the weighted median distance; too few particles in the
// kernel, or non-finite statistics, leave the particles as they were, with the reason.
#include "host/algorithms/abc/regression_adjustment.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace lockstep {
namespace {

/// n particles: s = (z1, z2) standard normal, u = 1 + 2 z1 - 0.5 z2 + noise e ~ N(0, sigma).
AdjustmentInput linear_sample(int n, double sigma, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0, 1);
  AdjustmentInput in;
  in.n = n;
  in.d = 1;
  in.k = 2;
  in.s_obs = {0.3, -0.2};
  for (int i = 0; i < n; ++i) {
    const double z1 = z(rng), z2 = z(rng);
    in.s.insert(in.s.end(), {z1, z2});
    in.u.push_back(1 + 2 * z1 - 0.5 * z2 + sigma * z(rng));
    in.weights.push_back(1.0);
  }
  return in;
}

TEST(RegressionAdjustment, AnExactLinearRelationIsRemovedExactly) {
  const AdjustmentInput in = linear_sample(400, 0.0, 1);
  const AdjustmentOutput out = linear_regression_adjustment(in);
  ASSERT_TRUE(out.applied) << out.note;
  EXPECT_EQ(out.statistics_used, 2);
  const double at_obs = 1 + 2 * 0.3 - 0.5 * -0.2;
  for (int i = 0; i < in.n; ++i) {
    if (out.weights[i] > 0) EXPECT_NEAR(out.u[i], at_obs, 1e-10) << "particle " << i;
  }
}

TEST(RegressionAdjustment, TheAdjustedSpreadIsTheNoisesAndCentredOnTheLineAtSobs) {
  const double sigma = 0.25;
  const AdjustmentInput in = linear_sample(20000, sigma, 2);
  const AdjustmentOutput out = linear_regression_adjustment(in);
  ASSERT_TRUE(out.applied) << out.note;
  double sw = 0, sw2 = 0, m = 0;
  for (int i = 0; i < in.n; ++i) {
    sw += out.weights[i];
    sw2 += out.weights[i] * out.weights[i];
    m += out.weights[i] * out.u[i];
  }
  m /= sw;
  double v = 0;
  for (int i = 0; i < in.n; ++i) v += out.weights[i] * (out.u[i] - m) * (out.u[i] - m);
  const double sd = std::sqrt(v / sw), ess = sw * sw / sw2;
  const double at_obs = 1 + 2 * 0.3 - 0.5 * -0.2;
  const double tol_mean = 5 * sigma / std::sqrt(ess), tol_sd = 5 * sigma / std::sqrt(2 * ess);
  EXPECT_NEAR(m, at_obs, tol_mean) << "tolerance 5 MCSE = " << tol_mean << " (ESS " << ess << ")";
  EXPECT_NEAR(sd, sigma, tol_sd) << "tolerance 5 MCSE = " << tol_sd << " (ESS " << ess << ")";
  // The kernel: the particles within the (equally weighted) median distance.
  EXPECT_NEAR(out.in_kernel, in.n / 2, 2);
}

TEST(RegressionAdjustment, AConstantStatisticIsLeftOut) {
  AdjustmentInput in = linear_sample(300, 0.0, 3);
  std::vector<double> s3;
  for (int i = 0; i < in.n; ++i) s3.insert(s3.end(), {in.s[2 * i], 7.0, in.s[2 * i + 1]});
  in.s = s3;
  in.k = 3;
  in.s_obs = {0.3, 7.0, -0.2};
  const AdjustmentOutput out = linear_regression_adjustment(in);
  ASSERT_TRUE(out.applied) << out.note;
  EXPECT_EQ(out.statistics_used, 2);
}

TEST(RegressionAdjustment, TooFewParticlesOrNonFiniteStatisticsLeaveTheSampleAsItWas) {
  AdjustmentInput few = linear_sample(8, 0.1, 4);  // ~4 in the kernel for 2 statistics (needs 6)
  AdjustmentOutput out = linear_regression_adjustment(few);
  EXPECT_FALSE(out.applied);
  EXPECT_NE(out.note.find("particles in the kernel"), std::string::npos) << out.note;
  EXPECT_EQ(out.u, few.u);
  EXPECT_EQ(out.weights, few.weights);
  AdjustmentInput nan = linear_sample(100, 0.1, 5);
  nan.s[7] = NAN;
  out = linear_regression_adjustment(nan);
  EXPECT_FALSE(out.applied);
  EXPECT_NE(out.note.find("not finite"), std::string::npos) << out.note;
}

}  // namespace
}  // namespace lockstep
