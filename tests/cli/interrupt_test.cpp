// Ctrl-C and SIGTERM (host/core/interrupt.hpp), sent to a real `lockstep sample` in a child
// process once it has started drawing: the run stops at a segment boundary, leaves no output
// file and no temporary, says so in one line and exits 128 + the signal. A second signal
// ends it at once, still without leaving a temporary.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/cli/cli_runner.hpp"

using lockstep::testing::read_file;
using lockstep::testing::scratch_dir;

namespace {

namespace fs = std::filesystem;

struct Killed {
  int status = -1;
  std::string err;
};

/// Starts a long run, waits (up to 60 s) for its first draw, sends `signals` (e.g. "INT" or
/// "INT INT"), and returns its exit status and stderr.
Killed interrupt_run(const std::string& dir, const std::string& signals) {
  const std::string cmd =
      "cd '" + std::string(LOCKSTEP_SOURCE_DIR) + "' && LOCKSTEP_STAMP_FIRST_DRAW=1 '" + LOCKSTEP_BINARY_DIR +
      "/lockstep' sample std_normal --set dim=50 --chains 16 --warmup 1000000 --draws 1000 --seed 3 --quiet "
      "--output '" + dir + "/x.csv' --summary '" + dir + "/s.json' > '" + dir + "/out.txt' 2> '" + dir +
      "/err.txt' & pid=$!; "
      "for i in $(seq 600); do grep -q lockstep-first-draw '" + dir + "/err.txt' 2>/dev/null && break; sleep 0.1; done; "
      "for s in " + signals + "; do kill -$s $pid; sleep 0.05; done; wait $pid; echo $? > '" + dir + "/rc.txt'";
  std::system(cmd.c_str());
  Killed k;
  k.status = std::stoi(read_file(dir + "/rc.txt"));
  k.err = read_file(dir + "/err.txt");
  return k;
}

/// Files the run left in `dir` besides the captured streams.
std::vector<std::string> leftovers(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name != "out.txt" && name != "err.txt" && name != "rc.txt") out.push_back(name);
  }
  return out;
}

TEST(Interrupt, SigintStopsAtASegmentBoundaryWritesNothingAndExits130) {
  const std::string dir = scratch_dir("interrupt_int");
  const Killed k = interrupt_run(dir, "INT");
  EXPECT_EQ(k.status, 130) << k.err;
  EXPECT_NE(k.err.find("lockstep: interrupted by SIGINT after iteration "), std::string::npos) << k.err;
  EXPECT_NE(k.err.find("nothing was written"), std::string::npos) << k.err;
  EXPECT_TRUE(leftovers(dir).empty()) << leftovers(dir)[0];
}

TEST(Interrupt, SigtermExits143) {
  const std::string dir = scratch_dir("interrupt_term");
  const Killed k = interrupt_run(dir, "TERM");
  EXPECT_EQ(k.status, 143) << k.err;
  EXPECT_NE(k.err.find("lockstep: interrupted by SIGTERM"), std::string::npos) << k.err;
  EXPECT_TRUE(leftovers(dir).empty()) << leftovers(dir)[0];
}

TEST(Interrupt, ASecondSignalEndsItAtOnceLeavingNoTemporary) {
  const std::string dir = scratch_dir("interrupt_twice");
  const Killed k = interrupt_run(dir, "INT INT");
  EXPECT_EQ(k.status, 130) << k.err;  // by the handler's message or by the signal itself
  EXPECT_TRUE(leftovers(dir).empty()) << leftovers(dir)[0];
}

}  // namespace
