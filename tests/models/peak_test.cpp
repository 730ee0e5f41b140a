// models/peak.hpp: gradient against finite differences (20 random points and near every
// box edge), value against an independent formula, the constrained density (the ensemble
// contract: -inf outside the open box, a select that also hides NaN), its consistency with
// the unconstrained one through the logit Jacobian, prior draws, SIMD/scalar agreement,
// loading from CSV and JSON, and refused data.
#include "models/peak.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <vector>

#include "host/io/csv_data.hpp"
#include "tests/models/gradient_check.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace testing_models {
namespace {

using models::Peak;

const double kLo[5] = {-2, -2, 0, -2, -2};
const double kHi[5] = {2, 2, 2, 2, 2};

std::unique_ptr<DataSource> peak_csv() { return load_csv_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/peak.csv"); }

Loaded<Peak> load_peak_csv() { return load_model<Peak>({}, peak_csv().get()); }

/// The built-in peak model of the model table (its capabilities run as one-lane launches).
std::unique_ptr<AnyModel> builtin_peak(const std::map<std::string, std::string>& options = {}) {
  return load_builtin("peak", options, peak_csv().get());
}

struct PeakRef {
  std::vector<double> x, y, err;
  /// Independent: Gaussian log likelihood with known errors (constants dropped) at theta.
  double loglik(const std::vector<double>& th) const {
    double s = 0;
    for (std::size_t n = 0; n < x.size(); ++n) {
      const double f = th[0] * std::exp(-std::pow(th[1] - x[n], 2) / (2 * th[2] * th[2])) + th[3] + th[4] * x[n];
      s -= 0.5 * std::pow((y[n] - f) / err[n], 2);
    }
    return s;
  }
  /// Unconstrained: theta = lo + (hi - lo) / (1 + e^-q), uniform prior, log Jacobian.
  double operator()(const std::vector<double>& q) const {
    std::vector<double> th(5);
    double lj = 0;
    for (int i = 0; i < 5; ++i) {
      const double p = 1.0 / (1.0 + std::exp(-q[i]));
      th[i] = kLo[i] + (kHi[i] - kLo[i]) * p;
      lj += std::log(kHi[i] - kLo[i]) + std::log(p) + std::log1p(-p) - std::log(kHi[i] - kLo[i]);
    }
    return loglik(th) + lj;
  }
};

PeakRef reference_from_csv() {
  auto src = load_csv_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/peak.csv");
  return PeakRef{src->get_reals("x"), src->get_reals("y"), src->get_reals("y_err")};
}

std::vector<double> theta_of(const Loaded<Peak>& m, const std::vector<double>& q) { return outputs(m.model, m.data, q); }

/// gradient_matches with the finite-difference start step scaled to the peak width: near
/// s = 0 the likelihood has features of width ~s in m (and so in q_m), which the generic
/// start step 0.1 jumps over. h0 = 0.1 min(1, s) in every coordinate.
::testing::AssertionResult gradient_matches_at_width(const Loaded<Peak>& m, const std::vector<double>& q) {
  std::vector<double> g;
  const double lp = log_density(m.model, m.data, q, &g);
  const double width = std::min(1.0, theta_of(m, q)[2]);
  std::vector<double> x = q;
  for (int i = 0; i < 5; ++i) {
    auto f = [&](double t) {
      x[i] = q[i] + t;
      const double v = log_density(m.model, m.data, x);
      x[i] = q[i];
      return v;
    };
    // Steps as the model sees them (q + t rounded to Real), and the rounding floor of the
    // differences in float (tests/build_config.hpp), as in gradient_matches.
    const Derivative fd = richardson_derivative(f, 0.1 * width * std::max(1.0, std::fabs(q[i])),
                                                [&](double t) { return check::real_offset(q[i], t); });
    const double tol = testing::kGradTol * std::max(1.0, std::fabs(g[i])) + testing::fd_rounding_floor(lp, fd.step);
    if (!(std::fabs(g[i] - fd.value) <= tol))
      return ::testing::AssertionFailure() << std::setprecision(17) << "d lp / d q[" << i << "]: analytic " << g[i]
                                           << ", finite difference " << fd.value << " (estimated error " << fd.error
                                           << ", step " << fd.step << "), |gap| " << std::fabs(g[i] - fd.value) << " > tolerance " << tol
                                           << " at q = (" << q[0] << ", " << q[1] << ", " << q[2] << ", " << q[3]
                                           << ", " << q[4] << ")";
  }
  return ::testing::AssertionSuccess();
}

TEST(Peak, GradientMatchesFiniteDifferencesAtRandomPoints) {
  const auto m = load_peak_csv();
  ASSERT_EQ(m.model.dim(m.data), 5);
  expect_gradients_match(m.model, m.data, standard_points(5, 4242));
}

TEST(Peak, GradientMatchesFiniteDifferencesNearTheBoxEdges) {
  // |q| = 6..14 puts theta within 2.5e-3 .. 3e-6 (relative to the width) of an edge: s -> 0
  // (a narrow spike: the finite differences start at a step of the spike's width), l, m, a,
  // b -> +-2.
  const auto m = load_peak_csv();
  PointGenerator gen(777);
  std::vector<std::vector<double>> pts;
  for (int i = 0; i < 5; ++i)
    for (double edge : {-14.0, -9.0, -6.0, 6.0, 9.0, 14.0}) {
      std::vector<double> q = gen.point(5, -1.5, 1.5);
      q[i] = edge;
      pts.push_back(q);
    }
  std::vector<double> corner = {10, -10, -7, 10, -10};  // several edges at once
  pts.push_back(corner);
  for (std::size_t k = 0; k < pts.size(); ++k) EXPECT_TRUE(gradient_matches_at_width(m, pts[k])) << "edge point " << k;
  for (const auto& q : pts) {
    const std::vector<double> th = theta_of(m, q);
    for (int i = 0; i < 5; ++i) {
      EXPECT_GT(th[i], kLo[i]);
      EXPECT_LT(th[i], kHi[i]);
    }
  }
}

TEST(Peak, LogDensityMatchesAnIndependentFormula) {
  const auto m = load_peak_csv();
  const PeakRef ref = reference_from_csv();
  expect_log_density_differences(m.model, m.data, ref, standard_points(5, 99));
}

TEST(Peak, ConstrainedAndUnconstrainedAgreeThroughTheJacobian) {
  // log p(q) = log p_theta(theta(q)) + sum_i log((hi_i - lo_i) p_i (1 - p_i)): the logit
  // transform's change of variables, with the same constant.
  const auto m = load_peak_csv();
  const PeakRef ref = reference_from_csv();
  for (const auto& q : standard_points(5, 3131)) {
    std::vector<Real> th_r;
    for (double t : theta_of(m, q)) th_r.push_back(static_cast<Real>(t));
    const std::vector<double> th(th_r.begin(), th_r.end());
    double lj = 0;
    for (int i = 0; i < 5; ++i) {
      const double p = 1.0 / (1.0 + std::exp(-q[i]));
      lj += std::log((kHi[i] - kLo[i]) * p * (1 - p));
    }
    const double lpc = m.model.log_density_constrained(m.data, Dense<Real>{th_r.data()});
    const double lpq = log_density(m.model, m.data, q);
    EXPECT_NEAR(lpq, lpc + lj, testing::real_tol(1e-10) * std::max(1.0, std::fabs(lpq)));
    // and the constrained density is the likelihood minus log(box volume) = log(4^4 * 2)
    EXPECT_NEAR(lpc, ref.loglik(th) - std::log(512.0), testing::real_tol(1e-10) * std::max(1.0, std::fabs(lpc)));
  }
}

TEST(Peak, ConstrainedDensityIsMinusInfinityOutsideTheOpenBox) {
  const auto m = load_peak_csv();
  const std::vector<double> inside = {1.0, 0.5, 0.1, -0.1, 0.4};
  auto lp = [&](const std::vector<double>& th) {
    std::vector<Real> t(th.begin(), th.end());
    return static_cast<double>(m.model.log_density_constrained(m.data, Dense<Real>{t.data()}));
  };
  EXPECT_TRUE(std::isfinite(lp(inside)));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int i = 0; i < 5; ++i)
    for (double v : {kLo[i], kHi[i], kLo[i] - 1e-12, kHi[i] + 0.5, nan}) {
      std::vector<double> th = inside;
      th[i] = v;
      const double r = lp(th);
      EXPECT_TRUE(std::isinf(r) && r < 0) << "theta[" << i << "] = " << v << ": lp " << r;
    }
  // s = 0 exactly would give 0/0 = NaN inside the likelihood: the select must hide it
  std::vector<double> s0 = inside;
  s0[2] = 0;
  s0[1] = 0.3;
  EXPECT_EQ(lp(s0), -std::numeric_limits<double>::infinity());
  // the block (Batch<8>) evaluation selects per chain: chains 0..7 alternate in and out
  constexpr int W = 8;
  std::vector<Real> q(5 * W);
  for (int w = 0; w < W; ++w)
    for (int p = 0; p < 5; ++p)
      q[p * W + w] = static_cast<Real>(inside[p] + (w % 2 ? (p == 2 ? -0.2 : 0.0) : 0.01 * w));
  const Batch<W> b = m.model.log_density_constrained(m.data, BlockView<W>{q.data(), W});
  for (int w = 0; w < W; ++w) {
    std::vector<double> th(5);
    for (int p = 0; p < 5; ++p) th[p] = q[p * W + w];
    if (w % 2) {
      EXPECT_EQ(b[w], -std::numeric_limits<double>::infinity()) << "chain " << w;
    } else {
      EXPECT_NEAR(b[w], lp(th), testing::real_tol(1e-12) * std::fabs(lp(th))) << "chain " << w;
    }
  }
}

TEST(Peak, PriorDrawsAreUniformInTheBox) {
  const auto m = load_peak_csv();
  const int n = 20000;
  double sum[5] = {0, 0, 0, 0, 0};
  for (int k = 0; k < n; ++k) {
    std::vector<Real> th(5);
    m.model.prior_draw(m.data, Rng{17, static_cast<std::uint32_t>(k)}, 0, Dense<Real>{th.data()});
    for (int i = 0; i < 5; ++i) {
      ASSERT_GT(th[i], kLo[i]);
      ASSERT_LT(th[i], kHi[i]);
      sum[i] += th[i];
    }
  }
  for (int i = 0; i < 5; ++i) {
    const double mid = 0.5 * (kLo[i] + kHi[i]), sd = (kHi[i] - kLo[i]) / std::sqrt(12.0 * n);
    EXPECT_NEAR(sum[i] / n, mid, 5 * sd) << "parameter " << i;
  }
}

TEST(Peak, BlockMatchesScalar) {
  const auto m = load_peak_csv();
  expect_block_matches_scalar<8>(m.model, m.data, 55);
  expect_block_matches_scalar<4>(m.model, m.data, 56, -8.0, 8.0);
}

TEST(Peak, UnconstrainRoundTripsAndRefusesOutsideValues) {
  const auto m = load_peak_csv();
  const std::vector<double> th = {0.5, 0.6, 0.2, -0.2, 0.1};
  const std::vector<double> q = Peak::unconstrain(m, th);
  const std::vector<double> back = theta_of(m, q);
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(back[i], th[i], testing::real_tol(1e-14));
  EXPECT_EQ(input_error_of([&] { Peak::unconstrain(m, {0.5, 0.6, 0.0, -0.2, 0.1}); }),
            "s: initial value 0 is outside the prior box (0, 2)");
}

TEST(Peak, OutputsStayInsideTheOpenBoxAtExtremeUnconstrainedValues) {
  // lo + (hi - lo) inv_logit(q) rounds to the edge itself once |q| > ~37 (an NPE draw from the
  // network's far tail once gave l = 2 exactly, outside the open box (0, 2)).
  for (const auto& m : {load_peak_csv(), load_model<Peak>({{"prior", "sbi"}}, peak_csv().get())})
    for (double q : {36.0, 38.0, 40.0, 100.0, 800.0, -38.0, -100.0, -800.0}) {
      const std::vector<double> th = theta_of(m, std::vector<double>(5, q));
      for (int i = 0; i < 5; ++i) {
        EXPECT_GT(th[i], m.data.lo[i]) << "q " << q << " i " << i;
        EXPECT_LT(th[i], m.data.hi[i]) << "q " << q << " i " << i;
      }
      std::vector<Real> tr(th.begin(), th.end());
      EXPECT_TRUE(std::isfinite(static_cast<double>(m.model.log_prior(m.data, Dense<Real>{tr.data()})))) << "q " << q;
    }
}

TEST(Peak, CsvAndJsonGiveTheSameModel) {
  const auto a = load_peak_csv();
  auto json = repo_data("peak.json");
  const auto b = load_model<Peak>({}, json.get());
  ASSERT_EQ(a.data.N, 40);
  ASSERT_EQ(b.data.N, 40);
  for (const auto& q : standard_points(5, 8)) EXPECT_EQ(log_density(a.model, a.data, q), log_density(b.model, b.data, q));
  EXPECT_EQ(a.names, (std::vector<std::string>{"l", "m", "s", "a", "b"}));
}

TEST(Peak, RefusesBadData) {
  auto csv = [](const std::string& text) {
    auto src = parse_csv_data(text, "bad.csv");
    return input_error_of([&] { load_model<Peak>({}, src.get()); });
  };
  EXPECT_EQ(csv("x,y,y_err\n0.1,0.2,0.1\n0.3,0.4,0\n"), "bad.csv: field 'y_err': value 2 is 0, must be positive");
  EXPECT_EQ(csv("x,y,yerr\n0.1,0.2,0.1\n"), "bad.csv: field 'y_err': missing (columns: x, y, yerr)");
  EXPECT_EQ(input_error_of([] { load_model<Peak>({}, nullptr); }), "--data: model 'peak' needs a data file");
}

/// z-scores of K simulations at theta, per data point: mean ~ N(0, 1/K), variance ~ 1 with
/// sd sqrt(2/K); the bounds are 5 of those sd (the draws are fixed by the seed).
TEST(Peak, SimulatorHasTheLikelihoodsNoiseModel) {
  const auto any = builtin_peak();
  const AnyModel& model = *any;
  const PeakRef ref = reference_from_csv();
  const std::vector<double> theta = {1.0, 0.5, 0.1, -0.1, 0.4};
  constexpr int K = 2000;
  const std::size_t N = ref.x.size();
  std::vector<double> sum(N, 0), sum2(N, 0);
  for (int k = 0; k < K; ++k) {
    const std::vector<double> y = model.simulate(theta, 42, static_cast<std::uint32_t>(k));
    ASSERT_EQ(y.size(), N);
    for (std::size_t n = 0; n < N; ++n) {
      const double f = theta[0] * std::exp(-std::pow(theta[1] - ref.x[n], 2) / (2 * theta[2] * theta[2])) +
                       theta[3] + theta[4] * ref.x[n];
      const double z = (y[n] - f) / ref.err[n];
      sum[n] += z;
      sum2[n] += z * z;
    }
  }
  for (std::size_t n = 0; n < N; ++n) {
    const double mean = sum[n] / K, var = sum2[n] / K - mean * mean;
    EXPECT_LT(std::fabs(mean), 5 / std::sqrt(double(K))) << "point " << n;
    EXPECT_LT(std::fabs(var - 1), 5 * std::sqrt(2.0 / K)) << "point " << n;
  }
  EXPECT_EQ(model.simulate(theta, 42, 7), model.simulate(theta, 42, 7)) << "reproducible from (seed, index)";
  EXPECT_NE(model.simulate(theta, 42, 7), model.simulate(theta, 42, 8));
  EXPECT_NE(model.simulate(theta, 42, 7), model.simulate(theta, 43, 7));
}

// The simulator's float curve (Peak::noisy_curve): e = exp(t) through float, t the double
// argument -(m - x)^2 / (2 s^2) <= 0, is within kFloatCurveError of e^t everywhere (t rounded to
// float, then exp_upto_88f); whole simulations with the float curve and with the double one
// differ by at most kFloatCurveError |l| a point (same normals); load() picks the float curve
// for data/peak.csv (smallest y_err 0.055) and keeps the double one for a y_err of 1e-6.
TEST(Peak, FloatCurveStaysWithinItsBound) {
  double worst = 0, worst_t = 0;
  for (int i = 0; i <= 2000000; ++i) {
    const double t = -120.0 * std::pow(static_cast<double>(i) / 2000000.0, 2.0);  // dense near 0
    const double err = std::fabs(std::exp(t) - static_cast<double>(exp_upto_88f(static_cast<float>(t))));
    if (err > worst) {
      worst = err;
      worst_t = t;
    }
  }
  std::printf("[ info ] float curve: max |e^t - e_float| = %.3g at t = %.6g (bound %.3g)\n", worst, worst_t,
              Peak::kFloatCurveError);
  EXPECT_LE(worst, Peak::kFloatCurveError) << "at t = " << worst_t;

  Loaded<Peak> m = load_peak_csv();
  ASSERT_TRUE(m.data.curve_in_float) << "data/peak.csv: y_err >= 0.055, far above 1e4 x 3e-7 x |l| <= 2";
  const int N = m.data.N;
  const Real eps = std::numeric_limits<Real>::epsilon();
  double worst_ratio = 0;
  for (std::uint32_t k = 0; k < 2000; ++k) {
    std::vector<Real> th(5), y_float(N), y_double(N);
    m.model.prior_draw(m.data, Rng{23, k}, 0, Dense<Real>{th.data()});
    m.data.curve_in_float = true;
    m.model.simulate(m.data, Dense<Real>{th.data()}, Rng{23, k}, 0, Dense<Real>{y_float.data()});
    m.data.curve_in_float = false;
    m.model.simulate(m.data, Dense<Real>{th.data()}, Rng{23, k}, 0, Dense<Real>{y_double.data()});
    for (int n = 0; n < N; ++n) {
      // the bound, plus the rounding of y's few operations in Real (nothing in double)
      const double tol = Peak::kFloatCurveError * std::fabs(th[0]) + 8 * eps * (1 + std::fabs(y_double[n]));
      const double diff = std::fabs(static_cast<double>(y_float[n]) - y_double[n]);
      worst_ratio = std::max(worst_ratio, diff / tol);
      ASSERT_LE(diff, tol) << "simulation " << k << " point " << n << " l " << th[0];
    }
  }
  std::printf("[ info ] float curve in simulations: worst |difference| / bound = %.3g\n", worst_ratio);

  auto tiny = parse_csv_data("x,y,y_err\n0.1,0.2,0.1\n0.3,0.4,1e-6\n", "tiny.csv");
  EXPECT_FALSE(load_model<Peak>({}, tiny.get()).data.curve_in_float) << "y_err 1e-6: the curve stays in double";
}

TEST(Peak, LogPriorIsTheUniformBox) {
  const auto any = builtin_peak();
  const AnyModel& model = *any;
  const double log_volume = std::log(4.0) * 4 + std::log(2.0);
  EXPECT_NEAR(model.log_prior({1.0, 0.5, 0.1, -0.1, 0.4}), -log_volume, testing::real_tol(1e-12));
  EXPECT_EQ(model.log_prior({1.0, 0.5, 0.0, -0.1, 0.4}), -INFINITY) << "s = 0 is outside the open box";
  EXPECT_EQ(model.log_prior({2.5, 0.5, 0.1, -0.1, 0.4}), -INFINITY);
}

/// --set prior=sbi: the sbi tutorial's BoxUniform for every capability (prior draws, the log
/// prior, the unconstrained transform), and a refused value names the option.
TEST(Peak, SbiPriorIsTheSbiTutorialsBox) {
  auto src = load_csv_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/peak.csv");
  const Loaded<Peak> m = load_model<Peak>({{"prior", "sbi"}}, src.get());
  const double lo[5] = {0, 0, 0, -1, 0}, hi[5] = {2, 1, 1, 1, 1};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(m.data.lo[i], Real(lo[i])) << "parameter " << i;
    EXPECT_EQ(m.data.hi[i], Real(hi[i])) << "parameter " << i;
  }
  const auto any = builtin_peak({{"prior", "sbi"}});
  const AnyModel& model = *any;
  EXPECT_NEAR(model.log_prior({1.0, 0.5, 0.1, -0.1, 0.4}), -(std::log(2.0) * 2), testing::real_tol(1e-12));
  EXPECT_EQ(model.log_prior({-0.5, 0.5, 0.1, -0.1, 0.4}), -INFINITY) << "l < 0 is outside the sbi box";
  for (std::uint32_t k = 0; k < 200; ++k) {  // each call is a one-lane launch: keep it short
    const std::vector<double> th = model.prior_draw(5, k);
    for (int i = 0; i < 5; ++i) {
      ASSERT_GT(th[i], lo[i]) << "draw " << k;
      ASSERT_LT(th[i], hi[i]) << "draw " << k;
    }
  }
  EXPECT_EQ(input_error_of([&] { Peak::unconstrain(m, {-0.5, 0.6, 0.2, -0.2, 0.1}); }),
            "l: initial value -0.5 is outside the prior box (0, 2)");
  EXPECT_NE(input_error_of([&] { load_model<Peak>({{"prior", "flat"}}, src.get()); }).find("prior"),
            std::string::npos);
}

}  // namespace
}  // namespace testing_models
}  // namespace lockstep
