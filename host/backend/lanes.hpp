#pragma once
// Lane launch and device buffers: the only backend-specific code.
//
// A lane is one thread of work: in the GPU shape (the CUDA backend, or a CPU build with
// -DLOCKSTEP_GPU_LAYOUT=ON: LOCKSTEP_GPU_SHAPE, kernels/core/config.hpp) one chain per lane
// (W = 1); in the CPU's SIMD shape (Thrust's OpenMP system) one block of W consecutive
// chains, so that models instantiated over Batch<W> run W chains per SIMD instruction. Chain
// counts are padded to a multiple of W; padded chains run but are never reported.
#include <thrust/device_vector.h>
#include <thrust/execution_policy.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include <string>
#include <vector>

#include "host/backend/cuda_launch.hpp"
#include "kernels/core/config.hpp"

#ifndef LOCKSTEP_SIMD_WIDTH
#define LOCKSTEP_SIMD_WIDTH 1
#endif

namespace lockstep {
namespace backend {

/// Chains per lane: 1 in the GPU shape (one chain per thread), else the SIMD width.
#if LOCKSTEP_GPU_SHAPE
constexpr int kLaneWidth = 1;
#else
constexpr int kLaneWidth = LOCKSTEP_SIMD_WIDTH;
#endif
static_assert(kLaneWidth >= 1, "LOCKSTEP_SIMD_WIDTH must be at least 1");

/// How this binary's lanes are shaped, for reports: "GPU layout W=1" or "CPU SIMD W=8".
inline std::string shape_name() {
  return std::string(kGpuShape ? "GPU layout" : "CPU SIMD") + " W=" + std::to_string(kLaneWidth);
}

template <class T>
using DeviceVector = thrust::device_vector<T>;

template <class T>
T* raw(DeviceVector<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}
template <class T>
const T* raw(const DeviceVector<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}

/// The stride of the [dim][n_pad] chain arrays: the chain count rounded up to a whole number
/// of lanes. In the CPU's SIMD shape one more lane is added when the stride would be a multiple
/// of 4 KiB (512, 1024, 4096, ... double chains): element i of a block of chains then sits in
/// the same L1 set for every i, so a 10-d model's q, p, grad and metric rows (40 lines)
/// thrash an 8- or 12-way set and every access goes to L2 (measured: ChEES on Eight Schools,
/// 4096 chains: 1.9e7 -> 3.4e7 gradients/s). Padding chains run but are never output. In the
/// GPU shape the stride is the chain count itself.
inline int padded_chains(int n_chains) {
  int n = (n_chains + kLaneWidth - 1) / kLaneWidth * kLaneWidth;
  if (!kGpuShape && (static_cast<long>(n) * static_cast<long>(sizeof(Real))) % 4096 == 0) n += kLaneWidth;
  return n;
}

/// Run f(lane) for lane = 0 .. n_lanes-1 on the backend. f must be a functor with an
/// LS_HD call operator (no host lambdas: nvcc needs device-callable code).
template <class F>
void launch_lanes(int n_lanes, const F& f) {
#if defined(LOCKSTEP_CUDA) && defined(__CUDACC__)
  cuda::launch(n_lanes, f);  // host/backend/cuda_launch.hpp: occupancy-chosen block size
#else
  thrust::for_each(thrust::device, thrust::counting_iterator<int>(0),
                   thrust::counting_iterator<int>(n_lanes), f);
#endif
}

/// Copy a device vector to the host (a plain copy on the CPU backend).
template <class T>
std::vector<T> to_host(const DeviceVector<T>& v) {
  std::vector<T> out(v.size());
  thrust::copy(v.begin(), v.end(), out.begin());
  return out;
}

/// Number of worker threads for the CPU backend (0: the OpenMP default). No effect on the
/// CUDA backend. Results never depend on it.
void set_threads(int threads);

/// True when this binary was built for the CUDA backend.
bool is_cuda_build();

/// Number of CUDA devices visible (0 on a CPU build or on a machine without a GPU).
int cuda_device_count();

/// The exit status a test or benchmark binary returns when it cannot run here (a CUDA build
/// on a machine without a device); ctest's SKIP_RETURN_CODE.
constexpr int kSkipExitCode = 77;

/// The launch shape the CUDA backend chose for a functor type (empty on the CPU backend,
/// where a lane is an OpenMP work item): demangled functor name, threads per block from the
/// occupancy API, registers per thread, and the minimum grid for full occupancy.
struct LaunchShape {
  std::string functor;
  int block = 0, registers = 0, min_grid = 0;
};
/// Every functor launched so far, in first-launch order.
std::vector<LaunchShape> launch_shapes();

/// What runs the lanes, for messages: "CPU, 2 threads (OpenMP)" or "CUDA device 0: NVIDIA
/// H200, compute capability 9.0, 139.8 GiB".
std::string describe_backend();

/// Bytes of memory a run can still allocate where the lanes run: the device's free memory
/// (cudaMemGetInfo) on the CUDA backend, the host's MemAvailable (/proc/meminfo) on the CPU
/// (0 when unknown).
unsigned long long available_memory_bytes();

}  // namespace backend
}  // namespace lockstep
