// The `lockstep` command: sample, summary, models. Bad input ends with one line on stderr
// naming the file, field or flag, and exit status 2.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <iostream>

#include "host/cli/commands.hpp"
#include "host/io/input_error.hpp"

int main(int argc, char** argv) {
  using namespace lockstep::cli;
  CLI::App app{"lockstep: thousands of MCMC chains in lock-step, on CPU cores or a GPU"};
  app.require_subcommand(1);

  SampleOptions so;
  CLI::App* sample = app.add_subcommand("sample", "Sample a model's posterior with many chains");
  sample->add_option("model", so.model, "Model name (see `lockstep models`)")->required();
  sample->add_option("--data", so.data, "Data file (JSON)");
  sample->add_option("--set", so.set, "Model option key=value (repeatable)");
  sample->add_option("--chains", so.chains, "Number of chains (default 4)");
  sample->add_option("--warmup", so.warmup, "Warmup iterations per chain (default 1000)");
  sample->add_option("--draws", so.draws, "Draws per chain after warmup (default 1000)");
  sample->add_option("--seed", so.seed, "Random seed (default: random, printed)");
  sample->add_option("--target-accept", so.target_accept, "Step-size adaptation target (default 0.8; chees 0.651)");
  sample->add_option("--init", so.init, "unif2 (default), unifR, R, or a JSON file of parameter values");
  sample->add_option("--threads", so.threads, "CPU worker threads (default: all cores)");
  sample->add_option("--backend", so.backend, "cpu or cuda");
  sample->add_option("--output", so.output, "Draws: PATH.csv (Stan CSV per chain) or PATH.nc (InferenceData)");
  sample->add_option("--summary", so.summary, "Write the summary as JSON");
  sample->add_flag("--save-warmup", so.save_warmup, "Also save warmup draws");
  sample->add_option("--thin", so.thin, "Keep every K-th draw (default 1)");
  sample->add_option("--algorithm", so.algorithm, "nuts (default; Stan's NUTS, each chain at its own pace), hmc (static HMC, jittered steps), or chees (ChEES-HMC, trajectory length adapted across chains)");
  sample->add_option("--max-depth", so.max_depth, "NUTS maximum tree depth (default 10)");
  sample->add_option("--metric", so.metric, "NUTS inverse metric: diag (default) or dense");
  sample->add_option("--steps", so.steps, "Mean leapfrog steps per HMC iteration (default 10)");
  sample->add_flag("--pool-adaptation", so.pool_adaptation, "Pool step-size and metric adaptation across chains");
  sample->add_flag("--quiet", so.quiet, "No progress display");
  sample->add_option("--superchains", so.superchains,
                     "K superchains for nested R-hat: K must divide --chains; a superchain's chains share one start");

  std::vector<std::string> files;
  std::string summary_json;
  CLI::App* summary = app.add_subcommand("summary", "Summarize Stan CSV files (ours or CmdStan's)");
  summary->add_option("files", files, "Stan CSV files, one per chain")->required();
  summary->add_option("--summary", summary_json, "Write the summary as JSON");

  EnsembleOptions eo;
  CLI::App* ens = app.add_subcommand("ensemble", "Affine-invariant ensemble sampling (emcee's moves), walkers as lanes");
  ens->add_option("model", eo.model, "Model name (see `lockstep models`)")->required();
  ens->add_option("--data", eo.data, "Data file (JSON or CSV)");
  ens->add_option("--set", eo.set, "Model option key=value (repeatable)");
  ens->add_option("--walkers", eo.walkers, "Walkers (even, at least twice the dimension; default 32)");
  ens->add_option("--steps", eo.steps, "Ensemble steps (default 1000)");
  ens->add_option("--move", eo.move, "stretch (default), de, walk, or a mixture such as stretch:0.8,de:0.2");
  ens->add_option("--seed", eo.seed, "Random seed (default: random, printed)");
  ens->add_option("--discard", eo.discard, "Steps dropped at the start");
  ens->add_option("--thin", eo.thin, "Keep every K-th step");
  ens->add_option("--init-ball", eo.init_ball, "Start in a ball around v1,v2,... (model parameter order)");
  ens->add_option("--init-scale", eo.init_scale, "Radius of the starting ball (default 1e-4)");
  ens->add_option("--threads", eo.threads, "CPU worker threads (default: all cores)");
  ens->add_option("--output", eo.output, "Draws: PATH.nc (InferenceData) or PATH.csv (Stan CSV per walker)");
  ens->add_option("--summary", eo.summary, "Write the report as JSON");

  StudyOptions to;
  CLI::App* study = app.add_subcommand("study", "Convergence study: error against warmup length and chain count");
  study->add_option("model", to.model, "Model name (see `lockstep models`)")->required();
  study->add_option("--data", to.data, "Data file (JSON or CSV)");
  study->add_option("--set", to.set, "Model option key=value (repeatable)");
  study->add_option("--algorithm", to.algorithm, "Sampler: nuts (default), hmc or chees");
  study->add_option("--chains", to.chains, "Chain counts, comma-separated (default 16,256,4096)");
  study->add_option("--warmup", to.warmup, "Warmup lengths, comma-separated (default 25,50,100,200,500)");
  study->add_option("--repeats", to.repeats, "Runs per configuration, with different seeds (default 5)");
  study->add_option("--draws", to.draws, "Draws per chain after warmup (default 100)");
  study->add_option("--superchains", to.superchains,
                    "Superchains for nested R-hat; must divide every chain count (default 4 if it does, 0: none)");
  study->add_option("--seed", to.seed, "Random seed; repeat r uses a seed derived from it (default: random, printed)");
  study->add_option("--init", to.init_radius, "Initial points uniform(-R, R) on the unconstrained scale (default 2)");
  study->add_option("--steps", to.steps, "Mean leapfrog steps per HMC iteration (default 10)");
  study->add_option("--threads", to.threads, "CPU worker threads (default: all cores)");
  study->add_option("--reference", to.reference, "Reference JSON {\"param\": {\"mean\": m, \"sd\": s}, ...}")->required();
  study->add_option("--output", to.output, "Directory for study.csv and study.svg")->required();

  app.add_subcommand("models", "List models with their parameters, options and data fields");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "lockstep: error: %s\n", e.what());
    return 2;
  }
  try {
    if (sample->parsed()) return run_sample(so);
    if (summary->parsed()) return run_summary(files, summary_json);
    if (ens->parsed()) return run_ensemble(eo);
    if (study->parsed()) return run_study(to);
    return run_models();
  } catch (const lockstep::InputError& e) {
    std::fprintf(stderr, "lockstep: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lockstep: failed: %s\n", e.what());
    return 1;
  }
}
