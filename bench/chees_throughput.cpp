// ChEES-HMC (host/algorithms/chees/chees_sampler.hpp) beside NUTS and static HMC on non-centered Eight
// Schools and gauss100_ill: gradient evaluations per second and minimum bulk ESS per second
// (warmup counted) at 64 ... 16384 chains, every sampler with the same warmup and draws. Each
// workload's posterior is validated BEFORE anything of it is timed.
//
//   build/chees_throughput [--quick] [--threads T] [--warmup N] [--draws N]
//
// Validation: ChEES with 1024 chains x (200 + 500) iterations, every mean within
// 5 sqrt(mcse^2 + mcse_ref^2) of the reference (posteriordb's for Eight Schools,
// data/reference/eight_schools_noncentered.json; the exact mean of data/gauss100_ill.json)
// and R-hat < 1.01 (bench_common.hpp); a failure skips that workload's timings and makes the
// exit status 1. Every timed row is checked the same way: "ok" or "ref-FAIL" in its last column.
//
// Each point runs warmup + draws iterations (default 200 + 200) and reports: wall seconds
// (RunInfo warmup + sampling), all gradient evaluations (initialization and warmup included)
// per second, the sampling phase's own rate (sum of n_leapfrog__ over chains and draws /
// sampling seconds), min bulk ESS over the outputs, and that ESS per wall second. Static HMC
// uses 10 mean leapfrog steps on Eight Schools and 100 on gauss100_ill (as bench/run_all).
// NUTS on gauss100_ill needs ~330 leapfrog steps per draw with a diagonal metric, so it runs
// only up to 1024 chains (4096 would take ~15 minutes here), and with --quick only at 64.
// --quick (~2 minutes): Eight Schools at 1024 and 4096 chains, gauss100_ill at 64 and 1024;
// full: 64, 1024, 4096 and 16384 for both.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_common.hpp"
#include "host/diagnostics/convergence.hpp"
#include "host/io/json_data.hpp"
#include "models/contract/model_args.hpp"
#include "host/algorithms/chees/chees_algorithm.hpp"
#include "host/algorithms/hmc/hmc_algorithm.hpp"
#include "host/algorithms/nuts/nuts_algorithm.hpp"
#include "host/registry/any_model.hpp"

using namespace lockstep;

namespace {

using bench::source_path;


double min_bulk_ess(const DrawSet& d) {
  double m = 1e300;
  for (std::size_t p = 0; p < d.names.size(); ++p)
    m = std::min(m, diagnostics::ess_bulk(diagnostics::chains_of(d, static_cast<int>(p))));
  return m;
}

/// Gradient evaluations of the sampling phase: the n_leapfrog__ column summed.
double sampling_gradients(const DrawSet& d) {
  const int nl = d.stat_index("n_leapfrog__");
  double s = 0;
  for (int c = 0; c < d.n_chains; ++c)
    for (int k = d.n_warmup_saved; k < d.n_draws; ++k) s += d.stat_series(nl, c)[k];
  return s;
}

void report(const char* algorithm, int chains, const DrawSet& d, const RunInfo& info, const char* check) {
  const double sec = info.warmup_seconds + info.sampling_seconds;
  const double ess = min_bulk_ess(d);
  std::printf("%-6s %8d %9.3f %9.3f %14llu %12.4g %12.4g %10.1f %12.4g %12.0f %s\n", algorithm, chains,
              info.warmup_seconds, info.sampling_seconds, info.gradient_evaluations, info.gradient_evaluations / sec,
              sampling_gradients(d) / info.sampling_seconds, ess, ess / sec, info.warmup_bytes_per_iteration, check);
  std::fflush(stdout);
}

}  // namespace

struct Workload {
  const char* model;
  const char* data;
  int hmc_steps;
  int nuts_max_chains;
};

template <class Config>
Config config_of(int chains, int warmup, int draws, std::uint64_t seed, int threads) {
  Config c;
  c.chains = chains;
  c.warmup = warmup;
  c.draws = draws;
  c.seed = seed;
  c.threads = threads;
  return c;
}

int main(int argc, char** argv) {
  if (!bench::device_ready(argv[0])) return backend::kSkipExitCode;
  bool quick = false;
  int threads = 0, warmup = 200, draws = 200;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--warmup") == 0 && i + 1 < argc) warmup = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--draws") == 0 && i + 1 < argc) draws = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: chees_throughput [--quick] [--threads T] [--warmup N] [--draws N]\n");
      return 2;
    }
  }
  bench::print_machine(argc, argv);
  std::printf("# load average before: %s\n", bench::load_average().c_str());

  const Workload workloads[] = {{"eight_schools_noncentered", "data/eight_schools.json", 10, 16384},
                                {"gaussian", "data/gauss100_ill.json", 100, 1024}};
  int status = 0;
  for (const Workload& w : workloads) {
    auto data = load_json_data(source_path(w.data));
    ModelArgs args(w.model, {}, data.get());
    const std::unique_ptr<AnyModel> model = load_model(w.model, args);
    const diagnostics::ReferencePosterior ref = bench::reference_for(w.model, w.data);
    {  // ---- validation ------------------------------------------------------------------------
      DrawSet d;
      RunInfo info;
      model->run<CheesAlgorithm>(config_of<CheesConfig>(1024, 200, 500, 21, threads), d, info, nullptr);
      double max_rhat = 0;
      const bool ok = bench::check_against_reference(d, ref, &max_rhat) && max_rhat < 1.01;
      std::printf("# validation %s: %s, ChEES 1024 chains x (200 + 500), max R-hat %.4f, %ld divergences\n",
                  ok ? "passed" : "FAILED", w.model, max_rhat, info.divergences);
      if (!ok) {
        status = 1;
        continue;
      }
    }
    const bool gauss = std::strcmp(w.model, "gaussian") == 0;
    const std::vector<int> chain_counts = quick ? (gauss ? std::vector<int>{64, 1024} : std::vector<int>{1024, 4096})
                                                : std::vector<int>{64, 1024, 4096, 16384};
    std::printf("# %s, %d warmup + %d draws per chain\n", w.model, warmup, draws);
    std::printf("%-6s %8s %9s %9s %14s %12s %12s %10s %12s %12s %s\n", "algo", "chains", "warmup_s", "sample_s",
                "grad_evals", "grads/s", "sample_gr/s", "min_ess", "min_ess/s", "xfer_B/iter", "check");
    for (int chains : chain_counts) {
      auto timed = [&](const char* name, auto run) {
        DrawSet d;
        RunInfo info;
        run(d, info);
        double max_rhat = 0;
        const bool ok = bench::check_against_reference(d, ref, &max_rhat) && max_rhat < 1.01;
        report(name, chains, d, info, ok ? "ok" : "ref-FAIL");
      };
      timed("chees", [&](DrawSet& d, RunInfo& info) {
        model->run<CheesAlgorithm>(config_of<CheesConfig>(chains, warmup, draws, 11, threads), d, info, nullptr);
      });
      if (chains <= (quick && gauss ? 64 : w.nuts_max_chains))
        timed("nuts", [&](DrawSet& d, RunInfo& info) {
          model->run<NutsAlgorithm>(config_of<NutsConfig>(chains, warmup, draws, 11, threads), d, info, nullptr);
        });
      timed("hmc", [&](DrawSet& d, RunInfo& info) {
        HmcConfig c = config_of<HmcConfig>(chains, warmup, draws, 11, threads);
        c.steps = w.hmc_steps;
        model->run<HmcAlgorithm>(c, d, info, nullptr);
      });
    }
  }
  bench::print_launch_shapes();
  std::printf("# load average after: %s\n", bench::load_average().c_str());
  return status;
}
