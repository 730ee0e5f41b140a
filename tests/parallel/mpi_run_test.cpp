// Runs split over MPI ranks (host/parallel/ranks.hpp): `mpirun -np R lockstep ...` must write
// what one process writes with the same seed — bit for bit for the draws of NUTS, HMC, ChEES
// (per-chain and pooled adaptation, diagonal and dense metrics) and the ensemble, the same
// study.csv (but for wall times) and the same SBC ranks — and must end, with a message naming the
// rank, when a rank fails or dies. `sample` and `ensemble` with --checkpoint, stopped by Ctrl-C
// (mpirun's SIGTERM to every rank) and resumed with `mpirun -np R lockstep resume FILE`, write the
// uninterrupted run's draws, and `study` and `sbc` the uninterrupted study.csv and ranks.csv;
// resuming with another rank count or mismatched rank files is refused. Built where the build has MPI (CMake: LOCKSTEP_BUILD_MPI);
// mpirun is MPIEXEC_EXECUTABLE of CMake's FindMPI, run with --oversubscribe (2 cores here).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli/cli_runner.hpp"
#include "tests/temp_dir.hpp"

namespace lockstep {
namespace testing {
namespace {

/// The environment that lets Open MPI run as root (containers, CI) and oversubscribe the cores.
constexpr const char* kMpiEnv = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 ";

/// Runs the shell command `cmd` with its output in dir/mpi_stdout.txt and dir/mpi_stderr.txt.
CliResult run_captured(const std::string& cmd, const std::string& dir) {
  const std::string out = dir + "/mpi_stdout.txt", err = dir + "/mpi_stderr.txt";
  const int raw = std::system((cmd + " > '" + out + "' 2> '" + err + "' < /dev/null").c_str());
  CliResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

/// `mpirun -np R lockstep ARGS` from the source directory.
CliResult run_mpi(int ranks, const std::string& args, const std::string& dir, const std::string& env = "") {
  return run_captured(std::string("cd '") + LOCKSTEP_SOURCE_DIR + "' && " + env + kMpiEnv + "'" + LOCKSTEP_MPIEXEC + "' " +
                          LOCKSTEP_MPIEXEC_NUMPROC_FLAG + " " + std::to_string(ranks) + " '" + LOCKSTEP_BINARY_DIR +
                          "/lockstep' " + args,
                      dir);
}

/// A Stan CSV file without its comment lines (which hold timings and file names).
std::string csv_rows(const std::string& path) {
  std::ifstream f(path);
  std::string line, rows;
  while (std::getline(f, line))
    if (line.empty() || line[0] != '#') rows += line + "\n";
  return rows;
}

/// The adaptation comments of a Stan CSV file (step size, inverse metric): the comment lines
/// from "# Adaptation terminated" to the first draw.
std::string adaptation(const std::string& path) {
  std::ifstream f(path);
  std::string line, out;
  bool in = false;
  while (std::getline(f, line)) {
    if (line.rfind("# Adaptation terminated", 0) == 0) in = true;
    if (in && (line.empty() || line[0] != '#')) break;
    if (in) out += line + "\n";
  }
  return out;
}

constexpr const char* kSample =
    "sample eight_schools_noncentered --data data/eight_schools.json --warmup 150 --draws 60 --seed 11 "
    "--threads 1 --quiet ";

/// One process and R ranks, same seed: every chain's draws (12 chains: ranges off tree_sum's
/// blocks, the ranks exchange every chain's terms) or the chains around the ranks' boundary
/// (600 chains over 2 ranks: 256 + 344, block partials cross) equal byte for byte.
void expect_same_draws(const std::string& algorithm_flags, int ranks, const std::string& name, int chains = 12) {
  const std::string dir = scratch_dir("mpi_" + name);
  const std::string run = std::string(kSample) + "--chains " + std::to_string(chains) + " " + algorithm_flags;
  const auto one = run_lockstep(run + " --output " + dir + "/one.csv", dir);
  ASSERT_EQ(one.status, 0) << one.err;
  const auto split = run_mpi(ranks, run + " --output " + dir + "/split.csv", dir);
  ASSERT_EQ(split.status, 0) << split.err << split.out;
  EXPECT_NE(split.out.find("MPI: " + std::to_string(ranks) + " ranks"), std::string::npos) << split.out;
  std::vector<int> compared;
  for (int c = 1; c <= chains; ++c)
    if (chains <= 12 || c <= 2 || (c >= 255 && c <= 258) || c >= chains - 1) compared.push_back(c);
  for (int c : compared) {
    const std::string a = dir + "/one_" + std::to_string(c) + ".csv", b = dir + "/split_" + std::to_string(c) + ".csv";
    const std::string ra = csv_rows(a);
    ASSERT_GT(ra.size(), 1000u) << a;
    EXPECT_EQ(ra, csv_rows(b)) << algorithm_flags << ": chain " << c << " differs between 1 process and " << ranks
                               << " ranks";
    EXPECT_EQ(adaptation(a), adaptation(b)) << algorithm_flags << ": chain " << c << "'s adaptation differs";
  }
}

TEST(MpiRun, NutsPerChainAdaptationGivesTheOneProcessDraws) { expect_same_draws("", 2, "nuts"); }
TEST(MpiRun, NutsPooledAdaptationGivesTheOneProcessDraws) { expect_same_draws("--pool-adaptation", 2, "nuts_pooled"); }
TEST(MpiRun, NutsDensePooledOverThreeRanksGivesTheOneProcessDraws) {
  expect_same_draws("--metric dense --pool-adaptation", 3, "nuts_dense");
}
TEST(MpiRun, HmcPooledAdaptationGivesTheOneProcessDraws) {
  expect_same_draws("--algorithm hmc --pool-adaptation", 2, "hmc_pooled");
}
TEST(MpiRun, HmcPerChainAdaptationGivesTheOneProcessDraws) { expect_same_draws("--algorithm hmc", 2, "hmc"); }
TEST(MpiRun, CheesGivesTheOneProcessDraws) { expect_same_draws("--algorithm chees", 2, "chees"); }
TEST(MpiRun, CheesWithOneChainOnARankGivesTheOneProcessDraws) {
  // 3 chains over 2 ranks: a rank holds one chain; ChEES needs 2 in the whole run, not per rank
  expect_same_draws("--algorithm chees", 2, "chees_three", 3);
}
TEST(MpiRun, NutsPooledOnTreeBlockBoundariesGivesTheOneProcessDraws) {
  expect_same_draws("--pool-adaptation", 2, "nuts_pooled_blocks", 600);
}
TEST(MpiRun, CheesOnTreeBlockBoundariesGivesTheOneProcessDraws) {
  expect_same_draws("--algorithm chees", 2, "chees_blocks", 600);
}

// ChEES's warmup restarts stalled chains from other chains' states, chosen among every chain of
// the run (host/algorithms/chees/stalled_chains.hpp): radon from Stan's default start, 16 chains
// over 2 ranks, seed 3, restarts 3 chains, the same ones from the same donors as one process.
TEST(MpiRun, CheesRestartingStalledChainsGivesTheOneProcessDraws) {
  const std::string dir = scratch_dir("mpi_chees_restarts");
  const std::string run = "sample glmm --data data/radon_mn.csv --formula 'log_radon ~ 1 + floor + (1 | county)' "
                          "--algorithm chees --chains 16 --warmup 200 --draws 50 --seed 3 --threads 1 --quiet ";
  const auto one = run_lockstep(run + "--output " + dir + "/one.csv", dir);
  ASSERT_EQ(one.status, 0) << one.err;
  const auto split = run_mpi(2, run + "--output " + dir + "/split.csv", dir);
  ASSERT_EQ(split.status, 0) << split.err << split.out;
  const std::string restarted = "Warmup restarted 3 stalled chains";
  EXPECT_NE(one.out.find(restarted), std::string::npos) << one.out;
  EXPECT_NE(split.out.find(restarted), std::string::npos) << split.out;
  for (int c = 1; c <= 16; ++c) {
    const std::string rows = csv_rows(dir + "/one_" + std::to_string(c) + ".csv");
    ASSERT_GT(rows.size(), 1000u) << "chain " << c;
    EXPECT_EQ(rows, csv_rows(dir + "/split_" + std::to_string(c) + ".csv"))
        << "chain " << c << " differs between 1 process and 2 ranks";
  }
}

TEST(MpiRun, EnsembleGivesTheOneProcessDraws) {
  const std::string dir = scratch_dir("mpi_ensemble");
  // 200 walkers: 100 half positions, whole lanes on each of the 2 ranks; every move kind.
  const std::string args =
      "ensemble peak --data data/peak.csv --walkers 200 --steps 200 --seed 5 --threads 1 "
      "--move stretch:0.5,de:0.3,walk:0.2 --output ";
  const auto one = run_lockstep(args + dir + "/one.csv", dir);
  ASSERT_EQ(one.status, 0) << one.err;
  const auto split = run_mpi(2, args + dir + "/split.csv", dir);
  ASSERT_EQ(split.status, 0) << split.err << split.out;
  for (int w : {1, 37, 100, 101, 200}) {
    const std::string a = dir + "/one_" + std::to_string(w) + ".csv", b = dir + "/split_" + std::to_string(w) + ".csv";
    const std::string ra = csv_rows(a);
    ASSERT_GT(ra.size(), 1000u) << a;
    EXPECT_EQ(ra, csv_rows(b)) << "walker " << w << " differs between 1 process and 2 ranks";
  }
  // Each rank counts the proposals of the walkers it moves; the run's acceptance is their sum.
  const auto line = [](const std::string& out) {
    const std::size_t at = out.find("acceptance fraction per walker:");
    return at == std::string::npos ? std::string("none") : out.substr(at, out.find('\n', at) - at);
  };
  EXPECT_NE(line(one.out), "none") << one.out;
  EXPECT_EQ(line(one.out), line(split.out));
}

/// study.csv without its wall_seconds column (timings differ from run to run).
std::string without_wall_times(const std::string& csv) {
  std::istringstream in(csv);
  std::string line, out;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) f.push_back(cell);
    for (std::size_t i = 0; i < f.size(); ++i)
      if (i != 14) out += f[i] + ",";
    out += "\n";
  }
  return out;
}

TEST(MpiRun, StudySplitOverRanksWritesTheOneProcessCsv) {
  const std::string dir = scratch_dir("mpi_study");
  const std::string args =
      "study eight_schools_noncentered --data data/eight_schools.json --chains 8,16 --warmup 50,100 --repeats 3 "
      "--draws 80 --seed 3 --threads 1 --reference data/reference/eight_schools_noncentered.json --output ";
  const auto one = run_lockstep(args + dir + "/one", dir);
  ASSERT_EQ(one.status, 0) << one.err;
  const auto split = run_mpi(2, args + dir + "/split", dir);
  ASSERT_EQ(split.status, 0) << split.err << split.out;
  const std::string a = read_file(dir + "/one/study.csv");
  ASSERT_EQ(count_lines(a), 1 + 4 * 10) << a;  // header + 4 configurations x 10 parameters
  EXPECT_EQ(without_wall_times(a), without_wall_times(read_file(dir + "/split/study.csv")));
  EXPECT_NE(split.out.find("over 2 MPI ranks"), std::string::npos) << split.out;
}

TEST(MpiRun, SbcSplitOverRanksWritesTheOneProcessRanks) {
  const std::string dir = scratch_dir("mpi_sbc");
  const std::string args =
      "sbc eight_schools_noncentered --data data/eight_schools.json --replicates 10 --chains 4 --warmup 80 --draws 60 "
      "--seed 5 --threads 1 --quiet --output ";
  // Over 2 ranks the batches are ceil(10 / 2) = 5 replicates, one process fits all 10 at once:
  // a replicate's fit does not depend on its batch, so the ranks are the same.
  const auto one = run_lockstep(args + dir + "/one", dir);
  ASSERT_EQ(one.status, 0) << one.err;
  const auto split = run_mpi(2, args + dir + "/split", dir);
  ASSERT_EQ(split.status, 0) << split.err << split.out;
  const std::string a = read_file(dir + "/one/ranks.csv");
  ASSERT_EQ(count_lines(a), 1 + 10 * 10) << a;
  EXPECT_EQ(a, read_file(dir + "/split/ranks.csv"));
  EXPECT_EQ(read_file(dir + "/one/replicates.csv"), read_file(dir + "/split/replicates.csv"));  // gathered in order
}

/// `mpirun -np R lockstep ARGS` in the background, sent SIGINT as soon as every rank's
/// checkpoint file exists (polled every 10 ms): mpirun hands the ranks SIGTERM, they agree to
/// stop at the same boundary and write their files. Returns mpirun's stderr.
std::string interrupt_mpi(int ranks, const std::string& args, const std::string& dir, const std::string& checkpoint) {
  const std::string err = dir + "/mpi_interrupted_stderr.txt";
  const std::string last = checkpoint + ".rank" + std::to_string(ranks - 1);
  const std::string cmd = std::string("cd '") + LOCKSTEP_SOURCE_DIR +
                          "' && OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
                          "OMPI_MCA_rmaps_base_oversubscribe=1 '" + LOCKSTEP_MPIEXEC + "' " +
                          LOCKSTEP_MPIEXEC_NUMPROC_FLAG + " " + std::to_string(ranks) + " '" + LOCKSTEP_BINARY_DIR +
                          "/lockstep' " + args + " > /dev/null 2> '" + err + "' < /dev/null & pid=$!; for i in $(seq 1 3000); do "
                          "[ -f '" + checkpoint + "' ] && [ -f '" + last + "' ] && break; sleep 0.01; done; kill -INT $pid; wait $pid";
  std::system(cmd.c_str());
  return read_file(err);
}

TEST(MpiRun, CheckpointCtrlCThenResumeGivesTheUninterruptedDraws) {
  const std::string dir = scratch_dir("mpi_checkpoint");
  // Per-chain adaptation: the ranks meet only where they agree whether to stop (a stop on one
  // rank alone would leave the other waiting in the final gather).
  // Long enough (~4 s) to outlast mpirun, which hands the ranks SIGTERM ~2 s after its SIGINT
  // (Open MPI 4): snapshots, which wait 9 times their cost (checkpoints.hpp), no longer slow the
  // run down; thinned, so that a snapshot (which holds the draws) stays small.
  const std::string run = "sample eight_schools_noncentered --data data/eight_schools.json --chains 12 --warmup 5000 "
                          "--draws 150000 --thin 100 --seed 5 --threads 1 --quiet ";
  const auto full = run_mpi(2, run + "--output " + dir + "/full.csv", dir);
  ASSERT_EQ(full.status, 0) << full.err;
  const std::string ckpt = dir + "/c.ckpt";
  const std::string err = interrupt_mpi(2, run + "--output " + dir + "/part.csv --checkpoint " + ckpt +
                                                 " --checkpoint-every 0",
                                        dir, ckpt);
  ASSERT_NE(err.find("lockstep: interrupted by SIGTERM after iteration "), std::string::npos) << err;
  EXPECT_NE(err.find("checkpoint written to " + ckpt + " and " + ckpt + ".rank1"), std::string::npos) << err;
  EXPECT_NE(err.find("continue with `mpirun -np 2 lockstep resume " + ckpt + "`"), std::string::npos) << err;
  ASSERT_TRUE(std::ifstream(ckpt).good());
  ASSERT_TRUE(std::ifstream(ckpt + ".rank1").good());
  // Another number of ranks, or one process, is refused with one line.
  const auto three = run_mpi(3, "resume " + ckpt, dir);
  EXPECT_EQ(three.status, 2) << three.err;
  EXPECT_NE(three.err.find("written by a run over 2 MPI ranks, not 3; continue it with mpirun -np 2 lockstep resume"),
            std::string::npos)
      << three.err;
  const auto one = run_lockstep("resume " + ckpt, dir);
  EXPECT_EQ(one.status, 2) << one.err;
  EXPECT_NE(one.err.find("written by a run over 2 MPI ranks; continue it with mpirun -np 2"), std::string::npos) << one.err;
  // The resumed run writes the uninterrupted run's draws, every chain, and removes the files.
  const auto resumed = run_mpi(2, "resume " + ckpt, dir);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  for (int c = 1; c <= 12; ++c)
    EXPECT_EQ(csv_rows(dir + "/part_" + std::to_string(c) + ".csv"), csv_rows(dir + "/full_" + std::to_string(c) + ".csv"))
        << "chain " << c;
  EXPECT_FALSE(std::ifstream(ckpt).good());
  EXPECT_FALSE(std::ifstream(ckpt + ".rank1").good());
}

TEST(MpiRun, EnsembleCheckpointCtrlCThenResumeGivesTheUninterruptedDraws) {
  const std::string dir = scratch_dir("mpi_ensemble_checkpoint");
  const std::string run = "ensemble peak --data data/peak.csv --walkers 64 --steps 400000 --thin 400 --init-ball "
                          "0.5,0.6,0.2,-0.2,0.1 --init-scale 1e-4 --seed 3 --threads 1 ";
  const auto full = run_mpi(2, run + "--output " + dir + "/full.csv", dir);
  ASSERT_EQ(full.status, 0) << full.err;
  const std::string ckpt = dir + "/e.ckpt";
  const std::string err =
      interrupt_mpi(2, run + "--output " + dir + "/part.csv --checkpoint " + ckpt + " --checkpoint-every 0.05", dir, ckpt);
  ASSERT_NE(err.find("lockstep: interrupted by SIGTERM"), std::string::npos) << err;
  EXPECT_NE(err.find("continue with `mpirun -np 2 lockstep resume " + ckpt + "`"), std::string::npos) << err;
  const auto resumed = run_mpi(2, "resume " + ckpt, dir);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  for (int w : {1, 32, 33, 64})
    EXPECT_EQ(csv_rows(dir + "/part_" + std::to_string(w) + ".csv"), csv_rows(dir + "/full_" + std::to_string(w) + ".csv"))
        << "walker " << w;
  EXPECT_FALSE(std::ifstream(ckpt + ".rank1").good());
}

TEST(MpiRun, StudyCheckpointCtrlCThenResumeWritesTheUninterruptedCsv) {
  const std::string dir = scratch_dir("mpi_study_checkpoint");
  // 80 runs over 2 ranks (40 rounds, about 8 s) with a checkpoint after every round: Ctrl-C
  // comes as soon as both files exist, and mpirun passes it on to the ranks only after a second
  // or two (a study of 1 s over the ranks was done by then).
  const std::string run = "study eight_schools_noncentered --data data/eight_schools.json --algorithm hmc "
                          "--chains 128,256 --warmup 500,1000 --repeats 20 --draws 500 --seed 5 --threads 1 "
                          "--reference data/reference/eight_schools_noncentered.json ";
  const auto full = run_lockstep(run + "--output " + dir + "/full", dir);
  ASSERT_EQ(full.status, 0) << full.err;
  const std::string ckpt = dir + "/s.ckpt";
  const std::string err =
      interrupt_mpi(2, run + "--output " + dir + "/part --checkpoint " + ckpt + " --checkpoint-every 0", dir, ckpt);
  ASSERT_NE(err.find("lockstep: interrupted by SIGTERM"), std::string::npos) << err;
  EXPECT_NE(err.find("checkpoint written to " + ckpt + " and " + ckpt + ".rank1 ("), std::string::npos) << err;
  EXPECT_NE(err.find("continue with `mpirun -np 2 lockstep resume " + ckpt + "`"), std::string::npos) << err;
  EXPECT_FALSE(std::ifstream(dir + "/part/study.csv").good()) << "an interrupted study writes no study.csv";
  // Resumed over another number of ranks: one line on stderr, nothing on stdout (no header).
  const auto three = run_mpi(3, "resume " + ckpt, dir);
  EXPECT_EQ(three.status, 2) << three.err;
  EXPECT_NE(three.err.find("written by a run over 2 MPI ranks, not 3; continue it with mpirun -np 2 lockstep resume"),
            std::string::npos)
      << three.err;
  EXPECT_EQ(three.out, "") << "printed before refusing";
  const auto resumed = run_mpi(2, "resume " + ckpt, dir);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  const std::string a = without_wall_times(read_file(dir + "/full/study.csv"));
  ASSERT_EQ(count_lines(a), 1 + 4 * 10) << a;
  EXPECT_EQ(a, without_wall_times(read_file(dir + "/part/study.csv")));
  EXPECT_FALSE(std::ifstream(ckpt).good());
  EXPECT_FALSE(std::ifstream(ckpt + ".rank1").good());
}

TEST(MpiRun, SbcCheckpointCtrlCThenResumeWritesTheUninterruptedRanks) {
  const std::string dir = scratch_dir("mpi_sbc_checkpoint");
  // 120 batches of 2 replicates over 2 ranks (60 rounds, about 4 s), a checkpoint after every
  // round: mpirun passes Ctrl-C on to the ranks only after a second or two.
  const std::string run = "sbc eight_schools_noncentered --data data/eight_schools.json --replicates 240 --batch 2 "
                          "--chains 4 --warmup 1000 --draws 1000 --ranks 100 --seed 9 --threads 1 --quiet ";
  const auto full = run_lockstep(run + "--output " + dir + "/full", dir);
  ASSERT_EQ(full.status, 0) << full.err;
  const std::string ckpt = dir + "/b.ckpt";
  const std::string err =
      interrupt_mpi(2, run + "--output " + dir + "/part --checkpoint " + ckpt + " --checkpoint-every 0", dir, ckpt);
  ASSERT_NE(err.find("lockstep: interrupted by SIGTERM"), std::string::npos) << err;
  EXPECT_NE(err.find(" replicates fitted): continue with `mpirun -np 2 lockstep resume " + ckpt + "`"), std::string::npos)
      << err;
  EXPECT_FALSE(std::ifstream(dir + "/part/ranks.csv").good()) << "an interrupted sbc run writes no ranks.csv";
  // Resuming with another number of ranks is refused with one line.
  const auto three = run_mpi(3, "resume " + ckpt, dir);
  EXPECT_EQ(three.status, 2) << three.err;
  EXPECT_NE(three.err.find("written by a run over 2 MPI ranks, not 3"), std::string::npos) << three.err;
  const auto resumed = run_mpi(2, "resume " + ckpt, dir);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  const std::string a = read_file(dir + "/full/ranks.csv");
  ASSERT_EQ(count_lines(a), 1 + 240 * 10) << a;
  EXPECT_EQ(a, read_file(dir + "/part/ranks.csv"));
  EXPECT_EQ(read_file(dir + "/full/replicates.csv"), read_file(dir + "/part/replicates.csv"));
  EXPECT_FALSE(std::ifstream(ckpt + ".rank1").good());
}

TEST(MpiRun, ResumeRefusesRankFilesOfDifferentIterations) {
  const std::string dir = scratch_dir("mpi_checkpoint_mixed");
  // A run of minutes (warmup 10^6), stopped twice within its first seconds: it never finishes.
  const std::string run = "sample eight_schools_noncentered --data data/eight_schools.json --chains 8 --warmup 1000000 "
                          "--draws 100 --seed 6 --threads 1 --quiet --output " + dir + "/x.csv ";
  const std::string a = dir + "/a.ckpt";
  interrupt_mpi(2, run + "--checkpoint " + a + " --checkpoint-every 0", dir, a);
  ASSERT_TRUE(std::ifstream(a + ".rank1").good());
  // Keep the first stop's files, resume and stop again once rank 0's file has moved on, then
  // put the first stop's rank 1 file back: the two files stand at different iterations.
  std::system(("cp '" + a + "' '" + a + ".first' && cp '" + a + ".rank1' '" + a + ".rank1.first'").c_str());
  const std::string cmd = std::string("cd '") + LOCKSTEP_SOURCE_DIR +
                          "' && OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
                          "OMPI_MCA_rmaps_base_oversubscribe=1 '" + LOCKSTEP_MPIEXEC + "' " +
                          LOCKSTEP_MPIEXEC_NUMPROC_FLAG + " 2 '" + LOCKSTEP_BINARY_DIR + "/lockstep' resume '" + a +
                          "' > /dev/null 2>&1 < /dev/null & pid=$!; for i in $(seq 1 3000); do [ -f '" + a + "' ] && ! cmp -s '" + a + "' '" + a +
                          ".first' && break; sleep 0.01; done; sleep 0.05; kill -INT $pid; wait $pid";
  std::system(cmd.c_str());
  ASSERT_FALSE(read_file(a) == read_file(a + ".first")) << "the resumed run wrote no checkpoint";
  std::system(("cp '" + a + ".rank1.first' '" + a + ".rank1'").c_str());
  const auto r = run_mpi(2, "resume " + a, dir);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("the ranks' checkpoint files stand at different iterations"), std::string::npos) << r.err;
  // Rank 1's file gone: rank 0 reports it, saying what is wrong ("does not fit" before).
  std::remove((a + ".rank1").c_str());
  const auto missing = run_mpi(2, "resume " + a, dir);
  EXPECT_EQ(missing.status, 2) << missing.err;
  EXPECT_NE(missing.err.find("lockstep: error: resume: rank 1's checkpoint file " + a + ".rank1 is missing"),
            std::string::npos)
      << missing.err;
}

TEST(MpiRun, BadArgumentsAreReportedOnceWithStatusTwo) {
  const std::string dir = scratch_dir("mpi_bad_args");
  const auto r = run_mpi(2, "sample eight_schools_noncentered --data data/eight_schools.json --chains 1", dir);
  EXPECT_EQ(r.status, 2) << r.err;
  const std::string line = "--chains 1: fewer chains than the 2 MPI ranks";
  const auto first = r.err.find(line);
  ASSERT_NE(first, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(line, first + 1), std::string::npos) << "reported more than once:\n" << r.err;
  const auto unknown = run_mpi(2, std::string(kSample) + "--no-such-flag", dir);
  EXPECT_EQ(unknown.status, 2) << unknown.err;
  // a command that does not split is refused, not run R times writing the same files
  const auto vi = run_mpi(2, "vi eight_schools_noncentered --data data/eight_schools.json --output " + dir + "/vi.csv", dir);
  EXPECT_EQ(vi.status, 2) << vi.err;
  const std::string refused = "vi: does not run over MPI ranks";
  ASSERT_NE(vi.err.find(refused), std::string::npos) << vi.err;
  EXPECT_EQ(vi.err.find(refused, vi.err.find(refused) + 1), std::string::npos) << vi.err;
  EXPECT_FALSE(std::ifstream(dir + "/vi.csv").good());
  // a walker count the red/blue update cannot split: refused before the ranks work together
  const auto odd = run_mpi(2, "ensemble peak --data data/peak.csv --walkers 7 --steps 10", dir);
  EXPECT_EQ(odd.status, 2) << odd.err;
  const std::string even = "--walkers: 7 walkers; the red/blue update needs an even number";
  ASSERT_NE(odd.err.find(even), std::string::npos) << odd.err;
  EXPECT_EQ(odd.err.find(even, odd.err.find(even) + 1), std::string::npos) << "reported more than once:\n" << odd.err;
  EXPECT_EQ(odd.err.find("MPI_ABORT"), std::string::npos) << odd.err;
}

/// `mpirun -np 1 -wdir DIR_0 lockstep ARGS : -np 1 -wdir DIR_1 lockstep ARGS ...`: each rank in
/// a folder of its own, as ranks on nodes with their own disks; ended by `timeout` after 60 s.
CliResult run_mpi_in_dirs(const std::vector<std::string>& rank_dirs, const std::string& args, const std::string& dir) {
  std::string contexts;
  for (const std::string& d : rank_dirs)
    contexts += std::string(contexts.empty() ? "" : " : ") + LOCKSTEP_MPIEXEC_NUMPROC_FLAG + " 1 -wdir '" + d + "' '" +
                LOCKSTEP_BINARY_DIR + "/lockstep' " + args;
  return run_captured(std::string(kMpiEnv) + "timeout 60 '" + LOCKSTEP_MPIEXEC + "' " + contexts, dir);
}

TEST(MpiRun, AFileOnlySomeRanksCanReadIsReportedOnceNotAHang) {
  // The data file in rank 0's folder only, then in rank 1's only: the rank that cannot open it
  // fails before the ranks work together; the other learns of it at its next collective call
  // (Ranks::agree) instead of waiting there for ever. One line, naming the rank, status 2.
  const std::string dir = scratch_dir("mpi_node_local");
  const std::string a = dir + "/node0", b = dir + "/node1";
  for (const std::string& d : {a, b}) ASSERT_EQ(std::system(("mkdir -p '" + d + "'").c_str()), 0);
  const std::string data = std::string(LOCKSTEP_SOURCE_DIR) + "/data/eight_schools.json";
  const std::string args = "sample eight_schools_noncentered --data es.json --chains 4 --warmup 20 --draws 20 --quiet "
                           "--threads 1";
  for (int has = 0; has < 2; ++has) {
    const std::string with = has == 0 ? a : b, without = has == 0 ? b : a;
    ASSERT_EQ(std::system(("cp '" + data + "' '" + with + "/es.json' && rm -f '" + without + "/es.json'").c_str()), 0);
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run_mpi_in_dirs({a, b}, args, dir);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.status, 2) << "data on rank " << has << " only (124: the job hung)\n" << r.err;
    EXPECT_LT(seconds, 30.0);
    const std::string line = "lockstep: error on rank " + std::to_string(1 - has) + " of 2 (1 of the ranks failed): es.json";
    const auto first = r.err.find(line);
    EXPECT_NE(first, std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("lockstep:", first + 1), std::string::npos) << "reported more than once:\n" << r.err;
  }
}

TEST(MpiRun, DataThatDiffersBetweenRanksIsRefused) {
  // The same relative path in each rank's folder, one school's y changed on rank 1's copy (a
  // node with a stale copy): the ranks compare what they read before working together, and
  // rank 0 reports the file once, status 2, instead of each rank sampling its own posterior.
  const std::string dir = scratch_dir("mpi_node_copies");
  const std::string a = dir + "/node0", b = dir + "/node1";
  for (const std::string& d : {a, b}) ASSERT_EQ(std::system(("mkdir -p '" + d + "'").c_str()), 0);
  write_text(a + "/es.json", R"({"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12], "sigma": [15, 10, 16, 11, 9, 11, 10, 18]})");
  write_text(b + "/es.json", R"({"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 13], "sigma": [15, 10, 16, 11, 9, 11, 10, 18]})");
  const std::string args = "sample eight_schools_noncentered --data es.json --chains 4 --warmup 20 --draws 20 --quiet "
                           "--threads 1 --output out.csv";
  const auto r = run_mpi_in_dirs({a, b}, args, dir);
  EXPECT_EQ(r.status, 2) << r.err;
  const std::string line = "lockstep: error: es.json: rank 1 read other contents than rank 0";
  const auto first = r.err.find(line);
  EXPECT_NE(first, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("lockstep:", first + 1), std::string::npos) << "reported more than once:\n" << r.err;
  EXPECT_FALSE(std::ifstream(a + "/out_1.csv").good()) << "no draws may be written";

  // The same bytes on both: the run goes through.
  write_text(b + "/es.json", read_text(a + "/es.json"));
  const auto same = run_mpi_in_dirs({a, b}, args, dir);
  EXPECT_EQ(same.status, 0) << same.err;
}

TEST(MpiRun, RanksStartedWithDifferentArgumentsAreRefusedNotAHang) {
  // An MPMD launch (`mpirun -np 1 lockstep ARGS0 : -np 1 lockstep ARGS1`) with one flag changed
  // on rank 1: it crashed (--thin), hung (--algorithm) or wrote a mix of two runs (--chains).
  // The ranks compare their command lines first: one line from rank 0, status 2, no output.
  const std::string dir = scratch_dir("mpi_mpmd");
  const std::string base = std::string(kSample) + "--chains 8 --output " + dir + "/mm.csv ";
  struct Case {
    std::string rank0, rank1, expected;
  };
  for (const Case& c : {Case{"--thin 1", "--thin 2", "argument 19 is '1' on rank 0 and '2' on rank 1"},
                        Case{"--algorithm nuts", "--algorithm hmc", "argument 19 is 'nuts' on rank 0 and 'hmc' on rank 1"},
                        Case{"", "--pool-adaptation", "argument 18 is nothing on rank 0 and '--pool-adaptation' on rank 1"}}) {
    std::string launch;
    for (const std::string& extra : {c.rank0, c.rank1})
      launch += std::string(launch.empty() ? "" : " : ") + LOCKSTEP_MPIEXEC_NUMPROC_FLAG + " 1 '" + LOCKSTEP_BINARY_DIR +
                "/lockstep' " + base + extra;
    const auto r = run_captured(std::string("cd '") + LOCKSTEP_SOURCE_DIR + "' && " + kMpiEnv + "timeout 60 '" +
                                    LOCKSTEP_MPIEXEC + "' " + launch,
                                dir);
    EXPECT_EQ(r.status, 2) << c.rank1 << " (124: the job hung)\n" << r.err;
    const std::string line = "lockstep: error: the ranks were started with different command lines: " + c.expected;
    const auto first = r.err.find(line);
    EXPECT_NE(first, std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("lockstep:", first + 1), std::string::npos) << "reported more than once:\n" << r.err;
    EXPECT_FALSE(std::ifstream(dir + "/mm_1.csv").good()) << c.rank1 << ": no draws may be written";
  }
}

TEST(MpiRun, AnErrorOnOneRankEndsTheJobNamingTheRank) {
  const std::string dir = scratch_dir("mpi_rank_error");
  // Rank 1 fails once the ranks work together (the test hook of host/parallel/ranks.cpp); rank 0
  // would otherwise wait for it for ever in a run of minutes.
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_mpi(2,
                         "sample eight_schools_noncentered --data data/eight_schools.json --chains 8 --warmup 10000000 "
                         "--draws 10 --pool-adaptation --quiet --threads 1",
                         dir, "LOCKSTEP_FAIL_ON_RANK=1 ");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("lockstep: failed on rank 1 of 2: failure injected for testing"), std::string::npos) << r.err;
  EXPECT_LT(seconds, 30.0);
}

TEST(MpiRun, AKilledRankEndsTheJobWithinSecondsNamingIt) {
  const std::string dir = scratch_dir("mpi_killed_rank");
  const std::string err = dir + "/err.txt";
  // A run of minutes (pooled adaptation: the ranks meet every iteration), in the background.
  const std::string cmd = std::string("cd '") + LOCKSTEP_SOURCE_DIR +
                          "' && OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
                          "OMPI_MCA_rmaps_base_oversubscribe=1 exec '" + LOCKSTEP_MPIEXEC + "' " +
                          LOCKSTEP_MPIEXEC_NUMPROC_FLAG + " 2 '" + LOCKSTEP_BINARY_DIR +
                          "/lockstep' sample eight_schools_noncentered --data data/eight_schools.json --chains 64 "
                          "--warmup 10000000 --draws 10 --pool-adaptation --quiet --threads 1 > /dev/null 2> '" + err + "'";
  const pid_t launcher = fork();
  ASSERT_GE(launcher, 0);
  if (launcher == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Rank 1: the child of mpirun whose environment says OMPI_COMM_WORLD_RANK=1.
  pid_t rank1 = -1;
  for (int attempt = 0; attempt < 100 && rank1 < 0; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    FILE* p = popen(("pgrep -P " + std::to_string(launcher)).c_str(), "r");
    char buf[64];
    while (p && std::fgets(buf, sizeof buf, p)) {
      const std::string pid = std::to_string(std::atoi(buf));
      const std::string env = read_file("/proc/" + pid + "/environ");
      if (env.find(std::string("OMPI_COMM_WORLD_RANK=1") + '\0') != std::string::npos) rank1 = std::atoi(buf);
    }
    if (p) pclose(p);
  }
  ASSERT_GT(rank1, 0) << "rank 1 of the MPI job not found";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // into warmup
  const auto t0 = std::chrono::steady_clock::now();
  kill(rank1, SIGKILL);
  int status = 0;
  pid_t done = 0;
  while ((done = waitpid(launcher, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (done == 0) {
    kill(launcher, SIGKILL);
    waitpid(launcher, &status, 0);
  }
  ASSERT_NE(done, 0) << "the job was still running 30 s after rank 1 was killed";
  EXPECT_LT(seconds, 15.0);
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const std::string text = read_file(err);
  EXPECT_NE(text.find("rank 1"), std::string::npos) << text;
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
