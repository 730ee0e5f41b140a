// The gradient checker itself: its finite differences are accurate, and it catches a
// gradient that is wrong by more than its tolerance.
#include "tests/models/gradient_check.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "models/std_normal.hpp"

namespace lockstep {
namespace testing_models {
namespace {

TEST(GradientCheck, RichardsonDerivativeIsAccurate) {
  const double x0 = 0.3;
  Derivative d = richardson_derivative([&](double t) { return std::exp(3 * (x0 + t)); }, 0.1);
  EXPECT_NEAR(d.value, 3 * std::exp(0.9), 1e-11 * 3 * std::exp(0.9));
  EXPECT_LT(d.error, 1e-9);
  d = richardson_derivative([&](double t) { return std::log1p(std::exp(x0 + t)) * 1e6; }, 0.1);
  EXPECT_NEAR(d.value, 1e6 / (1 + std::exp(-x0)), 1e-10 * 1e6);
  d = richardson_derivative([&](double t) { return std::sin(5 * (x0 + t)); }, 0.1);
  EXPECT_NEAR(d.value, 5 * std::cos(1.5), 1e-10);
}

/// StdNormal whose gradient is off by `eps` * max(1, |g_k|) in coordinate k.
struct SkewedStdNormal {
  using Data = models::StdNormalData;
  double eps;
  int k;
  int dim(const Data& d) const { return d.dim; }
  int n_out(const Data& d) const { return d.dim; }
  template <class V, class G>
  auto log_density_and_grad(const Data& d, V q, G g) const -> typename V::value_type {
    const auto lp = models::StdNormal().log_density_and_grad(d, q, g);
    g[k] += eps * std::max(1.0, std::fabs(g[k]));
    return lp;
  }
};

TEST(GradientCheck, CatchesAGradientWrongBeyondTolerance) {
  const models::StdNormalData d{5};
  const std::vector<double> q = {0.5, -1.5, 2.0, 0.25, -3.0};
  EXPECT_TRUE(gradient_matches(SkewedStdNormal{0.0, 2}, d, q));
  EXPECT_TRUE(gradient_matches(SkewedStdNormal{1e-8, 2}, d, q));  // well inside 1e-6
  for (int k = 0; k < 5; ++k) {
    EXPECT_FALSE(gradient_matches(SkewedStdNormal{3e-6, k}, d, q)) << "coordinate " << k;
    EXPECT_FALSE(gradient_matches(SkewedStdNormal{-3e-6, k}, d, q)) << "coordinate " << k;
  }
}

TEST(GradientCheck, StandardPointsAreFixedAndInRange) {
  const auto a = standard_points(3, 42), b = standard_points(3, 42), c = standard_points(3, 43);
  ASSERT_EQ(a.size(), 20u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  double widest = 0;
  for (std::size_t k = 0; k < a.size(); ++k)
    for (double x : a[k]) {
      EXPECT_LE(std::fabs(x), k < 12 ? 2.0 : 5.0);
      widest = std::max(widest, std::fabs(x));
    }
  EXPECT_GT(widest, 2.0);  // the wider points do reach beyond the inner box
}

}  // namespace
}  // namespace testing_models
}  // namespace lockstep
