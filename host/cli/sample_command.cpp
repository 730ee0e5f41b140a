// `lockstep sample MODEL --data FILE ...`: run a sampler over many chains, print the summary,
// write draws (Stan CSV or netCDF InferenceData) and a JSON summary.
#include <chrono>
#include <cstdio>
#include <future>
#include <cmath>
#include <iostream>
#include <memory>

#include "host/algorithms/chees/stalled_chains.hpp"
#include "host/backend/lanes.hpp"
#include "host/backend/tree_sum.hpp"
#include "host/cli/initial_values.hpp"
#include "host/io/csv_data.hpp"
#include "host/cli/checkpoints.hpp"
#include "host/cli/predictive.hpp"
#include "host/core/input_file.hpp"
#include "host/io/atomic_file.hpp"
#include "host/run/checkpoint_file.hpp"
#include "host/cli/commands.hpp"
#include "host/cli/process_clock.hpp"
#include "host/cli/summary_report.hpp"
#include "host/cli/interrupt_check.hpp"
#include "host/cli/terminal_progress.hpp"
#include "host/diagnostics/nested_rhat.hpp"
#include "host/parallel/gather_run.hpp"
#include "host/parallel/ranks.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_args.hpp"
#include "host/registry/algorithm_table.hpp"
#include "host/registry/any_model.hpp"

namespace lockstep {
namespace cli {
namespace {

void validate(const SampleOptions& o) {
  if (o.chains < 1) throw InputError("--chains: must be at least 1, found " + std::to_string(o.chains));
  if (o.warmup < 0) throw InputError("--warmup: must not be negative, found " + std::to_string(o.warmup));
  if (o.draws < 1) throw InputError("--draws: must be at least 1, found " + std::to_string(o.draws));
  if (o.thin < 1) throw InputError("--thin: must be at least 1, found " + std::to_string(o.thin));
  check_threads(o.threads);
  select_backend(o.backend);
  if (o.seed < -1) throw InputError("--seed: must be a non-negative integer");
  const AlgorithmInfo& algorithm = find_algorithm(o.algorithm);
  refuse_unused_flags(algorithm, o.algorithm_options);
  std::vector<GivenSetting> given;
  if (o.init != SampleOptions{}.init) given.push_back({"--init", run_settings::kInit});
  if (o.superchains > 0) given.push_back({"--superchains", run_settings::kInit});
  if (o.thin != 1) given.push_back({"--thin", run_settings::kThin});
  if (o.save_warmup) given.push_back({"--save-warmup", run_settings::kSaveWarmup});
  if (!o.checkpoint.empty()) given.push_back({"--checkpoint", run_settings::kCheckpoint});
  if (parallel::Ranks::world().split()) given.push_back({"mpirun (a run split over MPI ranks)", run_settings::kRanks});
  refuse_unhonoured_settings(algorithm, given);
  if (o.superchains < 0 || o.superchains == 1)
    throw InputError("--superchains: must be at least 2 (nested R-hat compares superchains), found " +
                     std::to_string(o.superchains));
  if (o.superchains > 0 && o.chains % o.superchains != 0)
    throw InputError("--superchains " + std::to_string(o.superchains) + ": must divide --chains " +
                     std::to_string(o.chains) + " (every superchain has the same number of chains)");
}

/// The chosen algorithm's flags as given, or their defaults, for the run's record.
void record_algorithm_flags(const AlgorithmInfo& algorithm, const AlgorithmOptions& given, RunInfo& info) {
  for (const FlagSpec& f : algorithm.flags) {
    const std::string key = f.flag.substr(2);
    std::string value = f.is_switch() ? (given.given(f.flag) ? "true" : "false") : given.get_text(f.flag, f.default_text);
    std::string name;
    for (char c : key) name += c == '-' ? '_' : c;
    info.config.push_back({name, value});
  }
}

/// The `sample` algorithms whose runs honour run_settings bit `bit` (their descriptors'
/// kRunSettings), for messages: "hmc, nuts and chees".
std::string algorithms_honouring(unsigned bit) {
  std::vector<std::string> names;
  for (const AlgorithmInfo* a : command_algorithms("sample"))
    if (a->run_settings & bit) names.push_back(a->name);
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) s += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return s;
}

/// A run over MPI ranks (host/parallel/ranks.hpp): this rank's range of the chains into `cfg`
/// (given initial values cut to it), after the checks every rank makes alike.
void split_over_ranks(const SampleOptions& o, const parallel::Ranks& ranks, RunSettings& cfg) {
  if ((find_algorithm(o.algorithm).run_settings & run_settings::kRanks) == 0)
    throw InputError("--algorithm " + o.algorithm + ": cannot run over MPI ranks (" +
                     algorithms_honouring(run_settings::kRanks) + " can)");
  if (o.chains < ranks.size())
    throw InputError("--chains " + std::to_string(o.chains) + ": fewer chains than the " + std::to_string(ranks.size()) +
                     " MPI ranks (each rank runs at least one chain)");
  // on tree_sum's block boundaries where the chains allow: cross-chain sums then send block
  // partials between ranks, not every chain's terms (host/run/chain_sums.hpp)
  const parallel::ChainShare share = parallel::chain_share(o.chains, ranks.rank(), ranks.size(), backend::kTreeBlock);
  auto& init = cfg.init_unconstrained;
  if (init.size() > 1) {
    if (init.size() != static_cast<std::size_t>(o.chains))
      throw InputError("--init: expected initial values for 1 or " + std::to_string(o.chains) + " chains, found " +
                       std::to_string(init.size()));
    init = std::vector<std::vector<double>>(init.begin() + share.first, init.begin() + share.first + share.count);
  }
  cfg.chains = share.count;
  cfg.first_chain = share.first;
  cfg.total_chains = o.chains;
  cfg.ranks = &ranks;
}

}  // namespace

/// Refuses a run whose draws and chain state would not fit in the memory where the lanes run
/// (the device's free memory on CUDA, MemAvailable on the CPU): one line with both numbers,
/// before anything is allocated. The estimate: every saved draw of every output and sampler
/// statistic in double, twice on a GPU (device buffer and host copy) and once on the CPU, plus
/// ~16 vectors of the unconstrained dimension per chain (position, momentum, gradient, metric,
/// trajectory ends, Welford sums, NUTS scratch) and, for a dense metric, two dim x dim matrices
/// per chain.
/// With --predict, y_rep adds generated quantities x chains x saved draws doubles on the host
/// (computed a slab of chains at a time where the lanes run), named in the message.
ChainBytes chain_bytes(const AnyModel& model, double saved_draws, bool dense) {
  const double quantities = static_cast<double>(model.names().size()) + 7;  // + Stan's sampler statistics
  const double d = model.dim();
  return ChainBytes{quantities * saved_draws * 8, (16 * d + 16 + (dense ? 2 * d * d : 0)) * 8};
}

void check_sample_memory(const SampleOptions& o, const AnyModel& model, std::size_t n_predictive) {
  const double saved = static_cast<double>((o.save_warmup ? o.warmup : 0) + o.draws) / o.thin;
  const ChainBytes per_chain =
      chain_bytes(model, saved, o.algorithm_options.get_text("--metric", "diag") == "dense");
  const double predictive_bytes =
      o.predict ? static_cast<double>(n_predictive) * o.chains * saved * 8 : 0.0;
  const double draws_bytes = per_chain.draws * o.chains + predictive_bytes;
  const double state_bytes = per_chain.state * o.chains;
  const double needed = draws_bytes + state_bytes;
  const double available = static_cast<double>(backend::available_memory_bytes());
  if (available > 0 && needed > available && predictive_bytes > 0 && needed - predictive_bytes <= available) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "--predict: y_rep (%zu values x %d chains x %.0f draws) needs about %.2f GiB, the run %.2f GiB in "
                  "all, but only %.2f GiB are available on %s; use fewer chains or draws, or --thin",
                  n_predictive, o.chains, saved, predictive_bytes / 1073741824.0,
                  needed / 1073741824.0, available / 1073741824.0,
                  backend::is_cuda_build() ? "the device" : "this machine");
    throw InputError(buf);
  }
  if (available > 0 && needed > available) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "--chains %d, --draws %d: the run needs about %.2f GiB (draws %.2f GiB, chain state %.2f GiB) "
                  "but only %.2f GiB are available on %s; use fewer chains or draws, or --thin",
                  o.chains, o.draws, needed / 1073741824.0, draws_bytes / 1073741824.0, state_bytes / 1073741824.0,
                  available / 1073741824.0, backend::lanes_on_device() ? "the device" : "this machine");
    throw InputError(buf);
  }
}

/// The draws of a run stopped by a signal, up to its checkpoint, written as the output (Stan CSV
/// or netCDF) with the config entry `incomplete` saying so (`lockstep summary` warns); nothing
/// when no draw was saved yet. The resumed run overwrites them with the whole run. Over MPI
/// ranks every rank stopped at the same boundary (FileCheckpoints::wanted): rank 0 gathers the
/// ranks' draws so far and writes them.
void write_partial_draws(const SampleOptions& o, const RunSettings& cfg, const SamplerSnapshot& s, RunInfo info,
                         const Interrupted& why) {
  const DrawSet& full = s.draws;
  if (o.output.empty() || full.values.empty()) return;
  const long t = s.next_iteration;
  const long warm = std::min<long>(t, cfg.warmup), sampled = std::max<long>(0, t - cfg.warmup);
  const int n_warm = cfg.save_warmup ? static_cast<int>((warm + cfg.thin - 1) / cfg.thin) : 0;
  const int n_draws = n_warm + static_cast<int>((sampled + cfg.thin - 1) / cfg.thin);
  if (n_draws == 0) return;
  DrawSet part = leading_draws(full, n_draws, std::min(n_warm, full.n_warmup_saved));
  const parallel::Ranks& ranks = parallel::Ranks::world();
  if (ranks.split()) {
    parallel::gather_run(ranks, part, info);
    if (!ranks.is_root()) return;
    info.config.push_back({"mpi_ranks", std::to_string(ranks.size())});
  }
  info.algorithm = o.algorithm;
  info.stan_engine = o.algorithm == "nuts" ? "nuts" : "static";
  info.seed = cfg.seed;  // the run has not filled in its facts (adaptation, gradients, timings) yet
  info.config.push_back({"incomplete", std::string(why.what()) + "; " + resume_command(o.checkpoint) + " continues the run"});
  write_draws(o.output, part, info);
  set_partial_output_note("; the " + std::to_string(n_draws - part.n_warmup_saved) + " draws per chain so far written to " +
                          o.output + ", marked incomplete");
}

int run_sample(const SampleOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  validate(o);
  check_output_paths(o.output, o.summary);

  RunSettings cfg;
  cfg.chains = o.chains;
  cfg.warmup = o.warmup;
  cfg.draws = o.draws;
  cfg.thin = o.thin;
  cfg.save_warmup = o.save_warmup;
  cfg.threads = o.threads;
  cfg.seed = parallel::Ranks::world().from_root(resolve_seed(o.seed));  // over MPI ranks: rank 0's (--seed -1)
  const io::CheckpointFile* resuming = pending_resume();
  if (resuming) cfg.seed = resuming->seed;  // the checkpointed run's seed, even if it was drawn at random
  const AlgorithmInfo& algorithm = find_algorithm(o.algorithm);
  algorithm.validate(cfg, o.algorithm_options);  // flag values, before the data is read
  if (o.in_process && (!o.checkpoint.empty() || !o.output.empty() || !o.summary.empty()))
    throw InputError(std::string(!o.checkpoint.empty() ? "--checkpoint" : !o.output.empty() ? "--output" : "--summary") +
                     ": not available in process (the draws are returned)");
  if (!o.checkpoint.empty()) {
    if ((algorithm.run_settings & run_settings::kCheckpoint) == 0)
      throw InputError("--checkpoint: --algorithm " + o.algorithm + " cannot be checkpointed (" +
                       algorithms_honouring(run_settings::kCheckpoint) + " can)");
    check_checkpoint_flags(o.checkpoint, o.checkpoint_every);
  }

  if (o.predict) check_predict_capability(o.model);
  const std::unique_ptr<AnyModel> model = load_model_for(o, o.algorithm);
  if (o.print_model) {
    std::cout << model->describe();
    return 0;
  }
  if (o.predict) check_predict_replicates(*model, o.model);
  const std::unique_ptr<AnyModel> new_rows =
      newdata_rows(*model, o.predict, o.newdata, o.in_process ? o.in_process->newdata : nullptr);
  check_sample_memory(o, *model, new_rows ? new_rows->generated_names().size() : model->generated_names().size());
  // The chain files one by one (a stat each), after the memory check: --chains 1000000 that
  // cannot fit is told so at once, not after a million stats (58 s here).
  check_chain_files(o.output, o.chains);
  {
    std::vector<OutputFile> files = output_files(o.output, o.chains);
    files.insert(files.end(), {{o.summary, "--summary"}, {o.checkpoint, "--checkpoint"}});
    check_distinct_outputs(files);
  }
  apply_init(o.init, *model, cfg);
  if (o.superchains > 0) {
    if (!cfg.init_unconstrained.empty())
      throw InputError("--superchains: cannot be used with --init FILE (chains of a superchain start from one "
                       "random point; give --init R for its radius)");
    cfg.init_unconstrained = superchain_inits(*model, o.chains, o.superchains, cfg.init_radius, cfg.seed);
    cfg.superchains = o.superchains;
  }

  std::unique_ptr<FileCheckpoints> checkpoints;
  if (!o.checkpoint.empty()) {
    checkpoints = open_checkpoints(o.checkpoint, o.checkpoint_every, o.command_line, o.model, o.data, cfg.seed);
    cfg.checkpoint = checkpoints.get();
  }

  RunInfo info;
  info.model = o.model;
  info.data_file = o.data;
  info.num_warmup = o.warmup;
  info.num_samples = o.draws;
  info.thin = o.thin;
  info.config = {{"algorithm", o.algorithm}, {"chains", std::to_string(o.chains)},
                 {"warmup", std::to_string(o.warmup)}, {"draws", std::to_string(o.draws)},
                 {"thin", std::to_string(o.thin)}, {"seed", std::to_string(cfg.seed)},
                 {"save_warmup", o.save_warmup ? "true" : "false"}, {"init", o.init},
                 {"backend", backend::place_name(backend::lanes_place())}};
  record_algorithm_flags(algorithm, o.algorithm_options, info);
  for (const auto& kv : parse_set_options(o.set)) info.config.push_back({"model." + kv.first, kv.second});
  if (o.superchains > 0) info.config.push_back({"superchains", std::to_string(o.superchains)});
  const parallel::Ranks& ranks = parallel::Ranks::world();
  if (ranks.split()) split_over_ranks(o, ranks, cfg);
  DrawSet draws;
  std::unique_ptr<Progress> progress;
  if (!o.quiet && ranks.is_root() && TerminalProgress::wanted()) progress = std::make_unique<TerminalProgress>();
  const double load_seconds = seconds_since_start();  // process start to the sampler
  const double run_start = seconds_since_start();
  InterruptCheck check(run_progress(o, progress.get()));
  if (checkpoints) check.follow([&checkpoints] { return checkpoints->agreed_signal(); });
  parallel::mark_collective_work();  // from here an error on one rank ends the job (run_cli.cpp)
  try {
    model->run(o.algorithm, cfg, o.algorithm_options, draws, info, &check);
  } catch (const Interrupted& e) {
    if (checkpoints && checkpoints->interrupted()) write_partial_draws(o, cfg, *checkpoints->interrupted(), info, e);
    throw;
  }
  double rank_bytes = 0, sum_bytes = 0;  // sent between ranks during the run, all ranks together
  double fewest = cfg.chains, most = cfg.chains;
  if (ranks.split()) {
    sum_bytes = ranks.sum(static_cast<double>(ranks.sum_bytes_sent()));
    rank_bytes = ranks.sum(static_cast<double>(ranks.bytes_sent()));
    fewest = -ranks.max(-fewest);
    most = ranks.max(most);
    parallel::gather_run(ranks, draws, info);  // rank 0 now holds the whole run
    if (!ranks.is_root()) {
      if (checkpoints) remove_checkpoint(rank_checkpoint_path(o.checkpoint, ranks.rank()));  // the run is complete
      return 0;
    }
    info.config.push_back({"mpi_ranks", std::to_string(ranks.size())});
  }
  if (o.superchains > 0) info.superchain = diagnostics::consecutive_superchains(o.chains, o.superchains);
  if (o.predict) {
    add_posterior_predictive(*model, cfg.seed, draws, new_rows.get());
    info.config.push_back({"predict", "true"});
  }
  if (keep_in_process(o, draws, info)) return 0;
  const double run_seconds = info.warmup_seconds + info.sampling_seconds;
  const double run_wall = seconds_since_start() - run_start;

  // The draws are written while the summary is computed: both only read them, and writing
  // is mostly the kernel copying into the page cache (0.7 s of a 4096 x 1000 run's .nc).
  // get() rethrows a writer's error.
  double write_seconds = 0;
  std::future<void> written = std::async(std::launch::async, [&] {
    PhaseClock clock;
    write_draws(o.output, draws, info);
    write_seconds = clock.lap();
  });
  SummaryReport report;
  PhaseClock summary_clock;
  try {
    report = summarize_draws(draws, info.superchain, max_tree_depth_of(info));
  } catch (...) {
    written.wait();
    throw;
  }
  const double summary_seconds = summary_clock.lap();
  written.get();
  const double writer_wait = summary_clock.lap();  // the writer still running after the summary
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double end_to_end = seconds_since_start();
  const double grad_rate = info.gradient_evaluations / std::max(run_seconds, 1e-9);

  std::cout << "lockstep " << o.algorithm << ": model " << o.model << ", " << o.chains << " chains, "
            << o.warmup << " warmup + " << o.draws << " draws each, seed " << cfg.seed << ", on "
            << backend::describe_backend();
  if (o.superchains > 0)
    std::cout << ", " << o.superchains << " superchains of " << o.chains / o.superchains << " chains";
  std::cout << "\n\n";
  print_summary(std::cout, report);
  if (o.predict) print_ppc(std::cout, draws, posterior_predictive_p_values(draws));
  std::printf("Wall time: %.3f s (warmup %.3f s, sampling %.3f s)\n", wall, info.warmup_seconds,
              info.sampling_seconds);
  // Summary and writing overlap (above): their times are each measured alone, and the wait for
  // the writer after the summary is what writing added to the process.
  std::vector<std::pair<const char*, double>> phases = {{"load", load_seconds},
                                                        {"warmup", info.warmup_seconds},
                                                        {"sampling", info.sampling_seconds},
                                                        {"other run", std::max(0.0, run_wall - run_seconds)},
                                                        {"summary", summary_seconds}};
  if (!o.output.empty()) {
    phases.push_back({"writing, alongside", write_seconds});
    phases.push_back({"waiting for the writer", writer_wait});
  }
  std::cout << format_end_to_end(end_to_end, phases) << "\n";
  std::printf("Gradient evaluations: %llu (%.4g per second)\n", info.gradient_evaluations, grad_rate);
  if (info.warmup_restarts > 0)
    std::printf("Warmup restarted %ld stalled chain%s from other chains' states (%d transitions in a row divergent "
                "or rejected: the shared step size did not suit where %s started)\n",
                info.warmup_restarts, info.warmup_restarts == 1 ? "" : "s", chees::kStallIterations,
                info.warmup_restarts == 1 ? "it" : "they");
  if (ranks.split())
    std::printf("MPI: %d ranks, %.0f to %.0f chains each; %.0f bytes sent between ranks before the draws were gathered, "
                "%.1f per warmup iteration in cross-chain sums (%.0f in all), the rest at window ends\n",
                ranks.size(), fewest, most, rank_bytes, o.warmup > 0 ? sum_bytes / o.warmup : 0.0, sum_bytes);
  if (!o.output.empty()) std::cout << written_draws_line(o.output, draws.n_chains) << "\n";
  if (!o.summary.empty()) {
    write_summary_json(o.summary, report, info,
                       {{"chains", o.chains}, {"warmup", o.warmup}, {"draws", o.draws},
                        {"wall_seconds", wall}, {"warmup_seconds", info.warmup_seconds},
                        {"sampling_seconds", info.sampling_seconds}, {"end_to_end_seconds", end_to_end},
                        {"load_seconds", load_seconds}, {"summary_seconds", summary_seconds},
                        {"write_seconds", o.output.empty() ? std::nan("") : write_seconds},
                        {"writer_wait_seconds", o.output.empty() ? std::nan("") : writer_wait},
                        {"gradient_evaluations_per_second", grad_rate}});
    std::cout << "Summary written to " << o.summary << "\n";
  }
  if (checkpoints && remove_checkpoint(o.checkpoint))
    std::cout << "Checkpoint " << o.checkpoint << (ranks.split() ? " and its ranks' files" : "")
              << " removed (the run is complete)\n";
  return 0;
}

}  // namespace cli
}  // namespace lockstep
