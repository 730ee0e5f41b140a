#include "host/cli/output_dir.hpp"
#include "host/parallel/ranks.hpp"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "host/io/atomic_file.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {
namespace {

std::string self_dir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string p(buf, static_cast<std::size_t>(n));
  const auto slash = p.rfind('/');
  return slash == std::string::npos ? "." : p.substr(0, slash);
}

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string find_plot_script(const std::string& name, bool honor_env) {
  if (const char* env = std::getenv("LOCKSTEP_PLOT_SCRIPT"); env && honor_env) return env;
  const std::string dir = self_dir();
  // LOCKSTEP_SCRIPTS_DIR: where the Python package keeps its copies (the process is python's).
  const char* scripts = std::getenv("LOCKSTEP_SCRIPTS_DIR");
#ifdef LOCKSTEP_SOURCE_SCRIPTS_DIR
  const std::string source_tree = std::string(LOCKSTEP_SOURCE_SCRIPTS_DIR) + "/" + name;  // a build outside it
#else
  const std::string source_tree;
#endif
  for (const std::string& p : {scripts ? std::string(scripts) + "/" + name : std::string(), dir + "/../scripts/" + name,
                               dir + "/scripts/" + name, dir + "/../share/lockstep/" + name, source_tree})
    if (!p.empty() && ::access(p.c_str(), R_OK) == 0) return p;
  return "";
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void prepare_output_dir(const std::string& dir, const std::string& first_file, const std::string& contents) {
  if (dir.empty()) throw InputError("--output: give a directory for " + contents);
  std::string partial;
  std::stringstream ss(dir);
  std::string part;
  if (dir[0] == '/') partial = "/";
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    partial += part + "/";
    struct stat st;
    if (::stat(partial.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) throw InputError("--output " + dir + ": " + partial + " is not a directory");
      continue;
    }
    if (::mkdir(partial.c_str(), 0777) != 0 && errno != EEXIST)
      throw InputError("--output " + dir + ": cannot create directory: " + std::strerror(errno));
  }
  io::check_writable(dir + "/" + first_file, "--output");
}

void prepare_output_dir_on_rank0(const std::string& dir, const std::string& first_file, const std::string& contents) {
  const parallel::Ranks& ranks = parallel::Ranks::world();
  std::string refused;
  if (ranks.is_root()) {
    try {
      prepare_output_dir(dir, first_file, contents);
    } catch (const InputError& e) {
      refused = e.what();
    }
  }
  if (ranks.sum(refused.empty() ? 0.0 : 1.0) > 0) throw InputError(ranks.is_root() ? refused : "--output: refused on rank 0");
}

void remove_earlier_plot(const std::string& svg) { std::remove(svg.c_str()); }

void make_plot(const std::string& script_name, const std::string& csv, const std::string& svg) {
  // An earlier run's plot must not stand beside this run's CSV as if it showed it: it goes
  // first, and only this run's plot (written atomically by the script) can take its place.
  std::remove(svg.c_str());
  const std::string script = find_plot_script(script_name);
  const std::string complete = base_name(csv) + " is complete";
  if (!script.empty() && ::access(script.c_str(), R_OK) != 0) {
    std::cout << "Plot not made: LOCKSTEP_PLOT_SCRIPT=" << script << " is not readable; " << complete << "\n";
    return;
  }
  if (script.empty()) {
    std::cout << "Plot not made: scripts/" << script_name << " not found (set LOCKSTEP_PLOT_SCRIPT); " << complete
              << "\n";
    return;
  }
  const std::string log = svg + ".log";
  const std::string cmd = "python3 " + shell_quote(script) + " " + shell_quote(csv) + " " + shell_quote(svg) +
                          " > " + shell_quote(log) + " 2>&1 < /dev/null";
  const int raw = std::system(cmd.c_str());
  std::ifstream in(log);
  std::string first;
  std::getline(in, first);
  in.close();
  std::remove(log.c_str());
  const int status = raw == -1 ? -1 : WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  if (status == 0) {
    std::cout << "Plot written to " << svg << "\n";
  } else if (status == 127) {
    std::cout << "Plot not made: python3 was not found (install python3 and python3-matplotlib); " << complete << "\n";
  } else {
    std::cout << "Plot not made: " << (first.empty() ? "scripts/" + script_name + " failed" : first) << "; " << complete
              << "\n";
  }
}

}  // namespace cli
}  // namespace lockstep
