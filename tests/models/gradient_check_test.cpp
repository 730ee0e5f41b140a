// The gradient checker itself: its finite differences are accurate, and it catches a
// gradient that is wrong by more than its tolerance.
#include "tests/models/gradient_check.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "models/std_normal.hpp"

namespace lockstep {
namespace testing_models {
namespace {

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
    g[k] += eps * std::max(1.0, std::fabs(static_cast<double>(g[k])));
    return lp;
  }
};

TEST(GradientCheck, CatchesAGradientWrongBeyondTolerance) {
  const models::StdNormalData d{5};
  const std::vector<double> q = {0.5, -1.5, 2.0, 0.25, -3.0};
  // In units of the build's tolerance: double 1e-6 (skews of 1e-8 and 3e-6); float 2e-3, plus
  // the differences' rounding floor, here 4 eps |lp| / h = 1.5e-4 at |lp| = 7.8 and h = 0.025,
  // well below the 6e-3 skew that must be caught.
  const double tol = testing::kGradTol;
  EXPECT_TRUE(gradient_matches(SkewedStdNormal{0.0, 2}, d, q));
  EXPECT_TRUE(gradient_matches(SkewedStdNormal{0.01 * tol, 2}, d, q));  // well inside
  for (int k = 0; k < 5; ++k) {
    EXPECT_FALSE(gradient_matches(SkewedStdNormal{3 * tol, k}, d, q)) << "coordinate " << k;
    EXPECT_FALSE(gradient_matches(SkewedStdNormal{-3 * tol, k}, d, q)) << "coordinate " << k;
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
