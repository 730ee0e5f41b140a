#pragma once
// Sums over one chain's dimension in kSumLanes interleaved partial sums: element i adds to
// partial sum i mod kSumLanes, and the partial sums are added in the order 0, 1, ..., at the
// end. NUTS takes a few dot products of the dimension per leapfrog step (the kinetic energy,
// the U-turn checks); summed one element after another, each is a chain of dependent
// additions (4 cycles an element on a current CPU), which cost more than the gradient of a
// 100-dimensional model. The interleaved form is a fixed reassociation of that sum: the same
// value in both NUTS layouts (lane-local and coalesced) and on both backends, and a loop g++
// turns into vector instructions (the kSumLanes sums of a block of elements are independent).
//
// On the CPU's SIMD shape, with one chain's vectors contiguous (Dense views, the lane-local
// layout) and double Reals, the same partial sums live in vector registers
// (kernels/core/dim_simd.hpp's Part): lane l of the registers is partial sum l, so each block
// of kSumLanes elements is a vector multiply-add or two with the same operands in the same
// order (sum_lanes_dots below). g++'s own vectorization of the scalar form shuffled lanes
// through general registers and spilled (perf: most of a leaf's time).
// Callers write the second factor as a functor of the index: `rho(i)` for one element and,
// through `at(view, i)`, `rho(LanesAt{i})` for a register's worth of elements at once.
#include <type_traits>

#include "kernels/core/config.hpp"
#include "kernels/core/dim_simd.hpp"
#include "kernels/core/strided.hpp"

namespace lockstep {
namespace nuts {

constexpr int kSumLanes = 8;

/// Element i of a view, or (LanesAt, Dense views, CPU shape) the register of elements from i
/// (dim_simd::Part: kNativeReals of them).
struct LanesAt {
  int i;
};
template <class V>
LS_HD LS_INLINE typename V::value_type& at(V v, int i) {
  return v[i];
}
#if !LOCKSTEP_GPU_SHAPE
static_assert(kSumLanes % dim_simd::kNativeReals == 0, "the kSumLanes partial sums fill whole registers");
inline dim_simd::Part at(Dense<Real> v, LanesAt k) { return dim_simd::load<dim_simd::Part>(v.p + k.i); }
/// The vector path applies: contiguous views of doubles on the CPU's SIMD shape.
template <class V>
constexpr bool kSumLanesVector = std::is_same_v<V, Dense<Real>> && std::is_same_v<Real, double>;
#else
template <class V>
constexpr bool kSumLanesVector = false;
#endif

/// Calls add(i, i mod kSumLanes) for i = 0 .. dim - 1, in order, kSumLanes at a time.
template <class Add>
LS_HD LS_INLINE void for_sum_lanes(int dim, const Add& add) {
  int i = 0;
  for (; i + kSumLanes <= dim; i += kSumLanes)
    for (int l = 0; l < kSumLanes; ++l) add(i + l, l);
  for (int l = 0; i + l < dim; ++l) add(i + l, l);
}

/// s[0] + s[1] + ... + s[kSumLanes - 1], in that order.
LS_HD LS_INLINE double add_sum_lanes(const double (&s)[kSumLanes]) {
  double total = 0;
  for (int l = 0; l < kSumLanes; ++l) total += s[l];
  return total;
}

#if !LOCKSTEP_GPU_SHAPE
/// The kSumLanes partial sums of a_n[i] * b(i) over i < dim, n < N (b a functor of the index,
/// as above) into out[n][l]: for_sum_lanes's sums, operation for operation. Each block of
/// kSumLanes elements goes through in kParts register-sized parts (dim_simd::Part: one with
/// AVX-512, two with AVX2 — a whole DimVec would go through general registers there) with
/// local accumulators; the last dim mod kSumLanes elements are added one by one after them.
template <int N, class B>
LS_INLINE void sum_lanes_dots(int dim, const Real* const (&a)[N], const B& b, double (&out)[N][kSumLanes]) {
  using dim_simd::Part;
  constexpr int kPart = dim_simd::kNativeReals, kParts = kSumLanes / kPart;
  static_assert(N == 1 || N == 2, "one or two dot products over the same b");
  Part s0[kParts], s1[kParts];
#pragma GCC unroll 8
  for (int p = 0; p < kParts; ++p) s0[p] = s1[p] = Part{};
  int i = 0;
  for (; i + kSumLanes <= dim; i += kSumLanes) {
#pragma GCC unroll 8
    for (int p = 0; p < kParts; ++p) {
      const Part bi = b(LanesAt{i + p * kPart});
      s0[p] += dim_simd::load<Part>(a[0] + i + p * kPart) * bi;
      if constexpr (N == 2) s1[p] += dim_simd::load<Part>(a[N - 1] + i + p * kPart) * bi;
    }
  }
#pragma GCC unroll 8
  for (int p = 0; p < kParts; ++p) {
    dim_simd::store(out[0] + p * kPart, s0[p]);
    if constexpr (N == 2) dim_simd::store(out[N - 1] + p * kPart, s1[p]);
  }
  for (int l = 0; i + l < dim; ++l) {
    const double bi = b(i + l);
    out[0][l] += a[0][i + l] * bi;
    if constexpr (N == 2) out[N - 1][l] += a[N - 1][i + l] * bi;
  }
}
#endif

}  // namespace nuts
}  // namespace lockstep
