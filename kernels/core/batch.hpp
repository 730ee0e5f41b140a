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
#include "kernels/core/index.hpp"
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

  /// The W values p[0 .. W): read element by element through Real lvalues (the array holds
  /// Reals, never Batch objects, so reading it as a Batch would be undefined); g++ turns the
  /// loop into one vector load.
  LS_HD LS_INLINE static Batch load(const Real* p) {
    Batch r;
    for (int w = 0; w < W; ++w) r.v[w] = p[w];
    return r;
  }
  /// Writes the W values to p[0 .. W) (one vector store).
  LS_HD LS_INLINE void store(Real* p) const {
    for (int w = 0; w < W; ++w) p[w] = v[w];
  }

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

/// An element of a BlockView: the W values at `at` (loaded when the element is named), which
/// an assignment stores back. It IS a Batch<W> (the values), so it goes wherever a
/// `const Batch<W>&` goes and the templates over Batch<W> (operators, m:: functions) deduce W
/// through it; `[w]` is chain w's Real in memory. Assignments only apply to the temporary
/// `view[i]` itself (rvalue-qualified): `auto x = view[i]; x = y;` does not compile, where it
/// would silently write memory. In model code read elements into a T (`const T x = q[i];`)
/// before handing them to templates of your own over T.
template <int W>
struct BlockRef : Batch<W> {
  Real* at;

  LS_HD LS_INLINE explicit BlockRef(Real* p) : Batch<W>(Batch<W>::load(p)), at(p) {}
  BlockRef(const BlockRef&) = default;

  LS_HD LS_INLINE BlockRef&& operator=(const Batch<W>& x) && {
    x.store(at);
    static_cast<Batch<W>&>(*this) = x;
    return static_cast<BlockRef&&>(*this);
  }
  LS_HD LS_INLINE BlockRef&& operator=(const BlockRef& x) && {
    return static_cast<BlockRef&&>(*this) = static_cast<const Batch<W>&>(x);
  }
#define LS_BLOCKREF_COMPOUND(op)                                \
  LS_HD LS_INLINE BlockRef&& operator op(const Batch<W>& x) && { \
    Batch<W>::operator op(x);                                   \
    this->store(at);                                            \
    return static_cast<BlockRef&&>(*this);                      \
  }
  LS_BLOCKREF_COMPOUND(+=)
  LS_BLOCKREF_COMPOUND(-=)
  LS_BLOCKREF_COMPOUND(*=)
  LS_BLOCKREF_COMPOUND(/=)
#undef LS_BLOCKREF_COMPOUND

  /// Chain w's value, in memory.
  LS_HD LS_INLINE Real& operator[](int w) const { return at[w]; }
};

/// Strided view whose elements are blocks of W consecutive chains: element i is the W
/// values at p[i * stride .. i * stride + W) (a BlockRef<W>). `stride` is the padded chain
/// count; the offset is 64-bit (kernels/core/index.hpp).
template <int W>
struct BlockView {
  using value_type = Batch<W>;
  Real* p;
  std::ptrdiff_t stride;
  LS_HD LS_INLINE BlockRef<W> operator[](int i) const { return BlockRef<W>(p + soa_index(i, 0, stride)); }
};

}  // namespace lockstep
