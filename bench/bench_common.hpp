#pragma once
// Shared pieces of the benchmark binaries: the machine line, reference checks, timing.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "host/backend/lanes.hpp"
#include "host/diagnostics/reference_posterior.hpp"
#include "host/diagnostics/summary.hpp"
#include "host/backend/lanes.hpp"
#include "host/core/draw_set.hpp"

namespace lockstep {
namespace bench {

/// A flag's integer value, at least `lo`: else one line naming the flag and exit status 2 (a
/// benchmark given "--chains abc" must not run with 0 chains or abort on an uncaught error).
inline int int_flag(const char* flag, const char* text, int lo) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > 1000000000L) {
    std::fprintf(stderr, "%s: expected an integer >= %d, found '%s'\n", flag, lo, text);
    std::exit(2);
  }
  return static_cast<int>(v);
}

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

/// True when the lanes can run here. A CUDA build on a machine without a device prints one
/// line and the benchmark returns backend::kSkipExitCode:
///   if (!bench::device_ready(argv[0])) return backend::kSkipExitCode;
inline bool device_ready(const char* name) {
  if (!backend::is_cuda_build() || backend::cuda_device_count() > 0) return true;
  std::printf("# %s: no CUDA device (cudaGetDeviceCount reports 0); skipped\n", name);
  return false;
}

/// The CUDA launch shapes chosen so far (occupancy API), one comment line each; nothing on
/// the CPU backend.
inline void print_launch_shapes() {
  for (const backend::LaunchShape& s : backend::launch_shapes())
    std::printf("# launch: %d threads/block, %d registers/thread, min grid %d: %.160s\n", s.block, s.registers,
                s.min_grid, s.functor.c_str());
}

/// The shape this binary was built in (backend::shape_name(): "CPU SIMD W=8" or "GPU layout
/// W=1", -DLOCKSTEP_GPU_LAYOUT=ON) and its precision, e.g. "CPU SIMD W=8, double".
inline std::string build_shape() {
  return backend::shape_name() + (sizeof(Real) == sizeof(double) ? ", double" : ", float");
}

inline void print_machine(int argc, char** argv) {
  std::printf("# machine: %s, %u hardware threads; lanes on %s\n# shape: %s\n# command:", cpu_model().c_str(),
              std::thread::hardware_concurrency(), backend::describe_backend().c_str(), build_shape().c_str());
  for (int i = 0; i < argc; ++i) std::printf(" %s", argv[i]);
  std::printf("\n");
}

/// The posterior a benchmark validates against: for the gaussian model the exact one from its
/// data file (mean mu_i, sd sqrt(Sigma_ii)); for other models data/reference/<model>.json.
inline diagnostics::ReferencePosterior reference_for(const std::string& model, const std::string& data_rel) {
  if (model != "gaussian") {
    const std::string path = source_path("data/reference/" + model + ".json");
    return diagnostics::load_reference_posterior(path, "reference " + path);
  }
  std::ifstream in(source_path(data_rel));
  const nlohmann::json g = nlohmann::json::parse(in);
  diagnostics::ReferencePosterior ref;
  for (std::size_t i = 0; i < g["mu"].size(); ++i) {
    diagnostics::ReferenceParameter r;
    r.mean = g["mu"][i].get<double>();
    r.sd = std::sqrt(g["Sigma"][i][i].get<double>());
    ref.push_back({"x[" + std::to_string(i + 1) + "]", r});
  }
  return ref;
}

/// Checks every parameter of the reference against the draws: mean and sd within 5 combined
/// MCSE (host/diagnostics/reference_posterior.hpp). A reference parameter the draws lack fails
/// too (a renamed output must not pass by comparing nothing). Prints each failure; returns
/// pass/fail.
inline bool check_against_reference(const DrawSet& d, const diagnostics::ReferencePosterior& ref, double* max_rhat) {
  bool ok = !ref.empty();
  if (ref.empty()) std::printf("# VALIDATION FAILED: the reference posterior has no parameters\n");
  *max_rhat = 0;
  for (const diagnostics::ReferenceComparison& c : diagnostics::compare_with_reference(d, ref)) {
    if (!c.found) {
      std::printf("# VALIDATION FAILED: %s: in the reference, not in the draws\n", c.name.c_str());
      ok = false;
      continue;
    }
    *max_rhat = std::max(*max_rhat, c.summary.rhat);
    if (!(c.mean_ok() && c.sd_ok())) {
      std::printf("# VALIDATION FAILED: %s\n", c.message().c_str());
      ok = false;
    }
  }
  return ok;
}

}  // namespace bench
}  // namespace lockstep
