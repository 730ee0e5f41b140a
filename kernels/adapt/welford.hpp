#pragma once
// Welford's running mean and sum of squared deviations (Welford 1962, Technometrics 4(3); the
// update Stan's welford_var_estimator uses), per coordinate:
//   delta = q - mean;  mean += delta / n;  m2 += delta (q - mean);   variance = m2 / (n - 1).
// One chain (scalar views) or a SIMD block of W chains (BlockView<W>, each element a Batch<W>).
#include "kernels/core/config.hpp"

namespace lockstep {
namespace adapt {

/// n = samples including this one.
template <class Q, class M>
LS_HD LS_INLINE void welford_update(int dim, Q q, M mean, M m2, double n) {
  const Real inv_n = static_cast<Real>(1.0 / n);
  for (int i = 0; i < dim; ++i) {
    const typename M::value_type delta = q[i] - mean[i];
    mean[i] += delta * inv_n;
    m2[i] += delta * (q[i] - mean[i]);
  }
}

}  // namespace adapt
}  // namespace lockstep
