// Φ⁻¹ and the Beta quantile against scipy (tests/fixtures/diagnostics/special_functions.json).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "host/diagnostics/special_functions.hpp"
#include "tests/diagnostics/fixture_util.hpp"

namespace ld = lockstep::diagnostics;

TEST(InvNormalCdf, MatchesScipyNdtri) {
  const auto j = ld::testing::load_fixture("special_functions.json");
  double worst = 0;
  for (const auto& row : j.at("ndtri")) {
    const double p = row.at("p"), z = row.at("z");
    const double g = ld::testing::gap(ld::inv_normal_cdf(p), z);
    worst = std::max(worst, g);
    EXPECT_LE(g, 1e-14) << "p " << p << " ours " << ld::inv_normal_cdf(p) << " scipy " << z;
  }
  std::cout << "[ gaps ] inv_normal_cdf vs scipy.special.ndtri: " << worst << "\n";
}

TEST(InvNormalCdf, InvertsTheCdfAndIsOdd) {
  for (double x = -8.0; x <= 8.0; x += 0.37) {
    const double p = ld::normal_cdf(x);
    // dΦ⁻¹/dp = 1/φ(x): the round trip is as good as Φ's own rounding allows.
    const double tol = 4e-16 * p / std::exp(-0.5 * x * x) * std::sqrt(2 * M_PI) + 1e-14;
    EXPECT_NEAR(ld::inv_normal_cdf(p), x, tol) << "x " << x;
  }
  for (double p : {1e-12, 0.001, 0.07, 0.2, 0.4999}) {  // 1 − p must differ from 1
    EXPECT_NEAR(ld::inv_normal_cdf(1.0 - p), -ld::inv_normal_cdf(p),
                1e-15 * std::fabs(ld::inv_normal_cdf(p)) + 2e-16 / std::max(p, 1e-16))
        << p;
  }
  EXPECT_EQ(ld::inv_normal_cdf(0.5), 0.0);
  EXPECT_EQ(ld::inv_normal_cdf(0.0), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(ld::inv_normal_cdf(1.0), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(ld::inv_normal_cdf(-0.1)));
  EXPECT_TRUE(std::isnan(ld::inv_normal_cdf(std::nan(""))));
}

TEST(BetaQuantile, MatchesScipy) {
  const auto j = ld::testing::load_fixture("special_functions.json");
  double worst = 0;
  for (const auto& row : j.at("beta_ppf")) {
    const double p = row.at("p"), a = row.at("a"), b = row.at("b"), x = row.at("x");
    const double ours = ld::beta_quantile(p, a, b);
    const double g = ld::testing::gap(ours, x);
    worst = std::max(worst, g);
    EXPECT_LE(g, 1e-10) << "p " << p << " a " << a << " b " << b << " ours " << ours << " scipy " << x;
    EXPECT_NEAR(ld::beta_inc(ours, a, b), p, 1e-12) << "a " << a << " b " << b;
  }
  std::cout << "[ gaps ] beta_quantile vs scipy.stats.beta.ppf: " << worst << "\n";
  for (const auto& row : j.at("beta_cdf")) {
    const double x = row.at("x"), a = row.at("a"), b = row.at("b"), I = row.at("I");
    EXPECT_LE(ld::testing::gap(ld::beta_inc(x, a, b), I), 1e-11) << "x " << x << " a " << a << " b " << b;
  }
}

TEST(BetaQuantile, ClosedForms) {
  // Beta(1, 1) is uniform; Beta(a, 1) has I_x = x^a; Beta(1, b) has I_x = 1 − (1 − x)^b.
  for (double p : {0.01, 0.1586553, 0.5, 0.8413447, 0.99}) {
    EXPECT_NEAR(ld::beta_quantile(p, 1.0, 1.0), p, 1e-15);
    EXPECT_NEAR(ld::beta_quantile(p, 3.5, 1.0), std::pow(p, 1.0 / 3.5), 1e-14);
    EXPECT_NEAR(ld::beta_quantile(p, 1.0, 7.0), 1.0 - std::pow(1.0 - p, 1.0 / 7.0), 1e-14);
  }
  EXPECT_EQ(ld::beta_quantile(0.0, 2.0, 3.0), 0.0);
  EXPECT_EQ(ld::beta_quantile(1.0, 2.0, 3.0), 1.0);
  EXPECT_TRUE(std::isnan(ld::beta_quantile(0.5, -1.0, 3.0)));
  EXPECT_TRUE(std::isnan(ld::beta_quantile(0.5, std::nan(""), 3.0)));
}
