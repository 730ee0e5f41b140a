#pragma once
// The glmm rows for ONE chain on the CPU (the lane-local NUTS, host evaluations): the same
// eta_n, SSE (the gaussian) or log-likelihood (the discrete families), dL/db and G as
// glmm_rows (density.hpp) for GLMMs with at most kLocalFixed fixed columns — radon's shapes
// and most GLMMs' — with the rows in SIMD, kDimSimd at a time (dim_simd::DimVec).
//
// Why: glmm_rows for one chain is a chain of dependent additions per row (SSE, every dL/db_j,
// and G_l through memory when consecutive rows share a level: ~11 cycles a row on radon),
// which made NUTS 4x slower per gradient than static HMC's blocks of 8 chains. Here
//   - SSE and dL/db_j accumulate in kDimSimd partial sums (row n in partial sum n mod
//     kDimSimd), added in order at the end (dim_simd::sum_in_order);
//   - eta and e of kDimSimd rows are computed at once (the q of each row's level gathered,
//     and for a term with slopes, each column's q and Z values), from column-major copies of
//     X, Z and the levels (GlmmData::Xc, Zc, base_c) so that each column is a vector load;
//   - G: the e (or Z e) of consecutive rows with the same level are added in a register
//     first and the run is added to G once (data sorted by group, as usual, make long runs).
// All three are reassociations of glmm_rows's sums: the value differs from it by rounding
// only (tests/models/glmm_one_chain_test.cpp compares them on shapes with tails, several
// terms, slopes, unsorted levels).
//
// Host-only (vector extensions); the GPU shape never evaluates one chain with the rows in SIMD.
// Defined in rows_one_chain.cpp, compiled once into the library: its instantiations (each
// family and the common shapes' compile-time sizes) would otherwise be compiled again by
// every source that includes a model.
#include "kernels/core/config.hpp"

#if !LOCKSTEP_GPU_SHAPE

#include "models/glmm/density_data.hpp"

namespace lockstep {
namespace models {
namespace glmm {

/// True when glmm_rows_one_chain handles d: P <= kLocalFixed (any family, any terms) and d has
/// the column-major copies (the fitted data; density_data.hpp).
inline bool one_chain_rows_apply(const GlmmData& d) { return d.P <= kLocalFixed && d.Xc != nullptr; }

/// The rows of one chain (contiguous q and g) in SIMD, for d's family: the gaussian's SSE or a
/// discrete family's log-likelihood (returned; glmm_log_density_and_grad uses it as
/// glmm_likelihood's value), dL/db added to g[0..P), G added to g at each row's level
/// coordinates (zeroed by the caller). mult[s]: what multiplies the coordinates of scale s in
/// eta (its sd, or 1). Requires one_chain_rows_apply(d).
Real glmm_rows_one_chain(const GlmmData& d, const Real* q, Real* g, const Real* mult, Real inv_var);

}  // namespace glmm
}  // namespace models
}  // namespace lockstep

#endif  // !LOCKSTEP_GPU_SHAPE
