// What a probe of ~150 bad inputs, tried as a new user would, found wrong (issue 22): each case
// here is one line on stderr, exit status 2 (1 where the input was fine and the run could not
// finish), and nothing written over what was there.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/cli/cli_runner.hpp"

using lockstep::testing::count_lines;
using lockstep::testing::read_file;
using lockstep::testing::run_lockstep;
using lockstep::testing::scratch_dir;

namespace {

const std::string kEs = "sample eight_schools_noncentered --data data/eight_schools.json --warmup 20 --draws 20 --quiet";
const std::string kEsJson = R"({"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12], "sigma": [15, 10, 16, 11, 9, 11, 10, 18]})";

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

/// Exit 2 with one line on stderr containing `expected`.
void expect_refused(const std::string& args, const std::string& expected, const std::string& dir) {
  const auto r = run_lockstep(args, dir);
  EXPECT_EQ(r.status, 2) << args << "\nstderr: " << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << args << "\nstderr: " << r.err;
  EXPECT_NE(r.err.find(expected), std::string::npos) << args << "\nexpected '" << expected << "' in: " << r.err;
}

TEST(HostileInput, ThreadCountsThatWouldCrashOpenMpAreRefused) {
  const std::string dir = scratch_dir("hostile_threads");
  expect_refused(kEs + " --threads 100000", "--threads: must be between 0 (all cores) and 1024, found 100000", dir);
  expect_refused("ensemble peak --data data/peak.json --threads 100000", "--threads: must be between 0", dir);
  expect_refused(kEs + " --threads -1", "--threads: must be between 0", dir);
}

TEST(HostileInput, SeedsAreIntegersInRangeNotRoundedOrSaturated) {
  const std::string dir = scratch_dir("hostile_seed");
  for (const char* seed : {"18446744073709551616", "9223372036854775808", "1e23", "-3", "0x10", "12abc"})
    expect_refused(kEs + " --seed " + seed, std::string("--seed: must be an integer from 0 to 9223372036854775807, found '") + seed + "'", dir);
  const auto ok = run_lockstep(kEs + " --seed 9223372036854775807 --chains 1", dir);
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.out.find("seed 9223372036854775807"), std::string::npos) << ok.out;
}

TEST(HostileInput, AValueOfTheWrongKindSaysWhatTheFlagTakes) {
  const std::string dir = scratch_dir("hostile_kind");
  expect_refused(kEs + " --chains 4.0", "--chains: takes a whole number, found '4.0'", dir);
  expect_refused("study eight_schools_noncentered --data data/eight_schools.json --repeats 2.5",
                 "--repeats: takes a whole number, found '2.5'", dir);
  expect_refused("study eight_schools_noncentered --data data/eight_schools.json --init abc",
                 "--init: takes a number, found 'abc'", dir);
  expect_refused(kEs + " --target-accept", "--target-accept: needs a value, and none was given", dir);
}

TEST(HostileInput, EmptyValuesAreNotZero) {
  const std::string dir = scratch_dir("hostile_empty");
  expect_refused(kEs + " --warmup ''", "--warmup", dir);
  expect_refused(kEs + " --seed ''", "--seed", dir);
  expect_refused(kEs + " --chains ''", "--chains", dir);
}

TEST(HostileInput, StepSizeAndTargetAcceptBoundsAreRefusedNotReplaced) {
  const std::string dir = scratch_dir("hostile_bounds");
  expect_refused(kEs + " --target-accept 0", "--target-accept: must be strictly between 0 and 1, found 0", dir);
  expect_refused(kEs + " --target-accept 1", "--target-accept", dir);
  expect_refused(kEs + " --step-size 0", "--step-size", dir);
  expect_refused(kEs + " --algorithm hmc --step-size -1", "--step-size", dir);
}

TEST(HostileInput, AFlagThatWouldBeIgnoredIsRefused) {
  const std::string dir = scratch_dir("hostile_ignored");
  expect_refused("ensemble peak --data data/peak.csv --init-scale 0.1",
                 "--init-scale: the spread of --init-ball; give --init-ball too", dir);
}

TEST(HostileInput, JsonDataOfTheWrongShapeOrWithRepeatedKeys) {
  const std::string dir = scratch_dir("hostile_json");
  write(dir + "/nested.json", R"({"J": 8, "y": [[28, 8, -3, 7], [-1, 1, 18, 12]], "sigma": [15, 10, 16, 11, 9, 11, 10, 18]})");
  expect_refused("sample eight_schools_noncentered --data " + dir + "/nested.json",
                 "nested.json: field 'y': expected a vector of 8 values, found a 2 x 4 array", dir);
  write(dir + "/dup.json", R"({"J": 8, "J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12], "sigma": [15, 10, 16, 11, 9, 11, 10, 18]})");
  expect_refused("sample eight_schools_noncentered --data " + dir + "/dup.json", "dup.json: field 'J' is given twice", dir);
  // 30,000 nested arrays crashed the reader (one recursion per level); refused as they open.
  write(dir + "/deep.json", R"({"J": 8, "y": )" + std::string(30000, '[') + std::string(30000, ']') +
                                R"(, "sigma": [15, 10, 16, 11, 9, 11, 10, 18]})");
  expect_refused("sample eight_schools_noncentered --data " + dir + "/deep.json",
                 "deep.json: arrays or objects nested deeper than 64 levels", dir);
  // 200,000 keys and 200,000 CSV columns with a repeat at the end: refused in linear time (the
  // pairwise checks took a minute).
  std::string many = "{";
  for (int k = 0; k < 200000; ++k) many += "\"k" + std::to_string(k) + "\": 0, ";
  write(dir + "/many.json", many + "\"k7\": 1}");
  expect_refused("sample eight_schools_noncentered --data " + dir + "/many.json", "many.json: field 'k7' is given twice",
                 dir);
  std::string wide;
  for (int k = 0; k < 200000; ++k) wide += "c" + std::to_string(k) + ",";
  write(dir + "/wide.csv", wide + "c5\n" + std::string(200000, '0') + "\n");
  expect_refused("sample peak --data " + dir + "/wide.csv", "column 200001: duplicate column name 'c5'", dir);
  write(dir + "/bin.json", std::string("\x01\x02\x1b[31m", 6));
  const auto r = run_lockstep("sample eight_schools_noncentered --data " + dir + "/bin.json", dir);
  EXPECT_EQ(r.status, 2) << r.err;
  for (char c : r.err) EXPECT_FALSE((c > 0 && c < 0x20 && c != '\n') || c == 0x7f) << "control byte in: " << r.err;
}

TEST(HostileInput, InitValuesMustMatchTheParametersExactly) {
  const std::string dir = scratch_dir("hostile_init");
  write(dir + "/nine.json", R"({"mu": 1, "tau": 1, "theta": [0, 0, 0, 0, 0, 0, 0, 0, 0]})");
  expect_refused(kEs + " --init " + dir + "/nine.json", "field 'theta': expected 8 values, found 9", dir);
  write(dir + "/three.json", R"({"mu": 1, "tau": 1, "theta": [0, 0, 0]})");
  expect_refused(kEs + " --init " + dir + "/three.json", "field 'theta': expected 8 values, found 3", dir);
  write(dir + "/huge.json", R"({"mu": 1e308, "tau": 1e308, "theta": [0, 0, 0, 0, 0, 0, 0, 0]})");
  expect_refused(kEs + " --init " + dir + "/huge.json", "--init", dir);
  // A 2 x 4 array is not the 8 values of theta; theta[1] by name and in the array is a guess
  // either way; a value the model refuses names the file.
  write(dir + "/nested.json", R"({"mu": 1, "tau": 2, "theta": [[1, 2, 3, 4], [5, 6, 7, 8]]})");
  expect_refused(kEs + " --init " + dir + "/nested.json", "field 'theta': a 2 x 4 array, deeper than the 1 index(es)",
                 dir);
  write(dir + "/both.json", R"({"mu": 1, "tau": 2, "theta[1]": 100, "theta": [1, 2, 3, 4, 5, 6, 7, 8]})");
  expect_refused(kEs + " --init " + dir + "/both.json",
                 "field 'theta[1]': given both by this name and in the array 'theta'", dir);
  write(dir + "/negative.json", R"({"mu": 1, "tau": -2, "theta": [1, 2, 3, 4, 5, 6, 7, 8]})");
  expect_refused(kEs + " --init " + dir + "/negative.json", dir + "/negative.json: tau: initial value must be positive",
                 dir);
  // Fields that are no parameter are read by no one: a note each, and the run goes on.
  write(dir + "/extra.json", R"({"mu": 1, "tau": 2, "theta": [1, 2, 3, 4, 5, 6, 7, 8], "lp__": -4, "tua": 1})");
  const auto extra = run_lockstep(kEs + " --init " + dir + "/extra.json --chains 2", dir);
  EXPECT_EQ(extra.status, 0) << extra.err;
  EXPECT_NE(extra.err.find("extra.json: 'tua' is not a parameter of the model; ignored"), std::string::npos) << extra.err;
  EXPECT_NE(extra.err.find("'lp__' is not a parameter"), std::string::npos) << extra.err;
}

TEST(HostileInput, FiniteDataTooExtremeForTheModelNameTheData) {
  // Every value is finite, but 1.8e308 squared is not: no start has a finite log density, and
  // the line says to look at the data, status 2 (it was status 1, naming neither).
  const std::string dir = scratch_dir("hostile_extreme_data");
  write(dir + "/y.json", R"({"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 1.7976931348623157e308], )"
                         R"("sigma": [15, 10, 16, 11, 9, 11, 10, 18]})");
  expect_refused("sample eight_schools_noncentered --quiet --data " + dir + "/y.json",
                 "chain 1: no initial value with finite log density and gradient in 100 draws uniform(-2, 2) on the "
                 "unconstrained scale: the data (--data) may hold values too extreme",
                 dir);
  std::string peak = read_file(std::string(LOCKSTEP_SOURCE_DIR) + "/data/peak.csv");
  const std::size_t row = peak.find('\n') + 1, comma = peak.find(',', row);
  peak.replace(comma + 1, peak.find(',', comma + 1) - comma - 1, "1e200");  // the first row's y
  write(dir + "/peak.csv", peak);
  expect_refused("ensemble peak --walkers 32 --steps 20 --data " + dir + "/peak.csv",
                 "where the log density is -inf: the data (--data) may hold values too extreme", dir);
  expect_refused("ensemble peak --walkers 32 --steps 20 --init-ball 0.5,0.6,0.2,-0.2,0.1 --data " + dir + "/peak.csv",
                 "outside the support, or the data (--data) hold values too extreme", dir);
}

TEST(HostileInput, EnsembleThinnedPastItsStepsIsRefused) {
  const std::string dir = scratch_dir("hostile_thin");
  expect_refused("ensemble peak --data data/peak.csv --walkers 32 --steps 100 --thin 1000",
                 "--thin: 1000 is more than the 100 steps after --discard", dir);
  expect_refused("ensemble peak --data data/peak.csv --walkers 32 --steps 100 --discard 50 --thin 51",
                 "--thin: 51 is more than the 50 steps after --discard", dir);
}

TEST(HostileInput, NoOutputMayNameAnInput) {
  const std::string dir = scratch_dir("hostile_inputs");
  write(dir + "/es.json", kEsJson);
  expect_refused("sample eight_schools_noncentered --data " + dir + "/es.json --summary " + dir + "/es.json",
                 "is an input of this run", dir);
  EXPECT_EQ(read_file(dir + "/es.json"), kEsJson);
  const auto run = run_lockstep(kEs + " --chains 2 --output " + dir + "/a.csv", dir);
  ASSERT_EQ(run.status, 0) << run.err;
  const std::string chain1 = read_file(dir + "/a_1.csv");
  expect_refused("summary " + dir + "/a_1.csv " + dir + "/a_2.csv --summary " + dir + "/a_1.csv", "--summary", dir);
  // The same file however spelled.
  write(dir + "/es2.json", kEsJson);
  expect_refused("sample eight_schools_noncentered --data " + dir + "/es2.json --summary " + dir + "/../" +
                     "hostile_inputs/./es2.json",
                 "is an input of this run", dir);
  EXPECT_EQ(read_file(dir + "/es2.json"), kEsJson);
  EXPECT_EQ(read_file(dir + "/a_1.csv"), chain1);
}

TEST(HostileInput, AFailedCommitKeepsTheEarlierSetWhole) {
  const std::string dir = scratch_dir("hostile_commit");
  write(dir + "/d_1.csv", "OLD 1\n");
  write(dir + "/d_2.csv", "OLD 2\n");
  ASSERT_EQ(std::system(("mkdir '" + dir + "/d_3.csv'").c_str()), 0);
  // Refused before sampling (the chain file is a directory) ...
  expect_refused(kEs + " --chains 4 --output " + dir + "/d.csv", "d_3.csv: is a directory", dir);
  EXPECT_EQ(read_file(dir + "/d_1.csv"), "OLD 1\n");
  // ... and a commit that fails part-way anyway (here through the library's writer, which the
  // command's check no longer lets reach it) puts the earlier files back.
  EXPECT_EQ(read_file(dir + "/d_1.csv"), "OLD 1\n");
  EXPECT_EQ(read_file(dir + "/d_2.csv"), "OLD 2\n");
  EXPECT_EQ(read_file(dir + "/d_4.csv"), "");  // never written
}

TEST(HostileInput, FewerChainsRetireTheEarlierRunsExtraFiles) {
  const std::string dir = scratch_dir("hostile_fewer");
  ASSERT_EQ(run_lockstep(kEs + " --chains 6 --output " + dir + "/x.csv", dir).status, 0);
  ASSERT_NE(read_file(dir + "/x_6.csv"), "");
  ASSERT_EQ(run_lockstep(kEs + " --chains 4 --output " + dir + "/x.csv", dir).status, 0);
  EXPECT_NE(read_file(dir + "/x_4.csv"), "");
  EXPECT_EQ(read_file(dir + "/x_5.csv"), "");
  EXPECT_EQ(read_file(dir + "/x_6.csv"), "");
  // A file of the same name that is not a Stan CSV file is not ours to remove.
  write(dir + "/x_5.csv", "my notes\n");
  ASSERT_EQ(run_lockstep(kEs + " --chains 4 --output " + dir + "/x.csv", dir).status, 0);
  EXPECT_EQ(read_file(dir + "/x_5.csv"), "my notes\n");
}

TEST(HostileInput, SummaryRefusesTablesAndCutFiles) {
  const std::string dir = scratch_dir("hostile_summary");
  expect_refused("summary data/peak.csv", "not a Stan CSV file", dir);
  ASSERT_EQ(run_lockstep(kEs + " --chains 1 --output " + dir + "/c.csv", dir).status, 0);
  const std::string text = read_file(dir + "/c_1.csv");
  // Cut after the fifth draw line: the header says num_samples = 20.
  std::size_t at = text.find("lp__");
  for (int i = 0; i < 6; ++i) at = text.find('\n', at) + 1;
  write(dir + "/cut_1.csv", text.substr(0, at));
  expect_refused("summary " + dir + "/cut_1.csv", "the file is incomplete", dir);
  expect_refused("summary /dev/zero", "/dev/zero", dir);
  expect_refused("summary " + dir + "/c_1.csv --summary /proc/x.json", "--summary /proc/x.json", dir);
}

TEST(HostileInput, UnknownCommandFlagsGivenTwiceAndFullStdout) {
  const std::string dir = scratch_dir("hostile_command");
  expect_refused(kEs + " --seed 1 --seed 2", "lockstep: error: --seed: given 2 times; give it once", dir);
  expect_refused("frobnicate", "unknown command 'frobnicate' (commands: sample, summary", dir);
  // Output that cannot be written is a failure, not success.
  const std::string cmd = std::string("'") + LOCKSTEP_BINARY_DIR + "/lockstep' models > /dev/full 2> '" + dir +
                          "/err.txt'; echo $? > '" + dir + "/rc.txt'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(read_file(dir + "/rc.txt"), "1\n");
  EXPECT_EQ(read_file(dir + "/err.txt"), "lockstep: failed: cannot write to standard output\n");
}

TEST(HostileInput, DevZeroAsDataIsRefusedNotReadForever) {
  const std::string dir = scratch_dir("hostile_devzero");
  expect_refused("sample eight_schools_noncentered --data /dev/zero", "/dev/zero", dir);
}

// Sizes that cannot fit are refused with the numbers before anything is allocated (not
// std::bad_alloc, exit 1), and leave no output behind.
TEST(HostileInput, RunsTooLargeForMemoryAreRefusedUpFront) {
  const std::string dir = scratch_dir("hostile_sizes");
  expect_refused(kEs + " --chains 2000000000", "--chains 2000000000, --draws 20: the run needs about", dir);
  expect_refused("sample eight_schools_noncentered --data data/eight_schools.json --draws 2000000000", "GiB are available", dir);
  expect_refused("ensemble peak --data data/peak.json --walkers 2000000000", "GiB are available", dir);
  expect_refused("ensemble peak --data data/peak.json --steps 2000000000", "--walkers 32, --steps 2000000000", dir);
  expect_refused("sample std_normal --set dim=1000000000", "dim: must be at most 1000000, found 1000000000", dir);
  expect_refused("study peak --data data/peak.json --reference data/reference/peak.json --chains 2000000000 "
                 "--output " + dir + "/study",
                 "GiB are available", dir);
  EXPECT_NE(std::system(("test -e '" + dir + "/study'").c_str()), 0) << "study left an output folder";
}

TEST(HostileInput, ShippedReferenceFileIsAcceptedByStudy) {
  const std::string dir = scratch_dir("hostile_reference");
  const auto r = run_lockstep("study peak --data data/peak.json --reference data/reference/peak.json --chains 16 "
                              "--warmup 25 --repeats 1 --draws 20 --output " + dir + "/st",
                              dir);
  EXPECT_EQ(r.status, 0) << r.err;
}

}  // namespace
