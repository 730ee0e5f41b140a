// `lockstep ensemble MODEL --data FILE --walkers N --steps S ...`: emcee-style affine-invariant
// ensemble sampling, every walker a lane; prints tau per parameter, acceptance and a summary.
#include <iostream>
#include <memory>
#include <random>

#include "host/cli/commands.hpp"
#include "host/io/atomic_file.hpp"
#include "host/io/csv_data.hpp"
#include "host/io/input_error.hpp"
#include "host/run/any_model.hpp"
#include "host/run/ensemble_report.hpp"

namespace lockstep {
namespace cli {
int run_ensemble(const EnsembleOptions& o) {
  if (o.walkers < 2) throw InputError("--walkers: must be at least 2, found " + std::to_string(o.walkers));
  if (o.steps < 1) throw InputError("--steps: must be at least 1, found " + std::to_string(o.steps));
  if (o.discard < 0 || o.discard >= o.steps)
    throw InputError("--discard: must be between 0 and --steps - 1, found " + std::to_string(o.discard));
  if (o.thin < 1) throw InputError("--thin: must be at least 1, found " + std::to_string(o.thin));
  if (o.seed < -1) throw InputError("--seed: must be a non-negative integer");
  if (!(o.init_scale > 0)) throw InputError("--init-scale: must be positive");
  check_output_paths(o.output, o.summary);

  std::unique_ptr<DataSource> data;
  if (!o.data.empty()) data = load_data_file(o.data);
  ModelArgs args(o.model, parse_set_options(o.set), data.get());
  const std::unique_ptr<AnyModel> model = load_model(o.model, args);

  EnsembleConfig cfg;
  cfg.walkers = o.walkers;
  cfg.steps = o.steps;
  cfg.discard = o.discard;
  cfg.thin = o.thin;
  cfg.moves = parse_moves(o.move);
  cfg.seed = o.seed >= 0 ? static_cast<std::uint64_t>(o.seed) : std::random_device{}();
  if (!o.init_ball.empty()) cfg.init_ball = parse_number_list(o.init_ball, "--init-ball");
  cfg.init_scale = o.init_scale;
  cfg.threads = o.threads;

  RunInfo info;
  info.model = o.model;
  info.data_file = o.data;
  info.config = {{"algorithm", "ensemble"}, {"walkers", std::to_string(o.walkers)},
                 {"steps", std::to_string(o.steps)}, {"move", o.move}, {"discard", std::to_string(o.discard)},
                 {"thin", std::to_string(o.thin)}, {"seed", std::to_string(cfg.seed)}};
  DrawSet draws;
  model->sample_ensemble(cfg, draws, info, nullptr);
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
