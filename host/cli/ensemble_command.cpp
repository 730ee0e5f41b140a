// `lockstep ensemble MODEL --data FILE --walkers N --steps S ...`: emcee-style affine-invariant
// ensemble sampling, every walker a lane; prints tau per parameter, acceptance and a summary.
// The flags after the model's are the `ensemble` algorithm's (host/algorithms/ensemble/).
#include <iostream>
#include <memory>

#include "host/algorithms/ensemble/ensemble_config.hpp"
#include "host/algorithms/ensemble/ensemble_report.hpp"
#include "host/cli/commands.hpp"
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
  model->run("ensemble", settings, o.algorithm_options, draws, info, nullptr);
  write_draws(o.output, draws, info);
  const EnsembleReport report = report_ensemble(draws, cfg, info);
  std::cout << "lockstep ensemble: model " << o.model << ", seed " << cfg.seed << "\n"
            << format_ensemble_report(report);
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
