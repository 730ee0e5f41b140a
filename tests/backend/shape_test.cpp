// The build's shape (LOCKSTEP_GPU_SHAPE, kernels/core/config.hpp) is what CMake was asked for,
// and every layout decision follows it: a build configured with -DLOCKSTEP_GPU_LAYOUT=ON (or
// CUDA) runs one chain per lane, NUTS's coalesced scratch, no CPU-only stride padding, one
// ensemble block per lane and separate device draw buffers; the default build the opposite.
// Likewise -DLOCKSTEP_REAL_FLOAT=ON gives Real = float. CMake passes the options it was given
// (LOCKSTEP_CONFIGURED_*) to the tests independently of the macros the code reads, so a
// broken link between the option and the code fails here, cheaply.
#include <gtest/gtest.h>

#include <string>
#include <type_traits>

#include "host/algorithms/ensemble/ensemble_sampler.hpp"
#include "host/algorithms/nuts/nuts_sampler.hpp"
#include "host/backend/draw_buffers.hpp"
#include "host/backend/lanes.hpp"
#include "kernels/core/config.hpp"
#include "kernels/nuts/nuts_arrays.hpp"

#ifndef LOCKSTEP_CONFIGURED_GPU_LAYOUT
#error "CMake passes LOCKSTEP_CONFIGURED_GPU_LAYOUT (0 or 1) to the tests"
#endif
#ifndef LOCKSTEP_CONFIGURED_REAL_FLOAT
#error "CMake passes LOCKSTEP_CONFIGURED_REAL_FLOAT (0 or 1) to the tests"
#endif

namespace lockstep {
namespace testing {
namespace {

#ifndef LOCKSTEP_CONFIGURED_CUDA
#error "CMake passes LOCKSTEP_CONFIGURED_CUDA (0 or 1) to the tests"
#endif

// The GPU's shape: asked for on the CPU, or implied by the CUDA build (whose lanes run in it on
// the device and, with --backend cpu, on the host).
constexpr bool kConfiguredGpu = LOCKSTEP_CONFIGURED_GPU_LAYOUT != 0 || LOCKSTEP_CONFIGURED_CUDA != 0;

TEST(BuildShape, MacroFollowsTheCMakeOption) {
  EXPECT_EQ(kGpuShape, kConfiguredGpu);
  EXPECT_EQ(LOCKSTEP_GPU_SHAPE != 0, kConfiguredGpu);
}

TEST(BuildShape, LaneWidth) {
  if (kConfiguredGpu) {
    EXPECT_EQ(backend::kLaneWidth, 1);
    EXPECT_EQ(backend::shape_name(), "GPU layout W=1");
  } else {
    EXPECT_EQ(backend::kLaneWidth, LOCKSTEP_SIMD_WIDTH);
    EXPECT_EQ(backend::shape_name(), "CPU SIMD W=" + std::to_string(LOCKSTEP_SIMD_WIDTH));
  }
}

TEST(BuildShape, NutsLayout) {
  EXPECT_EQ(nuts::kBackendLayout, kConfiguredGpu ? nuts::NutsLayout::kCoalesced : nuts::NutsLayout::kLaneLocal);
}

TEST(BuildShape, ChainStridePadding) {
  // 4096 chains: a 4 KiB multiple in either precision. The GPU shape pads nothing.
  if (kConfiguredGpu) {
    for (int n : {1, 7, 512, 1000, 4096}) {
      EXPECT_EQ(backend::padded_chains(n), n) << n;
      EXPECT_EQ(nuts_detail::chain_stride(n), n) << n;
    }
  } else {
    EXPECT_GT(backend::padded_chains(4096), 4096);
    EXPECT_EQ(backend::padded_chains(4096) % backend::kLaneWidth, 0);
    EXPECT_GT(nuts_detail::chain_stride(4096), 4096);
  }
}

TEST(BuildShape, EnsembleBlocksPerLane) {
  EXPECT_EQ(ensemble_detail::kBlocksPerLane, kConfiguredGpu ? 1 : ensemble_detail::kCpuInterleave);
  EXPECT_EQ(ensemble_detail::kHalfStepLane, ensemble_detail::kBlocksPerLane * backend::kLaneWidth);
}

TEST(BuildShape, DrawBuffers) {
  EXPECT_EQ(backend::DrawBuffers::kSeparate, kConfiguredGpu);
  DrawSet d;
  d.names = {"a", "b"};
  d.stat_names = {"lp__"};
  d.resize(3, 4);
  backend::DrawBuffers buf(d);
  EXPECT_EQ(buf.values() != d.values.data(), kConfiguredGpu);
  EXPECT_EQ(buf.stats() != d.stats.data(), kConfiguredGpu);
  // The buffers live where the lanes run: on a GPU the host reaches them only by copies.
  const double value = 2.5, stat = -1.5;
  backend::lane_copy(buf.values() + 5, backend::lanes_place(), &value, backend::Place::kHost, sizeof(double));
  backend::lane_copy(buf.stats() + 11, backend::lanes_place(), &stat, backend::Place::kHost, sizeof(double));
  buf.finish();  // the GPU shape copies the device buffers into the DrawSet here
  EXPECT_EQ(d.values[5], 2.5);
  EXPECT_EQ(d.stats[11], -1.5);
}

TEST(BuildShape, Precision) {
  EXPECT_EQ((std::is_same<Real, float>::value), LOCKSTEP_CONFIGURED_REAL_FLOAT != 0);
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
