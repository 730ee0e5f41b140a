// `lockstep sample --checkpoint FILE` and `lockstep resume FILE` (host/cli/checkpoints.hpp): a
// run stopped by Ctrl-C in a child process writes its checkpoint and its draws so far (marked
// incomplete) and says how to continue;
// `lockstep resume` finishes it, and its Stan CSV draws are the lines of the same run never
// interrupted; a run that completes removes its checkpoint; bad input is one line, exit 2.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "host/cli/checkpoints.hpp"
#include "host/run/checkpoint_file.hpp"
#include "tests/cli/cli_runner.hpp"

namespace lockstep {
namespace {

namespace fs = std::filesystem;
using testing::count_lines;
using testing::read_file;
using testing::run_lockstep;
using testing::scratch_dir;

using testing::data_lines;

// No warmup, so that the first draw is a sampling draw and Ctrl-C finds draws to write.
const std::string kRun =
    "sample std_normal --set dim=10 --chains 4 --warmup 0 --step-size 0.5 --draws 100000 --thin 50 --seed 3 --quiet";

TEST(CheckpointCommand, CtrlCWritesACheckpointAndResumeFinishesTheSameRun) {
  const std::string dir = scratch_dir("checkpoint_sigint");
  const std::string cmd = "cd '" + std::string(LOCKSTEP_SOURCE_DIR) + "' && LOCKSTEP_STAMP_FIRST_DRAW=1 '" +
                          LOCKSTEP_BINARY_DIR + "/lockstep' " + kRun + " --output '" + dir + "/x.csv' --checkpoint '" +
                          dir + "/c.ckpt' > '" + dir + "/out.txt' 2> '" + dir + "/err.txt' & pid=$!; " +
                          "for i in $(seq 600); do grep -q lockstep-first-draw '" + dir +
                          "/err.txt' 2>/dev/null && break; sleep 0.1; done; kill -INT $pid; wait $pid; echo $? > '" +
                          dir + "/rc.txt'";
  std::system(cmd.c_str());
  const std::string err = read_file(dir + "/err.txt");
  ASSERT_EQ(std::stoi(read_file(dir + "/rc.txt")), 130) << err;
  EXPECT_NE(err.find("lockstep: interrupted by SIGINT after iteration "), std::string::npos) << err;
  EXPECT_NE(err.find("checkpoint written to " + dir + "/c.ckpt (iteration "), std::string::npos) << err;
  EXPECT_NE(err.find("continue with `lockstep resume " + dir + "/c.ckpt`"), std::string::npos) << err;
  EXPECT_NE(err.find("draws per chain so far written to " + dir + "/x.csv, marked incomplete"), std::string::npos) << err;
  ASSERT_TRUE(fs::exists(dir + "/c.ckpt"));
  // The draws so far: marked incomplete, and `lockstep summary` says so.
  const std::string partial = read_file(dir + "/x_1.csv");
  EXPECT_NE(partial.find("#     incomplete = interrupted by SIGINT after iteration "), std::string::npos) << partial;
  const std::size_t seed_at = kRun.find("--seed ");
  ASSERT_NE(seed_at, std::string::npos);  // the run's seed, not 0
  EXPECT_NE(partial.find("# random\n#   seed = " + kRun.substr(seed_at + 7, kRun.find(' ', seed_at + 7) - seed_at - 7) + "\n"),
            std::string::npos)
      << partial;
  EXPECT_GE(count_lines(data_lines(partial)), 2);
  const auto summary = run_lockstep("summary " + dir + "/x_1.csv", dir);
  EXPECT_EQ(summary.status, 0) << summary.err;
  EXPECT_NE(summary.out.find("Warning: an interrupted run's draws so far"), std::string::npos) << summary.out;

  const auto resumed = run_lockstep("resume " + dir + "/c.ckpt", dir);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_FALSE(fs::exists(dir + "/c.ckpt")) << "a completed run removes its checkpoint";
  EXPECT_NE(resumed.out.find("Checkpoint " + dir + "/c.ckpt removed"), std::string::npos) << resumed.out;

  const auto whole = run_lockstep(kRun + " --output " + dir + "/y.csv", dir);
  ASSERT_EQ(whole.status, 0) << whole.err;
  for (int c = 1; c <= 4; ++c) {
    const std::string x = data_lines(read_file(dir + "/x_" + std::to_string(c) + ".csv"));
    EXPECT_EQ(count_lines(x), 2001) << "chain " << c;
    EXPECT_EQ(x, data_lines(read_file(dir + "/y_" + std::to_string(c) + ".csv"))) << "chain " << c;
  }
}

TEST(CheckpointCommand, ARunWithCheckpointsEveryBoundaryDrawsWhatOneWithoutDoes) {
  const std::string dir = scratch_dir("checkpoint_every");
  const std::string run = "sample eight_schools_noncentered --data data/eight_schools.json --chains 4 --warmup 300 "
                          "--draws 200 --seed 8 --quiet --algorithm hmc";
  const auto with = run_lockstep(run + " --output " + dir + "/a.csv --checkpoint " + dir + "/c.ckpt --checkpoint-every 0", dir);
  ASSERT_EQ(with.status, 0) << with.err;
  const auto without = run_lockstep(run + " --output " + dir + "/b.csv", dir);
  ASSERT_EQ(without.status, 0) << without.err;
  EXPECT_EQ(data_lines(read_file(dir + "/a_1.csv")), data_lines(read_file(dir + "/b_1.csv")));
  EXPECT_FALSE(fs::exists(dir + "/c.ckpt"));
}

/// Runs `lockstep ARGS --checkpoint DIR/c.ckpt --checkpoint-every 0` in a child process and
/// sends it SIGINT as soon as the checkpoint exists (polled every 10 ms, at most `polls` times);
/// its exit status goes to DIR/rc.txt, its output to DIR/out.txt; returns its standard error.
std::string interrupt_at_first_checkpoint(const std::string& args, const std::string& dir, int polls) {
  const std::string cmd = "cd '" + std::string(LOCKSTEP_SOURCE_DIR) + "' && '" + LOCKSTEP_BINARY_DIR + "/lockstep' " +
                          args + " --checkpoint '" + dir + "/c.ckpt' --checkpoint-every 0 > '" + dir +
                          "/out.txt' 2> '" + dir + "/err.txt' & pid=$!; for i in $(seq " + std::to_string(polls) +
                          "); do [ -f '" + dir + "/c.ckpt' ] && break; sleep 0.01; done; kill -INT $pid; wait $pid; " +
                          "echo $? > '" + dir + "/rc.txt'";
  std::system(cmd.c_str());
  return read_file(dir + "/err.txt");
}

TEST(CheckpointCommand, EnsembleCtrlCThenResumeWritesTheUninterruptedDraws) {
  const std::string dir = scratch_dir("checkpoint_ensemble");
  // a checkpoint every 50 steps (--checkpoint-every 0), and Ctrl-C as soon as the first exists
  const std::string run = "ensemble peak --data data/peak.csv --walkers 32 --steps 6000 --thin 20 --seed 8";
  const auto whole = run_lockstep(run + " --output '" + dir + "/whole.csv'", dir);
  ASSERT_EQ(whole.status, 0) << whole.err;
  const std::string err = interrupt_at_first_checkpoint(run + " --output '" + dir + "/x.csv'", dir, 600);
  ASSERT_EQ(std::stoi(read_file(dir + "/rc.txt")), 130) << err;
  EXPECT_NE(err.find("continue with `lockstep resume " + dir + "/c.ckpt`"), std::string::npos) << err;
  const auto resumed = run_lockstep("resume '" + dir + "/c.ckpt'", dir);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("Checkpoint " + dir + "/c.ckpt removed"), std::string::npos) << resumed.out;
  for (int w : {1, 17, 32}) {
    const std::string a = data_lines(read_file(dir + "/whole_" + std::to_string(w) + ".csv"));
    ASSERT_GT(count_lines(a), 250) << w;
    EXPECT_EQ(a, data_lines(read_file(dir + "/x_" + std::to_string(w) + ".csv"))) << "walker " << w;
  }
}

/// study.csv without its wall_seconds column (the one number a resumed study measures anew).
std::string without_wall_seconds(const std::string& csv) {
  std::string out, line;
  std::istringstream in(csv);
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    for (std::size_t i = 0; i < cells.size(); ++i)
      if (i != 14) out += cells[i] + (i + 1 < cells.size() ? "," : "");
    out += "\n";
  }
  return out;
}

TEST(CheckpointCommand, StudyCtrlCThenResumeWritesTheUninterruptedStudy) {
  const std::string dir = scratch_dir("checkpoint_study");
  // 40 runs of 256 chains with a checkpoint after every run: Ctrl-C comes as soon as the first
  // checkpoint exists, long before the last run.
  const std::string run = "study eight_schools_noncentered --data data/eight_schools.json --algorithm hmc "
                          "--chains 128,256 --warmup 100,200 --repeats 10 --draws 100 --seed 5 "
                          "--reference data/reference/eight_schools_noncentered.json";
  const auto whole = run_lockstep(run + " --output '" + dir + "/whole'", dir);
  ASSERT_EQ(whole.status, 0) << whole.err;
  const std::string err = interrupt_at_first_checkpoint(run + " --output '" + dir + "/x'", dir, 3000);
  ASSERT_EQ(std::stoi(read_file(dir + "/rc.txt")), 130) << err;
  EXPECT_NE(err.find("checkpoint written to " + dir + "/c.ckpt ("), std::string::npos) << err;
  EXPECT_NE(err.find(" done): continue with"), std::string::npos) << err;
  EXPECT_NE(err.find("continue with `lockstep resume " + dir + "/c.ckpt`"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir + "/x/study.csv")) << "an interrupted study writes no study.csv";
  const io::CheckpointFile saved = io::read_checkpoint(dir + "/c.ckpt");
  EXPECT_EQ(saved.snapshot.sampler, "study");
  EXPECT_GE(saved.snapshot.next_iteration, 1);
  EXPECT_LT(saved.snapshot.next_iteration, 40) << "the study ended before Ctrl-C: make its runs longer";

  const auto resumed = run_lockstep("resume '" + dir + "/c.ckpt'", dir);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("Checkpoint " + dir + "/c.ckpt removed"), std::string::npos) << resumed.out;
  EXPECT_FALSE(fs::exists(dir + "/c.ckpt"));
  const std::string a = without_wall_seconds(read_file(dir + "/whole/study.csv"));
  EXPECT_EQ(count_lines(a), 1 + 4 * 10) << a;  // header + 4 configurations x 10 parameters
  EXPECT_EQ(a, without_wall_seconds(read_file(dir + "/x/study.csv")));
}

TEST(CheckpointCommand, StudyWithCheckpointsAfterEveryRunWritesWhatOneWithoutDoes) {
  const std::string dir = scratch_dir("checkpoint_study_every");
  const std::string run = "study eight_schools_noncentered --data data/eight_schools.json --algorithm nuts "
                          "--chains 16 --warmup 50,100 --repeats 2 --draws 50 --seed 6 "
                          "--reference data/reference/eight_schools_noncentered.json";
  const auto with = run_lockstep(run + " --output '" + dir + "/a' --checkpoint '" + dir + "/c.ckpt' --checkpoint-every 0", dir);
  ASSERT_EQ(with.status, 0) << with.err;
  const auto without = run_lockstep(run + " --output '" + dir + "/b'", dir);
  ASSERT_EQ(without.status, 0) << without.err;
  EXPECT_EQ(without_wall_seconds(read_file(dir + "/a/study.csv")), without_wall_seconds(read_file(dir + "/b/study.csv")));
  EXPECT_FALSE(fs::exists(dir + "/c.ckpt"));
}

TEST(CheckpointCommand, SbcCtrlCThenResumeWritesTheUninterruptedRanks) {
  const std::string dir = scratch_dir("checkpoint_sbc");
  // 30 batches of 2 replicates with a checkpoint after every batch: Ctrl-C comes as soon as the
  // first checkpoint exists, long before the last batch.
  const std::string run = "sbc eight_schools_noncentered --data data/eight_schools.json --replicates 60 --batch 2 "
                          "--chains 2 --warmup 300 --draws 200 --ranks 100 --seed 9 --algorithm hmc --steps 8 --quiet";
  const auto whole = run_lockstep(run + " --output '" + dir + "/whole'", dir);
  ASSERT_EQ(whole.status, 0) << whole.err;
  const std::string err = interrupt_at_first_checkpoint(run + " --output '" + dir + "/x'", dir, 3000);
  ASSERT_EQ(std::stoi(read_file(dir + "/rc.txt")), 130) << err;
  EXPECT_NE(err.find(" replicates fitted): continue with `lockstep resume " + dir + "/c.ckpt`"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir + "/x/ranks.csv")) << "an interrupted sbc run writes no ranks.csv";
  const io::CheckpointFile saved = io::read_checkpoint(dir + "/c.ckpt");
  EXPECT_EQ(saved.snapshot.sampler, "sbc");
  EXPECT_EQ(saved.snapshot.n_chains, 2) << "the batch size";
  EXPECT_LT(saved.snapshot.next_iteration, 60) << "the run ended before Ctrl-C: make its batches longer";

  const auto resumed = run_lockstep("resume '" + dir + "/c.ckpt'", dir);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("Checkpoint " + dir + "/c.ckpt removed"), std::string::npos) << resumed.out;
  const std::string a = read_file(dir + "/whole/ranks.csv");
  EXPECT_EQ(count_lines(a), 1 + 60 * 10);
  EXPECT_EQ(a, read_file(dir + "/x/ranks.csv"));
  const std::string fits = read_file(dir + "/whole/replicates.csv");  // each fit's checks survive the checkpoint
  EXPECT_EQ(count_lines(fits), 1 + 60);
  EXPECT_EQ(fits, read_file(dir + "/x/replicates.csv"));
}

/// The loss CSV of npe without its seconds column (the 4th): what a resumed run must reproduce.
std::string loss_without_seconds(const std::string& csv) {
  std::istringstream in(csv);
  std::string line, out;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    for (std::size_t k = 0; k < f.size(); ++k)
      if (k != 3) out += f[k] + (k + 1 < f.size() ? "," : "");
    out += "\n";
  }
  return out;
}

TEST(CheckpointCommand, NpeCtrlCThenResumeTrainsTheUninterruptedNetwork) {
  const std::string dir = scratch_dir("checkpoint_npe");
  // About 130 epochs with a checkpoint after every one: Ctrl-C comes as soon as the first
  // exists. The resumed run simulates again and trains on from there.
  const std::string run = "npe peak --data data/peak.csv --set prior=sbi --sims 5000 --draws 300 --seed 3 --quiet";
  const auto whole = run_lockstep(run + " --output '" + dir + "/whole.csv'", dir);
  ASSERT_EQ(whole.status, 0) << whole.err;
  const std::string err = interrupt_at_first_checkpoint(run + " --output '" + dir + "/x.csv'", dir, 3000);
  ASSERT_EQ(std::stoi(read_file(dir + "/rc.txt")), 130) << err;
  EXPECT_NE(err.find(" epochs trained): continue with `lockstep resume " + dir + "/c.ckpt`"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir + "/x_1.csv")) << "an interrupted npe run writes no draws";
  const io::CheckpointFile saved = io::read_checkpoint(dir + "/c.ckpt");
  EXPECT_EQ(saved.snapshot.sampler, "npe");
  EXPECT_GE(saved.snapshot.next_iteration, 1);
  EXPECT_LT(saved.snapshot.next_iteration, 100) << "training ended before Ctrl-C: give it more simulations";

  const auto resumed = run_lockstep("resume '" + dir + "/c.ckpt'", dir);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("Checkpoint " + dir + "/c.ckpt removed"), std::string::npos) << resumed.out;
  EXPECT_EQ(data_lines(read_file(dir + "/whole_1.csv")), data_lines(read_file(dir + "/x_1.csv")));
  const std::string loss = loss_without_seconds(read_file(dir + "/whole_loss.csv"));
  EXPECT_GT(static_cast<long>(count_lines(loss)), 1 + saved.snapshot.next_iteration);
  EXPECT_EQ(loss, loss_without_seconds(read_file(dir + "/x_loss.csv")));
}

TEST(CheckpointCommand, ViCtrlCThenResumeWritesTheUninterruptedFit) {
  const std::string dir = scratch_dir("checkpoint_vi");
  // Two full-rank fits for 3000 steps (no early stop), a checkpoint after every step (a few ms
  // each: the run lasts seconds): Ctrl-C comes as soon as the first exists; the resumed run
  // continues every fit's Adam state, its stopping rule and the ELBO trace.
  const std::string run = "vi eight_schools_noncentered --data data/eight_schools.json --approx fullrank --fits 2 "
                          "--steps 3000 --tol-rel-obj 0 --draws 500 --seed 4 --quiet";
  const auto whole = run_lockstep(run + " --output '" + dir + "/whole.csv' --elbo '" + dir + "/whole_elbo.csv'", dir);
  ASSERT_EQ(whole.status, 0) << whole.err;
  const std::string err =
      interrupt_at_first_checkpoint(run + " --output '" + dir + "/x.csv' --elbo '" + dir + "/x_elbo.csv'", dir, 3000);
  ASSERT_EQ(std::stoi(read_file(dir + "/rc.txt")), 130) << err;
  EXPECT_NE(err.find(" steps done): continue with `lockstep resume " + dir + "/c.ckpt`"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir + "/x_1.csv")) << "an interrupted vi run writes no draws";
  const io::CheckpointFile saved = io::read_checkpoint(dir + "/c.ckpt");
  EXPECT_EQ(saved.snapshot.sampler, "vi");
  EXPECT_GE(saved.snapshot.next_iteration, 1);
  EXPECT_LT(saved.snapshot.next_iteration, 3000) << "the fits ended before Ctrl-C: give them more steps";

  const auto resumed = run_lockstep("resume '" + dir + "/c.ckpt'", dir);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("Checkpoint " + dir + "/c.ckpt removed"), std::string::npos) << resumed.out;
  const std::string a = data_lines(read_file(dir + "/whole_1.csv"));
  ASSERT_GT(count_lines(a), 400);
  EXPECT_EQ(a, data_lines(read_file(dir + "/x_1.csv")));
  const std::string trace = read_file(dir + "/whole_elbo.csv");
  EXPECT_EQ(count_lines(trace), 1 + 2 * 30) << "an ELBO estimate every 100 steps for both fits";
  EXPECT_EQ(trace, read_file(dir + "/x_elbo.csv"));
}

TEST(CheckpointCommand, SmcAbcCtrlCThenResumeWritesTheUninterruptedPopulation) {
  const std::string dir = scratch_dir("checkpoint_smc_abc");
  // About 20 generations with a checkpoint after every one: Ctrl-C comes as soon as the first
  // (after the prior's generation) exists.
  const std::string run = "smc-abc peak --data data/peak.csv --set prior=sbi --sims 500000 --particles 1000 --seed 5";
  const auto whole = run_lockstep(run + " --output '" + dir + "/whole.csv'", dir);
  ASSERT_EQ(whole.status, 0) << whole.err;
  const std::string err = interrupt_at_first_checkpoint(run + " --output '" + dir + "/x.csv'", dir, 3000);
  ASSERT_EQ(std::stoi(read_file(dir + "/rc.txt")), 130) << err;
  EXPECT_NE(err.find(" after the prior's done): continue with `lockstep resume " + dir + "/c.ckpt`"), std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(dir + "/x_1.csv")) << "an interrupted smc-abc run writes no draws";
  const io::CheckpointFile saved = io::read_checkpoint(dir + "/c.ckpt");
  EXPECT_EQ(saved.snapshot.sampler, "smc-abc");
  EXPECT_LT(saved.snapshot.next_iteration, 15) << "the run ended before Ctrl-C: give it a larger budget";

  const auto resumed = run_lockstep("resume '" + dir + "/c.ckpt'", dir);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("Checkpoint " + dir + "/c.ckpt removed"), std::string::npos) << resumed.out;
  EXPECT_EQ(data_lines(read_file(dir + "/whole_1.csv")), data_lines(read_file(dir + "/x_1.csv")));
  const std::string schedule = read_file(dir + "/whole_schedule.csv");
  EXPECT_GT(static_cast<long>(count_lines(schedule)), 2 + saved.snapshot.next_iteration);
  EXPECT_EQ(schedule, read_file(dir + "/x_schedule.csv"));
}

TEST(CheckpointCommand, AbcCtrlCThenResumeKeepsTheUninterruptedNearest) {
  const std::string dir = scratch_dir("checkpoint_abc");
  // Three chunks of about a million simulations; Ctrl-C comes as soon as the first is done.
  const std::string run = "abc peak --data data/peak.csv --set prior=sbi --sims 3000000 --keep 300 --seed 5";
  const auto whole = run_lockstep(run + " --output '" + dir + "/whole.csv'", dir);
  ASSERT_EQ(whole.status, 0) << whole.err;
  const std::string err = interrupt_at_first_checkpoint(run + " --output '" + dir + "/x.csv'", dir, 3000);
  ASSERT_EQ(std::stoi(read_file(dir + "/rc.txt")), 130) << err;
  EXPECT_NE(err.find(" simulations done): continue with `lockstep resume " + dir + "/c.ckpt`"), std::string::npos) << err;
  const io::CheckpointFile saved = io::read_checkpoint(dir + "/c.ckpt");
  EXPECT_EQ(saved.snapshot.sampler, "abc");
  EXPECT_GT(saved.snapshot.next_iteration, 0);
  EXPECT_LT(saved.snapshot.next_iteration, 3000000);

  const auto resumed = run_lockstep("resume '" + dir + "/c.ckpt'", dir);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("Checkpoint " + dir + "/c.ckpt removed"), std::string::npos) << resumed.out;
  EXPECT_EQ(count_lines(data_lines(read_file(dir + "/whole_1.csv"))), 1 + 300);
  EXPECT_EQ(data_lines(read_file(dir + "/whole_1.csv")), data_lines(read_file(dir + "/x_1.csv")));
}

TEST(CheckpointCommand, BadInputIsOneLineExitTwo) {
  const std::string dir = scratch_dir("checkpoint_bad");
  // A checkpoint whose data file has changed since.
  const std::string data = dir + "/es.json";
  fs::copy_file(std::string(LOCKSTEP_SOURCE_DIR) + "/data/eight_schools.json", data, fs::copy_options::overwrite_existing);
  io::CheckpointFile c;
  c.version = "0.2.0";
  c.build = io::build_identity();
  c.args = {"sample", "eight_schools_noncentered", "--data", data, "--checkpoint", dir + "/old.ckpt", "--quiet"};
  c.model = "eight_schools_noncentered";
  c.data_file = data;
  c.data_hash = io::fnv1a64(read_file(data)) + 1;
  io::write_checkpoint(dir + "/changed.ckpt", c);
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"resume", "resume: give the checkpoint file and nothing else (lockstep resume FILE)"},
      {"resume a.ckpt --quiet", "resume: give the checkpoint file and nothing else (lockstep resume FILE)"},
      {"resume data/eight_schools.json", "data/eight_schools.json: not a lockstep checkpoint"},
      {"resume " + dir + "/changed.ckpt",
       "resume: " + data + " has changed since the checkpoint was written (its checksum differs)"},
      {"sample eight_schools_noncentered --data data/eight_schools.json --checkpoint data/eight_schools.json",
       "--checkpoint data/eight_schools.json: is an input of this run"},
      {"sample eight_schools_noncentered --data data/eight_schools.json --checkpoint " + dir + "/no/such/c",
       "--checkpoint " + dir + "/no/such/c: cannot write: directory '" + dir + "/no/such' does not exist"},
      {"sample eight_schools_noncentered --data data/eight_schools.json --checkpoint " + dir +
           "/c --checkpoint-every -1",
       "--checkpoint-every: must be a number of seconds >= 0"},
      {"study eight_schools_noncentered --data data/eight_schools.json --chains 8 --warmup 10 --repeats 1 "
       "--reference data/reference/eight_schools_noncentered.json --output " + dir + "/s --checkpoint " + dir +
           "/c --checkpoint-every -1",
       "--checkpoint-every: must be a number of seconds >= 0"},
      {"npe peak --data data/peak.csv --sims 2000 --checkpoint " + dir + "/c --checkpoint-every -1",
       "--checkpoint-every: must be a number of seconds >= 0"},
      {"npe peak --data data/peak.csv --load-net " + dir + "/net.json --checkpoint " + dir + "/c",
       "--checkpoint: a run with --load-net trains nothing to checkpoint"},
      {"smc-abc peak --data data/peak.csv --sims 10000 --particles 100 --checkpoint " + dir + "/c --checkpoint-every -1",
       "--checkpoint-every: must be a number of seconds >= 0"},
      // a device is no checkpoint, and is refused before it is read without end
      {"resume /dev/zero", "/dev/zero: not a regular file, so not a lockstep checkpoint"},
      // a bad value is refused even without --checkpoint (it was silently unused)
      {"vi eight_schools_noncentered --data data/eight_schools.json --steps 50 --checkpoint-every nan",
       "--checkpoint-every: must be a number of seconds >= 0"},
      {"npe peak --data data/peak.csv --sims 2000 --checkpoint-every -1",
       "--checkpoint-every: must be a number of seconds >= 0"},
  };
  for (const Case& k : cases) {
    const auto r = run_lockstep(k.args, dir);
    EXPECT_EQ(r.status, 2) << k.args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("lockstep: error: " + k.message, 0), 0u) << k.args << "\n" << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << k.args;
  }
}

TEST(CheckpointCommand, ResumeHasHelpNamingEveryCommandItContinues) {
  const std::string dir = scratch_dir("checkpoint_help");
  const auto r = run_lockstep("resume --help", dir);
  EXPECT_EQ(r.status, 0) << r.err;
  for (const char* command : {"`sample`", "`ensemble`", "`study`", "`sbc`", "`vi`", "`npe`", "`abc`", "`smc-abc`"})
    EXPECT_NE(r.out.find(command), std::string::npos) << command << " in: " << r.out;
}

/// --checkpoint-every 0 asks for a snapshot at every boundary, but each holds the draws so far:
/// snapshots wait 9 times the last one's cost, so they never take more than a tenth of the run.
TEST(CheckpointCommand, SnapshotsWaitNineTimesWhatTheLastOneCost) {
  EXPECT_TRUE(cli::checkpoint_due(0.0, 0.0, 0.0));       // the first one: at the first boundary
  EXPECT_FALSE(cli::checkpoint_due(0.5, 0.0, 0.1));      // 0.1 s to write: not before 0.9 s
  EXPECT_TRUE(cli::checkpoint_due(0.9, 0.0, 0.1));
  EXPECT_FALSE(cli::checkpoint_due(50.0, 60.0, 0.1));    // --checkpoint-every 60 still rules
  EXPECT_TRUE(cli::checkpoint_due(60.0, 60.0, 0.1));
  EXPECT_FALSE(cli::checkpoint_due(60.0, 60.0, 10.0));   // a 10 s snapshot: 90 s apart
}

/// The command typed again after Ctrl-C, instead of `lockstep resume`, must not start over and
/// replace the unfinished run's checkpoint (nor may another run write over any file there).
TEST(CheckpointCommand, ANewRunRefusesAFileWhereItsCheckpointWouldGo) {
  const std::string dir = scratch_dir("checkpoint_exists");
  const std::string ckpt = dir + "/c.ckpt";
  { std::ofstream(ckpt) << "an unfinished run's checkpoint"; }
  for (const std::string& args :
       {std::string("sample eight_schools_noncentered --data data/eight_schools.json --chains 4 --quiet"),
        std::string("ensemble peak --data data/peak.csv --walkers 32 --steps 100 --quiet")}) {
    const auto r = run_lockstep(args + " --checkpoint " + ckpt, dir);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
    EXPECT_EQ(r.err, "lockstep: error: --checkpoint " + ckpt + ": the file exists; if it is the checkpoint of an "
                     "unfinished run, continue it with `lockstep resume " + ckpt + "`, or delete it to start a new run "
                     "there\n")
        << args;
    EXPECT_EQ(read_file(ckpt), "an unfinished run's checkpoint") << args;
  }
}

/// A temporary a SIGKILLed run left beside its checkpoint (FILE.tmp-PID of a process that no
/// longer exists) goes when a run completes; a live process's stays.
TEST(CheckpointCommand, ACompletedRunRemovesTheTemporariesOfKilledOnes) {
  const std::string dir = scratch_dir("checkpoint_stale");
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  waitpid(child, nullptr, 0);  // a process id that no longer exists
  const std::string ckpt = dir + "/c.ckpt";
  const std::string stale = ckpt + ".tmp-" + std::to_string(child), live = ckpt + ".tmp-" + std::to_string(getpid());
  { std::ofstream(stale) << ""; }
  { std::ofstream(live) << ""; }
  const auto r = run_lockstep("sample eight_schools_noncentered --data data/eight_schools.json --chains 4 --quiet "
                              "--checkpoint " + ckpt, dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(fs::exists(ckpt));
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));
  fs::remove(live);
}

}  // namespace
}  // namespace lockstep
