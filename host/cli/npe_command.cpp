// `lockstep npe MODEL --data FILE --sims N --draws D --output OUT [--save-net F] [--load-net F]`:
// neural posterior estimation (host/algorithms/npe/). Prints the simulation, training and
// sampling figures and the posterior summary, writes the draws as `sample` does (Stan CSV with
// algorithm = npe, or netCDF) and the loss per epoch beside them (OUT_loss.csv, plotted to
// OUT_loss.svg by scripts/plot_npe_loss.py). With --predict, y_rep for every draw and the
// posterior predictive p-values (host/cli/predictive.hpp).
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "host/algorithms/npe/npe_algorithm.hpp"
#include "host/backend/place.hpp"
#include "host/cli/checkpoints.hpp"
#include "host/cli/commands.hpp"
#include "host/cli/output_dir.hpp"
#include "host/cli/predictive.hpp"
#include "host/cli/process_clock.hpp"
#include "host/cli/summary_report.hpp"
#include "host/core/interrupt.hpp"
#include "host/io/atomic_file.hpp"
#include "host/registry/algorithm_table.hpp"
#include "host/registry/any_model.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {
namespace {

std::string strip_extension(const std::string& path) {
  const auto dot = path.rfind('.');
  const auto slash = path.rfind('/');
  return dot == std::string::npos || (slash != std::string::npos && dot < slash) ? path : path.substr(0, dot);
}

/// The model's options as they resolve (defaults, then --set, then the model's own flags):
/// "key=value" joined by spaces, in key order. Network files record it.
std::string resolved_options(const NpeOptions& o) {
  const ModelEntry& entry = find_model(o.model);
  std::map<std::string, std::string> all;
  for (const ModelOptionInfo& opt : entry.info.options) all[opt.name] = opt.default_value;
  for (const auto& kv : parse_set_options(o.set)) all[kv.first] = kv.second;
  for (const auto& kv : o.model_flags)
    for (const ModelFlagInfo& f : entry.info.flags)
      if (f.flag == kv.first) {
        std::string joined;
        for (std::size_t i = 0; i < kv.second.size(); ++i) joined += (i ? "\n" : "") + kv.second[i];
        all[f.option] = joined;
      }
  std::string s;
  for (const auto& kv : all) s += (s.empty() ? "" : " ") + kv.first + "=" + kv.second;
  return s;
}

/// The training state of a checkpoint ("npe" snapshot: next_iteration = epochs trained).
SamplerSnapshot pack_training(const npe::TrainState& st) {
  SamplerSnapshot snap;
  snap.sampler = "npe";
  snap.next_iteration = static_cast<long>(st.result.history.size());
  snap.put_values("npe_params", st.params);
  snap.put_values("npe_adam_m", st.m);
  snap.put_values("npe_adam_v", st.v);
  snap.put_values("npe_best", st.best);
  snap.put_values("npe_scalars", std::vector<double>{st.b1t, st.b2t, static_cast<double>(st.since_best),
                                                     static_cast<double>(st.result.best_epoch),
                                                     st.result.best_validation});
  std::vector<double> history;  // epoch, train, validation, seconds per epoch
  for (const npe::EpochLoss& e : st.result.history)
    history.insert(history.end(), {static_cast<double>(e.epoch), e.train, e.validation, e.seconds});
  snap.put_values("npe_history", history);
  return snap;
}

npe::TrainState unpack_training(const SamplerSnapshot& snap, const std::string& path) {
  const auto bad = [&](const std::string& why) { return InputError(path + ": " + why); };
  if (snap.sampler != "npe") throw bad("not a checkpoint of `lockstep npe` (it holds a " + snap.sampler + " run)");
  npe::TrainState st;
  std::vector<double> scalars, history;
  if (!snap.get_values("npe_params", st.params) || !snap.get_values("npe_adam_m", st.m) ||
      !snap.get_values("npe_adam_v", st.v) || !snap.get_values("npe_best", st.best) ||
      !snap.get_values("npe_scalars", scalars) || scalars.size() != 5 || !snap.get_values("npe_history", history) ||
      history.size() != 4 * static_cast<std::size_t>(snap.next_iteration) || snap.next_iteration < 1)
    throw bad("its training state is incomplete");
  st.b1t = scalars[0];
  st.b2t = scalars[1];
  st.since_best = static_cast<int>(scalars[2]);
  st.result.best_epoch = static_cast<int>(scalars[3]);
  st.result.best_validation = scalars[4];
  for (std::size_t k = 0; k < history.size(); k += 4)
    st.result.history.push_back(npe::EpochLoss{static_cast<int>(history[k]), history[k + 1], history[k + 2], history[k + 3]});
  return st;
}

std::string g(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

}  // namespace

int run_npe(const NpeOptions& o) {
  check_threads(o.threads);
  select_backend(o.backend);
  // What the model must have comes first: a model without a simulator is not asked for --sims.
  require_algorithm(find_model(o.model), "npe");
  RunSettings settings;
  settings.seed = resolve_seed(o.seed);
  if (const io::CheckpointFile* resuming = pending_resume()) settings.seed = resuming->seed;  // even if drawn at random
  settings.threads = o.threads;
  NpeConfig cfg = npe_config_from(settings, o.algorithm_options);
  // Without --rounds, a network that is saved for other data (--save-net) or checkpointed
  // stays one amortized round; otherwise the default rounds are for the observed data.
  if (cfg.rounds_by_default && (!cfg.save_net.empty() || !o.checkpoint.empty())) cfg.rounds = 1;
  if (!o.checkpoint.empty()) {
    if (!cfg.load_net.empty()) throw InputError("--checkpoint: a run with --load-net trains nothing to checkpoint");
    if (cfg.rounds > 1)
      throw InputError("--checkpoint: not with --rounds " + std::to_string(cfg.rounds) +
                       " (a checkpoint holds one training; run the rounds without one)");
    check_checkpoint_flags(o.checkpoint, o.checkpoint_every);
  }
  check_output_paths(o.output, o.summary);
  std::string loss_csv, loss_svg;
  if (!o.output.empty() && cfg.load_net.empty()) {
    loss_csv = strip_extension(o.output) + "_loss.csv";
    loss_svg = strip_extension(o.output) + "_loss.svg";
    io::check_writable(loss_csv, "--output");
  }
  if (!cfg.save_net.empty()) io::check_writable(cfg.save_net, "--save-net");
  refuse_files_in_process(o, {{"--output", o.output}, {"--summary", o.summary}, {"--checkpoint", o.checkpoint}});
  check_chain_files(o.output, 1);
  {
    std::vector<OutputFile> files = output_files(o.output, 1);
    files.insert(files.end(), {{loss_csv, "--output (its loss CSV)"}, {loss_svg, "--output (its loss plot)"},
                               {o.summary, "--summary"}, {cfg.save_net, "--save-net"}, {o.checkpoint, "--checkpoint"}});
    check_distinct_outputs(files);
  }
  if (o.predict) check_predict_capability(o.model);
  const std::unique_ptr<AnyModel> model = load_model_for(o, "npe");
  if (o.predict) check_predict_replicates(*model, o.model);
  const std::unique_ptr<AnyModel> new_rows =
      newdata_rows(*model, o.predict, o.newdata, o.in_process ? o.in_process->newdata : nullptr);
  check_draws_memory(cfg.draws, model->names().size() + 8,
                     o.predict ? (new_rows ? new_rows : model)->generated_names().size() : 0);
  NpeReport report;
  cfg.report = &report;
  cfg.loss_csv = loss_csv;
  cfg.model_options = resolved_options(o);
  // Checkpoints: the training state as epochs end, every --checkpoint-every seconds; Ctrl-C or
  // SIGTERM stops training after the epoch in progress (with a checkpoint when asked for one).
  // The simulations are not stored: a resumed run simulates them again (the same seed, the
  // same bits) and trains on from the checkpoint's epoch.
  std::unique_ptr<FileCheckpoints> checkpoints;
  npe::TrainState resume_state;
  if (!o.checkpoint.empty()) {
    checkpoints = open_checkpoints(o.checkpoint, o.checkpoint_every, o.command_line, o.model, o.data, cfg.seed);
    if (const SamplerSnapshot* from = checkpoints->resume()) {
      resume_state = unpack_training(*from, o.checkpoint);
      cfg.train.resume = &resume_state;
    }
  }
  cfg.train.after_epoch = [&checkpoints](const npe::TrainState& st) {
    const long epochs = static_cast<long>(st.result.history.size());
    const int sig = interrupt_signal();
    if (checkpoints && (sig != 0 || checkpoints->due(epochs))) checkpoints->save(pack_training(st));
    if (sig != 0) throw Interrupted(sig, "after epoch " + std::to_string(epochs) + " of training");
  };

  RunInfo info;
  info.model = o.model;
  info.data_file = o.data;
  DrawSet draws;
  PhaseClock clock;
  model->run<NpeAlgorithm>(cfg, draws, info);
  const double run_seconds = clock.lap();
  const bool checkpoint_removed = checkpoints && remove_checkpoint(o.checkpoint);  // training is done
  const npe::TrainResult& tr = report.training;
  info.config = {{"algorithm", "npe"},
                 {"sims", std::to_string(cfg.sims)},
                 {"rounds", std::to_string(report.rounds.empty() ? cfg.rounds : static_cast<int>(report.rounds.size()))},
                 {"draws", std::to_string(cfg.draws)},
                 {"seed", std::to_string(cfg.seed)},
                 {"backend", backend::place_name(backend::lanes_place())},
                 {"components", std::to_string(cfg.shape.n_components)},
                 {"hidden", std::to_string(cfg.shape.n_hidden)},
                 {"layers", std::to_string(cfg.shape.n_layers)},
                 {"batch_size", std::to_string(cfg.train.batch_size)},
                 {"learning_rate", g(cfg.train.learning_rate)},
                 {"patience", std::to_string(cfg.train.patience)},
                 {"validation_fraction", g(cfg.train.validation_fraction)},
                 {"epochs", std::to_string(tr.history.size())},
                 {"best_epoch", std::to_string(tr.best_epoch)},
                 {"load_net", cfg.load_net},
                 {"save_net", cfg.save_net},
                 {"model_options", cfg.model_options}};
  if (o.predict) {
    add_posterior_predictive(*model, cfg.seed, draws, new_rows.get());
    info.config.push_back({"predict", "true"});
  }

  if (keep_in_process(o, draws, info)) return 0;
  write_draws(o.output, draws, info);
  SummaryReport summary = summarize_draws(draws);
  mark_independent_draws(summary, draws.n_draws, "npe");

  std::cout << "lockstep npe: model " << o.model << ", seed " << cfg.seed << ", on " << backend::describe_backend()
            << "\n";
  char line[512];
  if (report.trained) {
    std::snprintf(line, sizeof line,
                  "Simulations: %lld in %.3f s (%.4g per second); dropped %lld non-finite, %lld outside the "
                  "prior's support; %lld used (%lld training, %lld validation)\n",
                  report.sims, report.simulation_seconds, report.sims / std::max(report.simulation_seconds, 1e-9),
                  report.non_finite, report.outside_support, report.used, static_cast<long long>(tr.n_train),
                  static_cast<long long>(tr.n_validation));
    std::cout << line;
    const double best_val = tr.best_epoch > 0 ? tr.history[tr.best_epoch - 1].validation : 0.0;
    std::size_t epochs = 0;
    for (const NpeRound& r : report.rounds) epochs += static_cast<std::size_t>(r.epochs);
    char stop[128];
    if (tr.nan_epoch > 0)
      std::snprintf(stop, sizeof stop, "stopped at epoch %d, whose loss was not finite", tr.nan_epoch);
    else
      std::snprintf(stop, sizeof stop, "stopped after %d epochs without improvement or at --max-epochs",
                    cfg.train.patience);
    std::snprintf(line, sizeof line,
                  "Training: %zu epochs in %.3f s (%.3g epochs per second); best validation -log q %.5g at epoch "
                  "%d (%s)\n",
                  epochs, report.training_seconds, epochs / std::max(report.training_seconds, 1e-9), best_val,
                  tr.best_epoch, stop);
    std::cout << line;
    if (report.rounds.size() > 1 && cfg.rounds_by_default)
      std::cout << "  " << report.rounds.size() << " truncated rounds (the default for --sims " << cfg.sims
                << ": one per " << kSimsPerDefaultRound << " simulations, at most " << kMaxDefaultRounds
                << "; --rounds 1, or --save-net, for one amortized round)\n";
    for (std::size_t k = 0; report.rounds.size() > 1 && k < report.rounds.size(); ++k) {
      const NpeRound& r = report.rounds[k];
      if (k == 0)
        std::snprintf(line, sizeof line, "  round 1: %lld simulations from the prior; %d epochs in %.3f s\n", r.sims,
                      r.epochs, r.training_seconds);
      else
        std::snprintf(line, sizeof line,
                      "  round %zu: %lld simulations from the truncated prior (log q >= %.5g: %lld %s examined, "
                      "%.3g%% kept%s); %d epochs on all rounds' pairs in %.3f s\n",
                      k + 1, r.sims, r.log_q_threshold, r.candidates,
                      ("uniform candidates in " + std::to_string(r.boxes) + " boxes around q's draws").c_str(),
                      100.0 * static_cast<double>(r.sims) / std::max<double>(static_cast<double>(r.candidates), 1.0),
                      r.above_max > 0 ? (", " + std::to_string(r.above_max) + " above the largest prior density of q's draws").c_str() : "",
                      r.epochs, r.training_seconds);
      std::cout << line;
    }
  } else {
    std::cout << "Network: " << report.loaded_from << " (trained on " << report.loaded_sims
              << " simulations; not retrained)\n";
  }
  std::snprintf(line, sizeof line,
                "Sampling: %d draws in %.3f s; rejection rate 0 (theta trained on the model's unconstrained "
                "scale: no mass outside the prior's support)\n",
                cfg.draws, report.sampling_seconds);
  std::cout << line << "\n";
  print_summary(std::cout, summary);
  if (o.predict) print_ppc(std::cout, draws, posterior_predictive_p_values(draws));
  std::snprintf(line, sizeof line, "Wall time: %.3f s (simulation %.3f s, training %.3f s, sampling %.3f s)\n",
                run_seconds, report.simulation_seconds, report.training_seconds, report.sampling_seconds);
  std::cout << line;
  if (!o.output.empty()) std::cout << written_draws_line(o.output, draws.n_chains) << "\n";
  if (!loss_csv.empty()) {
    std::cout << "Loss per epoch written to " << loss_csv << "\n";
    make_plot("plot_npe_loss.py", loss_csv, loss_svg);
  }
  if (!cfg.save_net.empty()) {
    std::cout << "Network written to " << cfg.save_net << "\n";
    if (report.rounds.size() > 1)  // --rounds given with --save-net: not an amortized network
      std::cout << "Note: its " << report.rounds.size()
                << " rounds trained on the prior truncated around these data's posterior: it is for these data "
                   "(or data like them), not amortized over the prior; --rounds 1 trains one that is\n";
  }
  if (!o.summary.empty()) {
    write_summary_json(o.summary, summary, info,
                       {{"sims", static_cast<double>(report.sims)},
                        {"non_finite", static_cast<double>(report.non_finite)},
                        {"outside_support", static_cast<double>(report.outside_support)},
                        {"epochs", static_cast<double>(tr.history.size())},
                        {"best_epoch", static_cast<double>(tr.best_epoch)},
                        {"simulation_seconds", report.simulation_seconds},
                        {"training_seconds", report.training_seconds},
                        {"sampling_seconds", report.sampling_seconds},
                        {"rejection_rate", 0.0}});
    std::cout << "Summary written to " << o.summary << "\n";
  }
  if (checkpoint_removed) std::cout << "Checkpoint " << o.checkpoint << " removed (the run is complete)\n";
  if (tr.nan_epoch > 0)
    throw InputError("npe: the training loss was not finite at epoch " + std::to_string(tr.nan_epoch) +
                     "; stopped with the best network so far (epoch " + std::to_string(tr.best_epoch) +
                     "), whose draws were written (try a smaller --learning-rate)");
  return 0;
}

}  // namespace cli
}  // namespace lockstep
