// ChEES-HMC (host/run/chees_sampler.hpp) on non-centered Eight Schools: gradient evaluations
// per second and minimum bulk ESS per second (warmup counted) at 64 ... 16384 chains, beside
// NUTS (Stan's windowed warmup, per-chain adaptation) with the same warmup and draws. The
// posterior is validated against posteriordb's reference BEFORE anything is timed.
//
//   build/chees_throughput [--quick] [--threads T] [--warmup N] [--draws N]
//
// Validation: ChEES with 1024 chains x (200 + 500) iterations, every mean within
// 5 sqrt(mcse^2 + mcse_ref^2) of data/reference/eight_schools_noncentered.json and R-hat < 1.01
// (bench_common.hpp); a failure skips the timings and makes the exit status 1.
//
// Each point runs warmup + draws iterations (default 200 + 200) and reports: wall seconds
// (RunInfo warmup + sampling), all gradient evaluations (initialization and warmup included)
// per second, the sampling phase's own rate (the frozen-parameter kernel: sum of n_leapfrog__
// over chains and draws / sampling seconds), min bulk ESS over the 10 outputs, and that ESS
// per wall second. --quick times 1024 and 4096 chains; the full run 64, 1024, 4096 and 16384.
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
#include "host/io/model_args.hpp"
#include "host/run/any_model.hpp"

using namespace lockstep;

namespace {

std::string source_path(const std::string& rel) {
#ifdef LOCKSTEP_SOURCE_DIR
  return std::string(LOCKSTEP_SOURCE_DIR) + "/" + rel;
#else
  return rel;
#endif
}

double min_bulk_ess(const DrawSet& d) {
  double m = 1e300;
  for (std::size_t p = 0; p < d.names.size(); ++p)
    m = std::min(m, diagnostics::ess_bulk(bench::chains_of(d, static_cast<int>(p))));
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

void report(const char* algorithm, int chains, const DrawSet& d, const RunInfo& info) {
  const double sec = info.warmup_seconds + info.sampling_seconds;
  const double ess = min_bulk_ess(d);
  std::printf("%-6s %8d %9.3f %9.3f %14llu %12.4g %12.4g %10.1f %12.4g\n", algorithm, chains, info.warmup_seconds,
              info.sampling_seconds, info.gradient_evaluations, info.gradient_evaluations / sec,
              sampling_gradients(d) / info.sampling_seconds, ess, ess / sec);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
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

  auto data = load_json_data(source_path("data/eight_schools.json"));
  ModelArgs args("eight_schools_noncentered", {}, data.get());
  const std::unique_ptr<AnyModel> model = load_model("eight_schools_noncentered", args);
  std::ifstream in(source_path("data/reference/eight_schools_noncentered.json"));
  const nlohmann::json ref = nlohmann::json::parse(in);

  {  // ---- validation --------------------------------------------------------------------------
    CheesConfig cfg;
    cfg.chains = 1024;
    cfg.warmup = 200;
    cfg.draws = 500;
    cfg.seed = 21;
    cfg.threads = threads;
    DrawSet d;
    RunInfo info;
    model->sample_chees(cfg, d, info, nullptr);
    double max_rhat = 0;
    const bool ok = bench::check_against_reference(d, ref, &max_rhat) && max_rhat < 1.01;
    std::printf("# validation %s: eight_schools_noncentered, ChEES 1024 chains x (200 + 500), max R-hat %.4f, "
                "%ld divergences\n",
                ok ? "passed" : "FAILED", max_rhat, info.divergences);
    if (!ok) return 1;
  }

  const std::vector<int> chain_counts = quick ? std::vector<int>{1024, 4096} : std::vector<int>{64, 1024, 4096, 16384};
  std::printf("# eight_schools_noncentered, %d warmup + %d draws per chain\n", warmup, draws);
  std::printf("%-6s %8s %9s %9s %14s %12s %12s %10s %12s\n", "algo", "chains", "warmup_s", "sample_s", "grad_evals",
              "grads/s", "sample_gr/s", "min_ess", "min_ess/s");
  for (int chains : chain_counts) {
    {
      CheesConfig cfg;
      cfg.chains = chains;
      cfg.warmup = warmup;
      cfg.draws = draws;
      cfg.seed = 11;
      cfg.threads = threads;
      DrawSet d;
      RunInfo info;
      model->sample_chees(cfg, d, info, nullptr);
      report("chees", chains, d, info);
    }
    {
      NutsConfig cfg;
      cfg.chains = chains;
      cfg.warmup = warmup;
      cfg.draws = draws;
      cfg.seed = 11;
      cfg.threads = threads;
      DrawSet d;
      RunInfo info;
      model->sample_nuts(cfg, d, info, nullptr);
      report("nuts", chains, d, info);
    }
  }
  std::printf("# load average after: %s\n", bench::load_average().c_str());
  return 0;
}
