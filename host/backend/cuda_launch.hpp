#pragma once
// The CUDA backend's lane launch: one thread per lane, a grid-stride loop over the lanes, and
// the block size chosen per functor type by the CUDA occupancy API
// (cudaOccupancyMaxPotentialBlockSize, the block size that maximizes the number of resident
// warps given the kernel's registers and shared memory) instead of a constant. The choice and
// the registers per thread (cudaFuncGetAttributes) of every functor launched are recorded
// (backend::launch_shapes(), printed by the benchmarks in the GPU report). Included by
// host/backend/lanes.hpp only when nvcc compiles for the CUDA backend; the CPU backend runs the
// same functors through Thrust's OpenMP system.
#if defined(LOCKSTEP_CUDA) && defined(__CUDACC__)
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>
#include <typeinfo>

namespace lockstep {
namespace backend {

void record_launch_shape(const char* functor, int block, int registers, int min_grid);

namespace cuda {

template <class F>
__global__ void lanes_kernel(int n, F f) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) f(i);
}

inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(e));
}

/// The occupancy-optimal block size of lanes_kernel<F> (computed once per functor type).
template <class F>
int block_size() {
  static const int block = [] {
    int min_grid = 0, b = 0;
    check(cudaOccupancyMaxPotentialBlockSize(&min_grid, &b, lanes_kernel<F>, 0, 0), "occupancy query");
    cudaFuncAttributes attr{};
    check(cudaFuncGetAttributes(&attr, lanes_kernel<F>), "function attributes");
    record_launch_shape(typeid(F).name(), b, attr.numRegs, min_grid);
    return b;
  }();
  return block;
}

/// f(lane) for every lane, synchronously (the host reads the results next, as after
/// thrust::for_each); a launch or kernel error becomes std::runtime_error.
template <class F>
void launch(int n_lanes, const F& f) {
  if (n_lanes <= 0) return;
  const int block = block_size<F>();
  const int grid = (n_lanes + block - 1) / block;
  lanes_kernel<F><<<grid, block>>>(n_lanes, f);
  check(cudaGetLastError(), "launch");
  check(cudaDeviceSynchronize(), "kernel");
}

}  // namespace cuda
}  // namespace backend
}  // namespace lockstep
#endif
