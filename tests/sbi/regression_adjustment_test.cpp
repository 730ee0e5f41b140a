// host/algorithms/abc/regression_adjustment.hpp: an exactly linear relation between u and the
// statistics is removed exactly (every adjusted value is the regression line at s_obs); with
// additive noise the adjusted spread is the noise's, at s_obs when it varies (the heteroscedastic
// correction); constant statistics are left out; the kernel keeps the particles within the
// weighted bandwidth_quantile-quantile distance; too few particles in the
// kernel, or non-finite statistics, leave the particles as they were, with the reason.
#include "host/algorithms/abc/regression_adjustment.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace lockstep {
namespace {

/// n particles: s = (z1, z2) standard normal, u = 1 + 2 z1 - 0.5 z2 + noise e ~ N(0, sigma_i),
/// sigma_i = sigma exp(hetero z1) (the noise's spread grows with z1 when hetero > 0).
AdjustmentInput linear_sample(int n, double sigma, unsigned seed, double hetero = 0) {
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
    in.u.push_back(1 + 2 * z1 - 0.5 * z2 + sigma * std::exp(hetero * z1) * z(rng));
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
    if (out.weights[i] > 0) {
      EXPECT_NEAR(out.u[i], at_obs, 1e-10) << "particle " << i;
    }
  }
}

/// The weighted mean and sd of the adjusted values, and their ESS.
struct Spread {
  double mean = 0, sd = 0, ess = 0;
};
Spread adjusted_spread(const AdjustmentInput& in, const AdjustmentOutput& out) {
  double sw = 0, sw2 = 0, m = 0;
  for (int i = 0; i < in.n; ++i) {
    sw += out.weights[i];
    sw2 += out.weights[i] * out.weights[i];
    m += out.weights[i] * out.u[i];
  }
  m /= sw;
  double v = 0;
  for (int i = 0; i < in.n; ++i) v += out.weights[i] * (out.u[i] - m) * (out.u[i] - m);
  return {m, std::sqrt(v / sw), sw * sw / sw2};
}

// Noise whose spread depends on the statistics (Blum and Francois 2010): the heteroscedastic
// correction rescales each residual to the spread at s_obs, sigma exp(hetero * 0.3) here; the
// plain linear adjustment would keep the kernel's mixture of spreads.
TEST(RegressionAdjustment, TheAdjustedSpreadIsTheNoisesAtSobsWhenItVaries) {
  const double sigma = 0.25, hetero = 1.0;
  const AdjustmentInput in = linear_sample(40000, sigma, 6, hetero);
  const AdjustmentOutput out = linear_regression_adjustment(in);
  ASSERT_TRUE(out.applied) << out.note;
  const Spread a = adjusted_spread(in, out);
  const double want_sd = sigma * std::exp(hetero * 0.3), at_obs = 1 + 2 * 0.3 - 0.5 * -0.2;
  const double tol_mean = 5 * want_sd / std::sqrt(a.ess), tol_sd = 5 * want_sd / std::sqrt(2 * a.ess);
  EXPECT_NEAR(a.mean, at_obs, tol_mean) << "tolerance 5 MCSE = " << tol_mean << " (ESS " << a.ess << ")";
  EXPECT_NEAR(a.sd, want_sd, tol_sd) << "tolerance 5 MCSE = " << tol_sd << " (ESS " << a.ess << ")";
}

TEST(RegressionAdjustment, TheAdjustedSpreadIsTheNoisesAndCentredOnTheLineAtSobs) {
  const double sigma = 0.25;
  const AdjustmentInput in = linear_sample(20000, sigma, 2);
  const AdjustmentOutput out = linear_regression_adjustment(in);
  ASSERT_TRUE(out.applied) << out.note;
  const Spread a = adjusted_spread(in, out);
  const double at_obs = 1 + 2 * 0.3 - 0.5 * -0.2;
  const double tol_mean = 5 * sigma / std::sqrt(a.ess), tol_sd = 5 * sigma / std::sqrt(2 * a.ess);
  EXPECT_NEAR(a.mean, at_obs, tol_mean) << "tolerance 5 MCSE = " << tol_mean << " (ESS " << a.ess << ")";
  EXPECT_NEAR(a.sd, sigma, tol_sd) << "tolerance 5 MCSE = " << tol_sd << " (ESS " << a.ess << ")";
  // The kernel: the particles within the (equally weighted) bandwidth_quantile-quantile distance.
  EXPECT_NEAR(out.in_kernel, in.n * in.bandwidth_quantile, 2);
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
  AdjustmentInput few = linear_sample(8, 0.1, 4);  // ~2 in the kernel for 2 statistics
  AdjustmentOutput out = linear_regression_adjustment(few);
  EXPECT_FALSE(out.applied);
  EXPECT_NE(out.note.find("effective sample"), std::string::npos) << out.note;
  EXPECT_EQ(out.u, few.u);
  EXPECT_EQ(out.weights, few.weights);
  // 120 particles: ~30 in the kernel, an effective sample ~25, below the 50 that 3
  // coefficients get (the floor); 600: ~150 in it, adjusted.
  AdjustmentInput some = linear_sample(120, 0.1, 4);
  out = linear_regression_adjustment(some);
  EXPECT_FALSE(out.applied) << out.note;
  EXPECT_LT(out.kernel_ess, adjustment_min_ess(2));
  EXPECT_NE(out.note.find("need 50"), std::string::npos) << out.note;
  AdjustmentInput enough = linear_sample(600, 0.1, 4);
  out = linear_regression_adjustment(enough);
  EXPECT_TRUE(out.applied) << out.note;
  EXPECT_GE(out.kernel_ess, adjustment_min_ess(2));
  EXPECT_EQ(adjustment_min_ess(1), 50);
  EXPECT_EQ(adjustment_min_ess(5), 60);
  AdjustmentInput nan = linear_sample(100, 0.1, 5);
  nan.s[7] = NAN;
  out = linear_regression_adjustment(nan);
  EXPECT_FALSE(out.applied);
  EXPECT_NE(out.note.find("not finite"), std::string::npos) << out.note;
}

}  // namespace
}  // namespace lockstep
