// `lockstep vi MODEL --data FILE --approx meanfield|fullrank --samples S --steps N
// --learning-rate LR [--fits K] --draws D --output OUT [--elbo TRACE.csv]`: ADVI (host/
// algorithms/vi/), every Monte Carlo point of the ELBO gradient a lane. Prints every fit's final
// ELBO and what stopped it, and a summary of the D draws of the best fit (independent draws: no
// R-hat, ESS = D); writes the draws as `sample` does (Stan CSV with `algorithm = vi`, or netCDF
// InferenceData), the ELBO trace as CSV with its plot (scripts/plot_elbo.py), and with --predict
// the posterior predictive y_rep of every draw (host/cli/predictive.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <future>
#include <iostream>
#include <memory>

#include "host/algorithms/vi/fits_agreement.hpp"
#include "host/algorithms/vi/vi_config.hpp"
#include "host/backend/lanes.hpp"
#include "host/cli/checkpoints.hpp"
#include "host/cli/commands.hpp"
#include "host/core/interrupt.hpp"
#include "host/core/text.hpp"
#include "host/cli/interrupt_check.hpp"
#include "host/cli/output_dir.hpp"
#include "host/cli/predictive.hpp"
#include "host/cli/process_clock.hpp"
#include "host/cli/summary_report.hpp"
#include "host/cli/terminal_progress.hpp"
#include "host/io/atomic_file.hpp"
#include "host/registry/algorithm_table.hpp"
#include "host/registry/any_model.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {
namespace {

std::string number(double x, const char* spec = "%.10g") {
  if (std::isnan(x)) return "NA";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, x);
  return buf;
}

/// The ELBO trace: step, elbo, rel_change (inf for a fit's first estimate), fit (1-based).
void write_elbo_trace(const std::string& path, const ViReport& r) {
  io::AtomicFile f(path);
  std::string s = "step,elbo,rel_change,fit\n";
  for (const ElboPoint& p : r.trace)
    s += std::to_string(p.step) + "," + number(p.elbo) + "," + number(p.rel_change) + "," + std::to_string(p.fit + 1) +
         "\n";
  f.write(s);
  f.commit();
}

std::string svg_name(const std::string& csv) { return csv.substr(0, csv.size() - 4) + ".svg"; }

/// A ViState as a checkpoint's snapshot (sampler "vi") and back.
SamplerSnapshot pack_vi(const ViState& st) {
  SamplerSnapshot snap;
  snap.sampler = "vi";
  snap.next_iteration = st.step;
  std::vector<double> sizes;
  for (const std::vector<double>& f : st.fits) sizes.push_back(static_cast<double>(f.size()));
  std::vector<double> fits, trace;
  for (const std::vector<double>& f : st.fits) fits.insert(fits.end(), f.begin(), f.end());
  for (const ElboPoint& p : st.trace)
    trace.insert(trace.end(), {static_cast<double>(p.fit), static_cast<double>(p.step), p.elbo, p.rel_change});
  snap.put_values("vi_fit_sizes", sizes);
  snap.put_values("vi_fits", fits);
  snap.put_values("vi_trace", trace);
  snap.put_values("vi_gradient_evaluations", std::vector<unsigned long long>{st.gradient_evaluations});
  return snap;
}

ViState unpack_vi(const SamplerSnapshot& snap, const std::string& path) {
  const auto bad = [&](const std::string& why) { return InputError(path + ": " + why); };
  if (snap.sampler != "vi") throw bad("not a checkpoint of `lockstep vi` (it holds a " + snap.sampler + " run)");
  std::vector<double> sizes, fits, trace;
  std::vector<unsigned long long> evals;
  if (!snap.get_values("vi_fit_sizes", sizes) || !snap.get_values("vi_fits", fits) ||
      !snap.get_values("vi_trace", trace) || !snap.get_values("vi_gradient_evaluations", evals) || evals.size() != 1 ||
      trace.size() % 4 != 0 || snap.next_iteration < 1)
    throw bad("its optimizer state is incomplete");
  ViState st;
  st.step = static_cast<int>(snap.next_iteration);
  std::size_t at = 0;
  for (double n : sizes) {
    if (!(n >= 0) || at + static_cast<std::size_t>(n) > fits.size()) throw bad("its optimizer state is incomplete");
    st.fits.emplace_back(fits.begin() + static_cast<std::ptrdiff_t>(at),
                         fits.begin() + static_cast<std::ptrdiff_t>(at + static_cast<std::size_t>(n)));
    at += static_cast<std::size_t>(n);
  }
  for (std::size_t k = 0; k < trace.size(); k += 4)
    st.trace.push_back(ElboPoint{static_cast<int>(trace[k]), static_cast<int>(trace[k + 1]), trace[k + 2], trace[k + 3]});
  st.gradient_evaluations = evals[0];
  return st;
}

}  // namespace

int run_vi(const ViOptions& o) {
  check_threads(o.threads);
  select_backend(o.backend);
  RunSettings settings;
  settings.seed = resolve_seed(o.seed);
  if (const io::CheckpointFile* resuming = pending_resume()) settings.seed = resuming->seed;  // even if drawn at random
  settings.threads = o.threads;
  ViConfig cfg = vi_config_from(settings, o.algorithm_options);  // flag values, before the data is read
  if (!o.checkpoint.empty()) check_checkpoint_flags(o.checkpoint, o.checkpoint_every);
  check_output_paths(o.output, o.summary);
  if (!o.elbo.empty()) {
    if (!ends_with(o.elbo, ".csv")) throw InputError("--elbo " + o.elbo + ": the name must end in .csv");
    io::check_writable(o.elbo, "--elbo");
  }
  refuse_files_in_process(o, {{"--output", o.output}, {"--summary", o.summary}, {"--checkpoint", o.checkpoint}});
  check_chain_files(o.output, 1);
  {
    std::vector<OutputFile> files = output_files(o.output, 1);
    files.insert(files.end(), {{o.summary, "--summary"}, {o.elbo, "--elbo"},
                               {o.elbo.empty() ? "" : svg_name(o.elbo), "--elbo (its plot)"},
                               {o.checkpoint, "--checkpoint"}});
    check_distinct_outputs(files);
  }
  if (o.predict) check_predict_capability(o.model);
  const std::unique_ptr<AnyModel> model = load_model_for(o, "vi");
  if (o.predict) check_predict_replicates(*model, o.model);
  const std::unique_ptr<AnyModel> new_rows =
      newdata_rows(*model, o.predict, o.newdata, o.in_process ? o.in_process->newdata : nullptr);
  check_draws_memory(cfg.draws, model->names().size() + 8,
                     o.predict ? (new_rows ? new_rows : model)->generated_names().size() : 0);

  RunInfo info;
  info.model = o.model;
  info.data_file = o.data;
  info.config = {{"algorithm", "vi"},
                 {"approx", vi::family_name(cfg.family)},
                 {"samples", std::to_string(cfg.samples)},
                 {"steps", std::to_string(cfg.steps)},
                 {"learning_rate", number(cfg.learning_rate)},
                 {"fits", std::to_string(cfg.fits)},
                 {"draws", std::to_string(cfg.draws)},
                 {"eval_every", std::to_string(cfg.eval_every)},
                 {"elbo_samples", std::to_string(cfg.elbo_samples)},
                 {"tol_rel_obj", number(cfg.tol_rel_obj)},
                 {"init_radius", number(cfg.init_radius)},
                 {"init_sd", number(cfg.init_sd)},
                 {"seed", std::to_string(cfg.seed)},
                 {"backend", backend::place_name(backend::lanes_place())}};
  for (const auto& kv : parse_set_options(o.set)) info.config.push_back({"model." + kv.first, kv.second});
  ViReport report;
  cfg.report = &report;
  // Checkpoints: every fit's optimizer state as steps end, every --checkpoint-every seconds;
  // Ctrl-C or SIGTERM stops the fits after the step in progress (with a checkpoint when asked
  // for one). The points of step t are keyed by (seed, fit, t): a resumed run continues with
  // the bits of an uninterrupted one.
  std::unique_ptr<FileCheckpoints> checkpoints;
  ViState resume_state;
  if (!o.checkpoint.empty()) {
    checkpoints = open_checkpoints(o.checkpoint, o.checkpoint_every, o.command_line, o.model, o.data, cfg.seed);
    if (const SamplerSnapshot* from = checkpoints->resume()) {
      resume_state = unpack_vi(*from, o.checkpoint);
      cfg.resume = &resume_state;
    }
  }
  cfg.after_step = [&checkpoints](int step, const std::function<ViState()>& state) {
    const int sig = interrupt_signal();
    if (checkpoints && (sig != 0 || checkpoints->due(step))) checkpoints->save(pack_vi(state()));
    if (sig != 0) throw Interrupted(sig, "after step " + std::to_string(step) + " of the fits");
  };
  DrawSet draws;
  std::unique_ptr<Progress> progress;
  if (!o.quiet && TerminalProgress::wanted()) progress = std::make_unique<TerminalProgress>();
  const double load_seconds = seconds_since_start();
  PhaseClock clock;
  InterruptCheck check(run_progress(o, progress.get()));
  model->run_config("vi", &cfg, draws, info, &check);
  const double run_seconds = clock.lap();
  const bool checkpoint_removed = checkpoints && remove_checkpoint(o.checkpoint);  // the fits are done
  info.config.push_back({"best_fit", std::to_string(report.best_fit + 1)});
  info.config.push_back({"elbo", number(report.final_elbo[report.best_fit])});
  if (o.predict) {
    add_posterior_predictive(*model, cfg.seed, draws, new_rows.get());
    info.config.push_back({"predict", "true"});
  }
  if (o.in_process && !o.elbo.empty()) write_elbo_trace(o.elbo, report);  // the trace file, beside the returned draws
  if (keep_in_process(o, draws, info)) return 0;

  double write_seconds = 0;
  std::future<void> written = std::async(std::launch::async, [&] {
    PhaseClock write_clock;
    write_draws(o.output, draws, info);
    if (!o.elbo.empty()) write_elbo_trace(o.elbo, report);
    write_seconds = write_clock.lap();
  });
  SummaryReport summary;
  try {
    summary = summarize_draws(draws);
    mark_independent_draws(summary, draws.n_draws, "vi");
    const std::string apart = vi::fits_disagreement(report, cfg.learning_rate);
    if (!apart.empty()) summary.warnings.push_back(apart);
  } catch (...) {
    written.wait();
    throw;
  }
  const double summary_seconds = clock.lap();
  written.get();

  const int K = static_cast<int>(report.final_elbo.size());
  int total_steps = 0;
  for (int s : report.steps_run) total_steps = std::max(total_steps, s);
  std::cout << "lockstep vi: model " << o.model << ", " << vi::family_name(cfg.family) << " Gaussian ("
            << report.dim << " unconstrained dimensions), " << K << " fit" << (K == 1 ? "" : "s") << " x "
            << cfg.samples << " Monte Carlo point" << (cfg.samples == 1 ? "" : "s") << " per step, Adam lr "
            << number(cfg.learning_rate, "%g") << ", seed " << cfg.seed << ", on " << backend::describe_backend()
            << "\n\n";
  std::printf("%5s %16s %8s %8s  %s\n", "fit", "final ELBO", "steps", "retries", "stopped by");
  for (int f = 0; f < K; ++f)
    std::printf("%5d %16s %8d %8d  %s%s\n", f + 1, number(report.final_elbo[f], "%.6g").c_str(), report.steps_run[f],
                report.retries[f], vi::stop_name(report.stop[f]), f == report.best_fit ? "  <- best, drawn from" : "");
  std::cout << "\n" << cfg.draws << " draws from fit " << report.best_fit + 1 << "'s approximation:\n\n";
  print_summary(std::cout, summary);
  if (o.predict) print_ppc(std::cout, draws, posterior_predictive_p_values(draws));
  const double opt = std::max(report.optimize_seconds, 1e-9);
  std::printf("Optimization: %.3f s, %d steps (%.4g steps/s), %llu gradient evaluations (%.4g per second)\n",
              report.optimize_seconds, total_steps, total_steps / opt, report.gradient_evaluations,
              report.gradient_evaluations / opt);
  std::cout << format_end_to_end(seconds_since_start(), {{"load", load_seconds},
                                                         {"optimization", report.optimize_seconds},
                                                         {"draws", report.draw_seconds},
                                                         {"other run", std::max(0.0, run_seconds - report.optimize_seconds - report.draw_seconds)},
                                                         {"summary", summary_seconds},
                                                         {"writing, alongside", write_seconds}})
            << "\n";
  if (!o.output.empty()) std::cout << written_draws_line(o.output, draws.n_chains) << "\n";
  if (checkpoint_removed) std::cout << "Checkpoint " << o.checkpoint << " removed (the run is complete)\n";
  if (!o.elbo.empty()) {
    std::cout << "ELBO trace written to " << o.elbo << "\n";
    make_plot("plot_elbo.py", o.elbo, svg_name(o.elbo));
  }
  if (!o.summary.empty()) {
    std::vector<std::pair<std::string, double>> facts = {
        {"draws", cfg.draws}, {"fits", K}, {"best_fit", report.best_fit + 1},
        {"elbo", report.final_elbo[report.best_fit]}, {"optimization_seconds", report.optimize_seconds},
        {"gradient_evaluations_per_second", report.gradient_evaluations / opt}};
    for (int f = 0; f < K; ++f) facts.push_back({"elbo_fit_" + std::to_string(f + 1), report.final_elbo[f]});
    write_summary_json(o.summary, summary, info, facts);
    std::cout << "Summary written to " << o.summary << "\n";
  }
  return 0;
}

}  // namespace cli
}  // namespace lockstep
