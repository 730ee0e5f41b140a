// `lockstep plot KIND FILES... -o OUT.svg|png|pdf`: ArviZ's plots of lockstep runs, drawn by
// scripts/plot_arviz.py (the Python package's lockstep.plots; ArviZ and matplotlib), found next
// to the build or install tree like the other plot scripts. The kinds and what each reads are
// listed in that script. This command checks the kind, the output name and that the files
// exist, runs the script and turns its one-line message into the command's: exit status 2 for
// bad input (a file without the needed group), 1 when ArviZ, matplotlib or python3 is missing.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include "host/cli/commands.hpp"
#include "host/cli/output_dir.hpp"
#include "host/core/text.hpp"
#include "host/io/atomic_file.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {
namespace {

const char* const kKinds[] = {"trace", "rank", "forest", "pair", "corner", "ppc", "energy", "elbo", "sbc", "peak"};

/// The last non-empty line of a file ("" if none).
std::string last_line(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

}  // namespace

int run_plot(const PlotOptions& o) {
  std::string kinds;
  bool known = false;
  for (const char* k : kKinds) {
    kinds += (kinds.empty() ? "" : ", ") + std::string(k);
    known = known || o.kind == k;
  }
  if (!known) throw InputError("plot: unknown kind '" + o.kind + "' (kinds: " + kinds + ")");
  if (!ends_with(o.output, ".svg") && !ends_with(o.output, ".png") && !ends_with(o.output, ".pdf"))
    throw InputError("-o " + o.output + ": the name must end in .svg, .png or .pdf");
  for (const std::string& f : o.files) {
    // run.csv for the chain files run_1.csv, ... that `sample --output run.csv` wrote
    const bool chains = ends_with(f, ".csv") && ::access((f.substr(0, f.size() - 4) + "_1.csv").c_str(), R_OK) == 0;
    if (::access(f.c_str(), R_OK) != 0 && !chains) throw InputError(f + ": cannot open file");
  }
  io::check_writable(o.output, "-o");
  const std::string script = find_plot_script("plot_arviz.py", false);
  if (script.empty()) throw std::runtime_error("scripts/plot_arviz.py not found next to the build or install tree");
  std::string cmd = "PYTHONWARNINGS=ignore python3 " + shell_quote(script) + " " + shell_quote(o.kind);
  for (const std::string& f : o.files) cmd += " " + shell_quote(f);
  cmd += " -o " + shell_quote(o.output);
  if (!o.var_names.empty()) cmd += " --var-names " + shell_quote(o.var_names);
  if (!o.labels.empty()) cmd += " --labels " + shell_quote(o.labels);
  const std::string out_log = o.output + ".out-" + std::to_string(::getpid());
  const std::string err_log = o.output + ".err-" + std::to_string(::getpid());
  const int raw = std::system((cmd + " > " + shell_quote(out_log) + " 2> " + shell_quote(err_log) + " < /dev/null").c_str());
  const std::string said = last_line(out_log), trace = last_line(err_log);
  std::remove(out_log.c_str());
  std::remove(err_log.c_str());
  const int status = raw == -1 ? -1 : WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  if (status == 0) {
    std::cout << said << "\n";
    return 0;
  }
  if (status == 2) throw InputError(said.empty() ? trace : said);
  if (status == 127) throw std::runtime_error("python3 was not found (install python3, matplotlib and ArviZ)");
  throw std::runtime_error(!said.empty() ? said : !trace.empty() ? trace : "scripts/plot_arviz.py failed");
}

}  // namespace cli
}  // namespace lockstep
