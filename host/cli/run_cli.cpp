// The `lockstep` command line: subcommands, their flags (the common ones here, each
// algorithm's own from the algorithm table), and the exit-status convention. Bad input ends
// with one line on stderr naming the file, field or flag, and exit status 2.
#include "host/cli/run_cli.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <string>

#include "host/cli/commands.hpp"
#include "host/registry/algorithm_table.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {
namespace {

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

void add_model_options(CLI::App* app, ModelOptions& o) {
  app->add_option("model", o.model, "Model name (see `lockstep models`)")->required();
  app->add_option("--data", o.data, "Data file (JSON, or CSV with one column per field)");
  app->add_option("--set", o.set, "Model option key=value (repeatable)");
  app->add_option("--seed", o.seed, "Random seed (default: random, printed)");
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

int run_cli(int argc, char** argv, std::vector<ModelEntry> extra_models) {
  try {
    for (ModelEntry& e : extra_models) register_model(std::move(e));
  } catch (const InputError& e) {
    std::fprintf(stderr, "lockstep: error: %s\n", e.what());
    return 2;
  }
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
  sample->add_option("--newdata", so.newdata,
                     "With --predict: y_rep for the rows of this table instead of the observed ones (glmm; a new "
                     "level of a grouping factor draws new group effects from the fitted scale)");
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
  add_algorithm_flags(ens, "ensemble", eo.algorithm_options);

  ViOptions vo;
  CLI::App* vi = app.add_subcommand("vi", "Variational inference (ADVI, mean-field or full-rank), Monte Carlo points as lanes");
  add_model_options(vi, vo);
  vi->add_option("--output", vo.output, "Draws: PATH.csv (Stan CSV) or PATH.nc (InferenceData)");
  vi->add_option("--summary", vo.summary, "Write the summary as JSON");
  vi->add_option("--elbo", vo.elbo, "ELBO trace: PATH.csv (step, elbo, rel_change, fit) and its plot PATH.svg");
  vi->add_flag("--predict", vo.predict, "Posterior predictive draws y_rep for every draw (as sample --predict)");
  vi->add_flag("--quiet", vo.quiet, "No progress display");
  add_algorithm_flags(vi, "vi", vo.algorithm_options);
  NpeOptions no;
  CLI::App* npe = app.add_subcommand("npe", "Neural posterior estimation: a network trained on prior simulations in lanes");
  add_model_options(npe, no);
  npe->add_option("--output", no.output, "Draws: PATH.csv (Stan CSV) or PATH.nc (InferenceData); the loss per epoch as PATH_loss.csv and PATH_loss.svg");
  npe->add_option("--summary", no.summary, "Write the summary as JSON");
  npe->add_flag("--quiet", no.quiet, "No progress lines");
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
                    "Superchains for nested R-hat; must divide every chain count (default 4 if it does, 0: none)");
  study->add_option("--init", to.init_radius, "Initial points uniform(-R, R) on the unconstrained scale (default 2)");
  study->add_option("--reference", to.reference, "Reference JSON {\"param\": {\"mean\": m, \"sd\": s}, ...}")->required();
  study->add_option("--output", to.output, "Directory for study.csv and study.svg")->required();
  add_algorithm_flags(study, "sample", to.algorithm_options);

  SbcOptions bo;
  CLI::App* sbc = app.add_subcommand("sbc", "Simulation-based calibration: ranks of prior draws among posterior draws");
  add_model_options(sbc, bo);
  sbc->add_option("--replicates", bo.replicates, "Data sets simulated from prior draws and fitted (default 100)");
  sbc->add_option("--chains", bo.chains, "Chains per fit (default 4)");
  sbc->add_option("--warmup", bo.warmup, "Warmup iterations per chain (default 1000)");
  sbc->add_option("--draws", bo.draws, "Draws per chain after warmup (default 1000)");
  sbc->add_option("--ranks", bo.ranks, "L: thinned draws each true value is ranked among, a multiple of --chains (default 100)");
  sbc->add_option("--algorithm", bo.algorithm, sample_algorithm_help());
  sbc->add_option("--output", bo.output, "Directory for ranks.csv and sbc.svg")->required();
  sbc->add_flag("--quiet", bo.quiet, "No progress lines");
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
    add_algorithm_flags(sub.first, sub.second->command, sub.second->algorithm_options);
  }

  CheckOptions co;
  CLI::App* check = app.add_subcommand(
      "check", "Check a model: gradient against finite differences, transform round trip, initial points");
  add_model_options(check, co);
  check->add_option("--points", co.points, "Random unconstrained points (default 10)");
  check->add_option("--radius", co.radius, "Points uniform(-R, R) on the unconstrained scale (default 2)");
  check->add_option("--tolerance", co.tolerance, "Gradient tolerance: |g - fd| <= T max(1, |g|) (default 1e-6; 2e-3 in a float build)");

  app.add_subcommand("models", "List models with their parameters, options, data fields and algorithms");
  CLI::App* info = app.add_subcommand("info", "Version, backend, CUDA devices, lane width and precision of this build");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "lockstep: error: %s\n", e.what());
    return 2;
  } catch (const InputError& e) {
    std::fprintf(stderr, "lockstep: error: %s\n", e.what());
    return 2;
  }
  try {
    if (sample->parsed()) return run_sample(so);
    if (summary->parsed()) return run_summary(files, summary_json);
    if (ens->parsed()) return run_ensemble(eo);
    if (vi->parsed()) return run_vi(vo);
    if (study->parsed()) return run_study(to);
    if (check->parsed()) return run_check(co);
    if (sbc->parsed()) return run_sbc(bo);
    if (npe->parsed()) return run_npe(no);
    if (abc->parsed()) return run_abc(ao);
    if (smc_abc->parsed()) return run_abc(so_abc);
    if (info->parsed()) return run_info();
    return run_models();
  } catch (const InputError& e) {
    std::fprintf(stderr, "lockstep: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lockstep: failed: %s\n", e.what());
    return 1;
  }
}

}  // namespace cli
}  // namespace lockstep
