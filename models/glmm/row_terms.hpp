#pragma once
// One row's varying-effect terms, shared by the general rows (glmm_rows, density.hpp: every
// backend, T = Real or Batch<W>) and the last rows of the one-chain SIMD rows
// (rows_one_chain.hpp), so the two compute a row the same way:
//   eta_n += sum_r sum_k Z_r[n,k] mult_{r,k} q_{r, l_r(n), k}    (Z = 1 for a term's intercept)
//   G_{r, l_r(n), k} += Z_r[n,k] e_n
// (density.hpp has the model and the notation; mult is sd or 1, per scale.)
#include "kernels/core/config.hpp"
#include "models/glmm/density_data.hpp"

namespace lockstep {
namespace models {
namespace glmm {

/// eta += row n's varying-effect part. b: row n's R level bases (d.base + n R). kSimple: every
/// term is (1 | g) (mult indexed by term, Z not read).
template <bool kSimple, class V, class T>
LS_HD LS_INLINE void add_row_terms(const GlmmData& d, int n, const int* b, int R, V q, const T* mult, T& eta) {
  if (kSimple) {
    for (int r = 0; r < R; ++r) eta += mult[r] * q[b[r]];
  } else {
    const Real* z = d.Z + static_cast<long>(n) * d.Ktot;
    for (int r = 0; r < R; ++r) {
      const int at = b[r], s0 = d.sd_of[r], c0 = d.col_of[r], K = d.K[r];
      int k = 0;
      if (d.icpt[r]) {
        eta += mult[s0] * q[at];
        k = 1;
      }
      for (; k < K; ++k) eta += z[c0 + k] * (mult[s0 + k] * q[at + k]);
    }
  }
}

/// G at row n's level coordinates: += e for a term's intercept, Z[n, k] e for its other columns.
template <bool kSimple, class G, class T>
LS_HD LS_INLINE void add_row_gradient(const GlmmData& d, int n, const int* b, int R, G g, const T& e) {
  if (kSimple) {
    for (int r = 0; r < R; ++r) g[b[r]] += e;
  } else {
    const Real* z = d.Z + static_cast<long>(n) * d.Ktot;
    for (int r = 0; r < R; ++r) {
      const int at = b[r], c0 = d.col_of[r], K = d.K[r];
      int k = 0;
      if (d.icpt[r]) {
        g[at] += e;
        k = 1;
      }
      for (; k < K; ++k) g[at + k] += z[c0 + k] * e;
    }
  }
}

}  // namespace glmm
}  // namespace models
}  // namespace lockstep
