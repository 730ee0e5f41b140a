// The glmm rows of one chain in SIMD (declared and explained in rows_one_chain.hpp).
#include "models/glmm/rows_one_chain.hpp"

#if !LOCKSTEP_GPU_SHAPE

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "kernels/core/dim_simd.hpp"
#include "kernels/core/vmath.hpp"
#include "models/glmm/family.hpp"
#include "models/glmm/row_terms.hpp"

namespace lockstep {
namespace models {
namespace glmm {
namespace {

#if defined(__AVX512F__)
/// x[idx[0]], ..., x[idx[7]]: one AVX-512 gather of doubles.
inline dim_simd::DimVec gather_avx512(const Real* x, __m256i idx) {
  const __m512d g = _mm512_i32gather_pd(idx, x, 8);
  dim_simd::DimVec v;
  __builtin_memcpy(&v, &g, sizeof v);
  return v;
}
#endif
/// True where gather_avx512 applies: AVX-512, Real = double, 8 values a vector.
constexpr bool kGatherAvx512 =
#if defined(__AVX512F__)
    sizeof(Real) == 8 && dim_simd::kDimSimd == 8;
#else
    false;
#endif

/// {x[idx[0]], ..., x[idx[kDimSimd - 1]]}.
inline dim_simd::DimVec gather(const Real* x, const int* idx) {
#if defined(__AVX512F__)
  if constexpr (kGatherAvx512) return gather_avx512(x, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx)));
#endif
  dim_simd::DimVec v;
  for (int k = 0; k < dim_simd::kDimSimd; ++k) v[k] = x[idx[k]];
  return v;
}

/// {x[idx[0]], ..., x[idx[kNativeReals - 1]]}: one register's part (dim_simd::Part).
inline dim_simd::Part gather_part(const Real* x, const int* idx) {
  if constexpr (dim_simd::kNativeReals == dim_simd::kDimSimd) {  // the part is the whole DimVec
    return dim_simd::first_part(gather(x, idx));
  } else {
    dim_simd::Part v;
    for (int k = 0; k < dim_simd::kNativeReals; ++k) v[k] = x[idx[k]];
    return v;
  }
}

/// g[level[k R]] += v[k] for the kDimSimd rows k of a block, the v of consecutive rows with the
/// same level added in a register first and the run added to g once (data sorted by group, as
/// usual, make long runs; a reassociation of adding row by row).
inline void add_runs(Real* g, const int* level, int R, const Real* v) {
  int at = level[0];
  Real run = v[0];
  for (int k = 1; k < dim_simd::kDimSimd; ++k) {
    const int here = level[k * R];
    if (here == at) {
      run += v[k];
    } else {
      g[at] += run;
      at = here;
      run = v[k];
    }
  }
  g[at] += run;
}

/// The discrete families' rows of a part of a block, lane by lane in a loop g++ vectorizes:
/// ll[k] = log p(y_k | eta_k) up to a constant in y, e[k] = d ll / d eta, for k < kCount (a
/// compile-time count, and outputs that are the caller's own arrays: g++ left a run-time
/// count's loop scalar, 50 ns a row). The binomial is discrete_row_log_lik (family.hpp: its
/// inv_logit and log1p_exp are vm::'s, branch-free); the Poisson is its formula with vm::exp,
/// where discrete_row_log_lik takes the C library's (m::exp on the host), which a loop cannot
/// vectorize. trials: the binomial's, from row 0 of the part (not read for the Poisson).
template <int kFamily, int kCount>
LS_INLINE void discrete_rows(const Real* y, const Real* trials, const Real (&eta)[kCount], Real (&ll)[kCount],
                             Real (&e)[kCount]) {
  for (int k = 0; k < kCount; ++k) {
    if constexpr (kFamily == kBinomial) {
      ll[k] = discrete_row_log_lik<kBinomial>(y[k], trials[k], eta[k], e[k]);
    } else {
      const Real mu = vm::exp(eta[k]);
      e[k] = y[k] - mu;
      ll[k] = y[k] * eta[k] - mu;
    }
  }
}

/// The gaussian family's SSE (kFamily = kGaussian), or a discrete family's log-likelihood
/// (returned); dL/db added to g[0..P); G added to g at each row's level coordinates
/// (zeroed by the caller). mult[s]: what multiplies the coordinates of scale s in eta (its
/// sd, or 1). kSimple: every term is (1 | g) (d.simple_blocks: one coordinate a row and term,
/// Z never read); else term r has K_r columns (its intercept, if any, then Z's values), and
/// each column's G runs over the block's rows like the intercept's.
/// kP, kR > 0: d.P and d.R known at compile time (glmm_rows_one_chain below picks), so the
/// loops over them unroll and the partial sums of dL/db stay in registers; with run-time
/// sizes they live on the stack, and each row block's additions wait on a store and a load
/// (radon, P = 2, R = 1: twice the time a gradient). The operations and their order are the
/// same either way, but g++ fuses a multiply into an addition (-ffp-contract=fast) in more
/// places when the tail's partial sums are known to sit in registers: results agree to
/// rounding, not bit for bit (tests/models/glmm_one_chain_test.cpp covers each size).
/// The blocks read the column-major copies (d.Xc, d.Zc, d.base_c): a part's values of one fixed
/// column, of one Z column and its levels of one term are each contiguous, so X and Z come in
/// vector loads and each Z e of the gradient is one vector product, where row-major X and Z
/// took a scalar load per row and column. NUTS gradients/s on 16 chains, before -> after
/// (bench/RESULTS.md, 2026-12-07): the seed's (0 + x | group) 1.29e6 -> 3.0e6; on radon
/// (1 + floor | county) 3.9e5 -> 6.6e5, with log_uppm as a third fixed column 1.8e5 -> 2.9e5,
/// (0 + floor | county) 4.4e5 -> 9.0e5, (1 + floor | county) + (1 | floor) 1.6e5 -> 2.5e5.
/// kTermCols > 0 (with kR = 1, !kSimple): the one term's column count, and kTermIcpt whether
/// the first is its intercept, known at compile time, so its column loops unroll: the run-time
/// shape of the same term ran the seed's slopes at half the speed.
template <int kFamily, int kP, int kR, bool kSimple, int kTermCols = 0, bool kTermIcpt = false>
inline Real glmm_rows_one_chain_sized(const GlmmData& d, const Real* q, Real* g, const Real* mult, Real inv_var) {
  static_assert(kTermCols == 0 || (kR == 1 && !kSimple), "a compile-time term shape is for one general term");
  using dim_simd::Part;
  constexpr int K = dim_simd::kDimSimd;
  constexpr int kFixed = kP > 0 ? kP : kLocalFixed;  // dL/db's partial sums kept
  // A block of K rows in parts of H lanes (one register each: dim_simd::kNativeReals; the
  // whole block with AVX-512, two parts with AVX2 and double, where the block as one DimVec
  // kept xs, gbeta and the operands in more registers than there are and spilled them every
  // row). Each row (lane) does the same operations in the same order either way: the same bits.
  constexpr int H = dim_simd::kNativeReals, NP = K / H;
  const int N = d.N, P = kP > 0 ? kP : d.P, R = kR > 0 ? kR : d.R;
  const int j0 = d.x_icpt ? 1 : 0;
  const Real b0 = d.x_icpt ? q[0] : Real(0);
  Part sse[NP];
  Part gbeta[kFixed][NP];
  for (int h = 0; h < NP; ++h) {
    sse[h] = dim_simd::splat<dim_simd::Part>(0);
    for (int j = 0; j < P; ++j) gbeta[j][h] = dim_simd::splat<dim_simd::Part>(0);
  }
  const auto column = [N](const Real* a, int j, int row) { return a + static_cast<long>(j) * N + row; };
  const auto levels = [&d, N](int r, int row) { return d.base_c + static_cast<long>(r) * N + row; };
  int n = 0;
  for (; n + K <= N; n += K) {
    alignas(64) Real e_rows[K];
    for (int h = 0; h < NP; ++h) {
      const int k0 = h * H;
      Part eta = dim_simd::splat<dim_simd::Part>(b0);
      if (d.offset) eta += dim_simd::load<dim_simd::Part>(d.offset + n + k0);
      Part xs[kFixed];
      for (int j = j0; j < P; ++j) {
        xs[j] = dim_simd::load<dim_simd::Part>(column(d.Xc, j, n + k0));
        eta += xs[j] * q[j];
      }
      for (int r = 0; r < R; ++r) {
        const int* at = levels(r, n + k0);  // the index in q of each row's level of term r
        if constexpr (kSimple) {
          eta += mult[r] * gather_part(q, at);
        } else {  // the level's K_r coordinates times the row's Z values (general rows' order)
          const int s0 = d.sd_of[r], c0 = d.col_of[r], Kr = kTermCols > 0 ? kTermCols : d.K[r];
          int c = 0;
          if (kTermCols > 0 ? kTermIcpt : d.icpt[r] != 0) {
            eta += mult[s0] * gather_part(q, at);
            c = 1;
          }
          for (; c < Kr; ++c)
            eta += dim_simd::load<dim_simd::Part>(column(d.Zc, c0 + c, n + k0)) * (mult[s0 + c] * gather_part(q + c, at));
        }
      }
      Part e;
      if constexpr (kFamily == kGaussian) {
        const Part res = dim_simd::load<dim_simd::Part>(d.y + n + k0) - eta;
        sse[h] += res * res;
        e = res * inv_var;
      } else {
        alignas(64) Real eta_k[H], ll_k[H], e_k[H];
        dim_simd::store(eta_k, eta);
        discrete_rows<kFamily, H>(d.y + n + k0, kFamily == kBinomial ? d.trials + n + k0 : nullptr, eta_k, ll_k, e_k);
        sse[h] += dim_simd::load<dim_simd::Part>(ll_k);
        e = dim_simd::load<dim_simd::Part>(e_k);
      }
      if (d.x_icpt) gbeta[0][h] += e;
      for (int j = j0; j < P; ++j) gbeta[j][h] += xs[j] * e;
      dim_simd::store(e_rows + k0, e);
    }
    for (int r = 0; r < R; ++r) {
      const int* at = levels(r, n);
      if constexpr (kSimple) {
        add_runs(g, at, 1, e_rows);
      } else {
        const int c0 = d.col_of[r], Kr = kTermCols > 0 ? kTermCols : d.K[r];
        for (int c = 0; c < Kr; ++c) {
          if (c == 0 && (kTermCols > 0 ? kTermIcpt : d.icpt[r] != 0)) {
            add_runs(g, at, 1, e_rows);
          } else {
            alignas(64) Real ze[K];  // Z's column c of term r times e, row by row
            for (int h = 0; h < NP; ++h)
              dim_simd::store(ze + h * H, dim_simd::load<dim_simd::Part>(column(d.Zc, c0 + c, n + h * H)) *
                                              dim_simd::load<dim_simd::Part>(e_rows + h * H));
            add_runs(g + c, at, 1, ze);
          }
        }
      }
    }
  }
  // The last N mod K rows, one at a time, into partial sums 0, 1, ... as the blocks would.
  Real sse_tail[K] = {}, gbeta_tail[kFixed][K] = {};
  for (int k = 0; n < N; ++n, ++k) {
    const Real* x = d.X + static_cast<long>(n) * P;
    const int* b = d.base + static_cast<long>(n) * R;
    Real eta = b0;
    if (d.offset) eta += d.offset[n];
    for (int j = j0; j < P; ++j) eta += x[j] * q[j];
    add_row_terms<kSimple>(d, n, b, R, q, mult, eta);
    Real e;
    if constexpr (kFamily == kGaussian) {
      const Real res = d.y[n] - eta;
      sse_tail[k] = res * res;
      e = res * inv_var;
    } else {
      const Real eta_1[1] = {eta};
      Real ll_1[1], e_1[1];
      discrete_rows<kFamily, 1>(d.y + n, kFamily == kBinomial ? d.trials + n : nullptr, eta_1, ll_1, e_1);
      sse_tail[k] = ll_1[0];
      e = e_1[0];
    }
    if (d.x_icpt) gbeta_tail[0][k] = e;
    for (int j = j0; j < P; ++j) gbeta_tail[j][k] = x[j] * e;
    add_row_gradient<kSimple>(d, n, b, R, g, e);
  }
  alignas(64) Real lanes[K];
  for (int h = 0; h < NP; ++h) dim_simd::store(lanes + h * H, sse[h]);
  for (int k = 0; k < K; ++k) lanes[k] += sse_tail[k];
  const Real sse_total = dim_simd::sum_in_order(dim_simd::load(lanes), Real(0));
  for (int j = 0; j < P; ++j) {
    for (int h = 0; h < NP; ++h) dim_simd::store(lanes + h * H, gbeta[j][h]);
    for (int k = 0; k < K; ++k) lanes[k] += gbeta_tail[j][k];
    g[j] += dim_simd::sum_in_order(dim_simd::load(lanes), Real(0));
  }
  return sse_total;
}

/// glmm_rows_one_chain_sized for d's family, with the common shapes' sizes fixed at compile
/// time: P = 2 with one term, (1 | g) or with slopes (radon's (1 | county) and
/// (1 + floor | county)), for every family; for the gaussian also P = 1 and 3 with (1 | g), and
/// P = 1 with slopes (y ~ 0 + x + (0 + x | group), the seed's hierarchical slopes); else the
/// run-time sizes.
template <int kFamily>
inline Real glmm_rows_one_chain_family(const GlmmData& d, const Real* q, Real* g, const Real* mult, Real inv_var) {
  constexpr bool kMoreShapes = kFamily == kGaussian;
  if (d.simple_blocks == 0) {
    // One term at compile time: (1 + x | g) with P = 2 (radon's (1 + floor | county)), and for
    // the gaussian (0 + x | g) with P = 1 and 2 (the seed's hierarchical slopes).
    if (d.R == 1 && d.K[0] == 2 && d.icpt[0] && d.P == 2)
      return glmm_rows_one_chain_sized<kFamily, 2, 1, false, 2, true>(d, q, g, mult, inv_var);
    if constexpr (kMoreShapes) {
      if (d.R == 1 && d.K[0] == 1 && !d.icpt[0] && d.P == 1)
        return glmm_rows_one_chain_sized<kFamily, 1, 1, false, 1, false>(d, q, g, mult, inv_var);
      if (d.R == 1 && d.K[0] == 1 && !d.icpt[0] && d.P == 2)
        return glmm_rows_one_chain_sized<kFamily, 2, 1, false, 1, false>(d, q, g, mult, inv_var);
    }
    if (d.R == 1 && d.P == 2) return glmm_rows_one_chain_sized<kFamily, 2, 1, false>(d, q, g, mult, inv_var);
    if constexpr (kMoreShapes)
      if (d.R == 1 && d.P == 1) return glmm_rows_one_chain_sized<kFamily, 1, 1, false>(d, q, g, mult, inv_var);
    return glmm_rows_one_chain_sized<kFamily, 0, 0, false>(d, q, g, mult, inv_var);
  }
  if (d.R == 1) {
    if (d.P == 2) return glmm_rows_one_chain_sized<kFamily, 2, 1, true>(d, q, g, mult, inv_var);
    if constexpr (kMoreShapes) {
      if (d.P == 1) return glmm_rows_one_chain_sized<kFamily, 1, 1, true>(d, q, g, mult, inv_var);
      if (d.P == 3) return glmm_rows_one_chain_sized<kFamily, 3, 1, true>(d, q, g, mult, inv_var);
    }
  }
  return glmm_rows_one_chain_sized<kFamily, 0, 0, true>(d, q, g, mult, inv_var);
}

}  // namespace

Real glmm_rows_one_chain(const GlmmData& d, const Real* q, Real* g, const Real* mult, Real inv_var) {
  if (d.family == kBinomial) return glmm_rows_one_chain_family<kBinomial>(d, q, g, mult, inv_var);
  if (d.family == kPoisson) return glmm_rows_one_chain_family<kPoisson>(d, q, g, mult, inv_var);
  return glmm_rows_one_chain_family<kGaussian>(d, q, g, mult, inv_var);
}

}  // namespace glmm
}  // namespace models
}  // namespace lockstep

#endif  // !LOCKSTEP_GPU_SHAPE
