#pragma once
// The glmm log density and its gradient, derived once by hand for every formula (device code:
// LS_HD, over T = Real or Batch<W>; no branch on a value of type T).
//
// Model:
//   eta_n = o_n + sum_j X[n,j] b_j + sum_r sum_k Z_r[n,k] r_{r, l_r(n), k}
//   y_n ~ normal(eta_n, sigma)                   (gaussian, identity link)
//   y_n ~ binomial(n_n, inv_logit(eta_n))         (binomial; bernoulli: n_n = 1)
//   y_n ~ poisson(exp(eta_n))                     (poisson)
// with o_n the formula's offsets (offset(x), offset(log(x)): known, coefficient 1; 0 without),
// X the dense fixed design (N x P), and for each varying-effect term r a grouping factor
// with level l_r(n) of row n and K_r columns Z_r (stored per row: N x K_r values, never a dense
// N x levels matrix). Each column k of term r has its own scale sd_{r,k}:
//   non-centered (default): r_{r,l,k} = sd_{r,k} z_{r,l,k},  z ~ normal(0, 1)
//   centered:               r_{r,l,k} ~ normal(0, sd_{r,k})
// Unconstrained coordinates q = (b [P], u = log sd [S], v = log sigma [unless fixed],
// z or r [sum_r L_r K_r, level-major: (r, l, k) at z_of[r] + l K_r + k]).
//
// With e_n = (y_n - eta_n) / sigma^2, SSE = sum_n (y_n - eta_n)^2 and G_{r,l,k} = sum over the
// rows n of level l of e_n Z_r[n,k] (dL/dr_{r,l,k}):
//   L        = -N v - SSE / (2 sigma^2)
//   dL/db_j  = sum_n e_n X[n,j]
//   dL/dv    = -N + SSE / sigma^2
//   non-centered: d/dz_{r,l,k} = sd_{r,k} G_{r,l,k} - z_{r,l,k}      (prior -z^2/2)
//                 d/du_{r,k}  += sum_l sd_{r,k} z_{r,l,k} G_{r,l,k}
//   centered:     d/dr_{r,l,k} = G_{r,l,k} - r_{r,l,k} / sd^2         (prior -r^2/(2 sd^2) - log sd)
//                 d/du_{r,k}  += sum_l r_{r,l,k}^2 / sd^2 - L_r
// plus the priors of b, sd and sigma with their log-Jacobians (models/glmm/priors.hpp).
//
// The discrete families (models/glmm/family.hpp) change only the row term: L = sum_n ll_n(eta_n)
// and e_n = d ll_n / d eta_n (binomial: y_n - n_n inv_logit(eta_n); poisson: y_n - exp(eta_n)),
// which enter dL/db, G and the chain rule through r exactly as the gaussian e_n does; they have
// no sigma.
#include <type_traits>

#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/strided.hpp"
#include "models/glmm/density_data.hpp"
#include "models/glmm/family.hpp"
#include "models/glmm/priors.hpp"
#include "models/glmm/row_terms.hpp"
#include "models/glmm/rows_one_chain.hpp"

namespace lockstep {
namespace models {
namespace glmm {

/// The rows: eta_n, the residual sum of squares (gaussian) or the log-likelihood (the discrete
/// families) (returned), dL/db added to g[0..P), G added to g's varying coordinates (zeroed by
/// the caller). kLocal: P <= kLocalFixed. kSimple: every varying-effect term is (1 | g) alone
/// (one intercept column: Z = 1, not read).
template <int kFamily, bool kLocal, bool kSimple, int kP = 0, int kR = 0, class V, class G, class T>
LS_HD LS_INLINE T glmm_rows(const GlmmData& d, V q, G g, const T* mult, const T& inv_var) {
  constexpr int kB = kLocal ? (kP > 0 ? kP : kLocalFixed) : 1;
  const int P = kP > 0 ? kP : d.P;  // kP > 0: the number of columns, known at compile time
  const int R = kR > 0 ? kR : d.R;  // kR > 0: the number of varying-effect terms, likewise
  T beta[kB], gbeta[kB];
  if (kLocal)
    for (int j = 0; j < P; ++j) {
      beta[j] = q[j];
      gbeta[j] = T(Real(0));
    }
  const int j0 = d.x_icpt ? 1 : 0;  // column 0 of X is the intercept: not read
  T sse = Real(0);
  for (int n = 0; n < d.N; ++n) {
    const Real* x = d.X + static_cast<long>(n) * d.P;
    const int* b = d.base + static_cast<long>(n) * d.R;
    T eta = Real(0);
    if (d.x_icpt) eta = kLocal ? beta[0] : q[0];
    if (d.offset) eta += T(d.offset[n]);
    for (int j = j0; j < P; ++j) eta += x[j] * (kLocal ? beta[j] : q[j]);
    add_row_terms<kSimple>(d, n, b, R, q, mult, eta);
    T e;
    if constexpr (kFamily == kGaussian) {
      const T res = d.y[n] - eta;
      sse += res * res;
      e = res * inv_var;
    } else {
      sse += discrete_row_log_lik<kFamily>(d.y[n], kFamily == kBinomial ? d.trials[n] : Real(1), eta, e);
    }
    if (kLocal) {
      if (d.x_icpt) gbeta[0] += e;
      for (int j = j0; j < P; ++j) gbeta[j] += x[j] * e;
    } else {
      if (d.x_icpt) g[0] += e;
      for (int j = j0; j < P; ++j) g[j] += x[j] * e;
    }
    add_row_gradient<kSimple>(d, n, b, R, g, e);
  }
  if (kLocal)
    for (int j = 0; j < P; ++j) g[j] += gbeta[j];
  return sse;
}

/// The rows under family kFamily, with compile-time sizes for the common small shapes.
template <int kFamily, class V, class G, class T>
LS_HD LS_INLINE T glmm_likelihood(const GlmmData& d, V q, G g, const T* mult, const T& inv_var) {
  T sse;
  const bool simple = d.simple_blocks != 0;
#ifndef __CUDACC__
  // Compile-time sizes for the common small shapes keep the coefficients in registers (a CPU
  // block of W chains); nvcc gets the general loops only (one chain per thread gains little
  // and every instantiation costs minutes of nvcc time).
  if (simple && d.P == 2 && d.R == 1) {  // radon's shape: an intercept, a slope, (1 | g)
    sse = glmm_rows<kFamily, true, true, 2, 1>(d, q, g, mult, inv_var);
  } else if (simple && d.P == 2) {
    sse = glmm_rows<kFamily, true, true, 2>(d, q, g, mult, inv_var);
  } else if (simple && d.P == 1) {
    sse = glmm_rows<kFamily, true, true, 1>(d, q, g, mult, inv_var);
  } else if (simple && d.P == 3) {
    sse = glmm_rows<kFamily, true, true, 3>(d, q, g, mult, inv_var);
  } else
#endif
  if (d.P <= kLocalFixed) {
    sse = simple ? glmm_rows<kFamily, true, true>(d, q, g, mult, inv_var) : glmm_rows<kFamily, true, false>(d, q, g, mult, inv_var);
  } else {
    sse = glmm_rows<kFamily, false, false>(d, q, g, mult, inv_var);
  }
  return sse;
}

/// One chain in contiguous memory on the CPU (Dense views: the lane-local NUTS, host
/// evaluations) with a shape glmm_rows_one_chain handles: its rows in SIMD (rows_one_chain.hpp);
/// sets sse and returns true. Otherwise (every other view, family or shape, and the GPU shape)
/// returns false and glmm_likelihood runs.
template <class V, class G, class T>
LS_HD LS_INLINE bool rows_one_chain(const GlmmData& d, V q, G g, const T* mult, const T& inv_var, T& sse) {
#if !LOCKSTEP_GPU_SHAPE
  if constexpr (std::is_same<V, Dense<Real>>::value && std::is_same<G, Dense<Real>>::value) {
    if (one_chain_rows_apply(d)) {
      sse = glmm_rows_one_chain(d, q.p, g.p, mult, inv_var);
      return true;
    }
  }
#endif
  (void)d, (void)q, (void)g, (void)mult, (void)inv_var, (void)sse;
  return false;
}

template <class V, class G>
LS_HD LS_INLINE auto glmm_log_density_and_grad(const GlmmData& d, V q, G g) -> typename V::value_type {
  using T = typename V::value_type;
  T lp = Real(0);
  for (int j = 0; j < d.P; ++j) {
    T dx;
    const T qj = q[j];
    lp += coef_log_prior(d.prior_kind[j], d.prior_par + 3 * j, qj, dx);
    g[j] = dx;
  }
  T sd[kMaxScales > 0 ? kMaxScales : 1];
  for (int s = 0; s < d.n_sd; ++s) {
    const T u = q[d.sd_at + s];
    sd[s] = m::exp(u);
    T du;
    lp += scale_log_prior(d.prior_kind[d.P + s], d.prior_par + 3 * (d.P + s), sd[s], u, du);
    g[d.sd_at + s] = du;
  }
  T log_sigma, inv_var;
  if (d.sigma_at >= 0) {
    log_sigma = q[d.sigma_at];
    const T sigma = m::exp(log_sigma);
    inv_var = m::exp(Real(-2) * log_sigma);
    T du;
    const int ps = d.P + d.n_sd;
    lp += scale_log_prior(d.prior_kind[ps], d.prior_par + 3 * ps, sigma, log_sigma, du);
    g[d.sigma_at] = du;
  } else {
    log_sigma = T(m::log(d.sigma_fixed));
    inv_var = T(Real(1) / (d.sigma_fixed * d.sigma_fixed));
  }
  for (int i = 0; i < d.n_z; ++i) g[d.z_at + i] = T(Real(0));

  // The likelihood, row by row: G accumulates in g's z (or r) coordinates. mult[s] is what
  // multiplies the coordinate of scale s in eta: sd (non-centered) or 1 (centered).
  T mult[kMaxScales > 0 ? kMaxScales : 1];
  for (int s = 0; s < d.n_sd; ++s) mult[s] = d.centered ? T(Real(1)) : sd[s];
  T sse;
  if (rows_one_chain(d, q, g, mult, inv_var, sse)) {
    // the gaussian rows of one chain, in SIMD
  } else if (d.family == kBinomial)
    sse = glmm_likelihood<kBinomial>(d, q, g, mult, inv_var);
  else if (d.family == kPoisson)
    sse = glmm_likelihood<kPoisson>(d, q, g, mult, inv_var);
  else
    sse = glmm_likelihood<kGaussian>(d, q, g, mult, inv_var);
  const bool centered = d.centered != 0;
  if (d.family == kGaussian) {
    lp += Real(-0.5) * sse * inv_var - Real(d.N) * log_sigma;
    if (d.sigma_at >= 0) g[d.sigma_at] += sse * inv_var - Real(d.N);
  } else {
    lp += sse;  // the log-likelihood
  }

  // The varying effects' prior and the chain rule through r = sd z.
  for (int r = 0; r < d.R; ++r) {
    const int K = d.K[r], s0 = d.sd_of[r], z0 = d.z_of[r];
    for (int k = 0; k < K; ++k) {
      const int s = s0 + k;
      T acc = Real(0), ss = Real(0);
      if (centered) {
        const T iv = Real(1) / (sd[s] * sd[s]);
        for (int l = 0; l < d.L[r]; ++l) {
          const int i = z0 + l * K + k;
          const T v = q[i];
          const T vs = v * iv;
          ss += v * vs;
          g[i] = g[i] - vs;
        }
        lp += Real(-0.5) * ss - Real(d.L[r]) * q[d.sd_at + s];
        g[d.sd_at + s] += ss - Real(d.L[r]);
      } else {
        for (int l = 0; l < d.L[r]; ++l) {
          const int i = z0 + l * K + k;
          const T v = q[i];
          const T gr = g[i];
          acc += v * gr;
          ss += v * v;
          g[i] = sd[s] * gr - v;
        }
        lp += Real(-0.5) * ss;
        g[d.sd_at + s] += sd[s] * acc;
      }
    }
  }
  return lp;
}

/// Outputs: b [P], sd [S], sigma [unless fixed], r [n_z] (= sd z, or the coordinate).
template <class V, class O>
LS_HD LS_INLINE void glmm_write_out(const GlmmData& d, V q, O out) {
  using T = typename V::value_type;
  int o = 0;
  for (int j = 0; j < d.P; ++j) out[o++] = q[j];
  for (int s = 0; s < d.n_sd; ++s) out[o++] = m::exp(q[d.sd_at + s]);
  if (d.sigma_at >= 0) out[o++] = m::exp(q[d.sigma_at]);
  for (int r = 0; r < d.R; ++r) {
    const int K = d.K[r];
    for (int l = 0; l < d.L[r]; ++l)
      for (int k = 0; k < K; ++k) {
        const int i = d.z_of[r] + l * K + k;
        if (d.centered) {
          out[o++] = q[i];
        } else {
          const T sd = m::exp(q[d.sd_at + d.sd_of[r] + k]);
          out[o++] = sd * q[i];
        }
      }
  }
}

}  // namespace glmm
}  // namespace models
}  // namespace lockstep
