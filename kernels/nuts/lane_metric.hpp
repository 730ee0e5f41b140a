#pragma once
// The diagonal Euclidean metric over a lane-local copy of the chain's inverse metric
// (nuts_arrays.hpp, layout kLaneLocal): hmc::DiagMetric's arithmetic, term for term and in
// the same order (momentum draws are bitwise hmc::DiagMetric's; the leapfrog may differ in
// the last bit where g++ contracts a*b+c differently in vectorized loops), over any view
// type V — Dense<Real> here, where hmc::DiagMetric reads the coalesced [dim][n_pad] array.
//   M^-1 = diag(minv);  p# = M^-1 p;  K(p) = 1/2 p^T M^-1 p;  q <- q + eps M^-1 p;
//   p ~ N(0, M) (Betancourt 2017, "A Conceptual Introduction to HMC", section 4.2).
#include <cstdint>

#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/hmc/momentum.hpp"

namespace lockstep {
namespace nuts {

template <class V>
struct DiagMetricView {
  V minv;
  int dim;

  template <class P>
  LS_HD LS_INLINE void sharp(P p, P out) const {
    for (int i = 0; i < dim; ++i) out[i] = minv[i] * p[i];
  }
  template <class P>
  LS_HD LS_INLINE Real kinetic(P p) const {
    Real k = Real(0);
    for (int i = 0; i < dim; ++i) k += minv[i] * p[i] * p[i];
    return k * Real(0.5);
  }
  template <class P>
  LS_HD LS_INLINE void drift(P q, P p, Real eps) const {
    for (int i = 0; i < dim; ++i) q[i] += eps * minv[i] * p[i];
  }
  LS_HD LS_INLINE void draw(const Rng& rng, std::uint64_t iteration, Stream purpose, std::uint32_t offset,
                            V p) const {
    hmc::draw_momentum(rng, iteration, purpose, offset, dim, p, minv);
  }
};

}  // namespace nuts
}  // namespace lockstep
