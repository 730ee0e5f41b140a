// FFT and FFT autocovariance against direct sums.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "host/diagnostics/autocovariance.hpp"

namespace ld = lockstep::diagnostics;

namespace {
// Deterministic pseudo-random values in [−1, 1).
struct Lcg {
  std::uint64_t s;
  double operator()() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return (s >> 11) * 0x1.0p-52 - 1.0;
  }
};
}  // namespace

TEST(Fft, MatchesDirectDft) {
  for (int m : {1, 2, 4, 8, 64, 512}) {
    Lcg rng{static_cast<std::uint64_t>(m)};
    std::vector<double> re(m), im(m);
    for (int i = 0; i < m; ++i) re[i] = rng(), im[i] = rng();
    std::vector<double> fr = re, fi = im;
    ld::Fft fft(m);
    fft.forward(fr.data(), fi.data());
    double worst = 0;
    for (int k = 0; k < m; ++k) {
      long double sr = 0, si = 0;
      for (int j = 0; j < m; ++j) {
        const long double a = -2.0L * 3.14159265358979323846264338327950288L * j * k / m;
        sr += re[j] * std::cos(a) - im[j] * std::sin(a);
        si += re[j] * std::sin(a) + im[j] * std::cos(a);
      }
      worst = std::max<double>(worst, std::max(std::fabs(fr[k] - double(sr)), std::fabs(fi[k] - double(si))));
    }
    EXPECT_LE(worst, 1e-13 * m) << "m " << m;
    // inverse(forward(x)) = m·x
    fft.inverse(fr.data(), fi.data());
    for (int i = 0; i < m; ++i) {
      EXPECT_NEAR(fr[i] / m, re[i], 1e-14) << "m " << m;
      EXPECT_NEAR(fi[i] / m, im[i], 1e-14) << "m " << m;
    }
  }
  EXPECT_THROW(ld::Fft(12), std::invalid_argument);
}

TEST(Fft, BitReversedForwardIsThePermutedForward) {
  // Even and odd numbers of stages (radix-4 passes, then a lone radix-2 one).
  for (int m : {1, 2, 4, 8, 32, 128, 1024, 2048}) {
    Lcg rng{static_cast<std::uint64_t>(m) + 99};
    std::vector<double> re(m), im(m);
    for (int i = 0; i < m; ++i) re[i] = rng(), im[i] = rng();
    std::vector<double> fr = re, fi = im, br = re, bi = im;
    ld::Fft fft(m);
    fft.forward(fr.data(), fi.data());
    fft.forward_bit_reversed(br.data(), bi.data());
    for (int k = 0; k < m; ++k) {
      EXPECT_NEAR(br[fft.bitrev(k)], fr[k], 1e-13 * m) << "m " << m << " k " << k;
      EXPECT_NEAR(bi[fft.bitrev(k)], fi[k], 1e-13 * m) << "m " << m << " k " << k;
    }
  }
}

// Σ_series (1/n) Σ_i y_i y_{i+t} over an odd number of series (the last one unpaired).
TEST(AutocovarianceSum, MatchesDirectSums) {
  for (int n : {1, 2, 3, 7, 100, 257}) {
    Lcg rng{1000u + n};
    const int series = 5;
    std::vector<std::vector<double>> y(series, std::vector<double>(n));
    for (auto& s : y) {
      double mean = 0;
      for (double& v : s) mean += (v = rng() + 0.3 * (&v == s.data() ? 0 : *(&v - 1)));
      mean /= n;
      for (double& v : s) v -= mean;
    }
    ld::AutocovarianceSum acs;
    acs.reset(n);
    acs.add(y[0].data(), y[1].data());
    acs.add(y[2].data(), y[3].data());
    acs.add(y[4].data(), nullptr);
    std::vector<double> got;
    acs.finish(got);
    ASSERT_EQ(static_cast<int>(got.size()), n);
    for (int t = 0; t < n; ++t) {
      double direct = 0;
      for (const auto& s : y)
        for (int i = 0; i + t < n; ++i) direct += s[i] * s[i + t] / n;
      EXPECT_NEAR(got[t], direct, 1e-13) << "n " << n << " lag " << t;
    }
  }
}

// LagSums: the direct block sums and the FFT give the same lag sums, at every lag and for
// short series (n < one block), a partial last block, and long ones that switch to the FFT.
TEST(LagSums, DirectAndFftAgree) {
  for (int n : {2, 5, 16, 17, 40, 200}) {
    for (int K : {1, 2, 7}) {
      Lcg rng{static_cast<std::uint64_t>(31 * n + K)};
      std::vector<double> y(static_cast<std::size_t>(K) * n);
      for (int j = 0; j < K; ++j) {
        double* s = y.data() + static_cast<std::size_t>(j) * n;
        double prev = 0, mean = 0;
        for (int i = 0; i < n; ++i) mean += (s[i] = prev = 0.8 * prev + rng());
        mean /= n;
        for (int i = 0; i < n; ++i) s[i] -= mean;
      }
      ld::LagSums lazy, fft;
      lazy.reset(y.data(), K, n);
      fft.reset(y.data(), K, n, /*force_fft=*/true);
      EXPECT_TRUE(fft.used_fft());
      for (int t = 0; t < n; ++t) {
        double direct = 0;
        for (int j = 0; j < K; ++j)
          for (int i = 0; i + t < n; ++i) direct += y[j * n + i] * y[j * n + i + t] / n;
        EXPECT_NEAR(lazy.at(t), direct, 1e-13 * K) << "n " << n << " K " << K << " lag " << t;
        EXPECT_NEAR(fft.at(t), direct, 1e-13 * K) << "n " << n << " K " << K << " lag " << t;
      }
      EXPECT_EQ(lazy.used_fft(), n > ld::LagSums::kDirectMaxLag) << "n " << n;
    }
  }
}

namespace {

// A block of lags in one pass (LagSums::dot_lags: vector registers of whatever width the CPU
// has) gives dot_lag's bits for every lag: series lengths around the 8-wide blocks and the
// block of lags, first lags 0 and later, values with mixed signs and scales.
TEST(LagSums, ABlockOfLagsHasEachLagsOwnBits) {
  std::uint64_t state = 12345;
  auto next = [&state] {  // a fixed LCG, its top 53 bits in [-1, 1) times a scale
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) * 0x1.0p-52 - 1.0;
  };
  int checked = 0;
  for (int n : {1, 7, 8, 9, 15, 16, 17, 23, 24, 31, 64, 100, 257, 500, 1001}) {
    std::vector<double> y(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) y[i] = next() * (i % 5 == 0 ? 1e3 : 1.0);
    for (int first : {0, 1, 8, 16, 57}) {
      if (first >= n) continue;
      const int count = std::min(ld::LagSums::kDirectBlock, n - first);
      std::vector<double> out(static_cast<std::size_t>(ld::LagSums::kDirectBlock), -1.0);
      ld::LagSums::dot_lags(y.data(), n, first, count, out.data());
      for (int c = 0; c < count; ++c) {
        const double ref = ld::LagSums::dot_lag(y.data(), n, first + c);
        EXPECT_EQ(std::memcmp(&out[c], &ref, sizeof ref), 0)
            << "n " << n << ", lag " << first + c << ": " << out[c] << " vs dot_lag " << ref;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 200);
}

}  // namespace
