#pragma once
// Special functions the convergence diagnostics need, written here so that the host library
// takes no new dependency:
//
//   inv_normal_cdf(p)         Φ⁻¹(p), the standard normal quantile, by Wichura's algorithm
//                             AS 241 (PPND16; Applied Statistics 37(3), 477–484, 1988): three
//                             rational approximations of degree 7, relative error ~1e-16.
//   normal_cdf(x)             Φ(x) = erfc(−x/√2)/2.
//   beta_inc(x, a, b)         the regularized incomplete beta function I_x(a, b), by the
//                             continued fraction of Abramowitz & Stegun 26.5.8 evaluated with
//                             the modified Lentz method (Press et al., Numerical Recipes §6.4).
//   beta_quantile(p, a, b)    the x with I_x(a, b) = p (the Beta(a, b) quantile), by
//                             safeguarded Newton steps inside a shrinking bracket.
//
// The diagnostics use Φ⁻¹ for rank normalization (Vehtari et al. 2021) and the beta
// quantile for the Monte Carlo standard error of a quantile (ibid., §4.4).
namespace lockstep::diagnostics {

/// Φ⁻¹(p) for p in (0, 1); −inf at p = 0, +inf at p = 1, NaN outside [0, 1] or for NaN.
double inv_normal_cdf(double p);

/// Φ(x), the standard normal distribution function.
double normal_cdf(double x);

/// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b), for a, b > 0 (thread-safe lgamma_r).
double log_beta(double a, double b);

/// I_x(a, b) for a, b > 0 and x in [0, 1]; NaN otherwise.
double beta_inc(double x, double a, double b);

/// Beta(a, b) quantile: the x in [0, 1] with I_x(a, b) = p; NaN for invalid arguments.
/// Relative accuracy ~1e-14 (2e-15 against scipy in the tests) for the shapes the MCSE of a quantile uses
/// (a, b ≥ 1, up to ~1e8).
double beta_quantile(double p, double a, double b);

}  // namespace lockstep::diagnostics
