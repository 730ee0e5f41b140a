// exp_upto_709 (kernels/core/fast_exp.hpp) against std::exp (glibc, within
// ~0.5 ulp): below 2 ulp on [-708, 709], and the documented special values (0 below -708
// and at -inf, NaN through); exp_upto_88f likewise in float (2 float ulp on [-87, 88]).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/core/fast_exp.hpp"

namespace lockstep {
namespace testing {
namespace {

/// |a - b| in units of the last place of b (b a positive normal double).
double ulps(double a, double b) {
  const double ulp = std::nextafter(b, std::numeric_limits<double>::infinity()) - b;
  return std::fabs(a - b) / ulp;
}

TEST(FastExp, WithinTwoUlpOfStdExp) {
  // a grid over the whole domain, a fine one over the peak model's arguments (<= 0), and
  // the reduction's edges
  double worst = 0, worst_x = 0;
  auto check = [&](double x) {
    const double e = ulps(exp_upto_709(x), std::exp(x));
    if (e > worst) {
      worst = e;
      worst_x = x;
    }
  };
  for (int i = 0; i <= 200000; ++i) check(-708.0 + (709.0 + 708.0) * i / 200000.0);
  for (int i = 0; i <= 200000; ++i) check(-50.0 * i / 200000.0 - 1e-3 * (i % 7));
  for (double x : {0.0, -0.0, 1e-300, -1e-300, 1e-17, -0.34657359027997264, 0.34657359027997264, -1.0, 1.0})
    check(x);
  std::printf("[ info ] exp_upto_709: max error %.3f ulp at x = %.17g\n", worst, worst_x);
  EXPECT_LT(worst, 2.0) << "max error " << worst << " ulp at x = " << worst_x << " (tolerance 2 ulp)";
}

TEST(FastExp, SpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(exp_upto_709(0.0), 1.0);
  EXPECT_EQ(exp_upto_709(-inf), 0.0);
  EXPECT_EQ(exp_upto_709(-708.5), 0.0);  // flushed instead of a subnormal
  EXPECT_EQ(exp_upto_709(-1e6), 0.0);
  EXPECT_EQ(exp_upto_709(-1e300), 0.0);
  EXPECT_TRUE(std::isnan(exp_upto_709(std::numeric_limits<double>::quiet_NaN())));
  const double big = exp_upto_709(709.0);
  EXPECT_TRUE(std::isfinite(big)) << big;
  EXPECT_LT(ulps(big, std::exp(709.0)), 2.0);
}

/// |a - b| in units of the last place of b (b a positive normal float).
double ulps_f(float a, float b) {
  const float ulp = std::nextafter(b, std::numeric_limits<float>::infinity()) - b;
  return std::fabs(static_cast<double>(a) - b) / ulp;
}

// exp_upto_88f against e^x in double rounded to float: below 2 float ulp on [-87, 88].
TEST(FastExp, FloatWithinTwoUlpOfExp) {
  double worst = 0;
  float worst_x = 0;
  auto check = [&](float x) {
    const double e = ulps_f(exp_upto_88f(x), static_cast<float>(std::exp(static_cast<double>(x))));
    if (e > worst) {
      worst = e;
      worst_x = x;
    }
  };
  for (int i = 0; i <= 400000; ++i) check(-87.0f + (87.0f + 88.0f) * static_cast<float>(i) / 400000.0f);
  for (int i = 0; i <= 200000; ++i) check(-20.0f * static_cast<float>(i) / 200000.0f);
  for (float x : {0.0f, -0.0f, 1e-30f, -1e-30f, -0.34657359f, 0.34657359f, -1.0f, 1.0f, -86.99f, 87.99f}) check(x);
  std::printf("[ info ] exp_upto_88f: max error %.3f float ulp at x = %.9g\n", worst, worst_x);
  EXPECT_LT(worst, 2.0) << "max error " << worst << " float ulp at x = " << worst_x << " (tolerance 2 ulp)";
}

TEST(FastExp, FloatSpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(exp_upto_88f(0.0f), 1.0f);
  EXPECT_EQ(exp_upto_88f(-inf), 0.0f);
  EXPECT_EQ(exp_upto_88f(-87.5f), 0.0f);  // flushed
  EXPECT_EQ(exp_upto_88f(-1e30f), 0.0f);
  EXPECT_TRUE(std::isnan(exp_upto_88f(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(std::isfinite(exp_upto_88f(88.0f)));
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
