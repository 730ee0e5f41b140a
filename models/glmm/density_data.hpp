#pragma once
// GlmmData: what the glmm log density reads (device code: pointers into the lanes' copy of the
// design, sizes and offsets into q), and the small compile-time limits of its evaluation. The
// model, the unconstrained coordinates and the gradient are in density.hpp.
#include "kernels/core/config.hpp"
#include "models/glmm/family.hpp"

namespace lockstep {
namespace models {
namespace glmm {

/// The most varying-effect columns (scales) in one formula: their values sit in a local array.
constexpr int kMaxScales = 64;

struct GlmmData {
  int N = 0, P = 0, R = 0;      // rows, fixed columns, varying-effect terms
  int n_sd = 0, n_z = 0;        // scales; varying coefficients
  int Ktot = 0;                 // Z values per row (sum_r K_r)
  int sd_at = 0, sigma_at = -1, z_at = 0;  // offsets in q; sigma_at < 0: sigma fixed
  int dim = 0, n_out = 0;
  int centered = 0;
  int family = kGaussian;
  int x_icpt = 0;          // column 0 of X is the intercept (all ones)
  int simple_blocks = 0;   // every varying-effect term is (1 | g) alone: Z is never read
  Real sigma_fixed = 1;
  const Real* y = nullptr;      // [N]
  const Real* trials = nullptr; // [N] binomial trials (all 1 for the bernoulli); else unused
  const Real* offset = nullptr; // [N] the formula's offsets, added to eta; nullptr: none
  const Real* X = nullptr;      // [N * P], row-major
  const int* K = nullptr;       // [R] columns of term r
  const int* L = nullptr;       // [R] levels of term r
  const int* sd_of = nullptr;   // [R] index of term r's first scale (0..n_sd)
  const int* z_of = nullptr;    // [R] index in q of term r's first coefficient
  const int* col_of = nullptr;  // [R] offset of term r's columns in a row of Z
  const int* icpt = nullptr;    // [R] 1: column 0 of term r is the intercept (Z = 1, not read)
  const int* base = nullptr;    // [N * R] index in q of (r, l_r(n), 0)
  const Real* Z = nullptr;      // [N * Ktot]
  // Column-major copies for the one-chain SIMD rows (rows_one_chain.hpp; CPU builds, fitted data
  // only, else nullptr): a row block's values of one column are one vector load.
  const Real* Xc = nullptr;     // [P * N]: Xc[j N + n] = X[n P + j]
  const Real* Zc = nullptr;     // [Ktot * N]: Zc[k N + n] = Z[n Ktot + k]
  const int* base_c = nullptr;  // [R * N]: base_c[r N + n] = base[n R + r]
  const int* prior_kind = nullptr;  // [P + n_sd + 1]: b, sd, sigma
  const Real* prior_par = nullptr;  // [3 (P + n_sd + 1)]: nu, mu, s (rate)
};

/// Fixed coefficients held in local arrays (registers or the stack, never aliased by g) when
/// there are at most this many; more go through q and g.
constexpr int kLocalFixed = 8;

}  // namespace glmm
}  // namespace models
}  // namespace lockstep
