// The parts of `lockstep sample` that come after the sampler, timed alone (issue 3's targets;
// bench/command_targets.sh runs the real binary for the others):
//   (d) writing the netCDF InferenceData file of C chains x 1000 draws (target: 4096 chains in
//       under 2 s): io::write_inference_data_netcdf alone, file on the given folder;
//   the summary (cli::summarize_draws: rank-normalized R-hat, bulk/tail ESS, MCSE and quantiles
//       of every parameter and lp__), which is what `lockstep sample` runs after writing.
// The draws come from a real run (non-centered Eight Schools, static HMC, 200 warmup), checked
// against posteriordb's reference means before anything is timed.
//   ensemble (issue 21): `lockstep ensemble peak --walkers 1024 --steps 5000` in-process: the
//       sampler's time, then what the command does after it (report_ensemble: tau of every
//       parameter, means, MCSE, acceptance) timed alone; target: the report costs at most half
//       the sampling time. The run is validated against data/reference/peak.json first.
//
//   build/command_targets [--chains C] [--draws D] [--dir FOLDER] [--threads T] [--repeat R]
//                         [--walkers N] [--steps S]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <omp.h>
#include <sys/resource.h>

#include "bench/bench_common.hpp"
#include "host/backend/lanes.hpp"
#include "host/cli/summary_report.hpp"
#include "host/io/json_data.hpp"
#include "models/contract/model_args.hpp"
#include "host/io/netcdf_writer.hpp"
#include "host/algorithms/ensemble/ensemble_report.hpp"
#include "host/algorithms/ensemble/ensemble_sampler.hpp"
#include "host/algorithms/hmc/hmc_algorithm.hpp"
#include "host/io/csv_data.hpp"
#include "host/registry/model_entry.hpp"
#include "models/peak.hpp"
#include "host/registry/any_model.hpp"

using namespace lockstep;

namespace {

using bench::source_path;
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
// User + system CPU seconds of the process so far (all threads): less sensitive to other load.
double cpu_seconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}
}  // namespace

int main(int argc, char** argv) {
  if (!bench::device_ready(argv[0])) return backend::kSkipExitCode;
  int chains = 4096, draws = 1000, threads = 0, repeat = 3, walkers = 1024, steps = 5000;
  std::string dir = "/tmp";
  for (int i = 1; i < argc; ++i) {
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (!std::strcmp(argv[i], "--chains")) chains = bench::int_flag("--chains", next(), 1);
    else if (!std::strcmp(argv[i], "--draws")) draws = bench::int_flag("--draws", next(), 4);
    else if (!std::strcmp(argv[i], "--dir")) dir = next();
    else if (!std::strcmp(argv[i], "--threads")) threads = bench::int_flag("--threads", next(), 0);
    else if (!std::strcmp(argv[i], "--repeat")) repeat = bench::int_flag("--repeat", next(), 1);
    else if (!std::strcmp(argv[i], "--walkers")) walkers = bench::int_flag("--walkers", next(), 2);
    else if (!std::strcmp(argv[i], "--steps")) steps = bench::int_flag("--steps", next(), 1);
    else {
      std::fprintf(stderr, "usage: %s [--chains C] [--draws D] [--dir FOLDER] [--threads T] [--repeat R] [--walkers N] [--steps S]\n", argv[0]);
      return 2;
    }
  }
  bench::print_machine(argc, argv);
  std::printf("# load average at start: %s\n", bench::load_average().c_str());

  const std::string model_name = "eight_schools_noncentered";
  auto data = load_json_data(source_path("data/eight_schools.json"));
  ModelArgs args(model_name, {}, data.get());
  const std::unique_ptr<AnyModel> model = load_model(model_name, args);
  HmcConfig cfg;
  cfg.chains = chains;
  cfg.warmup = 200;
  cfg.draws = draws;
  cfg.seed = 3;
  cfg.threads = threads;
  DrawSet d;
  RunInfo info;
  info.model = model_name;
  auto t0 = std::chrono::steady_clock::now();
  model->run<HmcAlgorithm>(cfg, d, info, nullptr);
  std::printf("# draws: %s, %d chains x %d draws, %zu parameters + %zu statistics (%.2f GB), sampled in %.2f s\n",
              model_name.c_str(), chains, draws, d.names.size(), d.stat_names.size(),
              (d.values.size() + d.stats.size()) * 8e-9, since(t0));

  double max_rhat = 0;
  const bool ok = bench::check_against_reference(d, bench::reference_for(model_name, ""), &max_rhat) && max_rhat < 1.01;
  std::printf("# validation %s: means against posteriordb's reference, max R-hat %.4f\n", ok ? "passed" : "FAILED",
              max_rhat);
  if (!ok) return 1;

  const std::string path = dir + "/lockstep_command_targets.nc";
  std::printf("%-40s %10s %12s\n", "step", "seconds", "cpu_seconds");
  for (int r = 0; r < repeat; ++r) {
    t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    io::write_inference_data_netcdf(path, d, info);
    std::printf("%-40s %10.3f %12.3f\n", "(d) write .nc (writer alone)", since(t0), cpu_seconds() - c0);
    std::fflush(stdout);
  }
  std::remove(path.c_str());
  for (int r = 0; r < repeat; ++r) {
    t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    const cli::SummaryReport rep = cli::summarize_draws(d);
    std::printf("%-40s %10.3f %12.3f   (%zu rows, %d threads)\n", "summary (cli::summarize_draws)", since(t0),
                cpu_seconds() - c0, rep.rows.size(), omp_get_max_threads());
    std::fflush(stdout);
  }
  d = DrawSet();  // free the Eight Schools draws before the ensemble's

  // ---- ensemble: sampling, then the report alone ---------------------------------------------
  {
    auto peak_data = load_csv_data(source_path("data/peak.csv"));
    ModelArgs peak_args("peak", {}, peak_data.get());
    const Loaded<models::Peak> peak = load_typed<models::Peak>(peak_args);
    EnsembleConfig ec;
    ec.walkers = walkers;
    ec.seed = 1;
    ec.init_ball = {0.5, 0.6, 0.2, -0.2, 0.1};
    ec.threads = threads;
    DrawSet ed;
    RunInfo ei;
    // Validation, on the same sampler with the first 1000 steps discarded (the timed run keeps
    // the walk away from the tiny starting ball, which biases its means by more than 5 MCSE):
    // every mean within 5 combined MCSE of the emcee reference, acceptance sane.
    ec.steps = 3000;
    ec.discard = 1000;
    sample_ensemble(peak, ec, ed, ei);
    EnsembleReport er = report_ensemble(ed, ec, ei);
    std::ifstream ref_file(source_path("data/reference/peak.json"));
    const nlohmann::json ref = nlohmann::json::parse(ref_file);
    bool ens_ok = er.acceptance_mean > kEnsembleAcceptanceLow && er.acceptance_mean < kEnsembleAcceptanceHigh;
    for (std::size_t p = 0; p < ed.names.size(); ++p) {
      const double rm = ref.at(ed.names[p]).at("mean"), rs = ref.at(ed.names[p]).at("mcse_mean");
      ens_ok = ens_ok && std::fabs(er.mean[p] - rm) <= 5 * std::sqrt(er.mcse[p] * er.mcse[p] + rs * rs);
    }
    std::printf("# ensemble validation %s: peak, %d walkers x 3000 steps (discard 1000), means within 5 MCSE of the "
                "emcee reference, acceptance %.3f\n",
                ens_ok ? "passed" : "FAILED", walkers, er.acceptance_mean);
    if (!ens_ok) return 1;
    // The timed run: the command, every step saved.
    ec.steps = steps;
    ec.discard = 0;
    sample_ensemble(peak, ec, ed, ei);
    // The timed run's own rate (er still holds the validation run's report).
    const double updates = static_cast<double>(walkers) * static_cast<double>(steps);
    std::printf("%-40s %10.3f %12s   (%.4g walker updates/s, draws saved every step)\n", "ensemble sampling (sampler)",
                ei.sampling_seconds, "", updates / ei.sampling_seconds);
    for (int r = 0; r < repeat; ++r) {
      t0 = std::chrono::steady_clock::now();
      const double c0 = cpu_seconds();
      er = report_ensemble(ed, ec, ei);
      const double sec = since(t0);
      std::printf("%-40s %10.3f %12.3f   (%.2f x sampling; target <= 0.5)\n", "ensemble report (tau, means)", sec,
                  cpu_seconds() - c0, sec / ei.sampling_seconds);
      std::fflush(stdout);
    }
  }
  bench::print_launch_shapes();
  std::printf("# load average at end: %s\n", bench::load_average().c_str());
  return 0;
}
