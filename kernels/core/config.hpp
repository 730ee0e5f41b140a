#pragma once
// Compile-time configuration shared by every kernel: the LS_HD marker for code that
// runs on both backends, and the floating-point type `Real`.
//
// Under nvcc LS_HD expands to `__host__ __device__`; under g++ (the CPU backend, where
// CCCL 3 leaves __host__/__device__ undefined) it expands to nothing.

#if defined(__CUDACC__)
#define LS_HD __host__ __device__
#else
#define LS_HD
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LS_INLINE inline __attribute__((always_inline))
#else
#define LS_INLINE inline
#endif

// For model code whose loops run over a dimension while every operation is already a Batch
// of W chains: GCC's loop vectorizer otherwise vectorizes the dimension loop and spends its
// time shuffling the chains' values between registers (measured on gauss100's P r product:
// 1.1e6 -> 4.1e6 gradients/s with HMC, 5.97e5 -> 7.0e5 with NUTS). Host GCC only.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#define LS_NO_LOOP_VECTORIZE __attribute__((optimize("no-tree-loop-vectorize")))
#else
#define LS_NO_LOOP_VECTORIZE
#endif

namespace lockstep {

#if defined(LOCKSTEP_REAL_FLOAT)
using Real = float;
#else
using Real = double;  // default: the accuracy CPU users and reference comparisons expect
#endif

}  // namespace lockstep
