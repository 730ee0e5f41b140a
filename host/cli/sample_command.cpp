// `lockstep sample MODEL --data FILE ...`: run a sampler over many chains, print the summary,
// write draws (Stan CSV or netCDF InferenceData) and a JSON summary.
#include <chrono>
#include <future>
#include <cmath>
#include <iostream>
#include <memory>
#include <random>

#include "host/backend/lanes.hpp"
#include "host/cli/algorithms.hpp"
#include "host/cli/commands.hpp"
#include "host/cli/summary_report.hpp"
#include "host/cli/terminal_progress.hpp"
#include "host/diagnostics/nested_rhat.hpp"
#include "host/io/atomic_file.hpp"
#include "host/io/input_error.hpp"
#include "host/io/csv_data.hpp"
#include "host/io/json_data.hpp"
#include "host/io/model_args.hpp"
#include "host/io/netcdf_writer.hpp"
#include "host/io/stan_csv_writer.hpp"
#include "host/run/any_model.hpp"

namespace lockstep {
namespace cli {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void validate(const SampleOptions& o) {
  if (o.chains < 1) throw InputError("--chains: must be at least 1, found " + std::to_string(o.chains));
  if (o.warmup < 0) throw InputError("--warmup: must not be negative, found " + std::to_string(o.warmup));
  if (o.draws < 1) throw InputError("--draws: must be at least 1, found " + std::to_string(o.draws));
  if (o.thin < 1) throw InputError("--thin: must be at least 1, found " + std::to_string(o.thin));
  if (o.threads < 0) throw InputError("--threads: must not be negative, found " + std::to_string(o.threads));
  if (o.steps < 1) throw InputError("--steps: must be at least 1, found " + std::to_string(o.steps));
  if (o.target_accept != 0 && !(o.target_accept > 0 && o.target_accept < 1))
    throw InputError("--target-accept: must be strictly between 0 and 1, found " + std::to_string(o.target_accept));
  if (o.seed < -1)
    throw InputError("--seed: must be a non-negative integer");
  find_algorithm(o.algorithm);
  if (o.superchains < 0 || o.superchains == 1)
    throw InputError("--superchains: must be at least 2 (nested R-hat compares superchains), found " +
                     std::to_string(o.superchains));
  if (o.superchains > 0 && o.chains % o.superchains != 0)
    throw InputError("--superchains " + std::to_string(o.superchains) + ": must divide --chains " +
                     std::to_string(o.chains) + " (every superchain has the same number of chains)");
  if (o.metric != "diag" && o.metric != "dense")
    throw InputError("--metric: '" + o.metric + "' is not one of: diag, dense");
  if (o.metric == "dense" && o.algorithm != "nuts") throw InputError("--metric dense: only with --algorithm nuts");
  if (o.max_depth < 1 || o.max_depth > 30)
    throw InputError("--max-depth: must be between 1 and 30, found " + std::to_string(o.max_depth));
  if (o.backend == "cuda") {
    if (!backend::is_cuda_build())
      throw InputError("--backend cuda: this lockstep was built for the CPU; rebuild with -DLOCKSTEP_CUDA=ON");
    if (backend::cuda_device_count() == 0)
      throw InputError("--backend cuda: no CUDA device found (cudaGetDeviceCount reports 0)");
  } else if (o.backend == "cpu") {
    if (backend::is_cuda_build())
      throw InputError("--backend cpu: this lockstep was built for CUDA; use a CPU build or --backend cuda");
  } else {
    throw InputError("--backend: '" + o.backend + "' is not one of: cpu, cuda");
  }
}

/// --init: "unifR" (uniform(-R, R) on the unconstrained scale; Stan's default R = 2), a bare
/// number R, or a JSON file of parameter values on the constrained scale (used by all chains).
void apply_init(const std::string& init, const AnyModel& model, SamplerSettings& cfg) {
  std::string radius_text = init.rfind("unif", 0) == 0 ? init.substr(4) : init;
  try {
    std::size_t used = 0;
    const double r = std::stod(radius_text, &used);
    if (used == radius_text.size()) {
      if (!(r > 0) || !std::isfinite(r)) throw InputError("--init: the radius must be positive, found " + radius_text);
      cfg.init_radius = r;
      return;
    }
  } catch (const std::invalid_argument&) {
  } catch (const std::out_of_range&) {
  }
  const std::unique_ptr<DataSource> values = load_json_data(init);
  std::vector<double> outputs;
  for (const std::string& name : model.names()) {
    const auto bracket = name.find('[');
    if (bracket == std::string::npos) {
      outputs.push_back(values->reals_of_size(name, 1)[0]);
    } else {
      const std::string base = name.substr(0, bracket);
      const long index = std::stol(name.substr(bracket + 1));
      const std::vector<double> v = values->get_reals(base);
      if (index > static_cast<long>(v.size()))
        values->fail(base, "expected at least " + std::to_string(index) + " values, found " + std::to_string(v.size()));
      outputs.push_back(v[index - 1]);
    }
  }
  cfg.init_unconstrained = {model.unconstrain(outputs)};
}

}  // namespace

void check_output_paths(const std::string& output, const std::string& summary) {
  if (!output.empty() && !ends_with(output, ".csv") && !ends_with(output, ".nc"))
    throw InputError("--output " + output + ": the name must end in .csv (Stan CSV) or .nc (netCDF InferenceData)");
  if (!summary.empty() && !ends_with(summary, ".json"))
    throw InputError("--summary " + summary + ": the name must end in .json");
  if (!output.empty()) io::check_writable(output, "--output");
  if (!summary.empty()) io::check_writable(summary, "--summary");
}

void write_draws(const std::string& output, const DrawSet& draws, const RunInfo& info) {
  if (output.empty()) return;
  if (ends_with(output, ".nc"))
    io::write_inference_data_netcdf(output, draws, info);
  else
    io::write_stan_csv(output, draws, info);
}

std::map<std::string, std::string> parse_set_options(const std::vector<std::string>& set) {
  std::map<std::string, std::string> out;
  for (const std::string& kv : set) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size())
      throw InputError("--set " + kv + ": expected key=value");
    out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

int run_sample(const SampleOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  validate(o);
  check_output_paths(o.output, o.summary);

  std::unique_ptr<DataSource> data;
  if (!o.data.empty()) data = load_data_file(o.data);
  ModelArgs args(o.model, parse_set_options(o.set), data.get());
  const std::unique_ptr<AnyModel> model = load_model(o.model, args);

  SamplerSettings cfg;
  cfg.chains = o.chains;
  cfg.warmup = o.warmup;
  cfg.draws = o.draws;
  cfg.thin = o.thin;
  cfg.target_accept = o.target_accept != 0 ? o.target_accept : default_target_accept(o.algorithm);
  cfg.steps = o.steps;
  cfg.max_depth = o.max_depth;
  cfg.metric = o.metric;
  cfg.pool_adaptation = o.pool_adaptation;
  cfg.save_warmup = o.save_warmup;
  cfg.threads = o.threads;
  cfg.seed = o.seed >= 0 ? static_cast<std::uint64_t>(o.seed) : std::random_device{}();
  apply_init(o.init, *model, cfg);
  if (o.superchains > 0) {
    if (!cfg.init_unconstrained.empty())
      throw InputError("--superchains: cannot be used with --init FILE (chains of a superchain start from one "
                       "random point; give --init R for its radius)");
    cfg.init_unconstrained = superchain_inits(*model, o.chains, o.superchains, cfg.init_radius, cfg.seed);
  }

  RunInfo info;
  info.model = o.model;
  info.data_file = o.data;
  info.num_warmup = o.warmup;
  info.thin = o.thin;
  info.config = {{"algorithm", o.algorithm}, {"chains", std::to_string(o.chains)},
                 {"warmup", std::to_string(o.warmup)}, {"draws", std::to_string(o.draws)},
                 {"thin", std::to_string(o.thin)}, {"seed", std::to_string(cfg.seed)},
                 {"target_accept", std::to_string(cfg.target_accept)},
                 {"save_warmup", o.save_warmup ? "true" : "false"}, {"init", o.init},
                 {"backend", o.backend}};
  for (const auto& kv : parse_set_options(o.set)) info.config.push_back({"model." + kv.first, kv.second});

  if (o.algorithm == "hmc") info.config.push_back({"steps", std::to_string(o.steps)});
  if (o.algorithm != "chees") info.config.push_back({"pool_adaptation", o.pool_adaptation ? "true" : "false"});
  if (o.algorithm == "nuts") {
    info.config.push_back({"max_depth", std::to_string(o.max_depth)});
    info.config.push_back({"metric", o.metric});
  }
  if (o.superchains > 0) info.config.push_back({"superchains", std::to_string(o.superchains)});
  DrawSet draws;
  std::unique_ptr<Progress> progress;
  if (!o.quiet && TerminalProgress::wanted()) progress = std::make_unique<TerminalProgress>();
  find_algorithm(o.algorithm).run(*model, cfg, draws, info, progress.get());
  if (o.superchains > 0) info.superchain = diagnostics::consecutive_superchains(o.chains, o.superchains);
  const double run_seconds = info.warmup_seconds + info.sampling_seconds;

  // The draws are written while the summary is computed: both only read them, and writing
  // is mostly the kernel copying into the page cache (0.7 s of a 4096 x 1000 run's .nc).
  // get() rethrows a writer's error.
  std::future<void> written = std::async(std::launch::async, [&] { write_draws(o.output, draws, info); });
  SummaryReport report;
  try {
    report = summarize_draws(draws, info.superchain);
  } catch (...) {
    written.wait();
    throw;
  }
  written.get();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double grad_rate = info.gradient_evaluations / std::max(run_seconds, 1e-9);

  std::cout << "lockstep " << o.algorithm << ": model " << o.model << ", " << o.chains << " chains, "
            << o.warmup << " warmup + " << o.draws << " draws each, seed " << cfg.seed;
  if (o.superchains > 0)
    std::cout << ", " << o.superchains << " superchains of " << o.chains / o.superchains << " chains";
  std::cout << "\n\n";
  print_summary(std::cout, report);
  std::printf("Wall time: %.3f s (warmup %.3f s, sampling %.3f s)\n", wall, info.warmup_seconds,
              info.sampling_seconds);
  std::printf("Gradient evaluations: %llu (%.4g per second)\n", info.gradient_evaluations, grad_rate);
  if (!o.output.empty()) std::cout << "Draws written to " << o.output << "\n";
  if (!o.summary.empty()) {
    write_summary_json(o.summary, report, info,
                       {{"chains", o.chains}, {"warmup", o.warmup}, {"draws", o.draws},
                        {"wall_seconds", wall}, {"warmup_seconds", info.warmup_seconds},
                        {"sampling_seconds", info.sampling_seconds},
                        {"gradient_evaluations_per_second", grad_rate}});
    std::cout << "Summary written to " << o.summary << "\n";
  }
  return 0;
}

}  // namespace cli
}  // namespace lockstep
