// `lockstep abc MODEL --data FILE --sims N (--keep K | --epsilon E)` (rejection ABC) and
// `lockstep smc-abc MODEL --data FILE --sims BUDGET --particles P` (population Monte Carlo ABC):
// simulation-based inference with every simulation a lane (host/algorithms/abc/,
// host/algorithms/smc_abc/). Prints the summary of the accepted (smc-abc: resampled, equally
// weighted) draws and the schedule of generations; writes the draws as `sample` does (Stan CSV
// or netCDF InferenceData, algorithm = abc / smc-abc; `lockstep summary` reads them) and the
// schedule CSV (generation, epsilon, acceptance_rate, simulations, total_simulations,
// non_finite, ess, complete) to --schedule, or next to --output as STEM_schedule.csv. With
// --predict, y_rep for every written draw (host/cli/predictive.hpp; chain 0, the draw's index
// as iteration) and the posterior predictive p-values.
//
// Order of the written draws: the algorithms return rejection ABC's kept draws nearest first
// and SMC-ABC's resampled draws grouped by particle; both sets are exchangeable, so the command
// writes them in a uniformly random order (Fisher-Yates with Philox uniforms from Rng{seed, 0},
// kAbcShuffle stream), so that tools reading them as one chain (ESS, split R-hat) see
// independent-looking draws. The summary printed is mean, sd, quantiles and bulk ESS only (no
// MCMC diagnostics: these are not Markov chains).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "host/algorithms/abc/abc_config.hpp"
#include "host/algorithms/smc_abc/smc_abc_config.hpp"
#include "host/backend/lanes.hpp"
#include "host/cli/checkpoints.hpp"
#include "host/cli/commands.hpp"
#include "host/cli/predictive.hpp"
#include "host/cli/summary_report.hpp"
#include "host/core/interrupt.hpp"
#include "host/io/atomic_file.hpp"
#include "host/registry/algorithm_table.hpp"
#include "host/registry/any_model.hpp"
#include "kernels/core/philox.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {
namespace {

std::string number8(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.8g", x);
  return buf;
}

/// --schedule, or STEM_schedule.csv next to --output (PATH.csv / PATH.nc), or none.
std::string schedule_path(const AbcOptions& o) {
  if (!o.schedule.empty()) return o.schedule;
  if (o.output.empty()) return "";
  const std::size_t dot = o.output.rfind('.');
  return o.output.substr(0, dot) + "_schedule.csv";
}

std::string schedule_csv(const AbcResult& r) {
  std::ostringstream s;
  s << "generation,epsilon,acceptance_rate,simulations,total_simulations,non_finite,ess,complete\n";
  for (const AbcGeneration& g : r.schedule)
    s << g.generation << "," << number8(g.epsilon) << "," << number8(g.acceptance_rate) << "," << g.simulations << ","
      << g.total_simulations << "," << g.non_finite << "," << number8(g.ess) << "," << (g.complete ? 1 : 0) << "\n";
  return s.str();
}

void print_schedule(const AbcResult& r) {
  std::printf("%10s %14s %12s %12s %14s %10s %10s\n", "generation", "epsilon", "acceptance", "simulations",
              "total", "ess", "complete");
  for (const AbcGeneration& g : r.schedule)
    std::printf("%10d %14s %12.4g %12lld %14lld %10.1f %10s\n", g.generation, number8(g.epsilon).c_str(),
                g.acceptance_rate, static_cast<long long>(g.simulations), static_cast<long long>(g.total_simulations),
                g.ess, g.complete ? "yes" : "no");
}

constexpr Stream kAbcShuffle = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 3);

/// Permutes the draws of the single chain uniformly at random (see the file comment).
void shuffle_draws(DrawSet& d, std::uint64_t seed) {
  const Rng rng{seed, 0};
  const int n = d.n_draws;
  for (int k = n - 1; k > 0; --k) {
    const int j = std::min(k, static_cast<int>(uniform(rng, 0, kAbcShuffle, static_cast<std::uint32_t>(k)) * (k + 1)));
    for (std::size_t p = 0; p < d.names.size(); ++p) std::swap(d.series(static_cast<int>(p), 0)[k], d.series(static_cast<int>(p), 0)[j]);
    for (std::size_t s = 0; s < d.stat_names.size(); ++s)
      std::swap(d.stat_series(static_cast<int>(s), 0)[k], d.stat_series(static_cast<int>(s), 0)[j]);
  }
}

void print_abc_summary(const SummaryReport& r) {
  std::printf("%-12s %10s %10s %10s %10s %10s %9s\n", "", "mean", "sd", "5%", "50%", "95%", "ess_bulk");
  for (const SummaryRow& row : r.rows)
    std::printf("%-12s %10.4g %10.4g %10.4g %10.4g %10.4g %9.0f\n", row.name.c_str(), row.mean, row.sd, row.q5, row.q50,
                row.q95, row.ess_bulk);
}

/// SMC-ABC's state after a generation as a checkpoint ("smc-abc" snapshot: next_iteration =
/// the generations done after the prior's), and back.
constexpr std::size_t kGenerationFields = 8;

SamplerSnapshot pack_smc_abc(const SmcAbcState& st) {
  SamplerSnapshot snap;
  snap.sampler = "smc-abc";
  snap.next_iteration = st.generation;
  snap.put_values("smc_population", st.population);
  snap.put_values("smc_distances", st.distances);
  snap.put_values("smc_weights", st.weights);
  snap.put_values("smc_keys", st.keys);
  const AbcResult& r = st.result;
  snap.put_values("smc_scalars", std::vector<double>{static_cast<double>(st.total), st.rate,
                                                     static_cast<double>(r.non_finite),
                                                     static_cast<double>(r.proposals_outside_prior), r.epsilon});
  std::vector<double> schedule;  // kGenerationFields per generation (AbcGeneration's, in order)
  for (const AbcGeneration& g : r.schedule)
    schedule.insert(schedule.end(), {static_cast<double>(g.generation), g.epsilon, g.acceptance_rate,
                                     static_cast<double>(g.simulations), static_cast<double>(g.total_simulations),
                                     static_cast<double>(g.non_finite), g.ess, g.complete ? 1.0 : 0.0});
  snap.put_values("smc_schedule", schedule);
  return snap;
}

SmcAbcState unpack_smc_abc(const SamplerSnapshot& snap, const std::string& path) {
  const auto bad = [&](const std::string& why) { return InputError(path + ": " + why); };
  if (snap.sampler != "smc-abc") throw bad("not a checkpoint of `lockstep smc-abc` (it holds a " + snap.sampler + " run)");
  SmcAbcState st;
  std::vector<double> scalars, schedule;
  if (!snap.get_values("smc_population", st.population) || !snap.get_values("smc_distances", st.distances) ||
      !snap.get_values("smc_weights", st.weights) || !snap.get_values("smc_keys", st.keys) ||
      st.keys.size() != 2 * st.weights.size() || !snap.get_values("smc_scalars", scalars) || scalars.size() != 5 ||
      !snap.get_values("smc_schedule", schedule) || snap.next_iteration < 0 ||
      schedule.size() != kGenerationFields * static_cast<std::size_t>(snap.next_iteration + 1))
    throw bad("its population or schedule is incomplete");
  st.generation = static_cast<int>(snap.next_iteration);
  st.total = static_cast<std::int64_t>(scalars[0]);
  st.rate = scalars[1];
  st.result.non_finite = static_cast<std::int64_t>(scalars[2]);
  st.result.proposals_outside_prior = static_cast<std::int64_t>(scalars[3]);
  st.result.epsilon = scalars[4];
  for (std::size_t k = 0; k < schedule.size(); k += kGenerationFields) {
    AbcGeneration g;
    g.generation = static_cast<int>(schedule[k]);
    g.epsilon = schedule[k + 1];
    g.acceptance_rate = schedule[k + 2];
    g.simulations = static_cast<std::int64_t>(schedule[k + 3]);
    g.total_simulations = static_cast<std::int64_t>(schedule[k + 4]);
    g.non_finite = static_cast<std::int64_t>(schedule[k + 5]);
    g.ess = schedule[k + 6];
    g.complete = schedule[k + 7] != 0;
    st.result.schedule.push_back(g);
  }
  return st;
}

/// Rejection ABC's state after a chunk as a checkpoint ("abc" snapshot: next_iteration = the
/// simulations done), and back.
SamplerSnapshot pack_abc(const AbcState& st) {
  SamplerSnapshot snap;
  snap.sampler = "abc";
  snap.next_iteration = static_cast<long>(st.done);
  snap.put_values("abc_distances", st.distances);
  snap.put_values("abc_indices", st.indices);
  snap.put_values("abc_theta", st.theta);
  snap.put_values("abc_scalars", std::vector<double>{st.cut, static_cast<double>(st.non_finite)});
  return snap;
}

AbcState unpack_abc(const SamplerSnapshot& snap, const std::string& path) {
  const auto bad = [&](const std::string& why) { return InputError(path + ": " + why); };
  if (snap.sampler != "abc") throw bad("not a checkpoint of `lockstep abc` (it holds a " + snap.sampler + " run)");
  AbcState st;
  std::vector<double> scalars;
  if (!snap.get_values("abc_distances", st.distances) || !snap.get_values("abc_indices", st.indices) ||
      !snap.get_values("abc_theta", st.theta) || !snap.get_values("abc_scalars", scalars) || scalars.size() != 2 ||
      snap.next_iteration < 1)
    throw bad("its candidates are incomplete");
  st.done = snap.next_iteration;
  st.cut = scalars[0];
  st.non_finite = static_cast<std::int64_t>(scalars[1]);
  return st;
}

}  // namespace

int run_abc(const AbcOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool smc = o.command == "smc-abc";
  check_threads(o.threads);
  select_backend(o.backend);
  RunSettings settings;
  settings.seed = resolve_seed(o.seed);
  if (const io::CheckpointFile* resuming = pending_resume()) settings.seed = resuming->seed;  // even if drawn at random
  settings.threads = o.threads;
  if (!o.checkpoint.empty()) check_checkpoint_flags(o.checkpoint, o.checkpoint_every);
  const AlgorithmInfo& algorithm = find_algorithm(o.command, o.command);
  refuse_unused_flags(algorithm, o.algorithm_options);
  algorithm.validate(settings, o.algorithm_options);  // flag values, before the data is read
  const ModelEntry& entry = find_model(o.model);
  require_capability(entry, Capability::kPriorDraw, o.command);
  require_capability(entry, Capability::kSimulate, o.command);
  if (smc) require_capability(entry, Capability::kLogPrior, o.command);
  if (o.predict) check_predict_capability(o.model);
  refuse_files_in_process(o, {{"--output", o.output}, {"--schedule", o.schedule}, {"--checkpoint", o.checkpoint}});
  check_output_paths(o.output, "");
  check_chain_files(o.output, 1);
  const std::string schedule = schedule_path(o);
  if (!schedule.empty()) io::check_writable(schedule, "--schedule");
  {
    std::vector<OutputFile> files = output_files(o.output, 1);
    files.push_back({schedule, "--schedule"});
    files.push_back({o.checkpoint, "--checkpoint"});
    check_distinct_outputs(files);
  }
  const std::unique_ptr<AnyModel> model = load_model_for(o, o.command);
  if (o.predict) check_predict_replicates(*model, o.model);
  const std::unique_ptr<AnyModel> new_rows =
      newdata_rows(*model, o.predict, o.newdata, o.in_process ? o.in_process->newdata : nullptr);

  AbcResult result;
  DrawSet draws;
  RunInfo info;
  info.model = o.model;
  info.data_file = o.data;
  info.config = {{"algorithm", o.command}, {"seed", std::to_string(settings.seed)}};
  for (const FlagSpec& f : algorithm.flags)
    if (o.algorithm_options.given(f.flag)) info.config.push_back({f.flag.substr(2), o.algorithm_options.get_text(f.flag, "")});
  for (const auto& kv : parse_set_options(o.set)) info.config.push_back({"model." + kv.first, kv.second});
  // Checkpoints as generations (smc-abc) or chunks of simulations (abc) end, every
  // --checkpoint-every seconds; Ctrl-C or SIGTERM stops the run after the one in progress (with
  // a checkpoint when asked for one).
  std::unique_ptr<FileCheckpoints> checkpoints;
  if (!o.checkpoint.empty())
    checkpoints = open_checkpoints(o.checkpoint, o.checkpoint_every, o.command_line, o.model, o.data, settings.seed);
  const SamplerSnapshot* resume_from = checkpoints ? checkpoints->resume() : nullptr;
  auto at_boundary = [&checkpoints](long position, const std::string& where, const auto& pack) {
    const int sig = interrupt_signal();
    if (checkpoints && (sig != 0 || checkpoints->due(position))) checkpoints->save(pack());
    if (sig != 0) throw Interrupted(sig, where);
  };
  if (smc) {
    SmcAbcConfig cfg = smc_abc_config_from(settings, o.algorithm_options);
    cfg.result = &result;
    SmcAbcState resume_state;
    if (resume_from) {
      resume_state = unpack_smc_abc(*resume_from, o.checkpoint);
      cfg.resume = &resume_state;
    }
    cfg.after_generation = [&at_boundary](const SmcAbcState& st) {
      at_boundary(st.generation, "after generation " + std::to_string(st.generation) + " of smc-abc",
                  [&st] { return pack_smc_abc(st); });
    };
    model->run_config(o.command, &cfg, draws, info, nullptr);
  } else {
    AbcConfig cfg = abc_config_from(settings, o.algorithm_options);
    cfg.result = &result;
    AbcState resume_state;
    if (resume_from) {
      resume_state = unpack_abc(*resume_from, o.checkpoint);
      cfg.resume = &resume_state;
    }
    cfg.after_chunk = [&at_boundary](const AbcState& st) {
      at_boundary(static_cast<long>(st.done), "after " + std::to_string(st.done) + " simulations",
                  [&st] { return pack_abc(st); });
    };
    model->run_config(o.command, &cfg, draws, info, nullptr);
  }
  const bool checkpoint_removed = checkpoints && remove_checkpoint(o.checkpoint);  // the run is done
  shuffle_draws(draws, settings.seed);
  info.config.push_back({"distance_scale", result.scale_source});
  info.config.push_back({"epsilon", number8(result.epsilon)});
  info.config.push_back({"adjustment", result.adjustment});
  info.config.push_back({"simulations", std::to_string(result.simulations)});
  info.config.push_back({"non_finite_simulations", std::to_string(result.non_finite)});
  info.config.push_back({"effective_draws", number8(result.effective_draws)});
  if (smc) info.config.push_back({"stop", result.stop_reason});
  if (o.predict) {
    add_posterior_predictive(*model, settings.seed, draws, new_rows.get());
    info.config.push_back({"predict", "true"});
  }
  if (keep_in_process(o, draws, info)) return 0;
  // The schedule is written (to its temporary) and closed before the draws and renamed into
  // place after them: a run whose draws or schedule cannot be written leaves neither.
  std::optional<io::AtomicFile> schedule_file;
  if (!schedule.empty()) {
    schedule_file.emplace(schedule);
    schedule_file->write(schedule_csv(result));
    schedule_file->close();
  }
  write_draws(o.output, draws, info);
  if (schedule_file) schedule_file->commit();

  std::cout << "lockstep " << o.command << ": model " << o.model << ", " << result.simulations << " simulations, "
            << draws.n_draws << " draws, seed " << settings.seed << ", on " << backend::describe_backend() << "\n";
  if (result.statistics > 0)
    std::cout << "Distance: Euclidean over " << result.scale_source << "\n";
  else
    std::cout << "Distance: Euclidean over the simulated values, each divided by its scale (" << result.scale_source
              << ")\n";
  std::cout << "Adjustment: " << result.adjustment << "\n\n";
  SummaryReport summary = summarize_draws(draws);
  mark_independent_draws(summary, draws.n_draws, o.command, result.effective_draws);
  print_abc_summary(summary);
  std::cout << "\n";
  if (o.predict) {
    print_ppc(std::cout, draws, posterior_predictive_p_values(draws));
    std::cout << "\n";
  }
  print_schedule(result);
  if (smc) std::cout << "Stopped: " << result.stop_reason << "\n";
  if (smc && !(result.epsilon < HUGE_VAL))
    std::cout << "Warning: no generation after the prior's was completed: the draws are prior draws\n";
  if (result.non_finite > 0)
    std::cout << "Warning: " << result.non_finite << " of " << result.simulations
              << " simulations were not finite and were dropped\n";
  if (result.proposals_outside_prior > 0)
    std::cout << result.proposals_outside_prior << " proposals fell outside the prior's support (not simulated)\n";
  for (const std::string& w : result.warnings) std::cout << "Warning: " << w << "\n";
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // A resumed run's rate counts only the simulations this process ran, over its own time.
  const double ran = static_cast<double>(result.simulations - result.resumed_at);
  std::printf("Final epsilon: %s\nWall time: %.3f s (simulations and selection %.3f s, %.4g simulations per second%s)\n",
              number8(result.epsilon).c_str(), wall, result.seconds, ran / std::max(result.seconds, 1e-9),
              result.resumed_at > 0 ? (", of the " + std::to_string(result.simulations - result.resumed_at) +
                                       " run after resuming at " + std::to_string(result.resumed_at)).c_str()
                                    : "");
  if (!o.output.empty()) std::cout << written_draws_line(o.output, draws.n_chains) << "\n";
  if (!schedule.empty()) std::cout << "Schedule written to " << schedule << "\n";
  if (checkpoint_removed) std::cout << "Checkpoint " << o.checkpoint << " removed (the run is complete)\n";
  return 0;
}

}  // namespace cli
}  // namespace lockstep
