// The `lockstep` command line: subcommands, their flags (the common ones here, each
// algorithm's own from the algorithm table), and the exit-status convention. Bad input ends
// with one line on stderr naming the file, field or flag, and exit status 2.
#include "host/cli/run_cli.hpp"

#include "host/backend/place.hpp"
#include "host/parallel/ranks.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <map>
#include <string>

#include "host/cli/checkpoints.hpp"
#include "host/cli/commands.hpp"
#include "host/run/checkpoint_file.hpp"
#include "host/core/input_file.hpp"
#include "host/core/interrupt.hpp"
#include "host/io/netcdf_writer.hpp"
#include "host/registry/algorithm_table.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {
namespace {

constexpr const char* kNewdataHelp =
    "With --predict: y_rep for the rows of this table instead of the observed ones (glmm: a new level of a grouping "
    "factor draws new group effects from the fitted scale; eight_schools: new schools)";

/// Adds every flag of the command's algorithms to `app`; values land in `options`.
void add_algorithm_flags(CLI::App* app, const std::string& command, AlgorithmOptions& options) {
  for (const FlagSpec& f : command_flags(command)) {
    std::string users;
    for (const AlgorithmInfo* a : command_algorithms(command))
      if (a->has_flag(f.flag)) users += (users.empty() ? "" : ", ") + a->name;
    std::string help = f.help;
    if (!f.default_text.empty()) help += " (default " + f.default_text + ")";
    if (command_algorithms(command).size() > 1) help += " [" + users + "]";
    const std::string flag = f.flag;
    if (f.is_switch())
      app->add_flag_callback(flag, [&options, flag] { options.set(flag, "true"); }, help);
    else
      app->add_option_function<std::string>(flag, [&options, flag](const std::string& v) { options.set(flag, v); },
                                             help)
          ->type_name(f.value_name);
  }
}

/// A message with its control bytes escaped (\x01): an input's bytes quoted back (a binary
/// file given as --data) must not drive the terminal.
/// `lockstep resume`'s line in the help (and its own --help).
constexpr const char* kResumeHelp =
    "Continue a `sample`, `ensemble`, `study`, `sbc`, `vi`, `npe`, `abc` or `smc-abc` run started with "
    "--checkpoint FILE: lockstep resume FILE (from the directory it was started in, when its paths are relative)";

std::string printable(const std::string& message) {
  std::string out;
  for (unsigned char c : message) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

/// The one line of an error, and the exit status. In a run split over MPI ranks
/// (host/parallel/ranks.hpp): before the ranks work together, the failing rank agrees with the
/// others (Ranks::agree; they learn of it at their next collective call and end quietly with
/// AnotherRankFailed): the lowest failing rank alone reports, as one process would when every
/// rank failed (the same arguments and files fail alike) and naming itself when only some did
/// (a file that only some nodes have), and every rank returns the largest status; after it,
/// the rank that failed says so, naming itself, and ends the whole job (no rank is left waiting
/// for it). `alone`: this rank fails where the others have no collective call left to make
/// (rank 0's `info` output): it reports without agreeing (agreeing would wait for ever).
int error_line(const char* kind, const std::string& message, int status, bool alone = false) {
  const parallel::Ranks& ranks = parallel::Ranks::world();
  if (!ranks.split() || alone) {
    std::fprintf(stderr, "lockstep: %s: %s\n", kind, printable(message).c_str());
    return status;
  }
  if (parallel::collective_work_started()) {
    std::fprintf(stderr, "lockstep: %s on rank %d of %d: %s; ending the job\n", kind, ranks.rank(), ranks.size(),
                 printable(message).c_str());
    ranks.abort(status);
  }
  const parallel::Agreement agreed = ranks.agree(status);
  if (ranks.rank() == agreed.first_failed) {
    if (agreed.failed == ranks.size())
      std::fprintf(stderr, "lockstep: %s: %s\n", kind, printable(message).c_str());
    else
      std::fprintf(stderr, "lockstep: %s on rank %d of %d (%d of the ranks failed): %s\n", kind, ranks.rank(),
                   ranks.size(), agreed.failed, printable(message).c_str());
  }
  return agreed.status;
}

/// Whatever a command printed reached standard output (`lockstep models > /dev/full` must not
/// report success).
int checked_stdout(int status, bool alone = false) {
  // A signal that came while the output was being written: the output was finished (it is
  // all or nothing, and was nearly done), and the exit status still says the run was stopped.
  if (const int sig = interrupt_signal(); sig != 0 && status == 0) {
    std::fprintf(stderr, "lockstep: interrupted by %s after the run finished; its output is complete\n",
                 signal_name(sig).c_str());
    status = 128 + sig;
  }
  std::cout.flush();
  const bool failed = !std::cout || std::fflush(stdout) != 0 || std::ferror(stdout);
  if (failed && status == 0) return error_line("failed", "cannot write to standard output", 1, alone);
  return status;
}

/// CLI11's words for a flag given twice ("--seed: At Most 1 required but received 2") in ours.
std::string plain_parse_error(const std::string& what, const CLI::App& app) {
  const std::string cli11 = ": At Most 1 required but received ";
  const std::size_t at = what.find(cli11);
  if (at != std::string::npos)
    return what.substr(0, at) + ": given " + what.substr(at + cli11.size()) + " times; give it once";
  // CLI11's "--target-accept: 1 required A missing": the flag came last, without its value.
  const std::size_t colon = what.find(": ");
  if (colon != std::string::npos && what.compare(0, 2, "--") == 0 && what.size() > 8 &&
      what.compare(what.size() - 8, 8, " missing") == 0 && what.find(" required ", colon) != std::string::npos)
    return what.substr(0, colon) + ": needs a value, and none was given";
  // CLI11's "Could not convert: --chains = 4.0": say what the flag takes.
  const std::string convert = "Could not convert: ";
  const std::size_t eq = what.find(" = ");
  if (what.compare(0, convert.size(), convert) == 0 && eq != std::string::npos) {
    const std::string flag = what.substr(convert.size(), eq - convert.size()), value = what.substr(eq + 3);
    std::string type;
    const CLI::App* sub = &app;
    for (const CLI::App* s : app.get_subcommands()) sub = s;  // the command that was parsed
    for (const CLI::App* a : {sub, &app})
      if (type.empty())
        for (const CLI::Option* o : a->get_options())
          if (o->check_name(flag)) type = o->get_type_name();
    const std::string takes = type.find("INT") != std::string::npos ? "a whole number"
                              : type == "FLOAT"                     ? "a number"
                                                                    : "a value of its kind (see --help)";
    return flag + ": takes " + takes + ", found '" + value + "'";
  }
  return what;
}

/// A --seed value: decimal digits only, at most 2^63 - 1 (Philox keys are 64-bit, but the value
/// also travels as a signed 64-bit integer in the outputs' headers). "1e23", "-3", "" and
/// 2^64 are refused, not rounded or saturated into some other seed.
long long parse_seed(const std::string& v) {
  const std::string bad = "--seed: must be an integer from 0 to 9223372036854775807, found '" + v + "'";
  if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos) throw InputError(bad);
  const unsigned long long x = std::stoull(v);
  if (x > 9223372036854775807ULL) throw InputError(bad);
  return static_cast<long long>(x);
}

/// Every option of `app` (and of its subcommands) refuses an empty value: CLI11 converts ""
/// to 0 for a number (--warmup "" would run without warmup).
void refuse_empty_values(CLI::App* app) {
  for (CLI::Option* opt : app->get_options())
    if (opt->get_expected_min() > 0)
      opt->check(CLI::Validator(
          [](std::string& v) { return v.empty() ? std::string("an empty value") : std::string(); }, "", "NONEMPTY"));
  for (CLI::App* sub : app->get_subcommands(std::function<bool(CLI::App*)>{})) refuse_empty_values(sub);
}

/// "lockstep frobnicate": CLI11 would say only "A subcommand is required".
void check_subcommand(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return;
  const std::string word = argv[1];
  std::string names;
  for (const CLI::App* sub : app.get_subcommands(std::function<bool(const CLI::App*)>{})) {
    if (sub->get_name() == word) return;
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  throw InputError("unknown command '" + word + "' (commands: " + names + ")");
}

void add_model_options(CLI::App* app, ModelOptions& o) {
  app->add_option("model", o.model, "Model name (see `lockstep models`)")->required();
  app->add_option("--data", o.data, "Data file (JSON, or CSV with one column per field)");
  app->add_option("--set", o.set, "Model option key=value (repeatable)");
  app->add_option_function<std::string>(
      "--seed", [&o](const std::string& v) { o.seed = parse_seed(v); },
      "Random seed, an integer from 0 to 2^63 - 1 (default: random, printed)");
  app->add_option("--threads", o.threads, "CPU worker threads (default: all cores)");
  app->add_option("--backend", o.backend, "Where the lanes run: cpu or cuda (default: the GPU when this build has CUDA and sees one)");
  // The models' own flags (ModelInfo::flags), each once.
  std::vector<std::string> seen;
  for (const ModelEntry& e : model_table())
    for (const ModelFlagInfo& f : e.info.flags) {
      if (std::find(seen.begin(), seen.end(), f.flag) != seen.end()) continue;
      seen.push_back(f.flag);
      const std::string flag = f.flag;
      app->add_option_function<std::string>(
             flag, [&o, flag](const std::string& v) { o.model_flags[flag].push_back(v); },
             f.help + " [model " + e.info.name + "]")
          ->type_name(f.value_name)
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
          ->trigger_on_parse();
    }
}

std::string sample_algorithm_help() {
  std::string h = "Sampler:";
  for (const AlgorithmInfo* a : command_algorithms("sample")) h += " " + a->name + " (" + a->summary + ");";
  return h;
}

}  // namespace

/// `lockstep resume FILE`: the checkpoint's command line (its --checkpoint pointed at FILE, where
/// the checkpoint now is) becomes this run's, with the checkpoint as the run's start
/// (set_pending_resume; host/cli/checkpoints.hpp). Returns the arguments, program name first.
std::vector<std::string> resume_arguments(const std::string& program, const std::string& path,
                                          io::CheckpointFile& checkpoint) {
  checkpoint = io::read_checkpoint(path);
  std::vector<std::string> args = {program};
  bool pointed = false;
  for (std::size_t i = 0; i < checkpoint.args.size(); ++i) {
    const std::string& a = checkpoint.args[i];
    if (a == "--checkpoint" && i + 1 < checkpoint.args.size()) {
      args.push_back(a);
      args.push_back(path);
      ++i;
      pointed = true;
    } else if (a.rfind("--checkpoint=", 0) == 0) {
      args.push_back("--checkpoint=" + path);
      pointed = true;
    } else {
      args.push_back(a);
    }
  }
  static const char* const kResumable[] = {"sample", "ensemble", "study", "sbc", "vi", "npe", "abc", "smc-abc"};
  bool resumable = false;
  for (const char* c : kResumable) resumable = resumable || (!checkpoint.args.empty() && checkpoint.args[0] == c);
  if (!pointed || !resumable)
    throw InputError(path + ": the checkpoint's command line is not a `sample`, `ensemble`, `study`, `sbc`, `vi`, "
                            "`npe`, `abc` or `smc-abc` run with --checkpoint");
  return args;
}

/// Builds the command line, parses argv and runs the subcommand; InputError for bad input
/// (parse errors too), Interrupted for a signal, other exceptions for failures. `in_process`
/// (the Python package): the run's data in memory, its results kept there, no signal
/// handlers; null: the command as a process.
static int parse_and_run(int argc, char** argv, InProcess* in_process) {
  CLI::App app{"lockstep: thousands of MCMC chains in lock-step, on CPU cores or a GPU"};
  app.require_subcommand(1);

  SampleOptions so;
  CLI::App* sample = app.add_subcommand("sample", "Sample a model's posterior with many chains");
  add_model_options(sample, so);
  sample->add_option("--chains", so.chains, "Number of chains (default 4)");
  sample->add_option("--warmup", so.warmup, "Warmup iterations per chain (default 1000)");
  sample->add_option("--draws", so.draws, "Draws per chain after warmup (default 1000)");
  sample->add_option("--init", so.init, "unif2 (default), unifR, R, or a JSON file of parameter values");
  sample->add_option("--output", so.output, "Draws: PATH.csv (Stan CSV per chain) or PATH.nc (InferenceData)");
  sample->add_option("--summary", so.summary, "Write the summary as JSON");
  sample->add_flag("--save-warmup", so.save_warmup, "Also save warmup draws");
  sample->add_option("--thin", so.thin, "Keep every K-th draw (default 1)");
  sample->add_option("--algorithm", so.algorithm, sample_algorithm_help());
  sample->add_flag("--quiet", so.quiet, "No progress display");
  sample->add_flag("--print-model", so.print_model, "Print the resolved model (blocks, priors, design) and stop");
  sample->add_option("--superchains", so.superchains,
                     "K superchains for nested R-hat: K must divide --chains; a superchain's chains share one start");
  sample->add_flag("--predict", so.predict,
                   "Posterior predictive draws: y_rep[1..N] for every draw (Stan CSV columns; netCDF groups "
                   "posterior_predictive and observed_data) and predictive p-values of mean, sd, min, max");
  sample->add_option("--checkpoint", so.checkpoint,
                     "Checkpoint file: the run's state, every --checkpoint-every seconds and on Ctrl-C; "
                     "continue with `lockstep resume FILE`");
  sample->add_option("--checkpoint-every", so.checkpoint_every, "Seconds between checkpoints (default 60; 0: every segment)");
  sample->add_option("--newdata", so.newdata, kNewdataHelp);
  add_algorithm_flags(sample, "sample", so.algorithm_options);

  std::vector<std::string> files;
  std::string summary_json;
  CLI::App* summary = app.add_subcommand("summary", "Summarize Stan CSV files (ours or CmdStan's)");
  summary->add_option("files", files, "Stan CSV files, one per chain")->required();
  summary->add_option("--summary", summary_json, "Write the summary as JSON");

  EnsembleOptions eo;
  CLI::App* ens = app.add_subcommand("ensemble", "Affine-invariant ensemble sampling (emcee's moves), walkers as lanes");
  add_model_options(ens, eo);
  ens->add_option("--output", eo.output, "Draws: PATH.nc (InferenceData) or PATH.csv (Stan CSV per walker)");
  ens->add_option("--summary", eo.summary, "Write the report as JSON");
  ens->add_flag("--quiet", eo.quiet, "No progress display");
  ens->add_option("--checkpoint", eo.checkpoint,
                  "Checkpoint file: the walkers and the draws so far, every --checkpoint-every seconds and on "
                  "Ctrl-C; continue with `lockstep resume FILE`");
  ens->add_option("--checkpoint-every", eo.checkpoint_every, "Seconds between checkpoints (default 60; 0: every 50 steps)");
  add_algorithm_flags(ens, "ensemble", eo.algorithm_options);

  ViOptions vo;
  CLI::App* vi = app.add_subcommand("vi", "Variational inference (ADVI, mean-field or full-rank), Monte Carlo points as lanes");
  add_model_options(vi, vo);
  vi->add_option("--output", vo.output, "Draws: PATH.csv (Stan CSV) or PATH.nc (InferenceData)");
  vi->add_option("--summary", vo.summary, "Write the summary as JSON");
  vi->add_option("--elbo", vo.elbo, "ELBO trace: PATH.csv (step, elbo, rel_change, fit) and its plot PATH.svg");
  vi->add_flag("--predict", vo.predict, "Posterior predictive draws y_rep for every draw (as sample --predict)");
  vi->add_option("--newdata", vo.newdata, kNewdataHelp);
  vi->add_flag("--quiet", vo.quiet, "No progress display");
  vi->add_option("--checkpoint", vo.checkpoint,
                 "Checkpoint file: every fit's optimizer state and the ELBO trace, as steps end every "
                 "--checkpoint-every seconds and on Ctrl-C; continue with `lockstep resume FILE`");
  vi->add_option("--checkpoint-every", vo.checkpoint_every, "Seconds between checkpoints (default 60; 0: after every step)");
  add_algorithm_flags(vi, "vi", vo.algorithm_options);
  NpeOptions no;
  CLI::App* npe = app.add_subcommand("npe", "Neural posterior estimation: a network trained on prior simulations in lanes");
  add_model_options(npe, no);
  npe->add_option("--output", no.output, "Draws: PATH.csv (Stan CSV) or PATH.nc (InferenceData); the loss per epoch as PATH_loss.csv and PATH_loss.svg");
  npe->add_option("--summary", no.summary, "Write the summary as JSON");
  npe->add_flag("--predict", no.predict, "Posterior predictive draws y_rep for every draw (as sample --predict)");
  npe->add_option("--newdata", no.newdata, kNewdataHelp);
  npe->add_flag("--quiet", no.quiet, "No progress lines");
  npe->add_option("--checkpoint", no.checkpoint,
                  "Checkpoint file: the training so far (network, optimizer, epochs), as epochs end every "
                  "--checkpoint-every seconds and on Ctrl-C; continue with `lockstep resume FILE`");
  npe->add_option("--checkpoint-every", no.checkpoint_every, "Seconds between checkpoints (default 60; 0: after every epoch)");
  add_algorithm_flags(npe, "npe", no.algorithm_options);

  StudyOptions to;
  CLI::App* study = app.add_subcommand("study", "Convergence study: error against warmup length and chain count");
  add_model_options(study, to);
  study->add_option("--algorithm", to.algorithm, sample_algorithm_help());
  study->add_option("--chains", to.chains, "Chain counts, comma-separated (default 16,256,4096)");
  study->add_option("--warmup", to.warmup, "Warmup lengths, comma-separated (default 25,50,100,200,500)");
  study->add_option("--repeats", to.repeats, "Runs per configuration, with different seeds (default 5)");
  study->add_option("--draws", to.draws, "Draws per chain after warmup (default 100)");
  study->add_option("--superchains", to.superchains,
                    "Superchains for nested R-hat; must divide every chain count (default 4 if it does and every count is at least 8; 0: none)");
  study->add_option("--init", to.init_radius, "Initial points uniform(-R, R) on the unconstrained scale (default 2)");
  study->add_option("--reference", to.reference, "Reference JSON {\"param\": {\"mean\": m, \"sd\": s}, ...}")->required();
  study->add_option("--output", to.output, "Directory for study.csv and study.svg")->required();
  study->add_flag("--no-plot", to.no_plot, "Write study.csv only (no study.svg)");
  study->add_option("--checkpoint", to.checkpoint,
                    "Checkpoint file: the runs done so far, as runs end every --checkpoint-every seconds and on "
                    "Ctrl-C; continue with `lockstep resume FILE`");
  study->add_option("--checkpoint-every", to.checkpoint_every, "Seconds between checkpoints (default 60; 0: after every run, over R MPI ranks every R runs)");
  add_algorithm_flags(study, "sample", to.algorithm_options);

  SbcOptions bo;
  CLI::App* sbc = app.add_subcommand("sbc", "Simulation-based calibration: ranks of prior draws among posterior draws");
  add_model_options(sbc, bo);
  sbc->add_option("--replicates", bo.replicates, "Data sets simulated from prior draws and fitted (default 100)");
  sbc->add_option("--chains", bo.chains, "Chains per fit (default 4)");
  sbc->add_option("--warmup", bo.warmup, "Warmup iterations per chain (default 1000)");
  sbc->add_option("--draws", bo.draws, "Draws per chain after warmup (default 1000)");
  sbc->add_option("--ranks", bo.ranks, "L: thinned draws each true value is ranked among, a multiple of --chains (default 100)");
  sbc->add_option("--batch", bo.batch,
                  "Replicates fitted at once, side by side in lanes (nuts, hmc; default: all that fit in memory)");
  sbc->add_option("--algorithm", bo.algorithm, sample_algorithm_help());
  sbc->add_option("--output", bo.output, "Directory for ranks.csv and sbc.svg")->required();
  sbc->add_flag("--quiet", bo.quiet, "No progress lines");
  sbc->add_flag("--no-plot", bo.no_plot, "Write ranks.csv only (no sbc.svg)");
  sbc->add_option("--checkpoint", bo.checkpoint,
                  "Checkpoint file: the replicates fitted so far, as batches end every --checkpoint-every seconds "
                  "and on Ctrl-C; continue with `lockstep resume FILE`");
  sbc->add_option("--checkpoint-every", bo.checkpoint_every, "Seconds between checkpoints (default 60; 0: after every batch, over R MPI ranks every R batches)");
  add_algorithm_flags(sbc, "sample", bo.algorithm_options);

  AbcOptions ao, so_abc;
  ao.command = "abc";
  so_abc.command = "smc-abc";
  CLI::App* abc = app.add_subcommand("abc", "Rejection ABC: prior simulations in lanes, the K nearest or all within epsilon");
  CLI::App* smc_abc = app.add_subcommand("smc-abc", "SMC-ABC (population Monte Carlo ABC, adaptive tolerance), proposals in lanes");
  for (const auto& sub : {std::make_pair(abc, &ao), std::make_pair(smc_abc, &so_abc)}) {
    add_model_options(sub.first, *sub.second);
    sub.first->add_option("--output", sub.second->output, "Draws: PATH.csv (Stan CSV) or PATH.nc (InferenceData)");
    sub.first->add_option("--schedule", sub.second->schedule, "Schedule CSV (default: next to --output, STEM_schedule.csv)");
    sub.first->add_flag("--predict", sub.second->predict,
                        "Posterior predictive draws y_rep for every draw (as sample --predict)");
    sub.first->add_option("--newdata", sub.second->newdata, kNewdataHelp);
    add_algorithm_flags(sub.first, sub.second->command, sub.second->algorithm_options);
  }
  abc->add_option("--checkpoint", ao.checkpoint,
                  "Checkpoint file: the simulations done and the candidates kept, as chunks of simulations end "
                  "every --checkpoint-every seconds and on Ctrl-C; continue with `lockstep resume FILE`");
  abc->add_option("--checkpoint-every", ao.checkpoint_every, "Seconds between checkpoints (default 60; 0: after every chunk)");
  smc_abc->add_option("--checkpoint", so_abc.checkpoint,
                      "Checkpoint file: the population and schedule as generations end, every --checkpoint-every "
                      "seconds and on Ctrl-C; continue with `lockstep resume FILE`");
  smc_abc->add_option("--checkpoint-every", so_abc.checkpoint_every,
                      "Seconds between checkpoints (default 60; 0: after every generation)");

  CheckOptions co;
  CLI::App* check = app.add_subcommand(
      "check", "Check a model: gradient against finite differences, transform round trip, initial points");
  add_model_options(check, co);
  check->add_option("--points", co.points, "Random unconstrained points (default 10)");
  check->add_option("--radius", co.radius, "Points uniform(-R, R) on the unconstrained scale (default 2)");
  check->add_option("--tolerance", co.tolerance, "Gradient tolerance: |g - fd| <= T max(1, |g|) (default 1e-6; 2e-3 in a float build)");

  PlotOptions po;
  CLI::App* plot = app.add_subcommand(
      "plot", "Plots of runs (ArviZ): trace, rank, forest, pair, corner, ppc, energy, elbo, sbc, peak");
  plot->add_option("kind", po.kind, "trace, rank, forest, pair, corner, ppc, energy, elbo, sbc or peak")->required();
  plot->add_option("files", po.files, "Runs (.nc, or the Stan CSV files of one run); elbo: a --elbo CSV; sbc: "
                                      "ranks.csv; peak: the run and its data file")->required();
  plot->add_option("-o,--output", po.output, "The image: OUT.svg, OUT.png or OUT.pdf")->required();
  plot->add_option("--var-names", po.var_names, "Variables to show, comma-separated (trace, rank, forest, pair)");
  plot->add_option("--labels", po.labels, "forest: a name per run, comma-separated (default: the file names)");

  app.add_subcommand("models", "List models with their parameters, options, data fields and algorithms");
  app.add_subcommand("resume", kResumeHelp);
  CLI::App* info = app.add_subcommand("info", "Version, backend, CUDA devices, lane width and precision of this build");

  refuse_empty_values(&app);
  try {
    check_subcommand(app, argc, argv);
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    throw InputError(plain_parse_error(e.what(), app));
  }
  const std::initializer_list<ModelOptions*> every = {&so, &eo, &vo, &no, &to, &bo, &ao, &so_abc, &co};
  for (ModelOptions* m : every) m->in_process = in_process;
  // A bad --checkpoint-every is refused whether or not --checkpoint comes with it.
  for (double seconds : {so.checkpoint_every, eo.checkpoint_every, vo.checkpoint_every, no.checkpoint_every,
                         to.checkpoint_every, bo.checkpoint_every, ao.checkpoint_every, so_abc.checkpoint_every})
    check_checkpoint_every(seconds);
  for (int i = 1; i < argc; ++i) so.command_line.push_back(argv[i]);
  eo.command_line = so.command_line;
  to.command_line = so.command_line;
  bo.command_line = so.command_line;
  no.command_line = so.command_line;
  vo.command_line = so.command_line;
  so_abc.command_line = so.command_line;
  ao.command_line = so.command_line;
  if (!in_process) {
    // No output may overwrite an input of the run (io::check_not_input): the files named on
    // the command line, and every file read later.
    io::guard_inputs();
    install_interrupt_handlers();
    for (const ModelOptions* m : every) io::remember_input(m->data);
    for (const std::string& path : {so.newdata, vo.newdata, no.newdata, ao.newdata, so_abc.newdata, so.init, to.reference})
      io::remember_input(path);
    for (const std::string& path : files) io::remember_input(path);
    for (const std::string& path : po.files) io::remember_input(path);
  }
  const parallel::Ranks& ranks = parallel::Ranks::world();
  if (ranks.split()) {  // under mpirun: the commands that split a run (README, "Runs split over MPI ranks")
    if (info->parsed()) return ranks.is_root() ? checked_stdout(run_info(), /*alone=*/true) : 0;
    if (!sample->parsed() && !ens->parsed() && !study->parsed() && !sbc->parsed()) {
      std::string name = "models";
      for (const CLI::App* sub : app.get_subcommands()) name = sub->get_name();
      throw InputError(name + ": does not run over MPI ranks (sample, ensemble, study and sbc do); run it without mpirun");
    }
  }
  if (sample->parsed()) return checked_stdout(run_sample(so));
  if (summary->parsed()) return checked_stdout(run_summary(files, summary_json));
  if (ens->parsed()) return checked_stdout(run_ensemble(eo));
  if (vi->parsed()) return checked_stdout(run_vi(vo));
  if (study->parsed()) return checked_stdout(run_study(to));
  if (check->parsed()) return checked_stdout(run_check(co));
  if (sbc->parsed()) return checked_stdout(run_sbc(bo));
  if (npe->parsed()) return checked_stdout(run_npe(no));
  if (abc->parsed()) return checked_stdout(run_abc(ao));
  if (smc_abc->parsed()) return checked_stdout(run_abc(so_abc));
  if (plot->parsed()) return checked_stdout(run_plot(po));
  if (info->parsed()) return checked_stdout(run_info());
  return checked_stdout(run_models());
}

namespace {

int run_cli_process(int argc, char** argv, std::vector<ModelEntry> extra_models) {
  try {
    for (ModelEntry& e : extra_models) register_model(std::move(e));
  } catch (const InputError& e) {
    return error_line("error", e.what(), 2);
  }
  try {
    parallel::check_same_command_line(argc, argv);  // before anything else the ranks do together
  } catch (const parallel::AnotherRankFailed& e) {
    return e.status;
  } catch (const InputError& e) {
    return error_line("error", e.what(), 2);
  }
  io::CheckpointFile resumed;
  std::vector<std::string> resumed_args;
  std::vector<char*> resumed_argv;
  if (argc >= 2 && std::string(argv[1]) == "resume") {
    if (argc == 3 && (std::string(argv[2]) == "--help" || std::string(argv[2]) == "-h")) {
      std::printf("%s\n", kResumeHelp);
      return checked_stdout(0, /*alone=*/true);
    }
    if (argc != 3 || argv[2][0] == '-' || argv[2][0] == '\0')
      return error_line("error", "resume: give the checkpoint file and nothing else (lockstep resume FILE)", 2);
    try {
      resumed_args = resume_arguments(argv[0], argv[2], resumed);
    } catch (const parallel::AnotherRankFailed& e) {
      return e.status;
    } catch (const InputError& e) {
      return error_line("error", e.what(), 2);
    }
    for (std::string& a : resumed_args) resumed_argv.push_back(a.data());
    argc = static_cast<int>(resumed_argv.size());
    argv = resumed_argv.data();
    set_pending_resume(&resumed);
  }
  try {
    return parse_and_run(argc, argv, nullptr);
  } catch (const parallel::AnotherRankFailed& e) {
    return e.status;  // before the ranks worked together another rank failed, and said why
  } catch (const InputError& e) {
    return error_line("error", e.what(), 2);
  } catch (const Interrupted& e) {
    const parallel::Ranks& ranks = parallel::Ranks::world();
    if (ranks.split() && last_checkpoint_path().empty())  // every rank stops; nothing to resume
      return error_line("stopped", e.what(), 128 + e.signal());
    if (ranks.split()) {  // every rank stopped at the same boundary and wrote its file
      const std::string& path = last_checkpoint_path();
      const std::string others = ranks.size() == 2 ? path + ".rank1"
                                                   : path + ".rank1 .. " + path + ".rank" + std::to_string(ranks.size() - 1);
      if (ranks.is_root())
        std::fprintf(stderr, "lockstep: %s; checkpoint written to %s and %s (%s): continue with `mpirun -np %d lockstep resume %s`%s\n",
                     e.what(), path.c_str(), others.c_str(), last_checkpoint_position().c_str(), ranks.size(), path.c_str(),
                     partial_output_note().c_str());
      return 128 + e.signal();
    }
    if (!last_checkpoint_path().empty())
      std::fprintf(stderr, "lockstep: %s; checkpoint written to %s (%s): continue with `lockstep resume %s`%s\n",
                   e.what(), last_checkpoint_path().c_str(), last_checkpoint_position().c_str(),
                   last_checkpoint_path().c_str(), partial_output_note().c_str());
    else
      std::fprintf(stderr, "lockstep: %s; nothing was written (give --checkpoint FILE to be able to resume)\n",
                   e.what());
    return 128 + e.signal();
  } catch (const std::exception& e) {
    return error_line("failed", e.what(), 1);
  }
}

}  // namespace

int run_cli(int argc, char** argv, std::vector<ModelEntry> extra_models) {
  // Under an MPI launcher (mpirun -np R lockstep ...) in an MPI build, this process is one rank.
  parallel::Ranks& ranks = parallel::Ranks::start_from_launcher(&argc, &argv);
  if (ranks.split()) {
    try {
      backend::use_device_of_node_rank(ranks.node_rank());  // one GPU per rank of a node
    } catch (const std::exception& e) {
      std::fprintf(stderr, "lockstep: failed on rank %d: %s\n", ranks.rank(), e.what());
      ranks.abort(1);
    }
  }
  const int status = run_cli_process(argc, argv, std::move(extra_models));
  ranks.finish();
  if (io::hdf5_left_open()) {  // the error is reported; HDF5's exit handler would crash
    std::fflush(nullptr);
    std::_Exit(status == 0 ? 1 : status);
  }
  return status;
}

int run_in_process(const std::vector<std::string>& args, InProcess& in_process) {
  std::vector<std::string> words = {"lockstep"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  return parse_and_run(static_cast<int>(argv.size()), argv.data(), &in_process);
}

}  // namespace cli
}  // namespace lockstep
