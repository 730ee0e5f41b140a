// `lockstep ensemble MODEL --data FILE --walkers N --steps S ...`: emcee-style affine-invariant
// ensemble sampling, every walker a lane; prints tau per parameter, acceptance and a summary.
// The flags after the model's are the `ensemble` algorithm's (host/algorithms/ensemble/).
#include <algorithm>
#include <future>
#include <iostream>
#include <memory>

#include "host/algorithms/ensemble/ensemble_config.hpp"
#include "host/algorithms/ensemble/ensemble_report.hpp"
#include "host/cli/commands.hpp"
#include "host/cli/process_clock.hpp"
#include "host/io/atomic_file.hpp"
#include "host/registry/algorithm_table.hpp"
#include "host/registry/any_model.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {

int run_ensemble(const EnsembleOptions& o) {
  check_threads(o.threads);
  select_backend(o.backend);
  RunSettings settings;
  settings.seed = resolve_seed(o.seed);
  settings.threads = o.threads;
  const EnsembleConfig cfg = ensemble_config_from(settings, o.algorithm_options);
  check_output_paths(o.output, o.summary);
  const std::unique_ptr<AnyModel> model = load_model_for(o, "ensemble");

  RunInfo info;
  info.model = o.model;
  info.data_file = o.data;
  DrawSet draws;
  const double load_seconds = seconds_since_start();  // process start to the sampler
  PhaseClock clock;
  model->run("ensemble", settings, o.algorithm_options, draws, info, nullptr);
  const double run_seconds = clock.lap();
  // tau, means and acceptance (the report) while the draws are written: both only read them.
  double write_seconds = 0;
  std::future<void> written = std::async(std::launch::async, [&] {
    PhaseClock write_clock;
    write_draws(o.output, draws, info);
    write_seconds = write_clock.lap();
  });
  EnsembleReport report;
  try {
    report = report_ensemble(draws, cfg, info);
  } catch (...) {
    written.wait();
    throw;
  }
  const double report_seconds = clock.lap();
  written.get();
  report.end_to_end_seconds = seconds_since_start();
  report.load_seconds = load_seconds;
  report.report_seconds = report_seconds;
  report.write_seconds = write_seconds;
  std::cout << "lockstep ensemble: model " << o.model << ", seed " << cfg.seed << "\n"
            << format_ensemble_report(report);
  std::cout << format_end_to_end(report.end_to_end_seconds,
                                 {{"load", load_seconds},
                                  {"sampling", info.sampling_seconds},
                                  {"other run", std::max(0.0, run_seconds - info.sampling_seconds)},
                                  {"tau and report", report_seconds},
                                  {"writing, alongside", write_seconds}})
            << "\n";
  if (!o.output.empty()) std::cout << "Draws written to " << o.output << "\n";
  if (!o.summary.empty()) {
    io::AtomicFile f(o.summary);
    f.write(ensemble_report_json(report).dump(1) + "\n");
    f.commit();
    std::cout << "Summary written to " << o.summary << "\n";
  }
  return 0;
}

}  // namespace cli
}  // namespace lockstep
