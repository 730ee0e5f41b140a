#pragma once
// DimVec: SIMD across ONE chain's dimension, on the CPU only.
//
// Batch<W> (batch.hpp) puts W chains side by side and relies on g++'s loop vectorizer to turn
// its fixed-length loops into vector instructions. Code that runs one chain at a time (the
// lane-local NUTS, host evaluations) wants the other direction: the dimension in SIMD. There
// the loop vectorizer is the wrong tool — it vectorizes the outer loop over chunks of the
// dimension and shuffles (measured on gauss100's P r product: 5 us a gradient, against 0.5 us
// with the explicit vectors below), and model code disables it anyway (LS_NO_LOOP_VECTORIZE).
// DimVec is a GCC/Clang vector extension of kDimSimd Reals: every operation on it is one
// vector instruction (or two on a machine without AVX-512), whatever the vectorizer does.
//
// Host-only: nvcc does not compile it, and the GPU shape (one chain per thread) never takes a
// one-chain SIMD path, so everything here is absent when LOCKSTEP_GPU_SHAPE is set.
#include "kernels/core/config.hpp"

#if !LOCKSTEP_GPU_SHAPE

namespace lockstep::dim_simd {

/// Reals per vector: 8 (one AVX-512 register of doubles). Partial sums are kept per element,
/// so a sum over a dimension is reassociated into kDimSimd interleaved sums.
constexpr int kDimSimd = 8;

typedef Real DimVec __attribute__((vector_size(kDimSimd * sizeof(Real))));

/// start + v[0] + v[1] + ... + v[kDimSimd - 1], added in that order (a fixed order, so the
/// result does not depend on the machine's vector width).
inline Real sum_in_order(DimVec v, Real start) {
  for (int k = 0; k < kDimSimd; ++k) start += v[k];
  return start;
}

/// Reals in one vector register of the CPU the build targets (-march): 8 doubles with
/// AVX-512, 4 with AVX/AVX2, 2 with SSE (at most kDimSimd). Where it is below kDimSimd a DimVec
/// is several registers, and a loop that keeps many DimVecs live (several partial sums, the
/// operands, their broadcasts) needs more registers than the CPU has: g++ then spills them to
/// the stack on every step (measured on AVX2: the gaussian packed product 3-4x slower). Such a
/// loop can run once per PART of kNativeReals lanes (Part, below): each lane does the same
/// operations in the same order, so the results are the DimVec loop's bits.
#if defined(__AVX512F__)
constexpr int kNativeBytes = 64;
#elif defined(__AVX__)
constexpr int kNativeBytes = 32;
#else
constexpr int kNativeBytes = 16;
#endif
constexpr int kNativeReals = kNativeBytes / static_cast<int>(sizeof(Real)) < kDimSimd
                                 ? kNativeBytes / static_cast<int>(sizeof(Real))
                                 : kDimSimd;
static_assert(kDimSimd % kNativeReals == 0, "a DimVec is a whole number of registers");

/// kNativeReals lanes of a DimVec: one register.
typedef Real Part __attribute__((vector_size(kNativeReals * sizeof(Real))));

/// p[0 .. lanes of V), any alignment (one unaligned vector load); V = DimVec or Part.
template <class V = DimVec>
inline V load(const Real* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

template <class V>
inline void store(Real* p, V v) {
  __builtin_memcpy(p, &v, sizeof v);
}

template <class V = DimVec>
inline V splat(Real x) {
  return V{} + x;
}

/// The first kNativeReals lanes of v.
inline Part first_part(const DimVec& v) {
  Part p;
  __builtin_memcpy(&p, &v, sizeof p);
  return p;
}

}  // namespace lockstep::dim_simd

#endif  // !LOCKSTEP_GPU_SHAPE
