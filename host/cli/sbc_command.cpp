// `lockstep sbc MODEL --data FILE --replicates R --chains C --warmup W --draws D [--ranks L]
// [--batch B] [--algorithm A] --output DIR`: simulation-based calibration (Talts et al. 2018;
// the ranks and the test: host/diagnostics/sbc.hpp).
//
// Replicate r (0-based): theta_r = prior_draw with Rng{S, r}; y_r = simulate(theta_r) with
// Rng{S, r} (Stream::kInit and Stream::kSimulate: the model's contract); the model with y_r as
// its data (priors and design unchanged, brms's data-dependent default priors included) is
// fitted by the algorithm with C chains; each chain's D post-warmup draws are thinned to L / C
// evenly spaced ones (sbc_thinned_indices), and the rank of every parameter's true value among
// the L draws is recorded (0..L).
//
// Replicates in lanes: with NUTS or static HMC (per-chain adaptation) the replicates are fitted
// B at a time, all B x C chains side by side in lanes, each chain seeing its own replicate's data
// set (AnyModel::run_replicates; kernels/core/lane_data.hpp). Every batch runs with seed
// splitmix64(S + 1), and chain k of the i-th fitted replicate (i counts the replicates whose
// prior draw and data are finite) is chain i*C' + k of the whole calibration, its random stream
// Rng{seed, i*C' + k} wherever it runs (RunSettings::first_chain; C' = C, or C rounded up to the
// SIMD block width for HMC: the extra chains are dropped). So a replicate's fit never depends on
// which batch, or which MPI rank, fits it: ranks.csv is the same for every --batch, every
// memory size and every rank count. B defaults to every replicate, or as many as fit in memory
// (the draws of B x C' chains within half of the memory where the lanes run, at most 2 GiB).
// ChEES (one trajectory length for all chains) and
// --pool-adaptation average their adaptation over chains, so there replicates run one after
// another (AnyModel::with_observed), replicate r with seed splitmix64(S + r + 1).
//
// Writes DIR/ranks.csv (replicate,parameter,rank,max_rank; names with a comma quoted; written
// whole at the end), DIR/replicates.csv (replicate,divergences,max_rhat,min_ess_bulk: each fit's
// checks, host/cli/sbc_fit_checks.hpp; the counts of suspect fits are printed) and
// DIR/sbc.svg (scripts/plot_sbc.py: rank histograms), prints the chi-square uniformity test of
// every parameter's ranks and the smallest p-value against the 1% level after Bonferroni's
// correction for the number of parameters. Exit status 0 (a calibration failure is a result).
//
// Checkpoints (--checkpoint FILE [--checkpoint-every SECONDS]): the ranks of the batches fitted
// so far, the batch size and the fit time, written as a batch ends once SECONDS have passed
// since the last checkpoint, and on Ctrl-C or SIGTERM (the batch in progress is lost).
// `lockstep resume FILE` fits the rest with the same batch size (a batch's fits depend on its
// replicates and size only), so ranks.csv is the uninterrupted run's. Over MPI ranks every rank
// keeps its own batches' ranks in its own file (FILE, FILE.rank<r>) and the ranks checkpoint and
// stop together after each round of R batches (host/cli/dealt_rounds.hpp);
// `mpirun -np R lockstep resume FILE`.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "host/algorithms/config_checks.hpp"
#include "host/cli/checkpoints.hpp"
#include "host/cli/dealt_rounds.hpp"
#include "host/cli/commands.hpp"
#include "host/cli/interrupt_check.hpp"
#include "host/cli/output_dir.hpp"
#include "host/cli/sbc_fit_checks.hpp"
#include "host/core/interrupt.hpp"
#include "host/core/text.hpp"
#include "host/diagnostics/sbc.hpp"
#include "host/io/atomic_file.hpp"
#include "host/registry/algorithm_table.hpp"
#include "host/registry/any_model.hpp"
#include "host/registry/replicate_lanes.hpp"
#include "host/run/improper_prior.hpp"
#include "host/parallel/ranks.hpp"
#include "models/contract/data_source.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {
namespace {

void validate(const SbcOptions& o) {
  if (o.replicates < 1) throw InputError("--replicates: must be at least 1, found " + std::to_string(o.replicates));
  if (o.chains < 1) throw InputError("--chains: must be at least 1, found " + std::to_string(o.chains));
  if (o.warmup < 0) throw InputError("--warmup: must not be negative, found " + std::to_string(o.warmup));
  if (o.draws < 1) throw InputError("--draws: must be at least 1, found " + std::to_string(o.draws));
  if (o.ranks < 1) throw InputError("--ranks: must be at least 1, found " + std::to_string(o.ranks));
  if (o.ranks % o.chains != 0)
    throw InputError("--ranks " + std::to_string(o.ranks) + ": must be a multiple of --chains " +
                     std::to_string(o.chains) + " (every chain gives ranks / chains thinned draws)");
  if (o.ranks / o.chains > o.draws)
    throw InputError("--ranks " + std::to_string(o.ranks) + ": more than --chains x --draws = " +
                     std::to_string(static_cast<long>(o.chains) * o.draws) + " draws to rank among");
  if (o.batch < 0) throw InputError("--batch: must be at least 1 (or 0: as many as fit), found " + std::to_string(o.batch));
  check_threads(o.threads);
  if (o.seed < -1) throw InputError("--seed: must be a non-negative integer");
  refuse_unused_flags(find_algorithm(o.algorithm), o.algorithm_options);
}

/// A CSV field, quoted (RFC 4180) when it holds a comma or a quote: r_g[g1,Intercept].
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

/// Replicates per batch: --batch, or as many as fit (draws and chain state of B x C' chains
/// within half the available memory, at most 2 GiB), at least 1. A given --batch that does not
/// fit is refused with the numbers.
int batch_size(const SbcOptions& o, const AnyModel& model, int lane_chains, int replicates) {
  const ChainBytes chain =
      chain_bytes(model, o.draws, o.algorithm_options.get_text("--metric", "diag") == "dense");
  const double per_replicate = (chain.draws + chain.state) * lane_chains;
  const double available = static_cast<double>(backend::available_memory_bytes());
  constexpr double kMaxChains = 1 << 22;
  if (o.batch > 0) {
    const double needed = per_replicate * std::min(o.batch, replicates);
    if (available > 0 && needed > available) {
      char buf[400];
      std::snprintf(buf, sizeof buf,
                    "--batch %d: %d chains at once need about %.2f GiB but only %.2f GiB are available on %s; "
                    "use a smaller --batch (or leave it out)",
                    o.batch, o.batch * lane_chains, needed / 1073741824.0, available / 1073741824.0,
                    backend::lanes_on_device() ? "the device" : "this machine");
      throw InputError(buf);
    }
    if (static_cast<double>(o.batch) * lane_chains > kMaxChains)
      throw InputError("--batch " + std::to_string(o.batch) + ": more than " + config_checks::number(kMaxChains) +
                       " chains at once; use a smaller --batch");
    return std::min(o.batch, replicates);
  }
  const double budget = std::min(available > 0 ? available / 2 : 2.0 * 1073741824.0, 2.0 * 1073741824.0);
  const double fit = std::min(std::floor(budget / per_replicate), std::floor(kMaxChains / lane_chains));
  return static_cast<int>(std::max(1.0, std::min(fit, static_cast<double>(replicates))));
}

}  // namespace

int run_sbc(const SbcOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  validate(o);
  const ModelEntry& entry = find_model(o.model);
  if (!entry.takes_simulated_data) {
    // SBC draws from the prior, simulates a data set and fits the model to it.
    std::string able;
    for (const ModelEntry& e : model_table())
      if (e.takes_simulated_data) able += (able.empty() ? "" : ", ") + e.info.name;
    const std::string missing = !entry.has(Capability::kPriorDraw) ? "prior_draw"
                                : !entry.has(Capability::kSimulate) ? "simulate"
                                                                    : "set_observed (it cannot be fitted to other data sets)";
    throw InputError("sbc: model '" + o.model + "' has no " + missing + "; models that can run sbc: " +
                     (able.empty() ? "none" : able));
  }
  // Over MPI ranks (host/parallel/ranks.hpp): rank 0 alone makes the folder and writes.
  const parallel::Ranks& procs = parallel::Ranks::world();
  if (!o.checkpoint.empty()) check_checkpoint_flags(o.checkpoint, o.checkpoint_every);
  prepare_output_dir_on_rank0(o.output, "ranks.csv", "ranks.csv and sbc.svg");
  RunSettings base;
  base.chains = o.chains;
  base.warmup = o.warmup;
  base.draws = o.draws;
  base.threads = o.threads;
  const AlgorithmInfo& algorithm = find_algorithm(o.algorithm);
  algorithm.validate(base, o.algorithm_options);
  const std::unique_ptr<AnyModel> model = load_model_for(o, o.algorithm);
  std::uint64_t seed = procs.from_root(resolve_seed(o.seed));
  if (const io::CheckpointFile* resuming = pending_resume()) seed = resuming->seed;  // even if drawn at random
  const int P = model->dim();
  const std::vector<std::string>& names = model->names();
  {
    const std::vector<double> theta = model->prior_draw(seed, 0);
    refuse_improper_prior(theta, names, "sbc");
    (void)model->with_observed(model->simulate(theta, seed, 0));  // InputError if it cannot take data
  }
  const int per_chain = o.ranks / o.chains;
  const std::vector<int> keep = diagnostics::sbc_thinned_indices(o.draws, per_chain);
  if (procs.is_root())
    std::cout << "lockstep sbc: model " << o.model << ", " << o.replicates << " replicates, each " << o.algorithm
              << " with " << o.chains << " chains, " << o.warmup << " warmup + " << o.draws << " draws, ranks among "
              << o.ranks << " thinned draws, seed " << seed
              << (procs.split() ? ", over " + std::to_string(procs.size()) + " MPI ranks" : std::string()) << "\n";

  // Every replicate's true parameters and data set; those with a non-finite value are skipped.
  std::vector<int> fitted;
  std::vector<std::vector<double>> truth(static_cast<std::size_t>(o.replicates)), data(truth.size());
  for (int r = 0; r < o.replicates; ++r) {
    truth[r] = model->prior_draw(seed, static_cast<std::uint32_t>(r));
    data[r] = model->simulate(truth[r], seed, static_cast<std::uint32_t>(r));
    bool finite = true;
    for (double v : truth[r]) finite = finite && std::isfinite(v);
    for (double v : data[r]) finite = finite && std::isfinite(v);
    if (finite) fitted.push_back(r);
  }
  const long non_finite = o.replicates - static_cast<long>(fitted.size());
  if (fitted.empty()) throw InputError("sbc: every replicate's prior draw or simulated data set was not finite");
  const bool in_lanes = replicates_in_lanes(o.algorithm, o.algorithm_options);
  const int lane_chains = in_lanes ? lane_chains_per_replicate(o.algorithm, o.chains) : o.chains;
  if (in_lanes && static_cast<double>(fitted.size()) * lane_chains > 2147483647.0)
    throw InputError("--replicates " + std::to_string(o.replicates) + " x --chains " + std::to_string(o.chains) +
                     ": every chain of the calibration has a random stream of its own, numbered below 2^31; "
                     "use fewer replicates or chains");
  int batch = in_lanes ? batch_size(o, *model, lane_chains, static_cast<int>(fitted.size())) : 1;
  // Over R MPI ranks the batches are dealt out in turn (batch i to rank i mod R), rank 0's batch
  // size for all; without --batch at most ceil(replicates / R), so that every rank fits some.
  // A replicate's chains and streams do not depend on its batch: ranks.csv is the one-process
  // run's, whatever the batch size.
  batch = static_cast<int>(procs.from_root(static_cast<std::uint64_t>(batch)));
  if (procs.split() && in_lanes && o.batch == 0)
    batch = std::min(batch, static_cast<int>((fitted.size() + procs.size() - 1) / procs.size()));
  std::unique_ptr<FileCheckpoints> checkpoints;
  std::vector<double> my_ranks;  // this process's batches' ranks, replicate-major, in batch order
  std::vector<double> my_checks;  // their fits' checks (SbcFitCheck::kValues a replicate), likewise
  double fit_seconds = 0, last_fit_seconds = 0;
  std::size_t last_values = 0;  // the ranks of the batch fitted last
  long first_round = 0;  // host/cli/dealt_rounds.hpp: batch b on rank b mod R, in rounds of R batches
  const long R = procs.size();
  if (!o.checkpoint.empty()) {
    checkpoints = open_checkpoints(o.checkpoint, o.checkpoint_every, o.command_line, o.model, o.data, seed);
    if (const SamplerSnapshot* from = checkpoints->resume()) {
      // The checkpoint's batch size, even where another would fit now: the fits depend on it.
      // A checkpoint is never of the last round, so every rank has `rounds` whole batches.
      const auto bad = [&](const std::string& why) { return InputError(o.checkpoint + ": " + why); };
      if (from->sampler != "sbc") throw bad("not a checkpoint of `lockstep sbc` (it holds a " + from->sampler + " run)");
      if (from->n_chains < 1 || from->next_iteration < 0 || static_cast<std::size_t>(from->next_iteration) > fitted.size() ||
          from->next_iteration % (R * from->n_chains) != 0)
        throw bad("its replicates do not fit this run");
      batch = from->n_chains;
      first_round = from->next_iteration / (R * batch);
      fit_seconds = from->warmup_seconds;
      const std::size_t done = static_cast<std::size_t>(first_round) * static_cast<std::size_t>(batch);
      if (!from->get_values("sbc_ranks", my_ranks) || my_ranks.size() != done * static_cast<std::size_t>(P))
        throw bad("its ranks do not match its replicates");
      if (!from->get_values("sbc_fit_checks", my_checks) || my_checks.size() != done * SbcFitCheck::kValues)
        throw bad("its fits' checks do not match its replicates");
    }
  }
  if (!o.quiet && procs.is_root())
    std::cerr << "sbc: " << (in_lanes ? std::to_string(batch) + " replicate" + (batch > 1 ? "s" : "") +
                                            " at a time in lanes (" + std::to_string(batch * lane_chains) + " chains)"
                                      : std::string("one replicate at a time (") + o.algorithm +
                                            (o.algorithm_options.given("--pool-adaptation") ? " --pool-adaptation" : "") +
                                            " adapts across chains)")
              << "\n";

  parallel::mark_collective_work();  // from here an error on one rank ends the job (run_cli.cpp)
  const std::size_t B = static_cast<std::size_t>(batch);
  const long n_batches = static_cast<long>((fitted.size() + B - 1) / B);
  DealtWork work;
  work.noun = "sbc batches";
  std::size_t reported = static_cast<std::size_t>(first_round) * static_cast<std::size_t>(R) * B;
  work.run = [&](long b) {  // batch b: replicates fitted[b * B ...]
    const std::size_t first = static_cast<std::size_t>(b) * B;
    const std::size_t n = std::min(B, fitted.size() - first);
    RunSettings s = base;
    if (in_lanes) {
      // chains first*C' .. of the whole calibration, under the calibration's one seed
      s.seed = splitmix64(seed + 1);
      s.first_chain = static_cast<int>(first) * lane_chains;
    } else {
      s.seed = splitmix64(seed + static_cast<std::uint64_t>(fitted[first]) + 1);
    }
    DrawSet draws;
    RunInfo info;
    InterruptCheck check(run_progress(o, nullptr));  // in process: the caller's (Python: Ctrl-C)
    if (in_lanes) {
      std::vector<double> observed;
      for (std::size_t k = 0; k < n; ++k) observed.insert(observed.end(), data[fitted[first + k]].begin(), data[fitted[first + k]].end());
      model->run_replicates(o.algorithm, s, o.algorithm_options, observed, static_cast<int>(n), draws, info, &check);
    } else {
      model->with_observed(data[fitted[first]])->run(o.algorithm, s, o.algorithm_options, draws, info, &check);
    }
    last_fit_seconds = info.warmup_seconds + info.sampling_seconds;
    last_values = n * static_cast<std::size_t>(P);
    fit_seconds += last_fit_seconds;
    std::vector<double> thinned(static_cast<std::size_t>(o.ranks));
    for (std::size_t k = 0; k < n; ++k) {
      const int r = fitted[first + k];
      for (int p = 0; p < P; ++p) {
        std::size_t at = 0;
        for (int c = 0; c < o.chains; ++c)
          for (int i : keep) thinned[at++] = draws.series(p, static_cast<int>(k) * lane_chains + c)[draws.n_warmup_saved + i];
        my_ranks.push_back(diagnostics::sbc_rank(truth[r][p], thinned));
      }
      const SbcFitCheck f = check_sbc_fit(draws, static_cast<int>(k) * lane_chains, o.chains, P);
      my_checks.insert(my_checks.end(), {f.divergences, f.max_rhat, f.min_ess_bulk});
    }
    // Progress every tenth of the replicates (over ranks: rank 0's position in the batches).
    const std::size_t step = std::max<std::size_t>(1, fitted.size() / 10);
    if (!o.quiet && procs.is_root() && (first + n) / step > reported / step)
      std::cerr << "sbc: " << (procs.split() ? "rank 0 at " : "") << first + n << " of " << fitted.size()
                << " replicates fitted\n";
    reported = first + n;
  };
  work.drop_last = [&] {
    my_ranks.resize(my_ranks.size() - last_values);
    my_checks.resize(my_checks.size() - last_values / static_cast<std::size_t>(P) * SbcFitCheck::kValues);
    fit_seconds -= last_fit_seconds;
  };
  // A checkpoint: "sbc", next_iteration = the replicates of the rounds done over every rank,
  // n_chains = the batch size, warmup_seconds = this rank's fit time, and its batches' ranks.
  work.save = [&](long rounds) {
    SamplerSnapshot snap;
    snap.sampler = "sbc";
    snap.next_iteration = rounds * R * batch;
    snap.n_chains = batch;
    snap.warmup_seconds = fit_seconds;
    snap.put_values("sbc_ranks", my_ranks);
    snap.put_values("sbc_fit_checks", my_checks);
    checkpoints->save(snap);
  };
  run_dealt_rounds(n_batches, first_round, checkpoints.get(), work);
  // The run is complete: each rank's checkpoint goes once its ranks are safe (gathered to rank 0;
  // rank 0's once ranks.csv is written).
  const auto drop_checkpoint = [&] {
    return checkpoints && remove_checkpoint(rank_checkpoint_path(o.checkpoint, procs.rank()));
  };
  // Rank 0 puts every batch's ranks back in replicate order (rank q's batches are q, q + R, ...).
  std::vector<int> counts;
  const std::vector<double> gathered = procs.gather_to_root(my_ranks, &counts);
  const std::vector<double> gathered_checks = procs.gather_to_root(my_checks, &counts);
  fit_seconds = procs.max(fit_seconds);
  if (!procs.is_root()) {
    drop_checkpoint();
    return 0;
  }
  std::vector<int> fitted_ranks(fitted.size() * static_cast<std::size_t>(P));
  std::vector<SbcFitCheck> checks(fitted.size());
  {
    std::size_t at = 0, at_check = 0;
    const std::size_t n_batches = (fitted.size() + static_cast<std::size_t>(batch) - 1) / static_cast<std::size_t>(batch);
    for (int q = 0; q < procs.size(); ++q)
      for (std::size_t b = static_cast<std::size_t>(q); b < n_batches; b += static_cast<std::size_t>(procs.size())) {
        const std::size_t first = b * static_cast<std::size_t>(batch);
        const std::size_t n = std::min(static_cast<std::size_t>(batch), fitted.size() - first);
        for (std::size_t k = 0; k < n * static_cast<std::size_t>(P); ++k)
          fitted_ranks[first * static_cast<std::size_t>(P) + k] = static_cast<int>(gathered[at++]);
        for (std::size_t k = 0; k < n; ++k, at_check += SbcFitCheck::kValues)
          checks[first + k] = {gathered_checks[at_check], gathered_checks[at_check + 1], gathered_checks[at_check + 2]};
      }
  }
  std::vector<std::vector<int>> ranks(static_cast<std::size_t>(P));
  std::ostringstream csv;
  csv << "replicate,parameter,rank,max_rank\n";
  for (std::size_t i = 0; i < fitted.size(); ++i)
    for (int p = 0; p < P; ++p) {
      const int rank = fitted_ranks[i * static_cast<std::size_t>(P) + p];
      ranks[p].push_back(rank);
      csv << fitted[i] + 1 << "," << csv_field(names[p]) << "," << rank << "," << o.ranks << "\n";
    }
  {
    io::AtomicFile f(o.output + "/ranks.csv");
    f.write(csv.str());
    remove_earlier_plot(o.output + "/sbc.svg");
    f.commit();
  }
  long with_divergences = 0, high_rhat = 0, suspect = 0;
  {
    std::ostringstream t;
    t << "replicate,divergences,max_rhat,min_ess_bulk\n";
    // the shortest digits that read back as the same double: the counts printed below are then
    // the file's counts (a rounded 1.0100004 would read back as 1.01, not above it)
    auto cell = [](double x) { return std::isfinite(x) ? DataSource::format_number(x) : std::string("NA"); };
    for (std::size_t i = 0; i < fitted.size(); ++i) {
      const SbcFitCheck& c = checks[i];
      t << fitted[i] + 1 << "," << cell(c.divergences) << "," << cell(c.max_rhat) << "," << cell(c.min_ess_bulk) << "\n";
      with_divergences += c.divergences > 0;
      high_rhat += c.max_rhat > kSbcRhatLimit;
      suspect += c.suspect();
    }
    io::AtomicFile f(o.output + "/replicates.csv");
    f.write(t.str());
    f.commit();
  }

  const std::size_t n = ranks[0].size();
  const int bins = diagnostics::sbc_bins(o.ranks, n);
  const double level = 0.01 / P;
  std::printf("\nRank uniformity (chi-square over %d bins of ranks 0..%d, %zu replicates):\n", bins, o.ranks, n);
  std::size_t width = 9;
  for (const std::string& s : names) width = std::max(width, std::min<std::size_t>(s.size(), 40));
  std::printf("%-*s %12s %5s %12s\n", static_cast<int>(width), "parameter", "chi_square", "dof", "p_value");
  double min_p = 1;
  std::string worst;
  int failing = 0;
  for (int p = 0; p < P; ++p) {
    const diagnostics::ChiSquare c = diagnostics::sbc_chi_square(ranks[p], o.ranks, bins);
    std::printf("%-*s %12.4f %5d %12.4g%s\n", static_cast<int>(width), names[p].c_str(), c.statistic, c.dof,
                c.p_value, c.p_value < level ? "  FAIL" : "");
    failing += c.p_value < level;
    if (c.p_value < min_p) {
      min_p = c.p_value;
      worst = names[p];
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "\nSmallest p-value " << config_checks::number(min_p) << " (" << worst << "); 1% after Bonferroni over " << P
            << " parameters: p < " << config_checks::number(level) << " fails. "
            << (failing ? std::to_string(failing) + " parameter" + (failing > 1 ? "s" : "") + " FAIL calibration"
                        : std::string("Every parameter passes"))
            << "\n";
  if (non_finite > 0)
    std::cout << non_finite << " replicate" << (non_finite > 1 ? "s" : "")
              << " skipped: a prior draw or simulated data set was not finite\n";
  // The fits: ranks are uniform for a correct model only where the fits sampled their posteriors.
  double worst_rhat = 0;
  for (const SbcFitCheck& c : checks)
    if (c.max_rhat > worst_rhat) worst_rhat = c.max_rhat;
  if (suspect == 0) {
    std::cout << "Every replicate's fit: no divergent transitions, R-hat at most " << config_checks::number(kSbcRhatLimit)
              << "\n";
  } else {
    std::cout << "Fits: " << with_divergences << " of " << n << " replicates with divergent transitions, " << high_rhat
              << " with an R-hat above " << config_checks::number(kSbcRhatLimit) << " (largest "
              << config_checks::number(worst_rhat) << "); each fit's checks in " << o.output << "/replicates.csv\n";
    if (failing)
      std::cout << "A fit that did not sample its posterior (divergences, a large R-hat) can fail the test for a correct "
                   "model: look at those replicates' ranks before blaming the model\n";
  }
  std::printf("Wall time: %.3f s (fits %.3f s)\n", wall, fit_seconds);
  std::cout << "Ranks written to " << o.output << "/ranks.csv, each fit's checks to " << o.output << "/replicates.csv\n";
  if (!o.no_plot) make_plot("plot_sbc.py", o.output + "/ranks.csv", o.output + "/sbc.svg");
  if (drop_checkpoint()) std::cout << "Checkpoint " << o.checkpoint << " removed (the run is complete)\n";
  return 0;
}

}  // namespace cli
}  // namespace lockstep
