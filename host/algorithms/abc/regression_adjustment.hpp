#pragma once
// ABC's local-linear regression adjustment (Beaumont, Zhang and Balding 2002, "Approximate
// Bayesian computation in population genetics", Genetics 162: 2025-2035), `--adjust linear`.
//
// An ABC sample (theta_i, s_i) with importance weights w_i (1 for rejection ABC) approximates
// p(theta | s near s_obs). Fit, by weighted least squares on the particles,
//   u_i = alpha + beta^T z_i + e_i,   z_i = (s_i - s_obs) / mad,   u_i = the unconstrained theta_i,
// with weights K_i = w_i (1 - (d_i / delta)^2)_+ (Epanechnikov), d_i = |z_i| (Euclidean),
// delta = the w-weighted bandwidth_quantile-quantile of the d_i; then move each particle to
// where its statistics would have been s_obs:
//   u_i* = u_i - beta^T z_i,
// and the adjusted sample is (u_i*, K_i). When E[u | s] is linear near s_obs with an additive
// error, u_i* are draws from p(u | s_obs) — the posterior given the statistics, not a
// neighbourhood of them — so the result no longer widens with the tolerance.
// Heteroscedastic correction (Blum and Francois 2010, "Non-linear regression models for
// Approximate Bayesian Computation", Stat. Comput. 20: 63-73; R's abc package, hcorr = TRUE,
// its default): the error's spread may vary with s (wide particles far from s_obs scatter
// more), so log e_i^2 of the residuals e_i = u_i - alpha - beta^T z_i is fitted on z_i too,
// log e^2 ~ gamma + delta^T z, with the same weights, and
//   u_i* = alpha + e_i exp(-delta^T z_i / 2)   (= alpha + e_i sigma(s_obs) / sigma(s_i)),
// per component of u. Details:
//   * statistics: the model's own (kernels/sbi/adjustment_statistics.hpp; the peak model's:
//     its least-squares fit) or the scaled identity; mad_k = the median absolute deviation of
//     statistic k over the particles; a statistic with mad_k = 0 (constant) is left out;
//   * scale: theta through the model's unconstrain (the same transform NUTS uses), so adjusted
//     values stay inside the prior's support, and back through write_out; without one, theta;
//   * not applied (the particles returned as they are, with the reason) when the kernel's
//     effective sample (Kish's (sum K_i)^2 / sum K_i^2) is below adjustment_min_ess(k) =
//     max(50, 10 (k + 1)) for k statistics (10 particles per fitted coefficient: with fewer the
//     two fits extrapolate, and a few hundred simulations gave confidently wrong posteriors,
//     sds 1e-4 of the truth's), when the weighted system is singular, or when a particle has
//     no finite unconstrained value.
// Choices not in Beaumont et al.: the bandwidth quantile (they take delta = epsilon, the
// largest distance), chosen so that the fit stays local when the population is much wider than
// the posterior (an SMC-ABC population at a small budget; 0.25 with the correction above kept
// SMC-ABC at 1e5 peak simulations within 1.56x of the posterior sds on eight synthetic data
// sets where 0.5 without it reached 2-7x: bench/RESULTS.md, 2026-12-06); the MAD scaling, as
// pyABC's.
#include <string>
#include <vector>

namespace lockstep {

// The kernel's bandwidth quantile: SMC-ABC's final population is much wider than the
// posterior at a small budget; rejection ABC's K nearest are already a local set, and a
// narrower kernel there would only cut the effective sample (K = 200: ESS 33 at 0.25).
constexpr double kBandwidthQuantileSmcAbc = 0.25;
constexpr double kBandwidthQuantileAbc = 0.5;

/// The least effective sample in the kernel for the fits on k statistics (file comment).
constexpr int kAdjustEssPerCoefficient = 10;
constexpr int kAdjustMinEss = 50;
constexpr int adjustment_min_ess(int k) {
  return kAdjustEssPerCoefficient * (k + 1) > kAdjustMinEss ? kAdjustEssPerCoefficient * (k + 1) : kAdjustMinEss;
}

struct AdjustmentInput {
  int n = 0, d = 0, k = 0;
  std::vector<double> u;        // [n][d] unconstrained parameters
  std::vector<double> s;        // [n][k] statistics
  std::vector<double> s_obs;    // [k]
  std::vector<double> weights;  // [n] importance weights (any positive scale)
  double bandwidth_quantile = kBandwidthQuantileSmcAbc;  // delta: this w-weighted quantile of the d_i
};

struct AdjustmentOutput {
  bool applied = false;
  std::string note;             // what was done, or why not
  std::vector<double> u;        // [n][d] adjusted (or the input's)
  std::vector<double> weights;  // [n] K_i (or the input's)
  int statistics_used = 0;
  int in_kernel = 0;            // particles with K_i > 0
  double kernel_ess = 0;        // (sum K_i)^2 / sum K_i^2
};

/// Adjusts the particles (above); the input's own values, with the reason, where it does not apply.
AdjustmentOutput linear_regression_adjustment(const AdjustmentInput& in);

}  // namespace lockstep
