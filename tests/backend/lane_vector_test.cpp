// LaneVector (host/backend/lane_vector.hpp) and the place of the lanes
// (host/backend/place.hpp): buffers where the lanes run, every host <-> lane copy explicit,
// fills run as lanes. In a CUDA build with a device these run on the device (the test binary
// skips without one); in a CPU build on the host.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "host/backend/lanes.hpp"

namespace lockstep {
namespace testing {
namespace {

using backend::LaneVector;

TEST(LaneVector, ValueInitializedFilledAndCopiedBothWays) {
  LaneVector<double> zeros(5);
  EXPECT_EQ(backend::to_host(zeros), std::vector<double>(5, 0.0));
  LaneVector<int> sevens(3, 7);
  EXPECT_EQ(backend::to_host(sevens), (std::vector<int>{7, 7, 7}));

  const std::vector<double> h{1.5, -2, 3, 4.25};
  LaneVector<double> v(h.begin(), h.end());
  EXPECT_EQ(v.size(), 4u);
  EXPECT_EQ(backend::to_host(v), h);

  const double part[2] = {10, 20};
  v.upload(part, 2, 1);  // elements 1 and 2
  EXPECT_EQ(backend::to_host(v), (std::vector<double>{1.5, 10, 20, 4.25}));
  double out[2] = {0, 0};
  v.download(out, 2, 2);
  EXPECT_EQ(out[0], 20);
  EXPECT_EQ(out[1], 4.25);

  v.fill(-1);
  EXPECT_EQ(backend::to_host(v), std::vector<double>(4, -1.0));
}

TEST(LaneVector, FillReachesEveryElementOfABufferLargerThanItsLaneCount) {
  // FillLanes runs at most 2^20 lanes, each striding over the rest: 2^20 + 3 elements check
  // the stride (the last three are reached by lanes 0, 1, 2 on their second pass).
  const std::size_t n = (std::size_t(1) << 20) + 3;
  LaneVector<std::int32_t> v(n, 5);
  const std::vector<std::int32_t> h = backend::to_host(v);
  ASSERT_EQ(h.size(), n);
  EXPECT_EQ(std::count(h.begin(), h.end(), 5), static_cast<long>(n));
}

TEST(LaneVector, ResizeKeepsThePrefixAndValueInitializesTheRest) {
  const std::vector<float> h{1, 2, 3};
  LaneVector<float> v(h.begin(), h.end());
  v.resize(5);
  EXPECT_EQ(backend::to_host(v), (std::vector<float>{1, 2, 3, 0, 0}));
  v.resize(2);
  EXPECT_EQ(backend::to_host(v), (std::vector<float>{1, 2}));
  v.assign(3, 9.0f);
  EXPECT_EQ(backend::to_host(v), (std::vector<float>{9, 9, 9}));
  const std::vector<float> g{4, 5};
  v.assign(g.begin(), g.end());
  EXPECT_EQ(backend::to_host(v), g);
}

TEST(LaneVector, CopiesMovesAndLaneToLaneCopy) {
  const std::vector<int> h{1, 2, 3, 4};
  LaneVector<int> a(h.begin(), h.end());
  LaneVector<int> b = a;  // a deep copy
  a.fill(0);
  EXPECT_EQ(backend::to_host(b), h);
  LaneVector<int> c(6, -1);
  c.copy_from(b);  // the first four
  EXPECT_EQ(backend::to_host(c), (std::vector<int>{1, 2, 3, 4, -1, -1}));
  const int* where = b.data();
  LaneVector<int> d = std::move(b);
  EXPECT_EQ(d.data(), where);
  EXPECT_TRUE(b.empty());
  LaneVector<int> none;
  EXPECT_EQ(none.data(), nullptr);
  EXPECT_TRUE(backend::to_host(none).empty());
}

TEST(LaneVector, CopiesPastTheEndThrowNamingTheRange) {
  LaneVector<double> v(3);
  const double four[4] = {1, 2, 3, 4};
  try {
    v.upload(four, 4);
    FAIL() << "an upload of 4 elements into 3 did not throw";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "LaneVector: elements [0, 4) of a buffer of 3");
  }
  double out[2];
  EXPECT_THROW(v.download(out, 2, 2), std::out_of_range);
  LaneVector<double> big(5);
  EXPECT_THROW(v.copy_from(big), std::out_of_range);
}

TEST(LaneVector, HostBuffersAreCacheLineAligned) {
  if (backend::lanes_on_device()) GTEST_SKIP() << "device memory: cudaMalloc's alignment (256 bytes)";
  for (std::size_t n : {1, 3, 17, 1000}) {
    LaneVector<double> v(n);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.data()) % 64, 0u) << n << " doubles";
  }
}

TEST(LanePlace, TheBuildDecidesWhatCanBeChosen) {
  const backend::Place before = backend::lanes_place();
  if (!backend::is_cuda_build()) {
    EXPECT_EQ(before, backend::Place::kHost);
    try {
      backend::use_place(backend::Place::kDevice);
      FAIL() << "a CPU build accepted the device";
    } catch (const std::invalid_argument& e) {
      EXPECT_STREQ(e.what(), "this lockstep was built for the CPU; rebuild with -DLOCKSTEP_CUDA=ON");
    }
  }
  // The host is always available; a buffer keeps the place it was allocated at.
  backend::use_place(backend::Place::kHost);
  LaneVector<int> on_host(2, 1);
  EXPECT_EQ(on_host.place(), backend::Place::kHost);
  EXPECT_EQ(backend::to_host(on_host), (std::vector<int>{1, 1}));
  backend::use_place(before);
  EXPECT_EQ(on_host.place(), backend::Place::kHost);
  EXPECT_STREQ(backend::place_name(backend::Place::kHost), "cpu");
  EXPECT_STREQ(backend::place_name(backend::Place::kDevice), "cuda");
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
