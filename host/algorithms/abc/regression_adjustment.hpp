#pragma once
// ABC's local-linear regression adjustment (Beaumont, Zhang and Balding 2002, "Approximate
// Bayesian computation in population genetics", Genetics 162: 2025-2035), `--adjust linear`.
//
// An ABC sample (theta_i, s_i) with importance weights w_i (1 for rejection ABC) approximates
// p(theta | s near s_obs). Fit, by weighted least squares on the particles,
//   u_i = alpha + beta^T z_i + e_i,   z_i = (s_i - s_obs) / mad,   u_i = the unconstrained theta_i,
// with weights K_i = w_i (1 - (d_i / delta)^2)_+ (Epanechnikov), d_i = |z_i| (Euclidean),
// delta = the w-weighted kBandwidthQuantile-quantile of the d_i; then move each particle to
// where its statistics would have been s_obs:
//   u_i* = u_i - beta^T z_i,
// and the adjusted sample is (u_i*, K_i). When E[u | s] is linear near s_obs with an additive
// error, u_i* are draws from p(u | s_obs) — the posterior given the statistics, not a
// neighbourhood of them — so the result no longer widens with the tolerance. Details:
//   * statistics: the model's own (kernels/sbi/adjustment_statistics.hpp; the peak model's:
//     its least-squares fit) or the scaled identity; mad_k = the median absolute deviation of
//     statistic k over the particles; a statistic with mad_k = 0 (constant) is left out;
//   * scale: theta through the model's unconstrain (the same transform NUTS uses), so adjusted
//     values stay inside the prior's support, and back through write_out; without one, theta;
//   * not applied (the particles returned as they are, with the reason) when fewer than
//     2 (k + 1) particles have K_i > 0 for k statistics, when the weighted system is singular,
//     or when a particle has no finite unconstrained value.
// Choices not in Beaumont et al.: the bandwidth quantile (they take delta = epsilon, the
// largest distance), chosen so that the fit stays local when the population is much wider than
// the posterior (an SMC-ABC population at a small budget); the MAD scaling, as pyABC's.
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "host/algorithms/abc/abc_common.hpp"
#include "host/algorithms/smc_abc/smc_abc_population.hpp"

namespace lockstep {

constexpr double kBandwidthQuantile = 0.5;

struct AdjustmentInput {
  int n = 0, d = 0, k = 0;
  std::vector<double> u;        // [n][d] unconstrained parameters
  std::vector<double> s;        // [n][k] statistics
  std::vector<double> s_obs;    // [k]
  std::vector<double> weights;  // [n] importance weights (any positive scale)
};

struct AdjustmentOutput {
  bool applied = false;
  std::string note;             // what was done, or why not
  std::vector<double> u;        // [n][d] adjusted (or the input's)
  std::vector<double> weights;  // [n] K_i (or the input's)
  int statistics_used = 0;
  int in_kernel = 0;            // particles with K_i > 0
};

inline AdjustmentOutput linear_regression_adjustment(const AdjustmentInput& in) {
  AdjustmentOutput out;
  out.u = in.u;
  out.weights = in.weights;
  const int n = in.n, d = in.d;
  for (double v : in.s)
    if (!std::isfinite(v)) {
      out.note = "not applied: a particle's statistics are not finite";
      return out;
    }
  // Scaled statistics z, leaving out the constant ones.
  std::vector<int> used;
  std::vector<double> mad;
  std::vector<double> col(static_cast<std::size_t>(n));
  for (int j = 0; j < in.k; ++j) {
    for (int i = 0; i < n; ++i) col[i] = in.s[static_cast<std::size_t>(i) * in.k + j];
    const double m = abc_mad(col);
    if (m > 0 && std::isfinite(m)) {
      used.push_back(j);
      mad.push_back(m);
    }
  }
  const int k = static_cast<int>(used.size());
  out.statistics_used = k;
  Eigen::MatrixXd X(n, k + 1);
  std::vector<double> dist(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    double r2 = 0;
    X(i, 0) = 1;
    for (int a = 0; a < k; ++a) {
      const std::size_t at = static_cast<std::size_t>(i) * in.k + used[a];
      const double z = (in.s[at] - in.s_obs[used[a]]) / mad[a];
      X(i, a + 1) = z;
      r2 += z * z;
    }
    dist[i] = std::sqrt(r2);
  }
  for (int i = 0; i < n; ++i)
    if (!std::isfinite(in.weights[i]) || !(in.weights[i] >= 0)) {
      out.note = "not applied: a particle's weight is not finite";
      return out;
    }
  for (double v : in.u)
    if (!std::isfinite(v)) {
      out.note = "not applied: a particle has no finite unconstrained value";
      return out;
    }
  const double delta = smc_abc::weighted_quantile(dist, in.weights, kBandwidthQuantile);
  Eigen::VectorXd K(n);
  int inside = 0;
  for (int i = 0; i < n; ++i) {
    const double r = delta > 0 ? dist[i] / delta : (dist[i] == 0 ? 0.0 : 2.0);
    K(i) = r < 1 ? in.weights[i] * (1 - r * r) : 0.0;
    inside += K(i) > 0;
  }
  out.in_kernel = inside;
  if (k == 0 || inside < 2 * (k + 1)) {
    out.note = "not applied: " + std::to_string(inside) + " particles in the kernel for " + std::to_string(k) +
               " statistics (need " + std::to_string(2 * (k + 1)) + ")";
    return out;
  }
  Eigen::MatrixXd U(n, d);
  for (int i = 0; i < n; ++i)
    for (int a = 0; a < d; ++a) U(i, a) = in.u[static_cast<std::size_t>(i) * d + a];
  const Eigen::MatrixXd XtK = X.transpose() * K.asDiagonal();
  const Eigen::MatrixXd G = XtK * X;
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(G);
  const double scale = G.diagonal().maxCoeff();
  if (ldlt.info() != Eigen::Success || !(ldlt.rcond() > 1e-12) || !(scale > 0)) {
    out.note = "not applied: the weighted regression is singular";
    return out;
  }
  const Eigen::MatrixXd beta = ldlt.solve(XtK * U);  // (k + 1) x d
  const Eigen::MatrixXd adjusted = U - X.rightCols(k) * beta.bottomRows(k);
  for (int i = 0; i < n; ++i)
    for (int a = 0; a < d; ++a) out.u[static_cast<std::size_t>(i) * d + a] = adjusted(i, a);
  for (int i = 0; i < n; ++i) out.weights[i] = K(i);
  out.applied = true;
  out.note = "local-linear regression on " + std::to_string(k) + " statistics, " + std::to_string(inside) + " of " +
             std::to_string(n) + " particles in the kernel";
  return out;
}

}  // namespace lockstep
