// Bad input to `lockstep sample`: one line naming the file, field or flag; exit status 2;
// nothing written.
#include <gtest/gtest.h>

#include <dirent.h>

#include "host/backend/place.hpp"
#include "tests/cli/cli_runner.hpp"

using lockstep::testing::count_lines;
using lockstep::testing::run_lockstep;
using lockstep::testing::scratch_dir;

namespace {

int files_in(const std::string& dir) {
  int n = 0;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != ".." && name != "stdout.txt" && name != "stderr.txt") ++n;
    }
    closedir(d);
  }
  return n;
}

struct BadCase {
  const char* name;
  std::string args;       // after `sample`; {DIR} is the scratch directory
  const char* expected;   // substring of the one-line message
  const char* setup_file; // optional JSON file written to {DIR}/bad.json first
};

class SampleBadInput : public ::testing::TestWithParam<BadCase> {};

std::string replace_dir(std::string s, const std::string& dir) {
  for (std::size_t at; (at = s.find("{DIR}")) != std::string::npos;) s.replace(at, 5, dir);
  return s;
}

TEST_P(SampleBadInput, OneLineExitTwoNothingWritten) {
  const BadCase& c = GetParam();
  const std::string dir = scratch_dir(std::string("bad_") + c.name);
  if (c.setup_file) {
    std::ofstream(dir + "/bad.json") << c.setup_file;
  }
  const int before = files_in(dir);
  if (std::string(c.name) == "cuda_without_gpu" && lockstep::backend::cuda_device_count() > 0) {
    // A CUDA build on a machine with a device: --backend cuda is then right, and runs.
    const auto ok = run_lockstep("sample " + replace_dir(c.args, dir) + " --chains 8 --warmup 20 --draws 20 --quiet", dir);
    EXPECT_EQ(ok.status, 0) << "stderr: " << ok.err;
    return;
  }
  const auto r = run_lockstep("sample " + replace_dir(c.args, dir) + " --output " + dir + "/out.csv --summary " +
                                  dir + "/s.json --chains 8 --warmup 20 --draws 20 --quiet",
                              dir);
  EXPECT_EQ(r.status, 2) << "stderr: " << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << "stderr: " << r.err;
  EXPECT_NE(r.err.find(c.expected), std::string::npos) << "expected '" << c.expected << "' in: " << r.err;
  EXPECT_EQ(files_in(dir), before) << "something was written to " << dir;
}

const char* kSigma7 = R"({"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12], "sigma": [15, 10, 16, 11, 9, 11, 10]})";
const char* kSigmaZero = R"({"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12], "sigma": [15, 10, 16, 11, 0, 11, 10, 18]})";
const char* kNoY = R"({"J": 8, "sigma": [15, 10, 16, 11, 9, 11, 10, 18]})";
const char* kMalformed = R"({"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12], "sigma": [15, 10, )";
const char* kNan = R"({"J": 8, "y": [28, 8, "NaN", 7, -1, 1, 18, 12], "sigma": [15, 10, 16, 11, 9, 11, 10, 18]})";
const char* kInf = R"({"J": 8, "y": [28, 8, 3, 7, -1, 1, 18, 12], "sigma": [15, 10, 16, "inf", 9, 11, 10, 18]})";

INSTANTIATE_TEST_SUITE_P(
    Cases, SampleBadInput,
    ::testing::Values(
        BadCase{"missing_file", "eight_schools_noncentered --data {DIR}/nope.json", "nope.json", nullptr},
        BadCase{"flag_of_another_algorithm", "std_normal --algorithm nuts --steps 3",
                "--steps: not used by --algorithm nuts", nullptr},
        BadCase{"flag_of_another_model", "std_normal --formula 'y ~ x'", "--formula", nullptr},
        BadCase{"malformed_json", "eight_schools_noncentered --data {DIR}/bad.json", "bad.json", kMalformed},
        BadCase{"missing_field", "eight_schools_noncentered --data {DIR}/bad.json", "'y'", kNoY},
        BadCase{"sigma_length", "eight_schools_noncentered --data {DIR}/bad.json", "'sigma'", kSigma7},
        BadCase{"sigma_nonpositive", "eight_schools_noncentered --data {DIR}/bad.json", "'sigma'", kSigmaZero},
        BadCase{"nan_in_data", "eight_schools_noncentered --data {DIR}/bad.json", "'y'", kNan},
        BadCase{"inf_in_data", "eight_schools_noncentered --data {DIR}/bad.json", "'sigma'", kInf},
        BadCase{"zero_chains", "eight_schools_noncentered --data data/eight_schools.json --chains 0", "--chains",
                nullptr},
        BadCase{"unknown_model", "no_such_model --data data/eight_schools.json", "no_such_model", nullptr},
        BadCase{"unknown_option", "eight_schools_noncentered --data data/eight_schools.json --set colour=red",
                "colour", nullptr},
        BadCase{"bad_option_value", "eight_schools_noncentered --data data/eight_schools.json --set priors=flat",
                "priors", nullptr},
        BadCase{"unknown_flag", "eight_schools_noncentered --data data/eight_schools.json --frobnicate",
                "frobnicate", nullptr},
        BadCase{"target_accept_range", "eight_schools_noncentered --data data/eight_schools.json --target-accept 1.5",
                "--target-accept", nullptr},
        BadCase{"cuda_without_gpu", "eight_schools_noncentered --data data/eight_schools.json --backend cuda",
                "--backend cuda", nullptr},
        BadCase{"unknown_backend", "eight_schools_noncentered --data data/eight_schools.json --backend gpu",
                "--backend: 'gpu' is not one of: cpu, cuda", nullptr}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

TEST(SampleBadInput, UnwritableOutputPath) {
  const std::string dir = scratch_dir("unwritable");
  const auto r = run_lockstep(
      "sample eight_schools_noncentered --data data/eight_schools.json --chains 8 --warmup 20 --draws 20 "
      "--output /nonexistent_dir_lockstep/out.csv --quiet",
      dir);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("--output"), std::string::npos) << r.err;
}

TEST(SampleBadInput, OutputExtension) {
  const std::string dir = scratch_dir("extension");
  const auto r = run_lockstep(
      "sample eight_schools_noncentered --data data/eight_schools.json --output " + dir + "/out.txt --quiet", dir);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("--output"), std::string::npos) << r.err;
  EXPECT_EQ(files_in(dir), 0);
}


/// A run whose draws cannot fit is refused before anything is allocated: one line with the
/// memory it needs and the memory there is.
TEST(SampleMemory, ARunThatCannotFitIsRefusedUpFront) {
  const std::string dir = scratch_dir("too_big");
  const auto r = run_lockstep("sample std_normal --set dim=1000 --chains 1000000 --warmup 10 --draws 1000000 --output " +
                                  dir + "/out.csv --quiet",
                              dir);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("the run needs about"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("GiB are available"), std::string::npos) << r.err;
  EXPECT_EQ(files_in(dir), 0);
}

}  // namespace
