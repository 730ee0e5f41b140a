#pragma once
// Lane launch and device buffers: the only backend-specific code.
//
// A lane is one thread of work: in the GPU shape (the CUDA backend, or a CPU build with
// -DLOCKSTEP_GPU_LAYOUT=ON: LOCKSTEP_GPU_SHAPE, kernels/core/config.hpp) one chain per lane
// (W = 1); in the CPU's SIMD shape (an OpenMP loop over lanes) one block of W consecutive
// chains, so that models instantiated over Batch<W> run W chains per SIMD instruction. Chain
// counts are padded to a multiple of W; padded chains run but are never reported. Where the
// lanes run (host or device) is chosen at run time in a CUDA build: host/backend/place.hpp.
#include <string>
#include <vector>

#include "host/backend/lane_vector.hpp"
#include "host/backend/launch_lanes.hpp"
#include "host/backend/place.hpp"
#include "kernels/core/config.hpp"
#include "models/contract/input_error.hpp"

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

/// A buffer where the lanes run (host/backend/lane_vector.hpp).
template <class T>
using DeviceVector = LaneVector<T>;

template <class T>
T* raw(DeviceVector<T>& v) {
  return v.data();
}
template <class T>
const T* raw(const DeviceVector<T>& v) {
  return v.data();
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

/// Copy a buffer to the host (a plain copy when the lanes run on the host).
template <class T>
std::vector<T> to_host(const DeviceVector<T>& v) {
  std::vector<T> out(v.size());
  v.download(out.data(), out.size());
  return out;
}

/// The most CPU worker threads a run may ask for. Results never depend on the thread count,
/// so nothing is lost by the cap; without it, --threads 100000 made libgomp fail to create
/// its threads and crash inside the first parallel region.
constexpr int kMaxThreads = 1024;

/// InputError naming --threads outside [0, kMaxThreads].
inline void check_threads(int threads) {
  if (threads < 0 || threads > kMaxThreads)
    throw InputError("--threads: must be between 0 (all cores) and " + std::to_string(kMaxThreads) + ", found " +
                     std::to_string(threads));
}

/// Number of worker threads for the CPU backend (0: the OpenMP default). No effect on the
/// CUDA backend. Results never depend on it. InputError naming --threads outside
/// [0, kMaxThreads]; every sampler calls it before it allocates.
void set_threads(int threads);

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
