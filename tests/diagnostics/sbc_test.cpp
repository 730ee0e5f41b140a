// SBC's pieces (host/diagnostics/sbc.hpp): ranks, thinning, the chi-square test and its
// p-value (the regularized upper incomplete gamma against scipy.special.gammaincc).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "host/diagnostics/sbc.hpp"

namespace lockstep {
namespace {

using namespace diagnostics;

TEST(SbcRanks, GammaQMatchesScipy) {
  // scipy.special.gammaincc(a, x), scipy 1.x.
  const double cases[][3] = {{4.5, 3.2, 0.6993125708664081},     {9.5, 30.0, 3.869826300664181e-06},
                             {0.5, 0.01, 0.887537083981715},      {2, 50, 9.836624224615988e-21},
                             {9.5, 9.0, 0.5224382739862627},      {1, 1, 0.36787944117144245}};
  for (const auto& c : cases) EXPECT_NEAR(gamma_q(c[0], c[1]), c[2], 1e-12 * c[2] + 1e-300) << c[0] << ", " << c[1];
  EXPECT_EQ(gamma_q(3, 0), 1);
  EXPECT_TRUE(std::isnan(gamma_q(-1, 1)));
}

TEST(SbcRanks, RanksAndThinning) {
  EXPECT_EQ(sbc_rank(0.5, {0.1, 0.9, 0.4, 0.6}), 2);
  EXPECT_EQ(sbc_rank(-1, {0.1, 0.9}), 0);
  EXPECT_EQ(sbc_rank(2, {0.1, 0.9}), 2);
  EXPECT_EQ(sbc_thinned_indices(100, 4), (std::vector<int>{24, 49, 74, 99}));
  EXPECT_EQ(sbc_thinned_indices(10, 10), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(sbc_bins(99, 200), 20);
  EXPECT_EQ(sbc_bins(99, 60), 12);
  EXPECT_EQ(sbc_bins(6, 200), 7);
  EXPECT_EQ(sbc_bins(99, 3), 1);
}

TEST(SbcRanks, ChiSquareAcceptsUniformAndRejectsSkewedRanks) {
  std::vector<int> uniform, skewed;
  for (int r = 0; r < 200; ++r) {
    uniform.push_back(r % 100);                     // exactly flat
    skewed.push_back(r % 3 == 0 ? 0 : (r * 7) % 100);  // a pile at rank 0
  }
  const ChiSquare u = sbc_chi_square(uniform, 99, 10);
  EXPECT_EQ(u.statistic, 0);
  EXPECT_EQ(u.dof, 9);
  EXPECT_NEAR(u.p_value, 1, 1e-12);
  EXPECT_EQ(u.counts, std::vector<long>(10, 20));
  const ChiSquare s = sbc_chi_square(skewed, 99, 10);
  EXPECT_LT(s.p_value, 1e-6) << s.statistic;
  // Unequal bins: ranks 0..100 (101 values) in 10 bins of 10 or 11 values, each rank once.
  std::vector<int> all;
  for (int k = 0; k <= 100; ++k) all.push_back(k);
  const ChiSquare e = sbc_chi_square(all, 100, 10);
  EXPECT_NEAR(e.statistic, 0, 1e-12);
  long total = 0;
  for (long c : e.counts) total += c;
  EXPECT_EQ(total, 101);
  // statistic 16.919 with 9 degrees of freedom: p = 0.05 (scipy.stats.chi2.sf).
  EXPECT_NEAR(gamma_q(4.5, 16.918977604620448 / 2), 0.05, 1e-12);
}

}  // namespace
}  // namespace lockstep
