#pragma once
// Exact draws from the Poisson, binomial, gamma and Student-t distributions for one chain
// (device code: LS_HD, double), from a Philox stream (kernels/core/philox.hpp) through
// `Numbers`: the k-th number of a draw comes from its own Philox counter, first + stride * k,
// so a draw is a pure function of (seed, chain, iteration, stream, first) and draws with
// different `first` (and first + stride k never equal) never share random bits.
//
//   poisson(mu):    inversion (Devroye 1986, "Non-Uniform Random Variate Generation", X.3.3):
//                   walk the CDF p_0 = e^-mu, p_{k+1} = p_k mu / (k + 1) until it passes one
//                   uniform. For mu > 256 the draw is the sum of ceil(mu / 256) independent
//                   Poisson(mu / ceil(mu / 256)) draws (Poisson sums are Poisson): e^-mu never
//                   underflows, and the walk takes O(mu) steps in all.
//   binomial(n, p): inversion on q = min(p, 1 - p) (p_0 = (1 - q)^m, p_{k+1} = p_k (m - k)/(k + 1)
//                   q / (1 - q)), n - x when p > 1/2; n split into chunks of at most 512 trials
//                   (binomial sums with one p are binomial), so p_0 >= 2^-512.
//   gamma(a):       Marsaglia & Tsang (2000), "A simple method for generating gamma variables",
//                   ACM TOMS 26(3): d = a - 1/3, c = 1/sqrt(9d), v = (1 + c x)^3 with x normal,
//                   accept if log u < x^2/2 + d - d v + d log v; a < 1: gamma(a + 1) u^(1/a).
//   student_t(nu):  z / sqrt(g / nu) with g = 2 gamma(nu / 2) ~ chi^2_nu (cauchy: nu = 1).
// Values out of range (mu > 1e8, n > 1e8, non-finite or negative arguments) give NaN.
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

/// Inversion for mu <= 256, from one uniform.
LS_HD LS_INLINE double poisson_inversion(double mu, double u) {
  double p = m::exp(-mu), cdf = p;
  double k = 0;
  const double cap = mu + 40.0 * m::sqrt(mu) + 100.0;  // the tail beyond has mass < 1e-300
  while (u > cdf && k < cap) {
    k += 1;
    p *= mu / k;
    cdf += p;
  }
  return k;
}

LS_HD LS_INLINE double poisson_draw(double mu, const Numbers& r) {
  if (!(mu >= 0) || !(mu <= 1e8)) return NAN;
  const int chunks = mu > 256 ? static_cast<int>(::ceil(mu / 256.0)) : 1;
  const double part = mu / chunks;
  double x = 0;
  for (int c = 0; c < chunks; ++c) x += poisson_inversion(part, r.uniform(static_cast<std::uint32_t>(c)));
  return x;
}

/// Inversion for m <= 512 trials with success probability q <= 1/2, from one uniform.
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

LS_HD LS_INLINE double binomial_draw(double trials, double p, const Numbers& r) {
  if (!(trials >= 0) || !(trials <= 1e8) || !(p >= 0) || !(p <= 1)) return NAN;
  const bool flip = p > 0.5;
  const double q = flip ? 1 - p : p;
  double x = 0, left = trials;
  for (std::uint32_t c = 0; left > 0; ++c) {
    const double mc = left < 512 ? left : 512;
    x += binomial_inversion(mc, q, r.uniform(c));
    left -= mc;
  }
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
