#pragma once
// SMC-ABC's population arithmetic on the host: the weighted quantile that sets the next
// tolerance (Del Moral et al. 2012's adaptive schedule, as pyABC's QuantileEpsilon), the
// perturbation kernel's covariance (twice the weighted empirical covariance: Beaumont et al.
// 2009; Filippi et al. 2013 show it is the optimal scale of a Gaussian kernel under a KL
// criterion) and its lower Cholesky factor (Eigen, in smc_abc_population.cpp), log weights
// normalized by log-sum-exp, the effective sample size, and systematic resampling.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace lockstep {
namespace smc_abc {

/// The smallest d_i such that the weight of {j: d_j <= d_i} is >= alpha (weights normalized).
inline double weighted_quantile(const std::vector<double>& d, const std::vector<double>& w, double alpha) {
  std::vector<std::size_t> order(d.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return d[a] < d[b] || (d[a] == d[b] && a < b); });
  double total = 0;
  for (double v : w) total += v;
  double c = 0;
  for (std::size_t i : order) {
    c += w[i] / total;
    if (c >= alpha) return d[i];
  }
  return d[order.back()];
}

/// W_i = exp(l_i - logsumexp(l)); returns W.
inline std::vector<double> normalize_log_weights(const std::vector<double>& log_w) {
  double m = -HUGE_VAL;
  for (double v : log_w) m = std::max(m, v);
  std::vector<double> w(log_w.size());
  double s = 0;
  for (std::size_t i = 0; i < w.size(); ++i) s += (w[i] = std::exp(log_w[i] - m));
  for (double& v : w) v /= s;
  return w;
}

/// (sum W)^2 / sum W^2.
inline double effective_sample_size(const std::vector<double>& w) {
  double s = 0, s2 = 0;
  for (double v : w) {
    s += v;
    s2 += v * v;
  }
  return s * s / s2;
}

/// `scale` x the weighted covariance of theta ([n][d] row-major, weights W summing to 1), as its
/// lower Cholesky factor L (row-major d x d). A covariance that is not positive definite
/// (a collapsed population) gets a growing ridge of 1e-12 .. 1 x its largest diagonal entry
/// (or 1e-12 when that is 0).
std::vector<double> perturbation_cholesky(const std::vector<double>& theta, const std::vector<double>& w, int dim,
                                          double scale = 2.0);

/// Systematic resampling (Kitagawa 1996): n indices, index i taken floor-ish n W_i times, from
/// one uniform u in [0, 1): the k-th pick is the first i with cumulative W_i > (k + u) / n.
inline std::vector<std::size_t> systematic_resample(const std::vector<double>& w, std::size_t n, double u) {
  std::vector<std::size_t> out(n);
  double c = w.empty() ? 0 : w[0];
  std::size_t i = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const double target = (static_cast<double>(k) + u) / static_cast<double>(n);
    while (c <= target && i + 1 < w.size()) c += w[++i];
    out[k] = i;
  }
  return out;
}

}  // namespace smc_abc
}  // namespace lockstep
