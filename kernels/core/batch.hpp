#pragma once
// Batch<W>: W chains' values of one quantity, processed together.
//
// On the CPU backend a lane owns a block of W consecutive chains; the models, written
// once over a scalar type T, are instantiated with T = Batch<W>, and every operation is a
// fixed-length loop over the W chains that g++ turns into SIMD instructions. On a GPU
// W = 1 and T = Real (one chain per thread). Transcendental functions go through the
// branch-free routines of kernels/core/vmath.hpp so that the loops vectorize (glibc's
// vector exp needs -ffast-math, which this project never uses).
#include <cstddef>

#include "kernels/core/config.hpp"
#include "kernels/core/scalar_math.hpp"

namespace lockstep {

template <int W>
struct Batch {
  Real v[W];

  Batch() = default;
  LS_HD LS_INLINE Batch(Real x) {  // NOLINT: broadcast a scalar, as SIMD libraries do
    for (int w = 0; w < W; ++w) v[w] = x;
  }
  LS_HD LS_INLINE Real& operator[](int w) { return v[w]; }
  LS_HD LS_INLINE const Real& operator[](int w) const { return v[w]; }

#define LS_BATCH_COMPOUND(op)                                      \
  LS_HD LS_INLINE Batch& operator op(const Batch& o) {             \
    for (int w = 0; w < W; ++w) v[w] op o.v[w];                    \
    return *this;                                                  \
  }
  LS_BATCH_COMPOUND(+=)
  LS_BATCH_COMPOUND(-=)
  LS_BATCH_COMPOUND(*=)
  LS_BATCH_COMPOUND(/=)
#undef LS_BATCH_COMPOUND
};

#define LS_BATCH_BINARY(op)                                                   \
  template <int W>                                                            \
  LS_HD LS_INLINE Batch<W> operator op(const Batch<W>& a, const Batch<W>& b) { \
    Batch<W> r;                                                               \
    for (int w = 0; w < W; ++w) r.v[w] = a.v[w] op b.v[w];                    \
    return r;                                                                 \
  }                                                                           \
  template <int W>                                                            \
  LS_HD LS_INLINE Batch<W> operator op(const Batch<W>& a, Real b) {           \
    Batch<W> r;                                                               \
    for (int w = 0; w < W; ++w) r.v[w] = a.v[w] op b;                         \
    return r;                                                                 \
  }                                                                           \
  template <int W>                                                            \
  LS_HD LS_INLINE Batch<W> operator op(Real a, const Batch<W>& b) {           \
    Batch<W> r;                                                               \
    for (int w = 0; w < W; ++w) r.v[w] = a op b.v[w];                         \
    return r;                                                                 \
  }
LS_BATCH_BINARY(+)
LS_BATCH_BINARY(-)
LS_BATCH_BINARY(*)
LS_BATCH_BINARY(/)
#undef LS_BATCH_BINARY

template <int W>
LS_HD LS_INLINE Batch<W> operator-(const Batch<W>& a) {
  Batch<W> r;
  for (int w = 0; w < W; ++w) r.v[w] = -a.v[w];
  return r;
}

/// Elementwise math: the same names as the scalar m:: functions (scalar_math.hpp), through
/// the branch-free vm:: routines of vmath.hpp so that the loop over lanes vectorizes.
#define LS_BATCH_UNARY(fn)                                  \
  template <int W>                                          \
  LS_HD LS_INLINE Batch<W> fn(const Batch<W>& a) {          \
    Batch<W> r;                                             \
    for (int w = 0; w < W; ++w) r.v[w] = vm::fn(a.v[w]);    \
    return r;                                               \
  }
namespace m {
LS_BATCH_UNARY(exp)
LS_BATCH_UNARY(log)
LS_BATCH_UNARY(log1p)
LS_BATCH_UNARY(sqrt)
LS_BATCH_UNARY(log1p_exp)
LS_BATCH_UNARY(abs)
LS_BATCH_UNARY(expm1)
LS_BATCH_UNARY(inv_logit)
LS_BATCH_UNARY(log_inv_logit)
LS_BATCH_UNARY(log1m_inv_logit)
LS_BATCH_UNARY(log1m_exp)
template <int W>
LS_HD LS_INLINE Batch<W> log_sum_exp(const Batch<W>& a, const Batch<W>& b) {
  Batch<W> r;
  for (int w = 0; w < W; ++w) r.v[w] = vm::log_sum_exp(a.v[w], b.v[w]);
  return r;
}
}  // namespace m
#undef LS_BATCH_UNARY

/// Chain w's value inside a scalar (W = 1) or a Batch: lets per-chain code (accept/reject,
/// random draws) address block members uniformly.
LS_HD LS_INLINE Real& lane_of(Real& x, int) { return x; }
LS_HD LS_INLINE Real lane_of(const Real& x, int) { return x; }
template <int W>
LS_HD LS_INLINE Real& lane_of(Batch<W>& b, int w) { return b.v[w]; }
template <int W>
LS_HD LS_INLINE Real lane_of(const Batch<W>& b, int w) { return b.v[w]; }

/// Strided view whose elements are blocks of W consecutive chains: element i is the W
/// values at p[i * stride .. i * stride + W). `stride` is the padded chain count.
template <int W>
struct BlockView {
  using value_type = Batch<W>;
  Real* p;
  std::ptrdiff_t stride;
  LS_HD LS_INLINE Batch<W>& operator[](int i) const {
    return *reinterpret_cast<Batch<W>*>(p + static_cast<std::ptrdiff_t>(i) * stride);
  }
};

}  // namespace lockstep
