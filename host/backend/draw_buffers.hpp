#pragma once
// Where kernels write draws. In the CPU's SIMD shape the device is the host, so kernels write
// straight into the DrawSet's vectors (no second copy of what can be gigabytes); in the GPU
// shape (LOCKSTEP_GPU_SHAPE: the CUDA backend, or a CPU build with -DLOCKSTEP_GPU_LAYOUT=ON,
// which runs this same path on the CPU) they write into device buffers copied into the
// DrawSet by finish().
#include <stdexcept>
#include <vector>

#include "host/backend/lanes.hpp"
#include "host/core/draw_set.hpp"

namespace lockstep {
namespace backend {

class DrawBuffers {
 public:
  explicit DrawBuffers(DrawSet& draws) : draws_(draws) {
    if constexpr (kSeparate) {
      values_.resize(draws.values.size());
      stats_.resize(draws.stats.size());
    }
  }
  double* values() { return kSeparate ? raw(values_) : draws_.values.data(); }
  double* stats() { return kSeparate ? raw(stats_) : draws_.stats.data(); }
  void finish() {
    if constexpr (kSeparate) {
      values_.download(draws_.values.data(), values_.size());
      stats_.download(draws_.stats.data(), stats_.size());
    }
  }
  /// A resumed run (host/run/sampler_snapshot.hpp): the draws written before the checkpoint,
  /// into the DrawSet and, in the GPU shape, the device buffers. Same sizes, or
  /// std::runtime_error.
  void restore(const DrawSet& saved) {
    if (saved.values.size() != draws_.values.size() || saved.stats.size() != draws_.stats.size())
      throw std::runtime_error("checkpoint: its draws do not have this run's shape");
    draws_.values = saved.values;
    draws_.stats = saved.stats;
    if constexpr (kSeparate) {
      values_.upload(draws_.values.data(), draws_.values.size());
      stats_.upload(draws_.stats.data(), draws_.stats.size());
    }
  }

  /// True when kernels write into device buffers of their own (the GPU shape).
  static constexpr bool kSeparate = kGpuShape;

 private:
  DrawSet& draws_;
  DeviceVector<double> values_, stats_;  // empty unless kSeparate
};

}  // namespace backend
}  // namespace lockstep
