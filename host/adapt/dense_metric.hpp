#pragma once
// The dense inverse metric estimated at the end of a slow warmup window, on the host: the
// window's sample covariance (Welford sums, per chain or pooled over chains), regularized as
// Stan's covar_adaptation (stan/mcmc/covar_adaptation.hpp):
//
//   Sigma_reg = (n / (n + 5)) Sigma + 1e-3 (5 / (n + 5)) I,
//
// and its Cholesky factor L (Sigma_reg = L L^T), which the kernels use to draw momenta
// p = L^-T z ~ N(0, Sigma_reg^-1) (kernels/hmc/metric.hpp, DenseMetric).
//
// Per-chain sums come in the kernels' layout: mean [dim][n_pad], M2 [dim * dim][n_pad]
// (element (i, j) of chain c at m2[(i * dim + j) * n_pad + c]).
#include <cmath>
#include <cstddef>
#include <vector>

#include "host/backend/tree_sum.hpp"
#include "kernels/core/index.hpp"

namespace lockstep {
namespace adapt {

constexpr double kMetricShrinkTarget = 1e-3;  // Stan's covar/var_adaptation regularization
constexpr double kMetricShrinkWeight = 5.0;   // ibid.: n / (n + 5) and 5 / (n + 5)

/// In place: a (dim x dim, row-major) <- (n/(n+5)) a + 1e-3 (5/(n+5)) I.
inline void regularize_covariance(std::vector<double>& a, int dim, double n) {
  const double w = n / (n + kMetricShrinkWeight);
  const double add = kMetricShrinkTarget * (kMetricShrinkWeight / (n + kMetricShrinkWeight));
  for (int i = 0; i < dim; ++i)
    for (int j = 0; j < dim; ++j) {
      double& x = a[static_cast<std::size_t>(i) * dim + j];
      x = w * x + (i == j ? add : 0.0);
    }
}

/// Cholesky factorization a = L L^T of a symmetric matrix (row-major; Eigen's LLT, which
/// reads the lower triangle; dense_metric.cpp); L lower triangular, row-major, zeros above the diagonal.
/// Returns false (L unspecified) if `a` has a non-finite entry or is not positive definite.
bool cholesky_lower(const std::vector<double>& a, int dim, std::vector<double>& L);

/// Covariance M2 / (n - 1) of chain c from the per-chain sums (symmetrized).
template <class R>
std::vector<double> chain_covariance(const std::vector<R>& m2, int dim, int n_pad, int c, double n) {
  std::vector<double> a(static_cast<std::size_t>(dim) * dim);
  for (int i = 0; i < dim; ++i)
    for (int j = 0; j <= i; ++j) {
      const double x = 0.5 * (static_cast<double>(m2[slot_index(i, j, c, dim, n_pad)]) +
                              static_cast<double>(m2[slot_index(j, i, c, dim, n_pad)]));
      a[static_cast<std::size_t>(i) * dim + j] = a[static_cast<std::size_t>(j) * dim + i] = x / (n - 1.0);
    }
  return a;
}

/// Covariance of all n * n_chains window samples of all chains from the per-chain sums
/// (Chan, Golub & LeVeque 1979 combination, in chain order, fixed-shape sums):
///   M2 = sum_c M2_c + n sum_c (mean_c - mean)(mean_c - mean)^T,  Sigma = M2 / (n C - 1).
template <class R>
std::vector<double> pooled_covariance(const std::vector<R>& mean, const std::vector<R>& m2, int dim,
                                      int n_pad, int n_chains, double n) {
  std::vector<double> grand(dim);
  for (int i = 0; i < dim; ++i)
    grand[i] = backend::tree_sum<double>(n_chains, [&](std::size_t c) {
                 return mean[soa_index(i, c, n_pad)];
               }) / n_chains;
  const double total_n = n * n_chains;
  std::vector<double> a(static_cast<std::size_t>(dim) * dim);
  for (int i = 0; i < dim; ++i)
    for (int j = 0; j <= i; ++j) {
      const R* mij = m2.data() + slot_index(i, j, 0, dim, n_pad);
      const R* mji = m2.data() + slot_index(j, i, 0, dim, n_pad);
      const R* mi = mean.data() + soa_index(i, 0, n_pad);
      const R* mj = mean.data() + soa_index(j, 0, n_pad);
      const double within = backend::tree_sum<double>(
          n_chains, [&](std::size_t c) { return 0.5 * (static_cast<double>(mij[c]) + static_cast<double>(mji[c])); });
      const double between = backend::tree_sum<double>(
          n_chains, [&](std::size_t c) { return (mi[c] - grand[i]) * (mj[c] - grand[j]); });
      a[static_cast<std::size_t>(i) * dim + j] = a[static_cast<std::size_t>(j) * dim + i] =
          (within + n * between) / (total_n - 1.0);
    }
  return a;
}

}  // namespace adapt
}  // namespace lockstep
