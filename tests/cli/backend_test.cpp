// --backend (every model-running command): where the lanes run. `cpu` works in every build and,
// in this CPU build, is what runs anyway: the same draws as no flag. `cuda` in a CPU build and an
// unknown name are one-line errors with exit status 2 (sample_errors_test.cpp has sample's).
#include <gtest/gtest.h>

#include <string>

#include "host/backend/place.hpp"
#include "tests/cli/cli_runner.hpp"

namespace backend = lockstep::backend;
using lockstep::testing::run_lockstep;
using lockstep::testing::scratch_dir;

namespace {

const std::string kEight = "eight_schools_noncentered --data data/eight_schools.json";
const std::string kPeak = "peak --data data/peak.csv --walkers 64 --steps 200 --init-ball 0.5,0.6,0.2,-0.2,0.1 "
                          "--init-scale 1e-4 --seed 3";

TEST(BackendFlag, CpuIsAcceptedByEveryCommandAndChangesNothingWithoutADevice) {
  const std::string dir = scratch_dir("backend_cpu");
  const std::string sample = "sample " + kEight + " --chains 16 --warmup 100 --draws 100 --seed 5 --quiet";
  const auto plain = run_lockstep(sample + " --output " + dir + "/plain.csv", dir);
  const auto cpu = run_lockstep(sample + " --backend cpu --output " + dir + "/cpu.csv", dir);
  ASSERT_EQ(plain.status, 0) << plain.err;
  ASSERT_EQ(cpu.status, 0) << cpu.err;
  // Where no device is seen both runs are on the host: the summary table (means, ESS, R-hat)
  // is the same, digit for digit. (With a device the plain run is on it.)
  const auto table = [](const std::string& out) { return out.substr(0, out.find("Wall time")); };
  if (backend::cuda_device_count() == 0) {
    EXPECT_EQ(table(plain.out), table(cpu.out));
  }

  const auto ens = run_lockstep("ensemble " + kPeak + " --backend cpu", dir);
  EXPECT_EQ(ens.status, 0) << ens.err;
  const auto check = run_lockstep("check " + kEight + " --backend cpu", dir);
  EXPECT_EQ(check.status, 0) << check.err;
}

TEST(BackendFlag, CudaWithoutADeviceAndUnknownNamesAreOneLineErrors) {
  // A CPU build has no device to offer; a CUDA build on a machine without one (the test
  // executables run there with LOCKSTEP_BACKEND=cpu) has none to find. With one, `cuda` runs.
  const bool device = backend::cuda_device_count() > 0;
  const std::string no_cuda = backend::is_cuda_build()
                                  ? "lockstep: error: --backend cuda: no CUDA device found (cudaGetDeviceCount reports 0)\n"
                                  : "lockstep: error: --backend cuda: this lockstep was built for the CPU; rebuild with "
                                    "-DLOCKSTEP_CUDA=ON\n";
  const std::string dir = scratch_dir("backend_bad");
  for (const std::string& cmd : {"ensemble " + kPeak, "check " + kEight}) {
    const auto cuda = run_lockstep(cmd + " --backend cuda", dir);
    if (device) {
      EXPECT_EQ(cuda.status, 0) << cmd << ": " << cuda.err;
    } else {
      EXPECT_EQ(cuda.status, 2) << cmd;
      EXPECT_EQ(cuda.err, no_cuda) << cmd;
    }
    const auto bad = run_lockstep(cmd + " --backend tpu", dir);
    EXPECT_EQ(bad.status, 2) << cmd;
    EXPECT_EQ(bad.err, "lockstep: error: --backend: 'tpu' is not one of: cpu, cuda\n") << cmd;
  }
}

TEST(BackendFlag, InfoSaysWhatWasBuiltAndWhereTheLanesRun) {
  const auto r = run_lockstep("info", scratch_dir("backend_info"));
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string build = backend::is_cuda_build() ? "cuda" : "cpu";
  const std::string where = backend::cuda_device_count() > 0 ? "cuda" : "cpu";
  EXPECT_NE(r.out.find("build: " + build + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("backend: " + where + " (where the lanes run by default)\n"), std::string::npos) << r.out;
}

}  // namespace
