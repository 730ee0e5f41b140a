#pragma once
// launch_lanes(n, f): f(lane) for lane = 0 .. n-1 where the lanes run (host/backend/place.hpp).
//   host:   an OpenMP parallel loop, static schedule (what Thrust's OpenMP for_each does; written
//           out so that a CUDA binary, whose Thrust device system is CUDA, runs the same loop
//           with `--backend cpu`);
//   device: lanes_kernel, one thread per lane, block size from the occupancy API
//           (host/backend/cuda_launch.hpp).
// Synchronous: the host reads the results next.
#include <cstddef>
#include <stdexcept>

#include "host/backend/cuda_launch.hpp"
#include "host/backend/place.hpp"

namespace lockstep {
namespace backend {

/// Below this many element operations in all, host lanes run on the calling thread: an OpenMP
/// region's fork and join cost more than such work (microseconds), and on a loaded machine its
/// barrier waits for a descheduled thread (milliseconds; measured: ChEES's per-iteration
/// cross-chain sums at 1024 chains took 1.8 s of warmup alone -> 4.7 .. 15 s at load 5).
constexpr std::ptrdiff_t kSerialHostWork = std::ptrdiff_t(1) << 18;

/// f must be a functor with an LS_HD call operator (no host lambdas: nvcc needs
/// device-callable code). `work`: about how many element operations all lanes do together
/// (default: enough to be worth the host's threads), which decides only whether host lanes run
/// in parallel; the results never depend on it.
template <class F>
void launch_lanes(int n_lanes, const F& f, std::ptrdiff_t work = kSerialHostWork) {
#if defined(LOCKSTEP_CUDA) && defined(__CUDACC__)
  if (lanes_on_device()) {
    cuda::launch(n_lanes, f);
    return;
  }
#elif defined(LOCKSTEP_CUDA)
  if (lanes_on_device())
    throw std::logic_error("launch_lanes: device lanes launched from a source not compiled by nvcc (name it *_lanes.cpp)");
#endif
  // One loop for both cases. if(false) makes the region's team one thread, the calling one
  // (OpenMP 5.2, 10.1 "if clause": the region is inactive), which runs every iteration in lane
  // order, just as a plain loop would, with no other thread to fork or wait for at the barrier;
  // if(true) is the usual team with the static schedule. Each lane writes only its own outputs,
  // so either way the results are the same bits.
#pragma omp parallel for schedule(static) if (work >= kSerialHostWork)
  for (int lane = 0; lane < n_lanes; ++lane) f(lane);
}

}  // namespace backend
}  // namespace lockstep
