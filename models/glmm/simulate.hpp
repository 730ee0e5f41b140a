#pragma once
// The glmm's randomness (device code, one chain: T = Real): prior draws of every parameter,
// data sets simulated at given parameters, and posterior predictive replications y_rep.
//
//   prior_draw: b_j from its prior; sd and sigma from theirs (a prior on a scale is truncated
//               at 0: drawn again until positive, as brms's lower bound); r_{r,l,k} =
//               sd_{r,k} z, z ~ normal(0, 1) (either parameterization: the same prior on r).
//               A flat prior cannot be drawn from: the draw is NaN (SBC refuses it).
//   simulate:   y_n given eta_n at the constrained parameters theta (the outputs), with the
//               family's noise: normal(eta, sigma), binomial(n_n, inv_logit eta), poisson(exp eta)
//               (exact draws: kernels/core/random_draws.hpp), from Stream::kSimulate.
//   y_rep:      the same at an unconstrained posterior draw q, from Stream::kGenerated; for
//               --newdata rows of a new grouping level, that level's coefficients are drawn
//               from the draw's scale (models/glmm/newdata.hpp), from Stream::kNewLevels.
// Row n takes its numbers from Philox counters n + N k (Numbers{first = n, stride = N}), so a
// row's draw does not depend on the other rows; parameter i of a prior draw from i + n_out k.
#include <cstdint>

#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/random_draws.hpp"
#include "models/glmm/density.hpp"

namespace lockstep {
namespace models {
namespace glmm {

/// eta_n at x, where the coordinate of scale s in x is multiplied by mult[s] (theta: 1; a
/// non-centered q: sd). A negative base -(1 + g) is new level g of --newdata
/// (models/glmm/newdata.hpp): its coefficient k is sd[s] z, z the normal of counter
/// g Ktot + col_of[r] + k of `fresh`, numbers of a stream of their own (Stream::kNewLevels),
/// independent of every row's noise (nullptr and sd unused otherwise).
template <class V>
LS_HD LS_INLINE Real linear_predictor(const GlmmData& d, V x, int n, const Real* mult, const Real* sd = nullptr,
                                      const Numbers* fresh = nullptr) {
  const Real* xr = d.X + static_cast<long>(n) * d.P;
  Real eta = d.offset ? d.offset[n] : Real(0);
  for (int j = 0; j < d.P; ++j) eta += xr[j] * static_cast<Real>(x[j]);
  const int* b = d.base + static_cast<long>(n) * d.R;
  const Real* z = d.Z + static_cast<long>(n) * d.Ktot;
  for (int r = 0; r < d.R; ++r)
    for (int k = 0; k < d.K[r]; ++k) {
      const int s = d.sd_of[r] + k, c = d.col_of[r] + k;
      if (b[r] >= 0) {
        eta += z[c] * (mult[s] * static_cast<Real>(x[b[r] + k]));
      } else {
        const std::uint32_t g = static_cast<std::uint32_t>(-1 - b[r]);
        eta += z[c] * (sd[s] * static_cast<Real>(fresh->normal(g * static_cast<std::uint32_t>(d.Ktot) +
                                                              static_cast<std::uint32_t>(c))));
      }
    }
  return eta;
}

/// One response given eta (sigma: the gaussian's scale).
LS_HD LS_INLINE Real draw_response(const GlmmData& d, int n, Real eta, Real sigma, const Numbers& r) {
  if (d.family == kBinomial) return static_cast<Real>(binomial_draw(d.trials[n], m::inv_logit(static_cast<double>(eta)), r));
  if (d.family == kPoisson) return static_cast<Real>(poisson_draw(m::exp(static_cast<double>(eta)), r));
  return eta + sigma * static_cast<Real>(r.normal(0));
}

/// Responses for every row at x (theta or q), into out[0..N).
template <class V, class O>
LS_HD LS_INLINE void draw_responses(const GlmmData& d, V x, const Real* mult, Real sigma, const Rng& rng,
                                    std::uint64_t iteration, Stream stream, O out, const Real* sd = nullptr) {
  // New levels' effects from Stream::kNewLevels: an offset counter in the rows' stream (2^31,
  // doubled by Numbers into 32 bits) wrapped onto row j's noise, so a new level's effect was
  // that row's z again (y_rep's variance sigma^2 + sd^2 + 2 sigma sd).
  const Numbers fresh{rng, iteration, Stream::kNewLevels, 0u, 1u};
  for (int n = 0; n < d.N; ++n) {
    const Numbers r{rng, iteration, stream, static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(d.N)};
    out[n] = draw_response(d, n, linear_predictor(d, x, n, mult, sd, &fresh), sigma, r);
  }
}

/// A draw from prior (kind, par) of a coefficient, or of a scale (truncated at 0).
LS_HD LS_INLINE double prior_value(int kind, const Real* par, bool scale, const Numbers& r) {
  if (kind == kExponential) return -m::log(r.uniform(0)) / par[2];
  if (kind == kFlat) return NAN;
  constexpr std::uint32_t kTries = 64, kPerTry = 160;  // a student_t draw takes at most 131 numbers
  for (std::uint32_t t = 0; t < (scale ? kTries : 1u); ++t) {
    const Numbers n{r.rng, r.iteration, r.stream, r.first + r.stride * kPerTry * t, r.stride};
    const double e = kind == kNormal ? n.normal(0) : student_t_draw(par[0], n);
    const double x = par[1] + par[2] * e;
    if (!scale || x > 0) return x;
  }
  return NAN;
}

/// The numbers of output i's prior draw: counters i + n_out k of Stream::kInit.
LS_HD LS_INLINE Numbers prior_numbers(const Rng& rng, std::uint64_t iteration, int i, std::uint32_t stride) {
  return Numbers{rng, iteration, Stream::kInit, static_cast<std::uint32_t>(i), stride};
}

template <class V>
LS_HD LS_INLINE void glmm_prior_draw(const GlmmData& d, const Rng& rng, std::uint64_t iteration, V theta) {
  const std::uint32_t stride = static_cast<std::uint32_t>(d.n_out);
  int o = 0;
  for (int j = 0; j < d.P; ++j, ++o) theta[o] = static_cast<Real>(prior_value(d.prior_kind[j], d.prior_par + 3 * j, false, prior_numbers(rng, iteration, o, stride)));
  for (int s = 0; s < d.n_sd; ++s, ++o) {
    const int p = d.P + s;
    theta[o] = static_cast<Real>(prior_value(d.prior_kind[p], d.prior_par + 3 * p, true, prior_numbers(rng, iteration, o, stride)));
  }
  if (d.sigma_at >= 0) {
    const int p = d.P + d.n_sd;
    theta[o] = static_cast<Real>(prior_value(d.prior_kind[p], d.prior_par + 3 * p, true, prior_numbers(rng, iteration, o, stride)));
    ++o;
  }
  for (int r = 0; r < d.R; ++r)
    for (int l = 0; l < d.L[r]; ++l)
      for (int k = 0; k < d.K[r]; ++k, ++o) {
        const Real sd = theta[d.sd_at + d.sd_of[r] + k];
        theta[o] = sd * static_cast<Real>(prior_numbers(rng, iteration, o, stride).normal(0));
      }
}

template <class V, class O>
LS_HD LS_INLINE void glmm_simulate(const GlmmData& d, V theta, const Rng& rng, std::uint64_t iteration, O out) {
  Real ones[kMaxScales > 0 ? kMaxScales : 1];
  for (int s = 0; s < d.n_sd; ++s) ones[s] = 1;
  const Real sigma = d.sigma_at >= 0 ? static_cast<Real>(theta[d.sigma_at]) : d.sigma_fixed;
  draw_responses(d, theta, ones, sigma, rng, iteration, Stream::kSimulate, out);
}

template <class V, class O>
LS_HD LS_INLINE void glmm_generated(const GlmmData& d, V q, const Rng& rng, std::uint64_t iteration, O out) {
  Real mult[kMaxScales > 0 ? kMaxScales : 1], sd[kMaxScales > 0 ? kMaxScales : 1];
  for (int s = 0; s < d.n_sd; ++s) {
    sd[s] = m::exp(static_cast<Real>(q[d.sd_at + s]));
    mult[s] = d.centered ? Real(1) : sd[s];
  }
  const Real sigma = d.sigma_at >= 0 ? m::exp(static_cast<Real>(q[d.sigma_at])) : d.sigma_fixed;
  draw_responses(d, q, mult, sigma, rng, iteration, Stream::kGenerated, out, sd);
}

}  // namespace glmm
}  // namespace models
}  // namespace lockstep
