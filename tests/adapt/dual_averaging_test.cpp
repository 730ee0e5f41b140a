// Dual averaging of the log step size (kernels/adapt/dual_averaging.hpp; Hoffman & Gelman 2014,
// section 3.2): the first updates against values computed by hand, and convergence to the
// step size whose acceptance statistic equals the target, at the rate the method predicts,
// on a synthetic sampler whose acceptance is a known function of the step size.
#include "kernels/adapt/dual_averaging.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

namespace lockstep {
namespace adapt {
namespace {

const double kLog10 = std::log(10.0);

TEST(DualAveraging, StansConstants) {
  const DualAveraging da;
  EXPECT_EQ(da.delta, 0.8);
  EXPECT_EQ(da.gamma, 0.05);
  EXPECT_EQ(da.t0, 10.0);
  EXPECT_EQ(da.kappa, 0.75);
}

TEST(DualAveraging, RestartSetsMuToLogTenStepAndClearsTheAverages) {
  DualAveragingState s{1, 2, 3, 4};
  DualAveraging::restart(s, 0.25);
  EXPECT_DOUBLE_EQ(s.mu, std::log(2.5));
  EXPECT_EQ(s.s_bar, 0);
  EXPECT_EQ(s.x_bar, 0);
  EXPECT_EQ(s.counter, 0);
}

// From step 1.0 (mu = log 10), delta = 0.8, accept statistics 0.5, 1.2 (capped to 1), 0.9:
//   t=1: eta = 1/11, s1 = 0.3/11 = 3/110,          x1 = log 10 - 20 s1 = log 10 - 6/11
//        x_bar1 = x1 (weight 1^-0.75 = 1)
//   t=2: eta = 1/12, s2 = (11/12) s1 + (0.8-1)/12 = 0.1/12 = 1/120
//        x2 = log 10 - s2 sqrt(2)/0.05 = log 10 - sqrt(2)/6
//        x_bar2 = (1 - 2^-0.75) x_bar1 + 2^-0.75 x2
//   t=3: eta = 1/13, s3 = (12/13) s2 + (0.8-0.9)/13 = 0.1/13 - 0.1/13 = 0,  x3 = log 10
//        x_bar3 = (1 - 3^-0.75) x_bar2 + 3^-0.75 log 10
// Numerically (30-digit arithmetic): x1 = 1.75713054753950023, x_bar2 = 1.94131035817977476,
// x_bar3 = 2.09979845485489645; steps exp(x): 5.79578278784809512, 7.90015857928346246, 10.
TEST(DualAveraging, FirstUpdatesByHand) {
  DualAveraging da;
  DualAveragingState s;
  DualAveraging::restart(s, 1.0);

  const double x1 = kLog10 - 6.0 / 11.0;
  double eps = da.update(s, 0.5);
  EXPECT_EQ(s.counter, 1);
  EXPECT_NEAR(s.s_bar, 3.0 / 110.0, 1e-16);
  EXPECT_NEAR(eps, std::exp(x1), 1e-14);
  EXPECT_NEAR(eps, 5.79578278784809512, 1e-14);
  EXPECT_NEAR(s.x_bar, x1, 1e-15);
  EXPECT_NEAR(DualAveraging::final_step_size(s), 5.79578278784809512, 1e-14);

  const double x2 = kLog10 - std::sqrt(2.0) / 6.0;
  const double w2 = std::pow(2.0, -0.75);
  eps = da.update(s, 1.2);  // capped at 1
  EXPECT_NEAR(s.s_bar, 1.0 / 120.0, 1e-16);
  EXPECT_NEAR(eps, 7.90015857928346246, 1e-14);
  EXPECT_NEAR(s.x_bar, (1 - w2) * x1 + w2 * x2, 1e-15);
  EXPECT_NEAR(s.x_bar, 1.94131035817977476, 1e-15);

  const double w3 = std::pow(3.0, -0.75);
  eps = da.update(s, 0.9);
  EXPECT_NEAR(s.s_bar, 0.0, 1e-17);
  EXPECT_NEAR(eps, 10.0, 1e-14);
  EXPECT_NEAR(s.x_bar, (1 - w3) * 1.94131035817977476 + w3 * kLog10, 1e-15);
  EXPECT_NEAR(s.x_bar, 2.09979845485489645, 1e-15);
  EXPECT_NEAR(DualAveraging::final_step_size(s), std::exp(2.09979845485489645), 1e-13);
  EXPECT_EQ(s.counter, 3);
}

TEST(DualAveraging, AcceptStatAboveOneIsCappedAndTargetIsUsed) {
  DualAveraging da;
  da.delta = 0.6;
  DualAveragingState a, b;
  DualAveraging::restart(a, 0.3);
  DualAveraging::restart(b, 0.3);
  const double ea = da.update(a, 1.0);
  const double eb = da.update(b, 7.5);
  EXPECT_EQ(ea, eb);
  // s1 = (0.6 - 1)/11, x1 = log 3 + 20 * 0.4/11
  EXPECT_NEAR(ea, std::exp(std::log(3.0) + 8.0 / 11.0), 1e-13);
}

/// Feeds back accept_stat = f(eps) for n updates from step eps0; returns the last step size
/// used and the final (averaged) one.
struct Trace {
  double last, final;
};
Trace feed_back(const std::function<double(double)>& f, double eps0, int n, double delta = 0.8) {
  DualAveraging da;
  da.delta = delta;
  DualAveragingState s;
  DualAveraging::restart(s, eps0);
  double eps = eps0;
  for (int t = 0; t < n; ++t) eps = da.update(s, f(eps));
  return {eps, DualAveraging::final_step_size(s)};
}

// Synthetic sampler: accept_stat(eps) = exp(-eps^2), target 0.8, so eps* = sqrt(-log 0.8).
//
// Rate: s_bar_t is the plain average of (delta - a_i) over i <= t (times t/(t+t0)), and
// x_t = mu - sqrt(t) s_bar_t / gamma. If the error decays as delta - a(x_t) ~ c / sqrt(t),
// the average is 2c / sqrt(t), so c = gamma (mu - x*) / 2 and, linearizing a around x*,
//   x_t - x*  ~  gamma (mu - x*) / (2 |a'(x*)| sqrt(t)),   a'(x) = da/dlog eps.
// For a = exp(-e^{2x}): |a'(x*)| = 2 eps*^2 delta. The bias points toward mu = log(10 eps0).
TEST(DualAveraging, ConvergesToTargetAtThePredictedRate) {
  const double delta = 0.8;
  const double eps_star = std::sqrt(-std::log(delta));
  const double x_star = std::log(eps_star);
  const double slope = 2 * eps_star * eps_star * delta;
  auto accept = [](double eps) { return std::exp(-eps * eps); };
  const int n = 2000;
  for (double eps0 : {1e-3, 1.0, 100.0}) {
    const Trace tr = feed_back(accept, eps0, n, delta);
    const double mu = std::log(10 * eps0);
    const double predicted = kDualAveragingGamma * (mu - x_star) / (2 * slope * std::sqrt(n));
    const double err = std::log(tr.last) - x_star;
    EXPECT_NEAR(err / predicted, 1.0, 0.03)
        << "eps0 " << eps0 << ": log eps_t - log eps* = " << err << ", predicted " << predicted;
    // the averaged iterate: within 1.5% of eps* after 2000 updates, on mu's side
    const double err_bar = std::log(tr.final) - x_star;
    EXPECT_LT(std::fabs(err_bar), 0.015) << "eps0 " << eps0 << ": final step " << tr.final
                                          << " vs eps* " << eps_star;
    EXPECT_GT(err_bar * (mu - x_star), 0) << "eps0 " << eps0;
  }
  // and it keeps converging: 50x more updates, error down by about sqrt(50)
  const Trace a = feed_back(accept, 1.0, 2000, delta), b = feed_back(accept, 1.0, 100000, delta);
  const double ratio = (std::log(a.last) - x_star) / (std::log(b.last) - x_star);
  EXPECT_NEAR(ratio, std::sqrt(50.0), 0.05 * std::sqrt(50.0)) << "error ratio " << ratio;
}

TEST(DualAveraging, OtherTargetAndAcceptanceCurve) {
  // accept_stat(eps) = exp(-(eps/2)^4), target 0.65: eps* = 2 (-log 0.65)^(1/4).
  const double delta = 0.65;
  const double eps_star = 2 * std::pow(-std::log(delta), 0.25);
  auto accept = [](double eps) {
    const double r = eps / 2;
    return std::exp(-r * r * r * r);
  };
  for (double eps0 : {0.01, 2.0, 50.0}) {
    const Trace tr = feed_back(accept, eps0, 5000, delta);
    EXPECT_NEAR(tr.final / eps_star, 1.0, 0.01) << "eps0 " << eps0 << ": final " << tr.final
                                                << " vs eps* " << eps_star;
    EXPECT_NEAR(accept(tr.final), delta, 0.01) << "eps0 " << eps0;
  }
}

TEST(DualAveraging, NoisyAcceptanceConvergesInMean) {
  // Bernoulli acceptance with probability exp(-eps^2), from a fixed LCG: the averaged step
  // must still land near eps*; across 50 seeds (measured) the relative error at 10000 updates has
  // mean -0.035 (noise biases the fixed point) and sd 0.025, so 0.15 is about 4.6 sd.
  const double eps_star = std::sqrt(-std::log(0.8));
  std::uint64_t state = 12345;
  auto uniform = [&state]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (static_cast<double>(state >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  };
  auto accept = [&](double eps) { return uniform() < std::exp(-eps * eps) ? 1.0 : 0.0; };
  const Trace tr = feed_back(accept, 1.0, 10000);
  EXPECT_NEAR(tr.final / eps_star, 1.0, 0.15) << "final " << tr.final << " vs eps* " << eps_star;
}

}  // namespace
}  // namespace adapt
}  // namespace lockstep
