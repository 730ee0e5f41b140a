// Every command that samples or summarizes reports its end-to-end time (process start to exit)
// beside the time of its sampler (issue 21), on screen and in its --summary JSON; the phases
// it names are parts of the whole.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/cli/cli_runner.hpp"

using lockstep::testing::read_file;
using lockstep::testing::run_lockstep;
using lockstep::testing::scratch_dir;

namespace {

TEST(EndToEndTime, SampleReportsItBesideWarmupAndSampling) {
  const std::string dir = scratch_dir("e2e_sample");
  const auto r = run_lockstep(
      "sample eight_schools_noncentered --data data/eight_schools.json --chains 8 --warmup 100 --draws 100 --seed 3 "
      "--quiet --output " + dir + "/es.csv --summary " + dir + "/s.json",
      dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("End to end: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("summary "), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(read_file(dir + "/s.json"));
  const double e2e = j.at("end_to_end_seconds"), load = j.at("load_seconds");
  const double run = j.at("warmup_seconds").get<double>() + j.at("sampling_seconds").get<double>();
  // the writer overlaps the summary; what it adds after the summary is a phase of its own
  EXPECT_GE(e2e, run + load + j.at("summary_seconds").get<double>() + j.at("writer_wait_seconds").get<double>());
  EXPECT_GE(j.at("write_seconds").get<double>(), 0.0);
  EXPECT_NE(r.out.find("waiting for the writer "), std::string::npos) << r.out;
  EXPECT_TRUE(j.at("chains").is_number_integer()) << j.at("chains");  // counts are integers: 8, not 8.0
  EXPECT_EQ(j.at("draws"), 100);
  // Without --output nothing is written: no writing phase, and null in the JSON.
  const auto bare = run_lockstep(
      "sample eight_schools_noncentered --data data/eight_schools.json --chains 8 --warmup 100 --draws 100 --seed 3 "
      "--quiet --summary " + dir + "/bare.json",
      dir);
  ASSERT_EQ(bare.status, 0) << bare.err;
  EXPECT_EQ(bare.out.find("writing"), std::string::npos) << bare.out;
  const auto jb = nlohmann::json::parse(read_file(dir + "/bare.json"));
  EXPECT_TRUE(jb.at("write_seconds").is_null()) << jb.at("write_seconds");
  EXPECT_TRUE(jb.at("writer_wait_seconds").is_null()) << jb.at("writer_wait_seconds");
}

TEST(EndToEndTime, EnsembleReportsItBesideSampling) {
  const std::string dir = scratch_dir("e2e_ensemble");
  const auto r = run_lockstep(
      "ensemble peak --data data/peak.csv --walkers 16 --steps 200 --init-ball 0.5,0.6,0.2,-0.2,0.1 --seed 2 --threads 1 "
      "--quiet --output " + dir + "/p.nc --summary " + dir + "/p.json",  // --quiet as on sample (it was refused)
      dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("End to end: "), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(read_file(dir + "/p.json"));
  EXPECT_EQ(j.at("model"), "peak");  // what the run was, as sample's summary says it
  EXPECT_EQ(j.at("seed"), 2);
  const double e2e = j.at("end_to_end_seconds");
  EXPECT_GE(e2e, j.at("seconds").get<double>() + j.at("report_seconds").get<double>() +
                     j.at("load_seconds").get<double>() + j.at("writer_wait_seconds").get<double>());
  EXPECT_GE(j.at("write_seconds").get<double>(), 0.0);
  EXPECT_NE(r.out.find("waiting for the writer "), std::string::npos) << r.out;
  // Without --output: no writing phase, and null in the JSON (as documented: not measured).
  const auto bare = run_lockstep(
      "ensemble peak --data data/peak.csv --walkers 16 --steps 200 --init-ball 0.5,0.6,0.2,-0.2,0.1 --seed 2 --threads 1 "
      "--quiet --summary " + dir + "/bare.json",
      dir);
  ASSERT_EQ(bare.status, 0) << bare.err;
  EXPECT_EQ(bare.out.find("writing"), std::string::npos) << bare.out;
  const auto jb = nlohmann::json::parse(read_file(dir + "/bare.json"));
  EXPECT_TRUE(jb.at("write_seconds").is_null()) << jb.at("write_seconds");
  EXPECT_TRUE(jb.at("writer_wait_seconds").is_null()) << jb.at("writer_wait_seconds");
}

TEST(EndToEndTime, SummaryOfFilesReportsIt) {
  const std::string dir = scratch_dir("e2e_summary");
  ASSERT_EQ(run_lockstep("sample eight_schools_noncentered --data data/eight_schools.json --chains 2 --warmup 50 "
                         "--draws 50 --seed 4 --quiet --output " + dir + "/es.csv",
                         dir)
                .status,
            0);
  const auto r = run_lockstep("summary " + dir + "/es_1.csv " + dir + "/es_2.csv --summary " + dir + "/s.json", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("End to end: "), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(read_file(dir + "/s.json"));
  EXPECT_GE(j.at("end_to_end_seconds").get<double>(),
            j.at("read_seconds").get<double>() + j.at("summary_seconds").get<double>());
}

}  // namespace
