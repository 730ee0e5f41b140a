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
#include <string>
#include <vector>

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

/// Adjusts the particles (above); the input's own values, with the reason, where it does not apply.
AdjustmentOutput linear_regression_adjustment(const AdjustmentInput& in);

}  // namespace lockstep
