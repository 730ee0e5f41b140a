#pragma once
// Shared pieces of the benchmark binaries: the machine line, reference checks, timing.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "host/diagnostics/summary.hpp"
#include "host/core/draw_set.hpp"

namespace lockstep {
namespace bench {

/// A path under the source tree (benchmarks read data/ and the reference files from there,
/// whatever the working directory).
inline std::string source_path(const std::string& rel) {
#ifdef LOCKSTEP_SOURCE_DIR
  return std::string(LOCKSTEP_SOURCE_DIR) + "/" + rel;
#else
  return rel;
#endif
}

inline std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

/// The 1, 5 and 15 minute load averages (/proc/loadavg), e.g. "1.23 0.98 0.75".
inline std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

inline void print_machine(int argc, char** argv) {
  std::printf("# machine: %s, %u hardware threads\n# command:", cpu_model().c_str(),
              std::thread::hardware_concurrency());
  for (int i = 0; i < argc; ++i) std::printf(" %s", argv[i]);
  std::printf("\n");
}

inline diagnostics::Chains chains_of(const DrawSet& d, int p) {
  diagnostics::Chains ch;
  ch.n_draws = d.n_draws - d.n_warmup_saved;
  for (int c = 0; c < d.n_chains; ++c) ch.chain.push_back(d.series(p, c) + d.n_warmup_saved);
  return ch;
}

/// Checks every parameter of `ref` ({"name": {"mean": m, "sd": s, "mcse_mean": e}}) against
/// the draws: |mean - m| <= 5 sqrt(mcse^2 + e^2). Prints each failure; returns pass/fail.
inline bool check_against_reference(const DrawSet& d, const nlohmann::json& ref, double* max_rhat) {
  bool ok = true;
  *max_rhat = 0;
  for (auto it = ref.begin(); it != ref.end(); ++it) {
    const int p = d.param_index(it.key());
    if (p < 0) continue;
    const diagnostics::Summary s = diagnostics::summarize(chains_of(d, p));
    const double ref_mean = it.value()["mean"];
    const double ref_mcse = it.value().value("mcse_mean", 0.0);
    const double bound = 5 * std::sqrt(s.mcse_mean * s.mcse_mean + ref_mcse * ref_mcse);
    *max_rhat = std::max(*max_rhat, s.rhat);
    if (!(std::fabs(s.mean - ref_mean) <= bound)) {
      std::printf("# VALIDATION FAILED: %s mean %.5g, reference %.5g, gap %.3g > bound %.3g\n",
                  it.key().c_str(), s.mean, ref_mean, std::fabs(s.mean - ref_mean), bound);
      ok = false;
    }
  }
  return ok;
}

}  // namespace bench
}  // namespace lockstep
