#pragma once
// Where kernels write draws. On the CPU backend the device is the host, so kernels write
// straight into the DrawSet's vectors (no second copy of what can be gigabytes); on the
// CUDA backend they write into device buffers copied into the DrawSet by finish().
#include <vector>

#include "host/backend/lanes.hpp"
#include "host/core/draw_set.hpp"

namespace lockstep {
namespace backend {

class DrawBuffers {
 public:
  explicit DrawBuffers(DrawSet& draws) : draws_(draws) {
#if defined(LOCKSTEP_CUDA)
    values_.resize(draws.values.size());
    stats_.resize(draws.stats.size());
#endif
  }
  double* values() {
#if defined(LOCKSTEP_CUDA)
    return raw(values_);
#else
    return draws_.values.data();
#endif
  }
  double* stats() {
#if defined(LOCKSTEP_CUDA)
    return raw(stats_);
#else
    return draws_.stats.data();
#endif
  }
  void finish() {
#if defined(LOCKSTEP_CUDA)
    thrust::copy(values_.begin(), values_.end(), draws_.values.begin());
    thrust::copy(stats_.begin(), stats_.end(), draws_.stats.begin());
#endif
  }

 private:
  DrawSet& draws_;
#if defined(LOCKSTEP_CUDA)
  DeviceVector<double> values_, stats_;
#endif
};

}  // namespace backend
}  // namespace lockstep
