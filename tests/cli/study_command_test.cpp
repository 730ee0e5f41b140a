// `lockstep study`: the CSV has a row per (configuration, reference parameter) with the
// documented columns; a deliberately too-short warmup shows nested R-hat above 1.01 and a large
// error of the posterior mean, a long one below 1.01 and a small error; bad input is one line,
// exit status 2.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/cli_runner.hpp"

using lockstep::testing::CliResult;
using lockstep::testing::count_lines;
using lockstep::testing::read_file;
using lockstep::testing::run_lockstep;
using lockstep::testing::scratch_dir;

namespace {

using Row = std::map<std::string, std::string>;

std::vector<Row> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> header;
  std::vector<Row> rows;
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string cell;
    while (std::getline(ss, cell, ',')) out.push_back(cell);
    return out;
  };
  if (!std::getline(in, line)) return rows;
  header = split(line);
  while (std::getline(in, line)) {
    const auto cells = split(line);
    Row r;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) r[header[i]] = cells[i];
    rows.push_back(r);
  }
  return rows;
}

double num(const Row& r, const std::string& key) { return r.count(key) ? std::stod(r.at(key)) : NAN; }

bool file_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

/// A complete SVG document as matplotlib writes it: an XML prolog or <svg at the start, one
/// <svg ...> element, closed by </svg> at the end, and drawing content in between.
void expect_svg(const std::string& path) {
  const std::string svg = read_file(path);
  ASSERT_FALSE(svg.empty()) << path << " is missing or empty";
  EXPECT_TRUE(svg.rfind("<?xml", 0) == 0 || svg.rfind("<svg", 0) == 0) << path << " starts with: " << svg.substr(0, 80);
  EXPECT_NE(svg.find("<svg"), std::string::npos) << path << ": no <svg> element";
  std::string tail = svg.substr(svg.size() > 200 ? svg.size() - 200 : 0);
  while (!tail.empty() && std::isspace(static_cast<unsigned char>(tail.back()))) tail.pop_back();
  EXPECT_TRUE(tail.size() >= 6 && tail.compare(tail.size() - 6, 6, "</svg>") == 0)
      << path << " does not end with </svg> (truncated?): ..." << tail;
  EXPECT_NE(svg.find("<path"), std::string::npos) << path << ": no drawing (<path>) in the SVG";
  EXPECT_GT(svg.size(), 2000u) << path << ": too small for two panels of lines and axes";
}

/// Sets an environment variable for the scope (the lockstep child inherits it); restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_)
      ::setenv(name_, old_.c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

// Non-centered Eight Schools, static HMC, 64 chains in 4 superchains started uniform(-10, 10):
// warmup 5 cannot forget the starts, warmup 300 does. Two repeats; a few seconds in all.
const char* kStudy =
    "study eight_schools_noncentered --data data/eight_schools.json --algorithm hmc --chains 64 "
    "--warmup 5,300 --draws 50 --repeats 2 --superchains 4 --init 10 --seed 5 --threads 2 "
    "--reference data/reference/eight_schools_noncentered.json";

TEST(StudyCommand, ShortWarmupFlaggedLongWarmupConverged) {
  const std::string dir = scratch_dir("study_es");
  const auto r = run_lockstep(std::string(kStudy) + " --output " + dir + "/out", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = read_csv(dir + "/out/study.csv");
  ASSERT_EQ(rows.size(), 2u * 10u) << "2 configurations x 10 reference parameters";
  for (const char* col : {"algorithm", "chains", "warmup", "draws", "superchains", "repeats", "parameter",
                          "mean_bias", "mean_rmse", "sd_bias", "sd_rmse", "rhat", "nested_rhat", "ess_bulk",
                          "wall_seconds", "gradient_evaluations"})
    ASSERT_TRUE(rows[0].count(col)) << "missing column " << col;
  // The max over parameters, per warmup.
  std::map<int, double> max_nested, max_rmse;
  for (const Row& row : rows) {
    const int w = std::stoi(row.at("warmup"));
    EXPECT_EQ(row.at("chains"), "64");
    EXPECT_EQ(row.at("superchains"), "4");
    EXPECT_GT(num(row, "gradient_evaluations"), 64.0 * (w + 50));
    EXPECT_GT(num(row, "wall_seconds"), 0.0);
    max_nested[w] = std::max(max_nested[w], num(row, "nested_rhat"));
    max_rmse[w] = std::max(max_rmse[w], num(row, "mean_rmse"));
  }
  constexpr double kNestedThreshold = 1.01, kLargeError = 0.3, kSmallError = 0.15;
  EXPECT_GT(max_nested[5], kNestedThreshold) << "warmup 5 must be flagged";
  EXPECT_GT(max_rmse[5], kLargeError) << "warmup 5: RMSE of the mean in reference sd";
  EXPECT_LT(max_nested[300], kNestedThreshold) << "warmup 300 must pass";
  EXPECT_LT(max_rmse[300], kSmallError) << "warmup 300: RMSE of the mean in reference sd";
  // The plot is made: scripts/install_deps.sh installs python3-matplotlib, so a missing plot
  // here is a failure (the "Plot not made:" paths have their own test below).
  EXPECT_NE(r.out.find("Plot written to " + dir + "/out/study.svg"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Plot not made:"), std::string::npos) << r.out;
  expect_svg(dir + "/out/study.svg");
}

TEST(StudyCommand, SameSeedSameNumbers) {
  const std::string dir = scratch_dir("study_seed");
  const std::string args =
      "study std_normal --set dim=2 --chains 8 --warmup 20 --draws 20 --repeats 2 --seed 9 --threads 1 "
      "--reference " + dir + "/ref.json --output ";
  std::ofstream(dir + "/ref.json") << R"({"x[1]": {"mean": 0, "sd": 1}, "x[2]": {"mean": 0, "sd": 1}})";
  // No plot here (and its absence is one line): the script is pointed at a missing file.
  ::setenv("LOCKSTEP_PLOT_SCRIPT", (dir + "/no_such_script.py").c_str(), 1);
  const auto a = run_lockstep(args + dir + "/a", dir);
  const auto b = run_lockstep(args + dir + "/b", dir);
  ::unsetenv("LOCKSTEP_PLOT_SCRIPT");
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_NE(a.out.find("Plot not made: LOCKSTEP_PLOT_SCRIPT="), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("study.csv is complete"), std::string::npos) << a.out;
  auto strip_time = [](std::vector<Row> rows) {
    for (Row& r : rows) r.erase("wall_seconds");
    return rows;
  };
  const auto ra = read_csv(dir + "/a/study.csv");
  ASSERT_EQ(ra.size(), 2u);
  EXPECT_EQ(ra[0].at("superchains"), "4");  // default: 4 superchains when 4 divides every chain count
  EXPECT_EQ(strip_time(ra), strip_time(read_csv(dir + "/b/study.csv")));
}

// Every run of a study can be replayed alone: the header prints the repeats' seeds, which
// `sample --seed` takes, and the replay's mean is the one the study measured.
TEST(StudyCommand, ARepeatsSeedReplaysItWithSample) {
  const std::string dir = scratch_dir("study_replay");
  std::ofstream(dir + "/ref.json") << R"({"x[1]": {"mean": 0, "sd": 1}})";
  const auto st = run_lockstep("study std_normal --set dim=1 --chains 8 --warmup 20 --draws 20 --repeats 1 "
                               "--superchains 0 --seed 9 --no-plot --reference " + dir + "/ref.json --output " + dir +
                                   "/s",
                               dir);
  ASSERT_EQ(st.status, 0) << st.err;
  const std::string tag = "Repeat seeds (`lockstep sample ... --seed S` replays a run): 1: ";
  const std::size_t at = st.out.find(tag);
  ASSERT_NE(at, std::string::npos) << st.out;
  const std::string seed = st.out.substr(at + tag.size(), st.out.find('\n', at) - at - tag.size());
  const auto rows = read_csv(dir + "/s/study.csv");
  ASSERT_EQ(rows.size(), 1u);
  const auto replay = run_lockstep("sample std_normal --set dim=1 --chains 8 --warmup 20 --draws 20 --seed " + seed +
                                       " --quiet --summary " + dir + "/r.json",
                                   dir);
  ASSERT_EQ(replay.status, 0) << replay.err;
  const std::string json = read_file(dir + "/r.json");
  const std::size_t m = json.find("\"mean\":", json.find("\"x[1]\""));
  ASSERT_NE(m, std::string::npos) << json;
  const double mean = std::stod(json.substr(m + 7));
  // one repeat: mean_bias = (mean - 0) / 1, as study.csv prints it
  EXPECT_NEAR(num(rows[0], "mean_bias"), mean, 1e-5 * std::max(1.0, std::fabs(mean))) << "seed " << seed;
}

TEST(StudyCommand, WarmupZeroIsPlottedAndNoPlotRemovesAnEarlierPlot) {
  // --warmup 0 (the no-warmup baseline) on the plot's log axis: matplotlib dropped it and piled
  // the other ticks at one edge; the axis is linear up to the smallest positive warmup now.
  // Then the same folder with --no-plot: the first run's study.svg would stand beside a
  // study.csv it does not show (another algorithm here); it is removed.
  const std::string dir = scratch_dir("study_warmup0");
  std::ofstream(dir + "/ref.json") << R"({"x[1]": {"mean": 0, "sd": 1}, "x[2]": {"mean": 0, "sd": 1}})";
  const std::string args = "study std_normal --set dim=2 --chains 8 --warmup 0,20 --draws 20 --repeats 1 --seed 9 "
                           "--threads 1 --reference " + dir + "/ref.json --output " + dir + "/out";
  const auto plotted = run_lockstep(args, dir);
  ASSERT_EQ(plotted.status, 0) << plotted.err;
  EXPECT_NE(plotted.out.find("Plot written to"), std::string::npos) << plotted.out;
  expect_svg(dir + "/out/study.svg");
  const auto again = run_lockstep(args + " --algorithm hmc --no-plot", dir);
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(read_csv(dir + "/out/study.csv")[0].at("algorithm"), "hmc");
  EXPECT_FALSE(file_exists(dir + "/out/study.svg")) << "the nuts study's plot stayed beside the hmc study.csv";
}

// When the plot cannot be made, one line says why and study.csv is still complete: python3
// not on the PATH (the command runs `python3 scripts/plot_study.py ...` through /bin/sh, so
// an empty PATH makes the shell answer 127), and a python3 without matplotlib (a package
// named matplotlib that fails to import, first on PYTHONPATH).
TEST(StudyCommand, PlotNotMadeSaysWhyAndStillWritesTheCsv) {
  const std::string dir = scratch_dir("study_noplot");
  std::ofstream(dir + "/ref.json") << R"({"x[1]": {"mean": 0, "sd": 1}, "x[2]": {"mean": 0, "sd": 1}})";
  const std::string args =
      "study std_normal --set dim=2 --chains 8 --warmup 20 --draws 20 --repeats 1 --seed 9 --threads 1 "
      "--reference " + dir + "/ref.json --output ";
  ::mkdir((dir + "/empty_bin").c_str(), 0755);
  ::mkdir((dir + "/fake_py").c_str(), 0755);
  ::mkdir((dir + "/fake_py/matplotlib").c_str(), 0755);
  std::ofstream(dir + "/fake_py/matplotlib/__init__.py") << "raise ImportError('matplotlib hidden by the test')\n";
  struct Case {
    const char* name;
    const char* env;
    std::string value;
    const char* expected;  // the reason on the "Plot not made:" line
  };
  const std::vector<Case> cases = {
      {"no_python", "PATH", dir + "/empty_bin", "Plot not made: python3 was not found"},
      {"no_matplotlib", "PYTHONPATH", dir + "/fake_py", "Plot not made: matplotlib is not installed"},
  };
  for (const Case& c : cases) {
    const std::string out = dir + "/" + c.name;
    CliResult r;
    {
      const ScopedEnv env(c.env, c.value);
      r = run_lockstep(args + out, dir);
    }
    ASSERT_EQ(r.status, 0) << c.name << ": " << r.err;
    // One line: the reason, then that study.csv is complete.
    const std::size_t at = r.out.find("Plot not made:");
    ASSERT_NE(at, std::string::npos) << c.name << ": no 'Plot not made:' line in\n" << r.out;
    const std::string line = r.out.substr(at, r.out.find('\n', at) - at);
    EXPECT_EQ(line.rfind(c.expected, 0), 0u) << c.name << ": expected '" << c.expected << "', found: " << line;
    EXPECT_NE(line.find("; study.csv is complete"), std::string::npos) << c.name << ": " << line;
    EXPECT_EQ(r.out.find("Plot written to"), std::string::npos) << c.name << ":\n" << r.out;
    const auto rows = read_csv(out + "/study.csv");
    ASSERT_EQ(rows.size(), 2u) << c.name << ": study.csv has a row per reference parameter";
    EXPECT_EQ(rows[0].at("parameter"), "x[1]") << c.name;
    EXPECT_TRUE(std::isfinite(num(rows[1], "mean_rmse"))) << c.name;
    EXPECT_FALSE(file_exists(out + "/study.svg")) << c.name << ": a study.svg was written";
    EXPECT_FALSE(file_exists(out + "/study.svg.log")) << c.name << ": the plot log was left behind";
  }
}

struct BadStudy {
  const char* name;
  std::string args;      // {DIR} is the scratch directory
  const char* expected;  // substring of the one-line message
};

TEST(StudyCommand, BadInputOneLineExitTwo) {
  const std::string dir = scratch_dir("study_bad");
  std::ofstream(dir + "/ref.json") << R"({"mu": {"mean": 4.4, "sd": 3.3}})";
  std::ofstream(dir + "/ref_unknown.json") << R"({"mu": {"mean": 4.4, "sd": 3.3}, "sigma": {"mean": 1, "sd": 1}})";
  std::ofstream(dir + "/ref_nosd.json") << R"({"mu": {"mean": 4.4}})";
  std::ofstream(dir + "/ref_twice.json") << R"({"mu": {"mean": 4.4, "sd": 3.3}, "mu": {"mean": 0, "sd": 1}})";
  std::ofstream(dir + "/blocker") << "a file, not a directory";
  const std::string base = "study eight_schools_noncentered --data data/eight_schools.json --repeats 1 --draws 10 ";
  const std::string ok_ref = " --reference " + dir + "/ref.json";
  const std::string ok_out = " --output " + dir + "/out";
  const std::vector<BadStudy> cases = {
      {"chains_not_number", "--chains 16,abc --warmup 10" + ok_ref + ok_out, "--chains"},
      {"chains_zero", "--chains 0 --warmup 10" + ok_ref + ok_out, "--chains"},
      {"chains_empty", "--chains '' --warmup 10" + ok_ref + ok_out, "--chains"},
      {"warmup_trailing_comma", "--chains 8 --warmup 10," + ok_ref + ok_out, "--warmup"},
      {"warmup_not_number", "--chains 8 --warmup 1.5" + ok_ref + ok_out, "--warmup"},
      {"repeats_zero", "--chains 8 --warmup 10 --repeats 0" + ok_ref + ok_out, "--repeats"},
      {"steps_zero", "--chains 8 --warmup 10 --algorithm hmc --steps 0" + ok_ref + ok_out, "--steps"},
      {"warmup_negative", "--chains 8 --warmup 10,-5" + ok_ref + ok_out, "--warmup"},
      {"missing_reference", "--chains 8 --warmup 10" + ok_out, "--reference"},
      {"reference_not_found", "--chains 8 --warmup 10 --reference " + dir + "/nope.json" + ok_out, "--reference"},
      {"reference_unknown_param", "--chains 8 --warmup 10 --reference " + dir + "/ref_unknown.json" + ok_out,
       "'sigma'"},
      {"reference_no_sd", "--chains 8 --warmup 10 --reference " + dir + "/ref_nosd.json" + ok_out, "--reference"},
      {"superchains_not_dividing", "--chains 8,12 --warmup 10 --superchains 8" + ok_ref + ok_out, "--superchains"},
      {"algorithm_unknown", "--chains 8 --warmup 10 --algorithm gibbs" + ok_ref + ok_out, "--algorithm"},
      {"output_unwritable", "--chains 8 --warmup 10" + ok_ref + " --output " + dir + "/blocker/out", "--output"},
      // every configuration's flags are checked before the first runs: ChEES needs 2 chains
      {"chees_one_chain_last", "--chains 64,1 --warmup 10 --algorithm chees" + ok_ref + ok_out, "--chains"},
      {"reference_key_twice", "--chains 8 --warmup 10 --reference " + dir + "/ref_twice.json" + ok_out,
       "field 'mu' is given twice"},
  };
  for (const BadStudy& c : cases) {
    const auto r = run_lockstep(base + c.args, dir);
    EXPECT_EQ(r.status, 2) << c.name << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.name << ": expected '" << c.expected << "' in " << r.err;
    EXPECT_TRUE(read_file(dir + "/out/study.csv").empty()) << c.name << ": study.csv written";
    EXPECT_FALSE(std::filesystem::exists(dir + "/out")) << c.name << ": the output folder was made";
  }
}

}  // namespace
