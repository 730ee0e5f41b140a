#pragma once
// Runs the built `lockstep` binary in a shell and captures its exit status, stdout and stderr.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace lockstep {
namespace testing {

struct CliResult {
  int status = -1;
  std::string out, err;
};

inline std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// Runs `lockstep ARGS` from the source directory (so data/... paths resolve).
inline CliResult run_lockstep(const std::string& args, const std::string& scratch_dir) {
  const std::string out = scratch_dir + "/stdout.txt", err = scratch_dir + "/stderr.txt";
  const std::string cmd = std::string("cd '") + LOCKSTEP_SOURCE_DIR + "' && '" + LOCKSTEP_BINARY_DIR +
                          "/lockstep' " + args + " > '" + out + "' 2> '" + err + "' < /dev/null";
  const int raw = std::system(cmd.c_str());
  CliResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

/// A fresh, empty scratch directory under the build tree.
inline std::string scratch_dir(const std::string& name) {
  const std::string dir = std::string(LOCKSTEP_BINARY_DIR) + "/test_scratch/" + name;
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  return dir;
}

inline int count_lines(const std::string& s) {
  int n = 0;
  for (char ch : s) n += ch == '\n';
  return n;
}

/// The lines of a Stan CSV that are not comments (the header and the draws), each ending "\n".
inline std::string data_lines(const std::string& csv) {
  std::string out, line;
  std::istringstream in(csv);
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') out += line + "\n";
  return out;
}

}  // namespace testing
}  // namespace lockstep
