// The ziggurat's standard normals (kernels/core/ziggurat.hpp):
//   - the run of normals (ziggurat_normals<W>, the AVX2 path on this host and the one-block
//     path of a GPU) gives ziggurat_normal's bits for every start and length;
//   - 2^22 draws against N(0, 1): chi-square over 4096 cells of equal probability (statistic
//     below dof + 5 sqrt(2 dof)), mean, variance and kurtosis within 5 standard errors;
//   - the slow paths, which 0.4% of draws reach and so barely move the distribution above, by
//     themselves: words sent into one layer's wedge are accepted with the probability of the
//     curve's share of the wedge, and the accepted x have that share's mean; words sent into
//     the tail come back beyond r with the normal tail's mean and median (5 standard errors).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/core/ziggurat.hpp"

namespace lockstep {
namespace {

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

TEST(Ziggurat, TablesCloseTheLayers) {
  const double* t = ziggurat::kHostWidthRatio;
  const double* f = ziggurat::kHostHeight;
  const int K = ziggurat::kLayers;
  EXPECT_EQ(t[2], ziggurat_tables::kTailStart);  // x_1 = r
  for (int i = 1; i < K; ++i) {
    const double x = t[2 * i], next = i + 1 < K ? t[2 * i + 2] : 0.0;
    EXPECT_NEAR(t[2 * i + 1], next / x, 1e-15) << "layer " << i;
    EXPECT_NEAR(f[i], std::exp(-0.5 * x * x), 1e-15) << "layer " << i;
    // every layer has the base's area: x_i (f(x_(i+1)) - f(x_i))
    EXPECT_NEAR(x * (f[i + 1] - f[i]), t[0] * std::exp(-0.5 * t[2] * t[2]), 1e-14) << "layer " << i;
  }
  EXPECT_EQ(f[K], 1.0);
}

TEST(Ziggurat, RunsGiveTheSingleNormalsBits) {
  const Rng rng{987654321, 11};
  for (Stream purpose : {Stream::kSimulate, Stream::kGenerated})
    for (std::uint32_t first : {0u, 1u, 2u, 7u, 64u, 1001u})
      for (int n = 0; n <= 140; n += (n < 70 ? 1 : 13)) {
        std::vector<double> wide(n + 1, -7.0), one(n + 1, -7.0);
        ziggurat_normals<kInLaneWidth>(rng, 5, purpose, first, n, wide.data());
        ziggurat_normals<1>(rng, 5, purpose, first, n, one.data());
        for (int k = 0; k < n; ++k) {
          const double x = ziggurat_normal(rng, 5, purpose, first + static_cast<std::uint32_t>(k));
          ASSERT_EQ(wide[k], x) << "first " << first << " n " << n << " k " << k;
          ASSERT_EQ(one[k], x) << "first " << first << " n " << n << " k " << k;
        }
        EXPECT_EQ(wide[n], -7.0) << "wrote past n";
        EXPECT_EQ(one[n], -7.0) << "wrote past n";
      }
  // many runs, so that slow-path normals (0.4%) inside runs are compared too
  int slow_seen = 0;
  for (std::uint32_t chain = 0; chain < 2000; ++chain) {
    const Rng r{42, chain};
    double z[40];
    ziggurat_normals<kInLaneWidth>(r, 3, Stream::kSimulate, 0, 40, z);
    for (int k = 0; k < 40; ++k) {
      const Philox4x32::U4 b = r.bits(3, Stream::kSimulate, static_cast<std::uint32_t>(k) >> 1);
      bool inside;
      ziggurat::fast(ziggurat::word_of(b.x[2 * (k & 1)], b.x[2 * (k & 1) + 1]), inside);
      slow_seen += !inside;
      ASSERT_EQ(z[k], ziggurat_normal(r, 3, Stream::kSimulate, static_cast<std::uint32_t>(k))) << chain << " " << k;
    }
  }
  EXPECT_GT(slow_seen, 100);
}

TEST(Ziggurat, DrawsAreStandardNormal) {
  constexpr int kCells = 4096;
  const int n = 1 << 22;
  std::vector<long> cells(kCells, 0);
  double s1 = 0, s2 = 0, s4 = 0;
  std::vector<double> z(64);
  for (int start = 0; start < n; start += 64) {
    const Rng rng{2026, static_cast<std::uint32_t>(start / 64)};
    ziggurat_normals<kInLaneWidth>(rng, 1, Stream::kSimulate, 0, 64, z.data());
    for (double x : z) {
      ASSERT_TRUE(std::isfinite(x));
      ++cells[std::min(kCells - 1, static_cast<int>(normal_cdf(x) * kCells))];
      s1 += x;
      s2 += x * x;
      s4 += x * x * x * x;
    }
  }
  const double e = static_cast<double>(n) / kCells;
  double chi2 = 0;
  for (long c : cells) chi2 += (c - e) * (c - e) / e;
  const double dof = kCells - 1;
  EXPECT_LT(chi2, dof + 5 * std::sqrt(2 * dof)) << "chi-square over " << kCells << " cells";
  const double N = n;
  EXPECT_LT(std::fabs(s1 / N), 5 / std::sqrt(N)) << "mean " << s1 / N;
  EXPECT_LT(std::fabs(s2 / N - 1), 5 * std::sqrt(2 / N)) << "variance " << s2 / N;
  EXPECT_LT(std::fabs(s4 / N - 3), 5 * std::sqrt(96 / N)) << "fourth moment " << s4 / N;  // var(z^4) = 105 - 9
}

/// A word of layer `layer`, sign `negative`, u = k 2^-52.
std::uint64_t make_word(unsigned layer, bool negative, std::uint64_t k) {
  return (k << 12) | (static_cast<std::uint64_t>(negative) << ziggurat::kSignBit) | layer;
}

TEST(Ziggurat, WedgesAcceptTheCurvesShare) {
  const double* t = ziggurat::kHostWidthRatio;
  const double* f = ziggurat::kHostHeight;
  const int K = ziggurat::kLayers;
  for (int layer : {1, 2, 17, K / 4, K / 2, K - 2, K - 1}) {
    const double hi = t[2 * layer], lo = layer + 1 < K ? t[2 * layer + 2] : 0.0;
    // Exact: x uniform on [lo, hi), accepted with probability (f(x) - f_i) / (f_(i+1) - f_i).
    double p_exact = 0, mean_exact = 0;
    const int grid = 20000;
    for (int g = 0; g < grid; ++g) {
      const double x = lo + (hi - lo) * (g + 0.5) / grid;
      const double a = (std::exp(-0.5 * x * x) - f[layer]) / (f[layer + 1] - f[layer]);
      p_exact += a / grid;
      mean_exact += a * x / grid;
    }
    mean_exact /= p_exact;
    const int n = 200000;
    long accepted = 0;
    double sum = 0, sum2 = 0;
    const double u_lo = t[2 * layer + 1];  // the wedge: u in [x_(i+1) / x_i, 1)
    for (int j = 0; j < n; ++j) {
      const double u = u_lo + (1 - u_lo) * (j + 0.5) / n;
      const std::uint64_t k = static_cast<std::uint64_t>(u * 4503599627370496.0);
      const std::uint64_t word = make_word(static_cast<unsigned>(layer), j & 1, k);
      const double x = ziggurat::unit(word) * hi;
      const double out = ziggurat::slow(Rng{7, 3}, 9, Stream::kSimulate, static_cast<std::uint32_t>(j), word);
      if (std::fabs(out) == x) {
        ASSERT_EQ(std::signbit(out), static_cast<bool>(j & 1));
        ++accepted;
        sum += x;
        sum2 += x * x;
      }
    }
    const double p = static_cast<double>(accepted) / n;
    EXPECT_LT(std::fabs(p - p_exact), 5 * std::sqrt(p_exact * (1 - p_exact) / n) + 1e-12)
        << "layer " << layer << ": accepted " << p << ", exact " << p_exact;
    if (accepted > 1000) {
      const double mean = sum / accepted, sd = std::sqrt(std::max(0.0, sum2 / accepted - mean * mean));
      EXPECT_LT(std::fabs(mean - mean_exact), 5 * sd / std::sqrt(accepted) + 1e-15)
          << "layer " << layer << ": mean of accepted x " << mean << ", exact " << mean_exact;
    }
  }
}

TEST(Ziggurat, TheTailIsTheNormalsBeyondR) {
  const double r = ziggurat_tables::kTailStart;
  const double u_lo = ziggurat::kHostWidthRatio[1];  // r / x_0
  const int n = 200000;
  std::vector<double> beyond;
  for (int j = 0; j < n; ++j) {
    const double u = u_lo + (1 - u_lo) * (j + 0.5) / n;
    const std::uint64_t word = make_word(0, j & 1, static_cast<std::uint64_t>(u * 4503599627370496.0));
    const double out = ziggurat::slow(Rng{11, 5}, 2, Stream::kGenerated, static_cast<std::uint32_t>(j), word);
    ASSERT_EQ(std::signbit(out), static_cast<bool>(j & 1));
    ASSERT_GT(std::fabs(out), r);
    beyond.push_back(std::fabs(out));
  }
  // E[Z | Z > r] = phi(r) / (1 - Phi(r)); the tail's median m: 1 - Phi(m) = (1 - Phi(r)) / 2.
  const double tail = 1 - normal_cdf(r);
  const double phi = std::exp(-0.5 * r * r) / std::sqrt(2 * M_PI);
  const double mean_exact = phi / tail;
  double sum = 0, sum2 = 0;
  for (double x : beyond) sum += x, sum2 += x * x;
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_LT(std::fabs(mean - mean_exact), 5 * sd / std::sqrt(n)) << "tail mean " << mean << ", exact " << mean_exact;
  double lo = r, hi = r + 5;
  for (int it = 0; it < 100; ++it) ((1 - normal_cdf((lo + hi) / 2)) > tail / 2 ? lo : hi) = (lo + hi) / 2;
  long below = 0;
  for (double x : beyond) below += x < lo;
  EXPECT_LT(std::fabs(static_cast<double>(below) / n - 0.5), 5 * 0.5 / std::sqrt(n)) << "share below the tail's median";
}

}  // namespace
}  // namespace lockstep
