// The mixture density network (host/npe/mdn.hpp): the hand-derived backward pass against
// central finite differences, the mixture's density against the loss, and its draws' moments.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "host/npe/mdn.hpp"
#include "kernels/core/philox.hpp"

namespace lockstep {
namespace npe {
namespace {

MdnShape small_shape() {
  MdnShape s;
  s.n_x = 3;
  s.n_theta = 3;
  s.n_hidden = 6;
  s.n_layers = 2;
  s.n_components = 4;
  return s;
}

/// Random inputs and parameters: the initial weights scaled up so that every term matters.
struct Problem {
  MdnShape s = small_shape();
  std::vector<double> params, x, theta;
  int batch = 11;  // one block of 8 pairs side by side (mdn.cpp's block_loss) and 3 pairs alone
  explicit Problem(std::uint64_t seed) {
    params = init_params(s, seed);
    const Rng rng{seed, 1};
    for (std::size_t i = 0; i < params.size(); ++i) params[i] += 0.3 * normal(rng, 0, Stream::kUser, static_cast<std::uint32_t>(i));
    for (int i = 0; i < batch * s.n_x; ++i) x.push_back(normal(rng, 1, Stream::kUser, static_cast<std::uint32_t>(i)));
    for (int i = 0; i < batch * s.n_theta; ++i) theta.push_back(normal(rng, 2, Stream::kUser, static_cast<std::uint32_t>(i)));
  }
  double loss(const std::vector<double>& p) const {
    return mdn_loss(s, p.data(), x.data(), theta.data(), batch, nullptr);
  }
};

TEST(Mdn, ShapeCountsOutputsAndParameters) {
  const MdnShape s = small_shape();
  // K (1 + d + d (d + 1) / 2) = 4 (1 + 3 + 6) = 40 outputs; (3 + 1) 6 + (6 + 1) 6 + (6 + 1) 40.
  EXPECT_EQ(s.n_outputs(), 40);
  EXPECT_EQ(s.n_params(), 4 * 6 + 7 * 6 + 7 * 40);
}

TEST(Mdn, GradientMatchesCentralFiniteDifferences) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    Problem p(seed);
    std::vector<double> grad(p.params.size(), 0.0);
    const double f = mdn_loss(p.s, p.params.data(), p.x.data(), p.theta.data(), p.batch, grad.data());
    EXPECT_NEAR(f, p.loss(p.params), 1e-12 * std::abs(f));
    double worst = 0;
    std::size_t worst_i = 0;
    for (std::size_t i = 0; i < p.params.size(); ++i) {
      // Richardson-extrapolated central differences (error O(h^4)).
      auto central = [&](double h) {
        std::vector<double> a = p.params, b = p.params;
        a[i] += h;
        b[i] -= h;
        return (p.loss(a) - p.loss(b)) / (2 * h);
      };
      const double h = 1e-3;
      const double fd = (4 * central(h / 2) - central(h)) / 3;
      const double err = std::abs(grad[i] - fd) / std::max(1.0, std::abs(grad[i]));
      if (err > worst) {
        worst = err;
        worst_i = i;
      }
    }
    EXPECT_LT(worst, 1e-6) << "seed " << seed << ": worst relative error " << worst << " at parameter " << worst_i
                           << " (tolerance 1e-6)";
  }
}

TEST(Mdn, GradientAccumulatesIntoTheBuffer) {
  Problem p(4);
  std::vector<double> g1(p.params.size(), 0.0), g2(p.params.size(), 1.0);
  mdn_loss(p.s, p.params.data(), p.x.data(), p.theta.data(), p.batch, g1.data());
  mdn_loss(p.s, p.params.data(), p.x.data(), p.theta.data(), p.batch, g2.data());
  for (std::size_t i = 0; i < g1.size(); ++i) ASSERT_NEAR(g2[i], g1[i] + 1.0, 1e-12);
}

// A batch's loss and gradient are the sums of its pairs' own (each pair alone takes
// column_loss; in the batch, the first 8 go through block_loss side by side): the same
// arithmetic per pair, so equal up to the matrix products' rounding of different batch shapes.
TEST(Mdn, BlockOfPairsGivesEachPairsOwnLossAndGradient) {
  for (std::uint64_t seed : {6u, 7u}) {
    Problem p(seed);
    std::vector<double> g(p.params.size(), 0.0), sum(p.params.size(), 0.0);
    const double f = mdn_loss(p.s, p.params.data(), p.x.data(), p.theta.data(), p.batch, g.data());
    double f_sum = 0;
    for (int b = 0; b < p.batch; ++b)
      f_sum += mdn_loss(p.s, p.params.data(), p.x.data() + b * p.s.n_x, p.theta.data() + b * p.s.n_theta, 1, sum.data());
    EXPECT_NEAR(f, f_sum, 1e-12 * std::abs(f_sum)) << "seed " << seed;
    for (std::size_t i = 0; i < g.size(); ++i)
      ASSERT_NEAR(g[i], sum[i], 1e-11 * std::max(1.0, std::abs(sum[i]))) << "seed " << seed << ", parameter " << i;
  }
}

TEST(Mdn, MixtureDensityIsMinusTheLoss) {
  Problem p(5);
  for (int b = 0; b < p.batch; ++b) {
    const Mixture m = mixture_at(p.s, p.params.data(), p.x.data() + b * p.s.n_x);
    const double lq = mixture_log_density(m, p.theta.data() + b * p.s.n_theta);
    const double loss = mdn_loss(p.s, p.params.data(), p.x.data() + b * p.s.n_x, p.theta.data() + b * p.s.n_theta, 1,
                                 nullptr);
    EXPECT_NEAR(lq, -loss, 1e-12 * std::max(1.0, std::abs(loss)));
  }
}

TEST(Mdn, MixtureDensityIntegratesToOneInOneDimension) {
  MdnShape s;
  s.n_x = 2;
  s.n_theta = 1;
  s.n_hidden = 5;
  s.n_components = 3;
  std::vector<double> params = init_params(s, 9);
  const Rng rng{9, 1};
  for (std::size_t i = 0; i < params.size(); ++i) params[i] += 0.5 * normal(rng, 0, Stream::kUser, static_cast<std::uint32_t>(i));
  const double x[2] = {0.3, -1.2};
  const Mixture m = mixture_at(s, params.data(), x);
  double sum = 0;
  const double h = 1e-3;
  for (double t = -40; t <= 40; t += h) sum += std::exp(mixture_log_density(m, &t)) * h;
  EXPECT_NEAR(sum, 1.0, 1e-6);
}

TEST(Mdn, DrawsHaveTheMixtureMeanAndCovariance) {
  Problem p(6);
  const Mixture m = mixture_at(p.s, p.params.data(), p.x.data());
  const int d = m.d;
  std::vector<double> mean, cov;
  mixture_moments(m, mean, cov);
  std::vector<double> second(d * d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) second[i * d + j] = cov[i * d + j] + mean[i] * mean[j];
  const int n = 200000;
  std::vector<double> sum(d, 0.0), sum2(d * d, 0.0), sum4(d * d, 0.0), t(d), eps(d);
  const Rng rng{77, 0};
  for (int s = 0; s < n; ++s) {
    for (int i = 0; i < d; ++i) eps[i] = normal(rng, s, Stream::kUser, static_cast<std::uint32_t>(i));
    mixture_draw(m, uniform(rng, s, Stream::kUser, 100), eps.data(), t.data());
    for (int i = 0; i < d; ++i) {
      sum[i] += t[i];
      for (int j = 0; j < d; ++j) {
        sum2[i * d + j] += t[i] * t[j];
        sum4[i * d + j] += t[i] * t[i] * t[j] * t[j];
      }
    }
  }
  for (int i = 0; i < d; ++i) {
    const double var = second[i * d + i] - mean[i] * mean[i];
    const double mcse = std::sqrt(var / n);
    EXPECT_NEAR(sum[i] / n, mean[i], 5 * mcse) << "mean " << i << ", tolerance 5 MCSE = " << 5 * mcse;
    for (int j = 0; j < d; ++j) {
      const double cov = second[i * d + j] - mean[i] * mean[j];
      const double est = sum2[i * d + j] / n - (sum[i] / n) * (sum[j] / n);
      // MCSE of the product moment: the draws' sd of t_i t_j over sqrt(n), plus the mean's
      // share (|mean_j| MCSE_i + |mean_i| MCSE_j).
      const double m2 = sum2[i * d + j] / n;
      const double sd_prod = std::sqrt(std::max(0.0, sum4[i * d + j] / n - m2 * m2));
      const double mcse_i = std::sqrt(std::max(0.0, second[i * d + i] - mean[i] * mean[i]) / n);
      const double mcse_j = std::sqrt(std::max(0.0, second[j * d + j] - mean[j] * mean[j]) / n);
      const double tol = 5 * (sd_prod / std::sqrt(static_cast<double>(n)) + std::abs(mean[j]) * mcse_i +
                              std::abs(mean[i]) * mcse_j);
      EXPECT_NEAR(est, cov, tol) << "cov " << i << "," << j << ", tolerance " << tol;
    }
  }
}

}  // namespace
}  // namespace npe
}  // namespace lockstep
