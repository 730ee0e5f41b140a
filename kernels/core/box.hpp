#pragma once
// Support restriction for log densities on the constrained scale (the ensemble contract,
// models/peak.hpp): a log density that is -inf outside an open box lo_i < theta_i < hi_i.
//
// The restriction is a SELECT, never an addition of 0 / -inf: outside the box the
// unrestricted value may be NaN (e.g. a scale parameter of 0 gives 0/0), and NaN + -inf is
// NaN, which a sampler must not see. For T = Batch<W> the select is a per-chain blend that
// g++ vectorizes; no branch depends on the data.
#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/scalar_math.hpp"

namespace lockstep {

/// -inf as a Real (device-safe).
LS_HD LS_INLINE Real neg_inf() { return -static_cast<Real>(INFINITY); }

/// lp where every theta_i is strictly inside (lo_i, hi_i), else -inf. A NaN coordinate is
/// outside. One chain (T = Real).
template <class V>
LS_HD LS_INLINE Real restrict_to_box(V theta, const Real* lo, const Real* hi, int n, Real lp) {
  bool inside = true;
  for (int i = 0; i < n; ++i) {
    const Real t = theta[i];
    inside = inside && (t > lo[i]) && (t < hi[i]);
  }
  return inside ? lp : neg_inf();
}

/// The same for W chains at once (T = Batch<W>): chain w keeps lp[w] or gets -inf. Each
/// coordinate's test is a per-chain blend of doubles (vm::detail::select), which g++ turns
/// into masked moves; a NaN coordinate fails both comparisons.
template <class V, int W>
LS_HD LS_INLINE Batch<W> restrict_to_box(V theta, const Real* lo, const Real* hi, int n,
                                         const Batch<W>& lp) {
  Batch<W> r = lp;
  for (int i = 0; i < n; ++i) {
    const Batch<W> t = theta[i];
    const Real lo_i = lo[i], hi_i = hi[i];
    for (int w = 0; w < W; ++w) r.v[w] = vm::detail::select((t.v[w] > lo_i) & (t.v[w] < hi_i), r.v[w], neg_inf());
  }
  return r;
}

/// t moved into the open interval [lo_in, hi_in] = [the double above lo, the double below hi]:
/// a transform lo + (hi - lo) inv_logit(q) rounds to lo or hi itself once |q| > ~37 (a draw
/// from the far tail of an estimator on the unconstrained scale, e.g. NPE's network), which
/// is outside the open box whose log density is -inf there. NaN passes through.
LS_HD LS_INLINE Real clamp_inside(Real t, Real lo_in, Real hi_in) { return t < lo_in ? lo_in : (t > hi_in ? hi_in : t); }
template <int W>
LS_HD LS_INLINE Batch<W> clamp_inside(const Batch<W>& t, Real lo_in, Real hi_in) {
  Batch<W> r;
  for (int w = 0; w < W; ++w) r.v[w] = clamp_inside(t.v[w], lo_in, hi_in);
  return r;
}

}  // namespace lockstep
