// `lockstep study MODEL --data FILE --algorithm A --chains 16,256 --warmup 25,50,100
// --repeats R --reference REF.json --output DIR`: a convergence study. Every (chains, warmup)
// configuration is run R times; the posterior mean and sd of every reference parameter are
// compared with the reference, in units of the reference sd, and aggregated over repeats
// with R-hat, nested R-hat (Margossian et al. 2024), bulk ESS, wall time and gradient
// evaluations into DIR/study.csv; scripts/plot_study.py draws DIR/study.svg from it.
//
// Checkpoints (--checkpoint FILE [--checkpoint-every SECONDS]): the numbers of the runs done so
// far, written atomically as a run ends once SECONDS have passed since the last checkpoint, and
// when Ctrl-C or SIGTERM stops a run (the run in progress is lost, the ones done are kept).
// `lockstep resume FILE` continues from the first run not done: every run's numbers, hence
// study.csv, are those of an uninterrupted study (runs are deterministic functions of the
// seed), except the wall_seconds of the runs redone. Over MPI ranks every rank keeps its own
// runs in its own file (FILE, FILE.rank<r>) and the ranks checkpoint and stop together after
// each round of R runs (host/cli/dealt_rounds.hpp); `mpirun -np R lockstep resume FILE`.
//
// Seeds: repeat r (0-based) of EVERY configuration uses seed splitmix64(S + r) >> 1 (Steele,
// Lea & Flood 2014, "Fast splittable pseudorandom number generators", the SplitMix64 finalizer;
// shifted into 0 .. 2^63 - 1, the seeds `lockstep sample --seed` takes, so that any run of the
// study can be replayed alone: the header prints them), so configurations are compared with
// common random numbers: the same repeat starts from the same superchain points whatever the
// chain count or warmup (superchain k's point depends only on (seed, k)).
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "host/cli/checkpoints.hpp"
#include "host/cli/dealt_rounds.hpp"
#include "host/cli/initial_values.hpp"
#include "host/cli/output_dir.hpp"
#include "host/core/interrupt.hpp"
#include "host/core/text.hpp"
#include "host/registry/algorithm_table.hpp"
#include "host/cli/commands.hpp"
#include "host/cli/interrupt_check.hpp"
#include "host/cli/process_clock.hpp"
#include "host/diagnostics/nested_rhat.hpp"
#include "host/diagnostics/reference_posterior.hpp"
#include "host/diagnostics/summary.hpp"
#include "host/io/atomic_file.hpp"
#include "host/io/csv_data.hpp"
#include "models/contract/input_error.hpp"
#include "host/io/json_data.hpp"
#include "models/contract/model_args.hpp"
#include "host/io/stan_csv_writer.hpp"
#include "host/parallel/ranks.hpp"
#include "host/registry/any_model.hpp"

namespace lockstep {
namespace cli {
namespace {

std::string csv_cell(double x) {
  if (!std::isfinite(x)) return "NA";
  char buf[32];
  char* end = io::format_general(x, 8, buf);
  return std::string(buf, end);
}

/// A study checkpoint's runs into `runs` (`study_runs`: per_run doubles per run of this rank's
/// done); returns the rounds done (host/cli/dealt_rounds.hpp; one process: the runs done).
/// next_iteration is the runs done over every rank, a whole number of rounds of `ranks` runs.
/// InputError naming the file for a checkpoint of another study shape.
long restore_study_runs(const SamplerSnapshot& from, const std::string& path, std::size_t per_run, int n_runs,
                        int ranks, std::vector<double>& runs) {
  const auto bad = [&](const std::string& why) { return InputError(path + ": " + why); };
  if (from.sampler != "study") throw bad("not a checkpoint of `lockstep study` (it holds a " + from.sampler + " run)");
  if (from.n_chains != static_cast<int>(per_run) || from.next_iteration < 0 || from.next_iteration > n_runs ||
      from.next_iteration % ranks != 0)
    throw bad("its runs do not fit this study's configurations and reference");
  // Every rank has one run in each round before the last (a checkpoint is never of the last).
  const long rounds = from.next_iteration / ranks;
  if (!from.get_values("study_runs", runs) || runs.size() != static_cast<std::size_t>(rounds) * per_run)
    throw bad("its runs' numbers do not match its count of runs done");
  return rounds;
}

/// Per-configuration accumulators of one parameter over repeats.
struct Acc {
  double mean_err = 0, mean_err2 = 0, sd_err = 0, sd_err2 = 0, rhat = 0, nested = 0, ess = 0;
  int n = 0;
};

}  // namespace

std::vector<int> parse_int_list(const std::string& text, const std::string& flag, int minimum) {
  if (text.empty()) throw InputError(flag + ": give a comma-separated list of integers, found an empty list");
  std::vector<int> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::size_t used = 0;
    long v = 0;
    try {
      v = std::stol(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size())
      throw InputError(flag + ": '" + item + "' is not an integer (expected a list such as 16,256,4096)");
    if (v < minimum || v > std::numeric_limits<int>::max())
      throw InputError(flag + ": " + item + " is out of range (each value must be at least " +
                       std::to_string(minimum) + ")");
    out.push_back(static_cast<int>(v));
  }
  if (!text.empty() && text.back() == ',')
    throw InputError(flag + ": '" + text + "' ends with a comma (expected a list such as 16,256,4096)");
  return out;
}

int run_study(const StudyOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const AlgorithmInfo& algorithm = find_algorithm(o.algorithm);
  refuse_unused_flags(algorithm, o.algorithm_options);
  const std::vector<int> chains = parse_int_list(o.chains, "--chains", 1);
  const std::vector<int> warmups = parse_int_list(o.warmup, "--warmup", 0);  // 0: no warmup, a baseline
  if (o.repeats < 1) throw InputError("--repeats: must be at least 1, found " + std::to_string(o.repeats));
  if (o.draws < 1) throw InputError("--draws: must be at least 1, found " + std::to_string(o.draws));
  check_threads(o.threads);
  select_backend(o.backend);
  if (o.seed < -1) throw InputError("--seed: must be a non-negative integer");
  // Every configuration's flags, before anything runs (ChEES needs 2 chains to adapt: a
  // --chains 64,1 study must not run the 64-chain configurations and then stop).
  for (int c : chains)
    for (int w : warmups) {
      RunSettings s;
      s.chains = c;
      s.warmup = w;
      s.draws = o.draws;
      algorithm.validate(s, o.algorithm_options);
    }
  if (!(o.init_radius > 0) || !std::isfinite(o.init_radius))
    throw InputError("--init: the radius must be a positive number");
  int superchains = o.superchains;
  if (superchains < -1 || superchains == 1)
    throw InputError("--superchains: must be at least 2 (or 0 for none), found " + std::to_string(superchains));
  std::vector<GivenSetting> given;  // the study starts every run with these
  if (o.init_radius != StudyOptions{}.init_radius) given.push_back({"--init", run_settings::kInit});
  if (superchains > 0) given.push_back({"--superchains", run_settings::kInit});
  refuse_unhonoured_settings(algorithm, given);
  if (superchains == -1 && (algorithm.run_settings & run_settings::kInit) == 0) superchains = 0;
  if (superchains == -1) {  // default: 4 superchains when 4 divides every chain count (of at least 8)
    superchains = 4;
    for (int c : chains)
      if (c % 4 != 0 || c < 8) superchains = 0;
  }
  for (int c : chains)
    if (superchains > 0 && c % superchains != 0)
      throw InputError("--superchains " + std::to_string(superchains) + ": must divide every --chains value, not " +
                       std::to_string(c));
  if (o.reference.empty()) throw InputError("--reference: give a JSON file {\"param\": {\"mean\": m, \"sd\": s}, ...}");
  const diagnostics::ReferencePosterior reference =
      diagnostics::load_reference_posterior(o.reference, "--reference " + o.reference);
  if (o.output.empty()) throw InputError("--output: give a directory for study.csv and study.svg");

  const std::unique_ptr<AnyModel> model = load_model_for(o, o.algorithm);
  std::vector<int> ref_index;
  for (const auto& r : reference) {
    const auto& names = model->names();
    const auto it = std::find(names.begin(), names.end(), r.first);
    if (it == names.end())
      throw InputError("--reference " + o.reference + ": '" + r.first + "' is not a parameter of model " + o.model);
    ref_index.push_back(static_cast<int>(it - names.begin()));
  }
  {  // the largest configuration must fit before the output folder is made
    SampleOptions largest;
    largest.chains = *std::max_element(chains.begin(), chains.end());
    largest.warmup = *std::max_element(warmups.begin(), warmups.end());
    largest.draws = o.draws;
    largest.algorithm_options = o.algorithm_options;
    check_sample_memory(largest, *model, 0);
  }
  // Over MPI ranks (host/parallel/ranks.hpp) rank 0 alone makes the folder and writes; an error
  // there is every rank's.
  const parallel::Ranks& ranks = parallel::Ranks::world();
  if (!o.checkpoint.empty()) check_checkpoint_flags(o.checkpoint, o.checkpoint_every);
  prepare_output_dir_on_rank0(o.output, "study.csv", "study.csv and study.svg");
  std::uint64_t seed = ranks.from_root(resolve_seed(o.seed));
  if (const io::CheckpointFile* resuming = pending_resume()) seed = resuming->seed;  // even if drawn at random
  const std::size_t n_ref = reference.size();
  // The checkpoint (and, resuming, every rank's file checked against this run) before anything
  // is printed: a resume that does not fit is one line, as for the other commands.
  std::unique_ptr<FileCheckpoints> checkpoints;
  if (!o.checkpoint.empty())
    checkpoints = open_checkpoints(o.checkpoint, o.checkpoint_every, o.command_line, o.model, o.data, seed);

  if (ranks.is_root())
    std::cout << "lockstep study: model " << o.model << ", algorithm " << o.algorithm << ", "
              << chains.size() * warmups.size() << " configurations x " << o.repeats << " repeats, " << o.draws
              << " draws per chain, "
              << (superchains > 0 ? std::to_string(superchains) + " superchains" : std::string("no superchains"))
              << ", seed " << seed;
  if (ranks.is_root() && ranks.split()) std::cout << ", over " << ranks.size() << " MPI ranks";
  if (ranks.is_root()) std::cout << "\n";
  const auto repeat_seed = [seed](int r) { return splitmix64(seed + static_cast<std::uint64_t>(r)) >> 1; };
  if (ranks.is_root()) {
    std::cout << "Repeat seeds (`lockstep sample ... --seed S` replays a run):";
    for (int r = 0; r < std::min(o.repeats, 10); ++r) std::cout << (r ? ", " : " ") << r + 1 << ": " << repeat_seed(r);
    if (o.repeats > 10) std::cout << ", ... (repeat r: splitmix64(" << seed << " + r - 1) >> 1)";
    std::cout << "\n";
  }

  // The runs, in order: configuration k = (chains i, warmup j) in row-major order, repeat r;
  // run u = k * repeats + r. Over MPI ranks, rank u mod R runs run u (each run is the
  // one-process run: its seed and chains do not depend on where it runs), and rank 0 gathers
  // every run's numbers and adds them in run order — the one-process sums.
  // Each run contributes 7 numbers per reference parameter and its wall time and gradients.
  const std::size_t per_run = 7 * n_ref + 2;
  const int n_configs = static_cast<int>(chains.size() * warmups.size());
  const int n_runs = n_configs * o.repeats;
  std::vector<double> mine;  // this rank's runs, in order
  auto run_one = [&](int u) {
    const int k = u / o.repeats, r = u % o.repeats;
    const int C = chains[static_cast<std::size_t>(k) / warmups.size()], W = warmups[static_cast<std::size_t>(k) % warmups.size()];
    RunSettings s;
    s.chains = C;
    s.warmup = W;
    s.draws = o.draws;
    s.seed = repeat_seed(r);
    s.threads = o.threads;
    s.init_radius = o.init_radius;
    if (superchains > 0) {
      s.init_unconstrained = superchain_inits(*model, C, superchains, o.init_radius, s.seed);
      s.superchains = superchains;
    }
    DrawSet draws;
    RunInfo info;
    const auto r0 = std::chrono::steady_clock::now();
    InterruptCheck check(run_progress(o, nullptr));  // in process: the caller's (Python: Ctrl-C)
    model->run(o.algorithm, s, o.algorithm_options, draws, info, &check);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count();
    const std::vector<int> ids =
        superchains > 0 ? diagnostics::consecutive_superchains(C, superchains) : std::vector<int>{};
    std::vector<double> out(per_run);
#pragma omp parallel for schedule(dynamic)
    for (int i = 0; i < static_cast<int>(n_ref); ++i) {
      const diagnostics::Chains x = diagnostics::chains_of(draws, ref_index[i]);
      const diagnostics::Summary sm = diagnostics::summarize(x);
      const diagnostics::ReferenceParameter& ref = reference[i].second;
      const double em = (sm.mean - ref.mean) / ref.sd, es = (sm.sd - ref.sd) / ref.sd;
      double* a = out.data() + 7 * static_cast<std::size_t>(i);
      a[0] = em;
      a[1] = em * em;
      a[2] = es;
      a[3] = es * es;
      a[4] = sm.rhat;
      a[5] = sm.ess_bulk;
      a[6] = ids.empty() ? std::numeric_limits<double>::quiet_NaN() : diagnostics::nested_rhat(x, ids);
    }
    out[per_run - 2] = wall;
    out[per_run - 1] = static_cast<double>(info.gradient_evaluations);
    mine.insert(mine.end(), out.begin(), out.end());
  };

  std::string csv =
      "algorithm,chains,warmup,draws,superchains,repeats,parameter,mean_bias,mean_rmse,sd_bias,sd_rmse,"
      "rhat,nested_rhat,ess_bulk,wall_seconds,gradient_evaluations\n";
  // Configuration k's row per parameter and its line, from the runs' numbers (run u at
  // runs[u * per_run]), added over repeats in order.
  auto report_config = [&](int k, const double* runs) {
    const int C = chains[static_cast<std::size_t>(k) / warmups.size()], W = warmups[static_cast<std::size_t>(k) % warmups.size()];
    std::vector<Acc> acc(n_ref);
    double wall = 0, grads = 0;
    for (int r = 0; r < o.repeats; ++r) {
      const double* run = runs + (static_cast<std::size_t>(k) * o.repeats + r) * per_run;
      for (std::size_t i = 0; i < n_ref; ++i) {
        const double* a = run + 7 * i;
        Acc& t = acc[i];
        t.mean_err += a[0];
        t.mean_err2 += a[1];
        t.sd_err += a[2];
        t.sd_err2 += a[3];
        t.rhat += a[4];
        t.ess += a[5];
        t.nested += a[6];
        ++t.n;
      }
      wall += run[per_run - 2];
      grads += run[per_run - 1];
    }
    const double R = o.repeats;
    double worst_rmse = 0, worst_nested = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = 0; i < n_ref; ++i) {
      const Acc& a = acc[i];
      const double mean_rmse = std::sqrt(a.mean_err2 / R), nested = a.nested / R;
      worst_rmse = std::max(worst_rmse, mean_rmse);
      if (std::isfinite(nested) && !(nested <= worst_nested)) worst_nested = nested;
      csv += o.algorithm + "," + std::to_string(C) + "," + std::to_string(W) + "," + std::to_string(o.draws) + "," +
             std::to_string(superchains) + "," + std::to_string(o.repeats) + "," + reference[i].first + "," +
             csv_cell(a.mean_err / R) + "," + csv_cell(mean_rmse) + "," + csv_cell(a.sd_err / R) + "," +
             csv_cell(std::sqrt(a.sd_err2 / R)) + "," + csv_cell(a.rhat / R) + "," + csv_cell(nested) + "," +
             csv_cell(a.ess / R) + "," + csv_cell(wall / R) + "," + csv_cell(grads / R) + "\n";
    }
    char nested_text[32] = "NA";
    if (superchains > 0 && std::isfinite(worst_nested))
      std::snprintf(nested_text, sizeof nested_text, "%.4f", worst_nested);
    std::printf("  chains %6d, warmup %5d: max RMSE of the mean %.3g sd, max nested R-hat %s, %.3g s per run\n", C, W,
                worst_rmse, nested_text, wall / R);
    std::fflush(stdout);
  };

  parallel::mark_collective_work();  // from here an error on one rank ends the job (run_cli.cpp)
  long first_round = 0;
  if (checkpoints) {
    if (const SamplerSnapshot* from = checkpoints->resume()) {
      first_round = restore_study_runs(*from, o.checkpoint, per_run, n_runs, ranks.size(), mine);
      if (!ranks.split())
        for (int k = 0; k < first_round / o.repeats; ++k) report_config(k, mine.data());
    }
  }
  // Run u on rank u mod R, in rounds (host/cli/dealt_rounds.hpp). A checkpoint: "study",
  // next_iteration = the runs done over every rank, this rank's runs' numbers.
  DealtWork work;
  work.noun = "study runs";
  work.run = [&](long u) {
    run_one(static_cast<int>(u));
    if (!ranks.split() && (u + 1) % o.repeats == 0) report_config(static_cast<int>(u / o.repeats), mine.data());
  };
  work.drop_last = [&] { mine.resize(mine.size() - per_run); };
  work.save = [&](long rounds) {
    SamplerSnapshot snap;
    snap.sampler = "study";
    snap.next_iteration = rounds * ranks.size();
    snap.n_chains = static_cast<int>(per_run);
    snap.put_values("study_runs", mine);
    checkpoints->save(snap);
  };
  run_dealt_rounds(n_runs, first_round, checkpoints.get(), work);
  // The study is complete: each rank's checkpoint goes once its runs are safe (gathered to rank 0;
  // rank 0's once study.csv is written).
  const auto drop_checkpoint = [&] {
    return checkpoints && remove_checkpoint(rank_checkpoint_path(o.checkpoint, ranks.rank()));
  };
  if (ranks.split()) {
    std::vector<int> counts;
    const std::vector<double> gathered = ranks.gather_to_root(mine, &counts);
    if (!ranks.is_root()) {
      drop_checkpoint();
      return 0;
    }
    std::vector<double> runs(static_cast<std::size_t>(n_runs) * per_run);
    std::size_t at = 0;
    for (int r = 0; r < ranks.size(); ++r)  // rank r's runs r, r + R, ... in order
      for (int u = r; u < n_runs; u += ranks.size(), at += per_run)
        std::copy(gathered.begin() + static_cast<std::ptrdiff_t>(at), gathered.begin() + static_cast<std::ptrdiff_t>(at + per_run),
                  runs.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(u) * per_run));
    for (int k = 0; k < n_configs; ++k) report_config(k, runs.data());
  }
  const std::string csv_path = o.output + "/study.csv";
  io::AtomicFile file(csv_path);
  file.write(csv);
  remove_earlier_plot(o.output + "/study.svg");
  file.commit();
  std::cout << "Study written to " << csv_path << "\n";
  if (!o.no_plot) make_plot("plot_study.py", csv_path, o.output + "/study.svg");
  if (drop_checkpoint()) std::cout << "Checkpoint " << o.checkpoint << " removed (the study is complete)\n";
  std::printf("Total wall time: %.3f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  std::cout << format_end_to_end(seconds_since_start(), {}) << "\n";
  return 0;
}

}  // namespace cli
}  // namespace lockstep
