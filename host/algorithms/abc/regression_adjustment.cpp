// ABC's local-linear regression adjustment (regression_adjustment.hpp, where the method and its
// source are described): the weighted least-squares fit, with Eigen.
#include "host/algorithms/abc/regression_adjustment.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "host/algorithms/abc/abc_common.hpp"
#include "host/algorithms/smc_abc/smc_abc_population.hpp"

namespace lockstep {

AdjustmentOutput linear_regression_adjustment(const AdjustmentInput& in) {
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
  const double delta = smc_abc::weighted_quantile(dist, in.weights, in.bandwidth_quantile);
  Eigen::VectorXd K(n);
  int inside = 0;
  for (int i = 0; i < n; ++i) {
    const double r = delta > 0 ? dist[i] / delta : (dist[i] == 0 ? 0.0 : 2.0);
    K(i) = r < 1 ? in.weights[i] * (1 - r * r) : 0.0;
    inside += K(i) > 0;
  }
  out.in_kernel = inside;
  // The kernel's effective sample (Kish: (sum K)^2 / sum K^2) must carry the two fits.
  double sum_k = 0, sum_k2 = 0;
  for (int i = 0; i < n; ++i) {
    sum_k += K(i);
    sum_k2 += K(i) * K(i);
  }
  out.kernel_ess = sum_k2 > 0 ? sum_k * sum_k / sum_k2 : 0.0;
  const int need = adjustment_min_ess(k);
  if (k == 0) {  // nothing to regress on (e.g. every statistic constant over the particles)
    out.note = "not applied: no summary statistic varies over the accepted particles";
    return out;
  }
  if (!(out.kernel_ess >= need)) {
    char ess[32];
    std::snprintf(ess, sizeof ess, "%.1f", out.kernel_ess);
    out.note = "not applied: the kernel's effective sample is " + std::string(ess) + " particles (" +
               std::to_string(inside) + " in the kernel) for " + std::to_string(k) + " statistics (need " +
               std::to_string(need) + ": " + std::to_string(kAdjustEssPerCoefficient) +
               " per coefficient, at least " + std::to_string(kAdjustMinEss) + ")";
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
  // Residuals e_i = u_i - m(z_i); the heteroscedastic correction fits log e_i^2 on z_i with the
  // same weights (hence the same system) and rescales each residual to the spread at z = 0.
  const Eigen::MatrixXd E = U - X * beta;
  Eigen::MatrixXd log_e2(n, d);
  for (int a = 0; a < d; ++a) {
    double smallest = HUGE_VAL;  // a residual of exactly 0 takes the smallest other square
    for (int i = 0; i < n; ++i)
      if (E(i, a) != 0) smallest = std::min(smallest, E(i, a) * E(i, a));
    if (!(smallest < HUGE_VAL)) smallest = 1;
    for (int i = 0; i < n; ++i) log_e2(i, a) = std::log(E(i, a) != 0 ? E(i, a) * E(i, a) : smallest);
  }
  const Eigen::MatrixXd gamma = ldlt.solve(XtK * log_e2);  // (k + 1) x d
  const Eigen::MatrixXd log_spread_ratio = -0.5 * (X.rightCols(k) * gamma.bottomRows(k));  // log sigma(0)/sigma(z_i)
  for (int i = 0; i < n; ++i)
    for (int a = 0; a < d; ++a)
      out.u[static_cast<std::size_t>(i) * d + a] = beta(0, a) + E(i, a) * std::exp(log_spread_ratio(i, a));
  for (int i = 0; i < n; ++i) out.weights[i] = K(i);
  out.applied = true;
  out.note = "local-linear regression with heteroscedastic correction on " + std::to_string(k) + " statistics, " +
             std::to_string(inside) + " of " +
             std::to_string(n) + " particles in the kernel";
  return out;
}

}  // namespace lockstep
