// The main of every test executable. In a CUDA build on a machine without a device it prints one
// line and exits with the skip code ctest understands (SKIP_RETURN_CODE 77), instead of failing
// deep inside Thrust; listing the tests (--gtest_list_tests, ctest's discovery) needs no device.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "host/backend/lanes.hpp"

int main(int argc, char** argv) {
  bool listing = false;
  for (int i = 1; i < argc; ++i) listing = listing || std::strcmp(argv[i], "--gtest_list_tests") == 0;
  if (lockstep::backend::is_cuda_build() && !listing && lockstep::backend::cuda_device_count() == 0) {
    std::printf("%s: no CUDA device (cudaGetDeviceCount reports 0); skipped\n", argv[0]);
    return lockstep::backend::kSkipExitCode;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
