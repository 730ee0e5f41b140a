#pragma once
// Exact draws from the Poisson, binomial, gamma and Student-t distributions for one chain
// (device code: LS_HD, double), from a Philox stream (kernels/core/philox.hpp) through
// `Numbers`: the k-th number of a draw comes from its own Philox counter, first + stride * k,
// so a draw is a pure function of (seed, chain, iteration, stream, first) and draws with
// different `first` (and first + stride k never equal) never share random bits.
//
//   poisson(mu):    mu < 10: inversion (Devroye 1986, "Non-Uniform Random Variate Generation",
//                   X.3.3): walk the CDF p_0 = e^-mu, p_{k+1} = p_k mu / (k + 1) until it passes
//                   one uniform; mu >= 10: Hormann's PTRS (transformed rejection, about 2.3
//                   uniforms a draw whatever mu).
//   binomial(n, p): on q = min(p, 1 - p), n - x when p > 1/2; n q < 10: inversion
//                   (p_0 = (1 - q)^n >= e^-20, p_{k+1} = p_k (n - k)/(k + 1) q / (1 - q));
//                   n q >= 10: Hormann's BTRS (transformed rejection, O(1) a draw).
//   gamma(a):       Marsaglia & Tsang (2000), "A simple method for generating gamma variables",
//                   ACM TOMS 26(3): d = a - 1/3, c = 1/sqrt(9d), v = (1 + c x)^3 with x normal,
//                   accept if log u < x^2/2 + d - d v + d log v; a < 1: gamma(a + 1) u^(1/a).
//   student_t(nu):  z / sqrt(g / nu) with g = 2 gamma(nu / 2) ~ chi^2_nu (cauchy: nu = 1).
// Values out of range (mu or n above 1e15, a non-integer n, non-finite or negative arguments)
// give NaN.
#include <cmath>
#include <cstdint>

#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"

namespace lockstep {

/// The numbers of one draw: number k comes from Philox counter first + stride k (uniform and
/// normal use the counter's first two words; no two numbers share a counter).
struct Numbers {
  Rng rng;
  std::uint64_t iteration;
  Stream stream;
  std::uint32_t first, stride;

  LS_HD LS_INLINE std::uint32_t counter(std::uint32_t k) const { return first + stride * k; }
  LS_HD LS_INLINE double uniform(std::uint32_t k) const {
    return lockstep::uniform(rng, iteration, stream, 2u * counter(k));
  }
  LS_HD LS_INLINE double normal(std::uint32_t k) const {
    return lockstep::normal(rng, iteration, stream, 2u * counter(k));
  }
};

/// log(k!) for k >= 0: the product below 20 (exact in double up to 20!), else Stirling's series
/// for log Gamma(k + 1) with four terms (its next term, 1/(1188 (k + 1)^9), is below 1.1e-15).
LS_HD LS_INLINE double log_factorial(double k) {
  if (k < 20) {
    double f = 1;
    for (double i = 2; i <= k; i += 1) f *= i;
    return m::log(f);
  }
  const double n = k + 1, r = 1 / n, r2 = r * r;
  return (n - 0.5) * m::log(n) - n + 0.91893853320467274178 +  // log sqrt(2 pi)
         r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 / 1680)));
}

/// Largest argument (mu, n) of the count draws: counts stay exact integers in double.
constexpr double kCountDrawMax = 1e15;
/// Rejection tries of PTRS and BTRS (each accepted with probability > 0.85 where they are used).
constexpr std::uint32_t kCountTries = 64;

/// Poisson by inversion (mu < 10: p_0 = e^-mu >= e^-10), from one uniform.
LS_HD LS_INLINE double poisson_inversion(double mu, double u) {
  double p = m::exp(-mu), cdf = p;
  double k = 0;
  while (u > cdf && k < 200) {  // beyond 200 the pmf of mu < 10 is below 1e-200
    k += 1;
    p *= mu / k;
    cdf += p;
  }
  return k;
}

/// Poisson by transformed rejection with squeeze (PTRS: W. Hormann 1993, "The transformed
/// rejection method for generating Poisson random variables", Insurance: Mathematics and
/// Economics 12: 39-45), for mu >= 10: a uniform U is mapped through a hat that covers the
/// pmf, k = floor((2a / us + b) U + mu + 0.43) with us = 0.5 - |U|, and k is accepted by a
/// quick squeeze (us >= 0.07 and V <= v_r) or by comparing log V against the log pmf ratio.
/// Expected uniforms per draw: about 2.3; the constants a, b, alpha, v_r are the paper's.
LS_HD LS_INLINE double poisson_ptrs(double mu, const Numbers& r) {
  const double smu = m::sqrt(mu), log_mu = m::log(mu);
  const double b = 0.931 + 2.53 * smu, a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), v_r = 0.9277 - 3.6224 / (b - 2);
  for (std::uint32_t t = 0; t < kCountTries; ++t) {
    const double u = r.uniform(2 * t) - 0.5, v = r.uniform(2 * t + 1);
    const double us = 0.5 - m::abs(u);
    const double k = ::floor((2 * a / us + b) * u + mu + 0.43);
    if (us >= 0.07 && v <= v_r) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (m::log(v) + m::log(inv_alpha) - m::log(a / (us * us) + b) <= -mu + k * log_mu - log_factorial(k)) return k;
  }
  return NAN;  // 64 rejections in a row: probability below 1e-50
}

LS_HD LS_INLINE double poisson_draw(double mu, const Numbers& r) {
  if (!(mu >= 0) || !(mu <= kCountDrawMax)) return NAN;
  return mu < 10 ? poisson_inversion(mu, r.uniform(0)) : poisson_ptrs(mu, r);
}

/// Binomial by inversion for n trials with success probability q <= 1/2 and n q < 10
/// (p_0 = (1 - q)^n >= e^-20), from one uniform.
LS_HD LS_INLINE double binomial_inversion(double trials, double q, double u) {
  double p = m::exp(trials * m::log1p(-q)), cdf = p;
  const double ratio = q / (1 - q);
  double k = 0;
  while (u > cdf && k < trials) {
    p *= (trials - k) / (k + 1) * ratio;
    k += 1;
    cdf += p;
  }
  return k;
}

/// Binomial by transformed rejection with squeeze (BTRS: W. Hormann 1993, "The generation of
/// binomial random variates", J. Statist. Comput. Simul. 46: 101-110), for q <= 1/2 and
/// n q >= 10: the same construction as PTRS around the mode m = floor((n + 1) q), accepted
/// against the log pmf ratio log f(k) - log f(m). The constants are the paper's.
LS_HD LS_INLINE double binomial_btrs(double trials, double q, const Numbers& r) {
  const double spq = m::sqrt(trials * q * (1 - q));
  const double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * q, c = trials * q + 0.5;
  const double alpha = (2.83 + 5.1 / b) * spq, v_r = 0.92 - 4.2 / b;
  const double log_odds = m::log(q / (1 - q)), mode = ::floor((trials + 1) * q);
  const double log_f_mode = log_factorial(mode) + log_factorial(trials - mode);
  for (std::uint32_t t = 0; t < kCountTries; ++t) {
    const double u = r.uniform(2 * t) - 0.5, v = r.uniform(2 * t + 1);
    const double us = 0.5 - m::abs(u);
    const double k = ::floor((2 * a / us + b) * u + c);
    if (k < 0 || k > trials) continue;
    if (us >= 0.07 && v <= v_r) return k;
    if (m::log(v * alpha / (a / (us * us) + b)) <=
        log_f_mode - log_factorial(k) - log_factorial(trials - k) + (k - mode) * log_odds)
      return k;
  }
  return NAN;  // 64 rejections in a row: probability below 1e-50
}

LS_HD LS_INLINE double binomial_draw(double trials, double p, const Numbers& r) {
  if (!(trials >= 0) || !(trials <= kCountDrawMax) || trials != ::floor(trials) || !(p >= 0) || !(p <= 1)) return NAN;
  const bool flip = p > 0.5;
  const double q = flip ? 1 - p : p;
  const double x = trials * q < 10 ? binomial_inversion(trials, q, r.uniform(0)) : binomial_btrs(trials, q, r);
  return flip ? trials - x : x;
}

LS_HD LS_INLINE double gamma_draw(double a, const Numbers& r) {
  if (!(a > 0) || !(a < 1e300)) return NAN;
  constexpr std::uint32_t kTries = 64;  // each try is accepted with probability > 0.95
  const double b = a < 1 ? a + 1 : a;
  const double d = b - 1.0 / 3.0, c = 1.0 / m::sqrt(9.0 * d);
  double g = NAN;
  for (std::uint32_t t = 0; t < kTries; ++t) {
    const double x = r.normal(2 * t);
    const double s = 1 + c * x;
    if (s <= 0) continue;
    const double v = s * s * s;
    const double u = r.uniform(2 * t + 1);
    if (m::log(u) < 0.5 * x * x + d - d * v + d * m::log(v)) {
      g = d * v;
      break;
    }
  }
  if (a < 1) g *= m::exp(m::log(r.uniform(2 * kTries)) / a);
  return g;
}

/// Student-t with nu degrees of freedom, location 0, scale 1.
LS_HD LS_INLINE double student_t_draw(double nu, const Numbers& r) {
  const double z = r.normal(0);
  const Numbers rest{r.rng, r.iteration, r.stream, r.first + r.stride, r.stride};
  const double g = 2 * gamma_draw(0.5 * nu, rest);
  return z / m::sqrt(g / nu);
}

}  // namespace lockstep
