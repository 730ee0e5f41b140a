// Gradient evaluations per second of many-chain static HMC on the CPU backend, for
// non-centered Eight Schools and gauss100_ill, at 1 ... 16384 chains. The posterior of each
// workload is validated against its reference BEFORE anything of it is timed.
//
// In whichever shape the binary was built: the default build's "CPU SIMD W=8" (a lane runs 8
// chains per instruction), or "GPU layout W=1" from a build configured with
// -DLOCKSTEP_GPU_LAYOUT=ON (the CUDA build's one chain per lane, run on the CPU); the output
// says which (the "# shape:" line, and the "shape" of the JSON line it ends with, which
// bench/run_all reads to put the two shapes side by side).
//
//   build/hmc_throughput [--quick] [--threads T] [--seconds S]
//
// Timing. Every (workload, chains) point is sized to take about S seconds (default 2 with
// --quick, 8 otherwise) whatever the per-gradient cost: calibration runs (from 2 iterations,
// growing until one takes >= S/8) fit seconds = a + b * iterations, from which the number of
// iterations is chosen (clamped to [2, 2000], half warmup, half draws; short runs adapt nothing,
// which does not change the cost of a gradient). A point reports the
// gradient evaluations of all chains, warmup included, divided by the sampler's own warmup +
// sampling time (RunInfo: what `lockstep sample` prints; the summary after the run is not
// counted), and the sampling phase alone (n_leapfrog__ summed over the draws / sampling time). --quick times 64 and
// 4096 chains; the full run times 1, 64, 1024, 4096 and 16384 chains (~2 + 10 x 10 s).
//
// Validation (both modes): Eight Schools with 1024 chains x (1000 + 1000) iterations against
// posteriordb's reference means (|mean - ref| <= 5 sqrt(mcse^2 + mcse_ref^2), R-hat < 1.01);
// gauss100_ill with 64 chains x (1000 + 1000) iterations of 100 steps (--quick: 500 + 500)
// against its exact mean (bench_common.hpp). A failed validation
// skips that workload's timings and makes the exit status 1.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_common.hpp"
#include "host/io/json_data.hpp"
#include "models/contract/model_args.hpp"
#include "host/algorithms/hmc/hmc_algorithm.hpp"
#include "host/registry/any_model.hpp"

using namespace lockstep;

namespace {

using bench::source_path;


struct Workload {
  std::string model, data;  // validated against bench::reference_for(model, data)
  int steps;                           // mean leapfrog steps (ill-conditioned targets need more)
  int validation_chains;
  int validation_iterations;           // warmup = draws = this
};

bool validate(const AnyModel& model, const Workload& w, int threads) {
  const auto t0 = std::chrono::steady_clock::now();
  HmcConfig cfg;
  cfg.chains = w.validation_chains;
  cfg.steps = w.steps;
  cfg.warmup = w.validation_iterations;
  cfg.draws = w.validation_iterations;
  cfg.seed = 7;
  cfg.threads = threads;
  DrawSet d;
  RunInfo info;
  model.run<HmcAlgorithm>(cfg, d, info, nullptr);
  double max_rhat = 0;
  const bool ok = bench::check_against_reference(d, bench::reference_for(w.model, w.data), &max_rhat) && max_rhat < 1.01;
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("# validation %s: %s, %d chains x (%d + %d) iterations, %d steps, max R-hat %.4f, "
              "%ld divergences (%.1f s)\n",
              ok ? "passed" : "FAILED", w.model.c_str(), cfg.chains, cfg.warmup, cfg.draws, w.steps, max_rhat,
              info.divergences, sec);
  std::fflush(stdout);
  return ok;
}

struct Timing {
  double seconds;                  // warmup + sampling (RunInfo)
  unsigned long long grad_evals;   // all chains, warmup included
  double sampling_seconds;         // sampling phase alone
  double sampling_grad_evals;      // sum of n_leapfrog__ over the sampling draws
  int iterations;
};

Timing run(const AnyModel& model, const Workload& w, int chains, int iterations, int threads) {
  HmcConfig cfg;
  cfg.chains = chains;
  cfg.warmup = iterations / 2;
  cfg.draws = iterations - iterations / 2;
  cfg.seed = 11;
  cfg.steps = w.steps;
  cfg.threads = threads;
  DrawSet d;
  RunInfo info;
  model.run<HmcAlgorithm>(cfg, d, info, nullptr);
  double sampling_evals = 0;
  const int nl = d.stat_index("n_leapfrog__");
  for (int c = 0; c < d.n_chains; ++c)
    for (int k = d.n_warmup_saved; k < d.n_draws; ++k) sampling_evals += d.stat_series(nl, c)[k];
  return Timing{info.warmup_seconds + info.sampling_seconds, info.gradient_evaluations, info.sampling_seconds,
                sampling_evals, iterations};
}

}  // namespace

int main(int argc, char** argv) {
  if (!bench::device_ready(argv[0])) return backend::kSkipExitCode;
  bool quick = false;
  int threads = 0;
  double target_seconds = -1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      target_seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--threads T] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  if (target_seconds <= 0) target_seconds = quick ? 2.0 : 8.0;
  bench::print_machine(argc, argv);
  std::printf("# load average at start: %s\n", bench::load_average().c_str());
  const std::vector<Workload> workloads = {
      {"eight_schools_noncentered", "data/eight_schools.json", 10,
       1024, 1000},
      {"gaussian", "data/gauss100_ill.json", 100, 64, 1000},
  };
  const std::vector<int> chain_counts =
      quick ? std::vector<int>{64, 4096} : std::vector<int>{1, 64, 1024, 4096, 16384};
  bool all_ok = true;
  nlohmann::json points = nlohmann::json::array();
  // grad_evals/s: all gradient evaluations (warmup included) over warmup + sampling seconds, as
  // `lockstep sample` reports it; sampling/s: the sampling phase alone (n_leapfrog__ sums).
  std::printf("%-28s %8s %10s %10s %14s %12s %14s\n", "workload", "chains", "iterations", "seconds", "grad_evals",
              "grad_evals/s", "sampling/s");
  std::fflush(stdout);
  for (const Workload& w : workloads) {
    auto data = load_json_data(source_path(w.data));
    ModelArgs args(w.model, {}, data.get());
    const std::unique_ptr<AnyModel> model = load_model(w.model, args);
    Workload wv = w;
    if (quick) wv.validation_iterations = std::min(wv.validation_iterations, w.steps >= 100 ? 500 : 1000);
    if (!validate(*model, wv, threads)) {
      all_ok = false;
      continue;
    }
    for (int chains : chain_counts) {
      // Calibrate: runs of growing length (from 2 iterations, at least two runs, until one takes
      // >= S/8) fit seconds = a + b * iterations; a (start-up, adaptation windows, launches) is
      // paid once per run, so the timed run gets (S - a)/b iterations.
      int n1 = 2;
      Timing c1 = run(*model, w, chains, n1, threads);
      int n2 = n1;
      Timing c2 = c1;
      do {
        n1 = n2;
        c1 = c2;
        const double grow = std::clamp(target_seconds / 8 / std::max(c1.seconds, 1e-6), 2.0, 10.0);
        n2 = static_cast<int>(std::min(2000.0, n1 * grow));
        c2 = run(*model, w, chains, n2, threads);
      } while (c2.seconds < target_seconds / 8 && n2 < 2000);
      const double b = (c2.seconds - c1.seconds) / (n2 - n1);
      const double a = std::max(0.0, c2.seconds - b * n2);
      const double per_iteration = b > 0 ? b : c2.seconds / n2;
      // Noisy timings (a loaded machine) can inflate the fitted slope: never size below the plain
      // ratio of the longest calibration run.
      const double fitted = (target_seconds - std::min(a, target_seconds / 2)) / per_iteration;
      const double plain = target_seconds * n2 / c2.seconds;
      const int iterations = static_cast<int>(std::clamp(std::max(fitted, plain), 2.0, 2000.0));
      const Timing t = run(*model, w, chains, iterations, threads);
      std::printf("%-28s %8d %10d %10.3f %14llu %12.4g %14.4g\n", w.model.c_str(), chains, t.iterations, t.seconds,
                  t.grad_evals, t.grad_evals / t.seconds, t.sampling_grad_evals / t.sampling_seconds);
      std::fflush(stdout);
      points.push_back({{"workload", w.model},
                        {"chains", chains},
                        {"grad_evals_per_s", t.grad_evals / t.seconds},
                        {"sampling_per_s", t.sampling_grad_evals / t.sampling_seconds}});
    }
  }
  bench::print_launch_shapes();
  std::printf("# load average at end: %s\n", bench::load_average().c_str());
  const nlohmann::json summary = {{"bench", "hmc_throughput"}, {"shape", bench::build_shape()},
                                  {"quick", quick}, {"validated", all_ok}, {"points", points}};
  std::printf("%s\n", summary.dump().c_str());
  return all_ok ? 0 : 1;
}
