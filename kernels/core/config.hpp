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

// For one chain's element-wise loops over its dimension (lane-local NUTS): the arrays a loop
// reads and writes are distinct, but g++ cannot prove it and this project turns off its
// run-time alias checks (CMakeLists.txt: --param=vect-max-version-for-alias-checks=0, so the
// rounding never depends on heap addresses), which leaves such loops scalar. `GCC ivdep`
// states that the iterations are independent. The leapfrog's kick, drift and sharp loops carry
// it too; instantiated over Batch values (HMC's blocks, whose inner loop over the chains is the
// one to vectorize) it leaves their code as fast as before (bench/hmc_throughput, measured
// alternately). Host GCC only.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#define LS_IVDEP _Pragma("GCC ivdep")
#else
#define LS_IVDEP
#endif

// LOCKSTEP_GPU_SHAPE: 1 when this build runs the GPU's functors, views and launch shapes —
// one chain per lane (W = 1), NUTS's coalesced scratch layout, no CPU-only stride padding, one
// ensemble block per lane, draws through separate device buffers — and 0 for the CPU's SIMD
// shape. The CUDA build sets it (-DLOCKSTEP_CUDA=ON), and so does a CPU build configured with
// -DLOCKSTEP_GPU_LAYOUT=ON, which runs exactly the GPU's code paths on the CPU so that every
// test exercises them. It is the ONLY switch for layout decisions: kernels and host code test
// LOCKSTEP_GPU_SHAPE (or lockstep::kGpuShape), never LOCKSTEP_CUDA or the lane width. (What
// only a real GPU has — nvcc's language, the CUDA runtime — stays under LOCKSTEP_CUDA.)
#if defined(LOCKSTEP_CUDA) && !defined(LOCKSTEP_GPU_SHAPE)
#define LOCKSTEP_GPU_SHAPE 1
#endif
#ifndef LOCKSTEP_GPU_SHAPE
#define LOCKSTEP_GPU_SHAPE 0
#endif
#if defined(LOCKSTEP_CUDA) && !LOCKSTEP_GPU_SHAPE
#error "the CUDA backend runs in the GPU shape: LOCKSTEP_GPU_SHAPE must not be 0 under LOCKSTEP_CUDA"
#endif

namespace lockstep {

/// True in the GPU shape (LOCKSTEP_GPU_SHAPE above), for `if constexpr`.
constexpr bool kGpuShape = LOCKSTEP_GPU_SHAPE != 0;

/// Width of the loops WITHIN one lane over a model's points or coordinates (a simulator's
/// data points, variational inference's normals): the CPU's SIMD width in the CPU shape, so
/// that such a loop runs in vectorized blocks; 1 in the GPU shape, where a thread is a lane.
#if LOCKSTEP_GPU_SHAPE || !defined(LOCKSTEP_SIMD_WIDTH)
constexpr int kInLaneWidth = 1;
#else
constexpr int kInLaneWidth = LOCKSTEP_SIMD_WIDTH;
#endif

#if defined(LOCKSTEP_REAL_FLOAT)
using Real = float;
#else
using Real = double;  // default: the accuracy CPU users and reference comparisons expect
#endif

}  // namespace lockstep
