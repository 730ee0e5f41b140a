// Exact draws (kernels/core/random_draws.hpp): Poisson and binomial draws against their pmfs
// (chi-square over the cells with at least 5 expected draws, the rest pooled into the tails:
// statistic below dof + 5 sqrt(2 dof), about 5 sds of the chi-square), on both sides of the
// switch from inversion to transformed rejection (PTRS, BTRS at a mean of 10), and huge counts
// against their mean and variance; gamma and Student-t draws against their means and variances (5 standard errors);
// determinism and independence of draws with different `first`.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <vector>

#include "kernels/core/random_draws.hpp"

namespace lockstep {
namespace {

constexpr int kDraws = 40000;

Numbers numbers(std::uint32_t first) { return Numbers{Rng{12345, 7}, 3, Stream::kSimulate, first, kDraws}; }

/// Chi-square of draws against log pmf(k), cells with >= 5 expected, the rest pooled.
template <class LogPmf>
void expect_pmf(const std::vector<double>& draws, LogPmf log_pmf, int k_max, const std::string& what) {
  std::map<long, long> seen;
  for (double x : draws) {
    ASSERT_TRUE(x >= 0 && x == std::floor(x)) << what << ": " << x;
    ++seen[static_cast<long>(x)];
  }
  const double n = static_cast<double>(draws.size());
  double stat = 0, rest_expected = n, rest_observed = n;
  int dof = 0;
  for (int k = 0; k <= k_max; ++k) {
    const double e = n * std::exp(log_pmf(k));
    if (e < 5) continue;
    const double o = seen.count(k) ? static_cast<double>(seen[k]) : 0.0;
    stat += (o - e) * (o - e) / e;
    rest_expected -= e;
    rest_observed -= o;
    ++dof;
  }
  if (rest_expected >= 5) {
    stat += (rest_observed - rest_expected) * (rest_observed - rest_expected) / rest_expected;
    ++dof;
  }
  dof -= 1;
  EXPECT_LT(stat, dof + 5 * std::sqrt(2.0 * dof)) << what << ": chi-square " << stat << " with " << dof << " dof";
}

TEST(RandomDraws, PoissonMatchesItsPmfAcrossChunks) {
  for (double mu : {0.3, 4.0, 9.99, 10.0, 31.0, 255.0, 700.0, 20000.0}) {
    std::vector<double> x;
    for (std::uint32_t i = 0; i < kDraws; ++i) x.push_back(poisson_draw(mu, numbers(i)));
    expect_pmf(x, [&](int k) { return k * std::log(mu) - mu - std::lgamma(k + 1.0); }, static_cast<int>(mu * 3 + 30),
               "poisson(" + std::to_string(mu) + ")");
  }
  EXPECT_TRUE(std::isnan(poisson_draw(-1, numbers(0))));
  EXPECT_TRUE(std::isnan(poisson_draw(NAN, numbers(0))));
  EXPECT_EQ(poisson_draw(0, numbers(0)), 0);
}

TEST(RandomDraws, BinomialMatchesItsPmfAcrossChunksAndFlips) {
  for (const auto& np : std::vector<std::pair<double, double>>{
           {1, 0.3}, {10, 0.8}, {600, 0.45}, {1500, 0.02}, {25, 0.4}, {10000, 0.7}, {2000000, 0.000004}}) {
    const double n = np.first, p = np.second;  // (not structured bindings: a lambda captures them below)
    std::vector<double> x;
    for (std::uint32_t i = 0; i < kDraws; ++i) x.push_back(binomial_draw(n, p, numbers(i)));
    for (double v : x) ASSERT_LE(v, n);
    expect_pmf(x,
               [&](int k) {
                 return k > n ? -1e300
                              : std::lgamma(n + 1) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1) + k * std::log(p) +
                                    (n - k) * std::log1p(-p);
               },
               static_cast<int>(n), "binomial(" + std::to_string(n) + ", " + std::to_string(p) + ")");
  }
  EXPECT_EQ(binomial_draw(5, 1, numbers(0)), 5);
  EXPECT_EQ(binomial_draw(5, 0, numbers(0)), 0);
  EXPECT_TRUE(std::isnan(binomial_draw(5, 1.5, numbers(0))));
}

// Counts far beyond a pmf table (glmm y_rep of counts near 1e9, trials near 1e12): PTRS and
// BTRS, whose cost does not grow with the mean, against the mean and variance (5 SE; the
// variance's SE from the fourth central moment of the normal limit, sqrt(2) var / sqrt(n)).
TEST(RandomDraws, HugeCountsHaveTheirMeanAndVariance) {
  struct Case {
    const char* what;
    double mean, var;
    std::function<double(const Numbers&)> draw;
  };
  const std::vector<Case> cases = {
      {"poisson(5e8)", 5e8, 5e8, [](const Numbers& r) { return poisson_draw(5e8, r); }},
      {"poisson(1e12)", 1e12, 1e12, [](const Numbers& r) { return poisson_draw(1e12, r); }},
      {"binomial(2e8, 0.5)", 1e8, 5e7, [](const Numbers& r) { return binomial_draw(2e8, 0.5, r); }},
      {"binomial(1e12, 0.9)", 9e11, 9e10, [](const Numbers& r) { return binomial_draw(1e12, 0.9, r); }},
  };
  for (const Case& c : cases) {
    double s = 0, ss = 0;
    for (std::uint32_t i = 0; i < kDraws; ++i) {
      const double x = c.draw(numbers(i));
      ASSERT_TRUE(x >= 0 && x == std::floor(x)) << c.what << ": " << x;
      s += x - c.mean;
      ss += (x - c.mean) * (x - c.mean);
    }
    const double n = kDraws, m = s / n, v = ss / n - m * m;
    EXPECT_LT(std::fabs(m), 5 * std::sqrt(c.var / n)) << c.what << ": mean off by " << m;
    EXPECT_LT(std::fabs(v - c.var), 5 * std::sqrt(2.0) * c.var / std::sqrt(n)) << c.what << ": variance " << v;
  }
  EXPECT_TRUE(std::isnan(poisson_draw(2e15, numbers(0))));
  EXPECT_TRUE(std::isnan(binomial_draw(2.5, 0.5, numbers(0))));
}

TEST(RandomDraws, LogFactorialIsLgammaOfKPlusOne) {
  for (double k : {0.0, 1.0, 5.0, 9.0, 19.0, 20.0, 21.0, 100.0, 12345.0, 1e9, 1e15})
    EXPECT_NEAR(log_factorial(k), std::lgamma(k + 1), 2e-15 * std::max(1.0, std::lgamma(k + 1))) << k;
}

TEST(RandomDraws, GammaAndStudentTMoments) {
  for (double a : {0.4, 1.0, 3.5}) {
    double s = 0, ss = 0;
    for (std::uint32_t i = 0; i < kDraws; ++i) {
      const double g = gamma_draw(a, numbers(i));
      ASSERT_GT(g, 0);
      s += g;
      ss += g * g;
    }
    const double m = s / kDraws, v = ss / kDraws - m * m;
    EXPECT_NEAR(m, a, 5 * std::sqrt(a / kDraws)) << "gamma(" << a << ") mean";
    // var of g^2 estimate: E g^4 - (E g^2)^2 with E g^k = a (a+1)...(a+k-1).
    const double e2 = a * (a + 1), e4 = e2 * (a + 2) * (a + 3);
    EXPECT_NEAR(v, a, 5 * std::sqrt((e4 - e2 * e2) / kDraws)) << "gamma(" << a << ") variance";
  }
  // Student-t with 5 degrees of freedom: mean 0, variance 5/3; P(|t| > 2.015) = 0.1.
  double s = 0, tail = 0;
  for (std::uint32_t i = 0; i < kDraws; ++i) {
    const double t = student_t_draw(5, numbers(i));
    s += t;
    tail += std::fabs(t) > 2.015048373333024;
  }
  EXPECT_NEAR(s / kDraws, 0, 5 * std::sqrt(5.0 / 3 / kDraws));
  EXPECT_NEAR(tail / kDraws, 0.1, 5 * std::sqrt(0.09 / kDraws));
}

TEST(RandomDraws, APureFunctionOfTheirNumbers) {
  EXPECT_EQ(poisson_draw(3.3, numbers(5)), poisson_draw(3.3, numbers(5)));
  EXPECT_EQ(gamma_draw(2.5, numbers(5)), gamma_draw(2.5, numbers(5)));
  int same = 0;
  for (std::uint32_t i = 0; i < 100; ++i) same += gamma_draw(2.5, numbers(i)) == gamma_draw(2.5, numbers(i + 1));
  EXPECT_EQ(same, 0);
}

}  // namespace
}  // namespace lockstep
