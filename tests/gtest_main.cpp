// The main of every test executable. In a CUDA build on a machine without a device it prints one
// line and exits with the skip code ctest understands (SKIP_RETURN_CODE 77), instead of failing
// deep inside the CUDA runtime; listing the tests (--gtest_list_tests, ctest's discovery) needs
// no device. LOCKSTEP_BACKEND=cpu runs the lanes on the host instead (the CUDA binary's
// `--backend cpu` path; scripts/gpu_box.sh runs the posterior tests that way where there is no
// device); LOCKSTEP_BACKEND=cuda insists on the device.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "host/backend/lanes.hpp"

int main(int argc, char** argv) {
  namespace backend = lockstep::backend;
  bool listing = false;
  for (int i = 1; i < argc; ++i) listing = listing || std::strcmp(argv[i], "--gtest_list_tests") == 0;
  const char* env = std::getenv("LOCKSTEP_BACKEND");
  const std::string wanted = env ? env : "";
  try {
    if (wanted == "cpu") backend::use_place(backend::Place::kHost);
    else if (wanted == "cuda" && !listing) backend::use_place(backend::Place::kDevice);
    else if (!wanted.empty() && wanted != "cuda") throw std::invalid_argument("'" + wanted + "' is not one of: cpu, cuda");
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "%s: LOCKSTEP_BACKEND: %s\n", argv[0], e.what());
    return 2;
  }
  if (backend::is_cuda_build() && !listing && !backend::lanes_on_device() && wanted != "cpu") {
    std::printf("%s: no CUDA device (cudaGetDeviceCount reports 0); skipped (LOCKSTEP_BACKEND=cpu runs on the host)\n",
                argv[0]);
    return backend::kSkipExitCode;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
