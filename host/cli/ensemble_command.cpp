// `lockstep ensemble MODEL --data FILE --walkers N --steps S ...`: emcee-style affine-invariant
// ensemble sampling, every walker a lane; prints tau per parameter, acceptance and a summary.
// The flags after the model's are the `ensemble` algorithm's (host/algorithms/ensemble/).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <future>
#include <iostream>
#include <memory>

#include "host/algorithms/ensemble/ensemble_config.hpp"
#include "host/algorithms/ensemble/ensemble_report.hpp"
#include "host/backend/lanes.hpp"
#include "host/cli/checkpoints.hpp"
#include "host/cli/commands.hpp"
#include "host/core/interrupt.hpp"
#include "host/run/sampler_snapshot.hpp"
#include "host/cli/interrupt_check.hpp"
#include "host/cli/terminal_progress.hpp"
#include "host/cli/process_clock.hpp"
#include "host/io/atomic_file.hpp"
#include "host/parallel/ranks.hpp"
#include "host/registry/algorithm_table.hpp"
#include "host/registry/any_model.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {

namespace {

/// Refuses a run whose saved draws and walker state would not fit where the lanes run, with
/// both numbers, before anything is allocated (as `sample` does): every saved step of every
/// walker's outputs and statistics in double (twice on a GPU: device buffer and host copy),
/// plus ~8 vectors of the dimension per walker (position, proposal, the complement's
/// statistics).
void check_memory(const EnsembleConfig& cfg, const AnyModel& model) {
  const double walkers = static_cast<double>(cfg.walkers) * cfg.ensembles;
  const double saved = std::ceil(static_cast<double>(std::max(0, cfg.steps - cfg.discard)) / std::max(1, cfg.thin));
  const double quantities = static_cast<double>(model.names().size()) + 2;  // + lp__, accepted__
  const double draws_bytes = quantities * walkers * saved * 8 * (backend::lanes_on_device() ? 2 : 1);
  const double state_bytes = walkers * (8.0 * model.dim() + 8) * 8;
  const double available = static_cast<double>(backend::available_memory_bytes());
  if (available > 0 && draws_bytes + state_bytes > available) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "--walkers %d, --steps %d: the run needs about %.2f GiB (draws %.2f GiB, walker state %.2f GiB) but "
                  "only %.2f GiB are available on %s; use fewer walkers or steps, or --thin",
                  cfg.walkers, cfg.steps, (draws_bytes + state_bytes) / 1073741824.0, draws_bytes / 1073741824.0,
                  state_bytes / 1073741824.0, available / 1073741824.0,
                  backend::lanes_on_device() ? "the device" : "this machine");
    throw InputError(buf);
  }
}

/// The saved steps of a run stopped by a signal, up to its checkpoint, written as the output with
/// the config entry `incomplete` (as `sample` does); nothing when no step was saved yet.
void write_partial_steps(const EnsembleOptions& o, const EnsembleConfig& cfg, const SamplerSnapshot& s,
                         const Interrupted& why) {
  const DrawSet& full = s.draws;
  const long steps = s.next_iteration;
  const int n_draws = steps > cfg.discard ? static_cast<int>((steps - cfg.discard + cfg.thin - 1) / cfg.thin) : 0;
  if (o.output.empty() || full.values.empty() || n_draws == 0) return;
  const DrawSet part = leading_draws(full, n_draws, 0);
  RunInfo info;
  info.model = o.model;
  info.data_file = o.data;
  info.algorithm = "ensemble";
  info.seed = cfg.seed;
  info.num_warmup = cfg.discard;
  info.num_samples = cfg.steps - cfg.discard;
  info.thin = cfg.thin;
  info.config = {{"algorithm", "ensemble"}, {"walkers", std::to_string(cfg.walkers)},
                 {"steps", std::to_string(cfg.steps)}, {"seed", std::to_string(cfg.seed)},
                 {"incomplete", std::string(why.what()) + "; " + resume_command(o.checkpoint) + " continues the run"}};
  write_draws(o.output, part, info);
  set_partial_output_note("; the " + std::to_string(n_draws) + " saved steps per walker so far written to " + o.output +
                          ", marked incomplete");
}

}  // namespace

int run_ensemble(const EnsembleOptions& o) {
  check_threads(o.threads);
  select_backend(o.backend);
  RunSettings settings;
  const parallel::Ranks& ranks = parallel::Ranks::world();  // over MPI ranks: a share of the walkers each
  settings.seed = ranks.from_root(resolve_seed(o.seed));     // a seed drawn at random is rank 0's
  settings.threads = o.threads;
  if (const io::CheckpointFile* resuming = pending_resume()) settings.seed = resuming->seed;  // even if drawn at random
  const EnsembleConfig cfg = ensemble_config_from(settings, o.algorithm_options);
  check_output_paths(o.output, o.summary);
  refuse_files_in_process(o, {{"--output", o.output}, {"--summary", o.summary}});
  if (!o.checkpoint.empty()) {
    if (o.in_process) throw InputError("--checkpoint: not available in process (the draws are returned)");
    check_checkpoint_flags(o.checkpoint, o.checkpoint_every);
  }
  const std::unique_ptr<AnyModel> model = load_model_for(o, "ensemble");
  {  // the sampler checks these too, but over MPI ranks only before the collective work is a
     // refusal one line from one rank (after it, every rank would print it and abort the job)
    const std::vector<std::string> names(model->names().begin(), model->names().begin() + model->dim());
    check_ensemble_config(cfg, model->dim(), names);
  }
  check_memory(cfg, *model);
  // The walkers' files one by one (a stat each), after the memory check: a million walkers
  // that cannot fit are told so at once, not after 22 s of stats.
  check_chain_files(o.output, cfg.walkers * cfg.ensembles);
  {
    std::vector<OutputFile> files = output_files(o.output, cfg.walkers * cfg.ensembles);
    files.insert(files.end(), {{o.summary, "--summary"}, {o.checkpoint, "--checkpoint"}});
    check_distinct_outputs(files);
  }
  std::unique_ptr<FileCheckpoints> checkpoints;
  if (!o.checkpoint.empty()) {
    checkpoints = open_checkpoints(o.checkpoint, o.checkpoint_every, o.command_line, o.model, o.data, settings.seed);
    settings.checkpoint = checkpoints.get();
  }

  RunInfo info;
  info.model = o.model;
  info.data_file = o.data;
  DrawSet draws;
  const double load_seconds = seconds_since_start();  // process start to the sampler
  PhaseClock clock;
  std::unique_ptr<Progress> progress;  // steps on the terminal, as `sample` shows iterations
  if (!o.quiet && ranks.is_root() && TerminalProgress::wanted()) progress = std::make_unique<TerminalProgress>();
  InterruptCheck check(run_progress(o, progress.get()));
  if (checkpoints) check.follow([&checkpoints] { return checkpoints->agreed_signal(); });
  if (ranks.split()) settings.ranks = &ranks;
  parallel::mark_collective_work();  // from here an error on one rank ends the job (run_cli.cpp)
  try {
    model->run("ensemble", settings, o.algorithm_options, draws, info, &check);
  } catch (const Interrupted& e) {
    if (checkpoints && checkpoints->interrupted()) write_partial_steps(o, cfg, *checkpoints->interrupted(), e);
    throw;
  }
  if (ranks.split() && !ranks.is_root()) {  // rank 0 holds every walker's draws
    if (checkpoints) remove_checkpoint(rank_checkpoint_path(o.checkpoint, ranks.rank()));  // the run is complete
    return 0;
  }
  if (ranks.split()) info.config.push_back({"mpi_ranks", std::to_string(ranks.size())});
  if (keep_in_process(o, draws, info)) return 0;
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
  const double writer_wait = clock.lap();  // the writer still running after the report
  report.end_to_end_seconds = seconds_since_start();
  report.load_seconds = load_seconds;
  report.report_seconds = report_seconds;
  if (!o.output.empty()) {  // NaN (JSON null) without --output: nothing was written
    report.write_seconds = write_seconds;
    report.writer_wait_seconds = writer_wait;
  }
  std::cout << "lockstep ensemble: model " << o.model << ", seed " << cfg.seed << "\n"
            << format_ensemble_report(report);
  std::vector<std::pair<const char*, double>> phases = {{"load", load_seconds},
                                                        {"sampling", info.sampling_seconds},
                                                        {"other run", std::max(0.0, run_seconds - info.sampling_seconds)},
                                                        {"tau and report", report_seconds}};
  if (!o.output.empty()) {  // writing overlaps the report; the wait after it is what it added
    phases.push_back({"writing, alongside", write_seconds});
    phases.push_back({"waiting for the writer", writer_wait});
  }
  std::cout << format_end_to_end(report.end_to_end_seconds, phases) << "\n";
  if (!o.output.empty()) std::cout << written_draws_line(o.output, draws.n_chains) << "\n";
  if (!o.summary.empty()) {
    io::AtomicFile f(o.summary);
    f.write(ensemble_report_json(report).dump(1) + "\n");
    f.commit();
    std::cout << "Summary written to " << o.summary << "\n";
  }
  if (checkpoints && remove_checkpoint(o.checkpoint))
    std::cout << "Checkpoint " << o.checkpoint << (ranks.split() ? " and its ranks' files" : "")
              << " removed (the run is complete)\n";
  return 0;
}

}  // namespace cli
}  // namespace lockstep
