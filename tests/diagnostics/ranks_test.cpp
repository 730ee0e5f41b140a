// Radix sort with positions, average ranks, normal scores and folding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "host/diagnostics/ranks.hpp"
#include "host/diagnostics/special_functions.hpp"

namespace ld = lockstep::diagnostics;

namespace {
std::vector<double> awkward_values(std::size_t n, std::uint64_t seed) {
  std::vector<double> x(n);
  std::uint64_t s = seed;
  for (std::size_t i = 0; i < n; ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const double u = (s >> 11) * 0x1.0p-53;
    switch (i % 7) {
      case 0: x[i] = std::floor(10 * u) - 5; break;  // ties, negatives, zero
      case 1: x[i] = (u - 0.5) * 1e-300; break;      // tiny (subnormal-adjacent)
      case 2: x[i] = -0.0; break;
      case 3: x[i] = (u - 0.5) * 1e300; break;
      default: x[i] = std::log(u + 1e-12);
    }
  }
  x[0] = std::numeric_limits<double>::infinity();
  x[1] = -std::numeric_limits<double>::infinity();
  return x;
}
}  // namespace

TEST(SortWithPositions, MatchesStableSort) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{1023},
                        std::size_t{1024}, std::size_t{50001}}) {
    const auto x = awkward_values(std::max<std::size_t>(n, 2), 42 + n);
    const std::size_t S = n;
    std::vector<double> values;
    std::vector<std::uint32_t> pos;
    ld::SortScratch scratch;
    ld::sort_with_positions(x.data(), S, values, pos, scratch);
    std::vector<std::uint32_t> ref(S);
    std::iota(ref.begin(), ref.end(), 0u);
    // Stable by value, with −0.0 before +0.0 (bit-pattern order).
    std::stable_sort(ref.begin(), ref.end(), [&](std::uint32_t a, std::uint32_t b) {
      if (x[a] != x[b]) return x[a] < x[b];
      return std::signbit(x[a]) && !std::signbit(x[b]);
    });
    ASSERT_EQ(pos.size(), S);
    for (std::size_t k = 0; k < S; ++k) {
      ASSERT_EQ(pos[k], ref[k]) << "n " << n << " k " << k;
      ASSERT_EQ(values[k], x[ref[k]]);
    }
  }
}

TEST(SortWithPositions, MatchesStableSortOnDrawLikeValues) {
  // The shapes the first (bucket) pass meets in practice: a bell curve spread over many float
  // keys (buckets sorted in cache), a narrow range far from zero (many doubles per float key:
  // the exact fix-up) and heavy ties.
  const std::size_t S = 200000;
  std::uint64_t s = 7;
  auto uniform = [&s]() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return ((s >> 11) + 0.5) * 0x1.0p-53;
  };
  for (int shape = 0; shape < 3; ++shape) {
    std::vector<double> x(S);
    for (double& v : x) {
      const double z = std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
      v = shape == 0 ? z : shape == 1 ? 1000.0 + 0x1p-30 * z : std::floor(4 * uniform());
    }
    std::vector<double> values;
    std::vector<std::uint32_t> pos;
    ld::SortScratch scratch;
    ld::sort_with_positions(x.data(), S, values, pos, scratch);
    std::vector<std::uint32_t> ref(S);
    std::iota(ref.begin(), ref.end(), 0u);
    std::stable_sort(ref.begin(), ref.end(), [&](std::uint32_t a, std::uint32_t b) { return x[a] < x[b]; });
    ASSERT_EQ(pos, ref) << "shape " << shape;
    for (std::size_t k = 0; k < S; ++k) ASSERT_EQ(values[k], x[ref[k]]);
  }
}

TEST(RankNormalize, AverageRanksAndBlomScores) {
  // values 3, 1, 3, 2, 3 -> ranks 4, 1, 4, 2, 4 (ties at ranks 3..5 share 4).
  const std::vector<double> x = {3, 1, 3, 2, 3};
  std::vector<double> v;
  std::vector<std::uint32_t> p;
  ld::SortScratch scratch;
  ld::sort_with_positions(x.data(), x.size(), v, p, scratch);
  std::vector<double> z(x.size());
  ld::NormalScores scores;
  ld::rank_normalize_sorted(v.data(), p.data(), x.size(), z.data(), scores);
  const double S = 5;
  auto blom = [&](double r) { return ld::inv_normal_cdf((r - 0.375) / (S + 0.25)); };
  EXPECT_EQ(z[0], blom(4));
  EXPECT_EQ(z[1], blom(1));
  EXPECT_EQ(z[2], blom(4));
  EXPECT_EQ(z[3], blom(2));
  EXPECT_EQ(z[4], blom(4));
  // Without ties the scores are symmetric and sum to ~0.
  const std::vector<double> y = {0.3, -1, 7, 2.5, 0.1, -4};
  ld::sort_with_positions(y.data(), y.size(), v, p, scratch);
  std::vector<double> zy(y.size());
  ld::rank_normalize_sorted(v.data(), p.data(), y.size(), zy.data(), scores);
  EXPECT_NEAR(std::accumulate(zy.begin(), zy.end(), 0.0), 0.0, 1e-15);
  EXPECT_NEAR(zy[2], -zy[5], 1e-15);  // largest and smallest
}

TEST(FoldSorted, EqualsSortingTheAbsoluteDeviations) {
  auto x = awkward_values(3001, 5);
  for (double& v : x)
    if (!std::isfinite(v) || std::fabs(v) > 1e100) v = 0.25;  // folding is used on finite draws
  std::vector<double> v, folded;
  std::vector<std::uint32_t> p, fpos;
  ld::SortScratch scratch;
  ld::sort_with_positions(x.data(), x.size(), v, p, scratch);
  for (double m : {-1.0, 0.0, 0.25, 3.7, -100.0}) {
    ld::fold_sorted(v.data(), p.data(), x.size(), m, folded, fpos);
    std::vector<double> direct(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) direct[i] = std::fabs(x[i] - m);
    std::vector<double> sorted = direct;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t k = 0; k < x.size(); ++k) {
      ASSERT_EQ(folded[k], sorted[k]) << "m " << m << " k " << k;
      ASSERT_EQ(direct[fpos[k]], folded[k]) << "m " << m << " k " << k;
    }
    // Every position appears once.
    std::vector<std::uint32_t> q = fpos;
    std::sort(q.begin(), q.end());
    for (std::size_t k = 0; k < q.size(); ++k) ASSERT_EQ(q[k], k);
  }
}
