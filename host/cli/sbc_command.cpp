// `lockstep sbc MODEL --data FILE --replicates R --chains C --warmup W --draws D [--ranks L]
// [--algorithm A] --output DIR`: simulation-based calibration (Talts et al. 2018; the ranks and
// the test: host/diagnostics/sbc.hpp).
//
// Replicate r (0-based): theta_r = prior_draw with Rng{S, r}; y_r = simulate(theta_r) with
// Rng{S, r} (Stream::kInit and Stream::kSimulate: the model's contract); the model with y_r as
// its data (AnyModel::with_observed: priors and design unchanged, brms's data-dependent default
// priors included) is fitted by the algorithm with C chains in lanes and seed
// splitmix64(S + r + 1); each chain's D post-warmup draws are thinned to L / C evenly spaced
// ones (sbc_thinned_indices), and the rank of every parameter's true value among the L draws is
// recorded (0..L).
//
// Replicates run ONE AFTER ANOTHER, each fit with its C chains side by side in lanes: a
// sampler's chains share one data set (Model::Data is the same for every lane), so R x C chains
// in lanes at once would need per-lane data in every kernel; with C a multiple of the lane
// width and small models the lanes are still full (see bench/RESULTS.md, SBC).
//
// Writes DIR/ranks.csv (replicate,parameter,rank,max_rank; names with a comma quoted; written
// whole at the end) and
// DIR/sbc.svg (scripts/plot_sbc.py: rank histograms), prints the chi-square uniformity test of
// every parameter's ranks and the smallest p-value against the 1% level after Bonferroni's
// correction for the number of parameters. Exit status 0 (a calibration failure is a result).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "host/cli/commands.hpp"
#include "host/cli/interrupt_check.hpp"
#include "host/cli/output_dir.hpp"
#include "host/core/text.hpp"
#include "host/diagnostics/sbc.hpp"
#include "host/io/atomic_file.hpp"
#include "host/registry/algorithm_table.hpp"
#include "host/registry/any_model.hpp"
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

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

}  // namespace

int run_sbc(const SbcOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  validate(o);
  const ModelEntry& entry = find_model(o.model);
  require_capability(entry, Capability::kPriorDraw, "sbc");
  require_capability(entry, Capability::kSimulate, "sbc");
  prepare_output_dir(o.output, "ranks.csv", "ranks.csv and sbc.svg");
  RunSettings base;
  base.chains = o.chains;
  base.warmup = o.warmup;
  base.draws = o.draws;
  base.threads = o.threads;
  const AlgorithmInfo& algorithm = find_algorithm(o.algorithm);
  algorithm.validate(base, o.algorithm_options);
  const std::unique_ptr<AnyModel> model = load_model_for(o, o.algorithm);
  const std::uint64_t seed = resolve_seed(o.seed);
  const int P = model->dim();
  const std::vector<std::string>& names = model->names();
  {
    const std::vector<double> theta = model->prior_draw(seed, 0);
    std::string improper;
    for (int p = 0; p < P; ++p)
      if (!std::isfinite(theta[p])) improper += (improper.empty() ? "" : ", ") + names[p];
    if (!improper.empty())
      throw InputError("sbc: the prior of " + improper +
                       " cannot be drawn from (improper, e.g. flat); give proper priors (model options or flags)");
    (void)model->with_observed(model->simulate(theta, seed, 0));  // InputError if it cannot take data
  }
  const int per_chain = o.ranks / o.chains;
  const std::vector<int> keep = diagnostics::sbc_thinned_indices(o.draws, per_chain);
  std::cout << "lockstep sbc: model " << o.model << ", " << o.replicates << " replicates, each " << o.algorithm
            << " with " << o.chains << " chains, " << o.warmup << " warmup + " << o.draws << " draws, ranks among "
            << o.ranks << " thinned draws, seed " << seed << "\n";

  std::vector<std::vector<int>> ranks(static_cast<std::size_t>(P));
  std::ostringstream csv;
  csv << "replicate,parameter,rank,max_rank\n";
  long non_finite = 0;
  double fit_seconds = 0;
  for (int r = 0; r < o.replicates; ++r) {
    const std::vector<double> theta = model->prior_draw(seed, static_cast<std::uint32_t>(r));
    const std::vector<double> y = model->simulate(theta, seed, static_cast<std::uint32_t>(r));
    bool finite = true;
    for (double v : theta) finite = finite && std::isfinite(v);
    for (double v : y) finite = finite && std::isfinite(v);
    if (!finite) {
      ++non_finite;
      continue;
    }
    const std::unique_ptr<AnyModel> fit = model->with_observed(y);
    RunSettings s = base;
    s.seed = splitmix64(seed + static_cast<std::uint64_t>(r) + 1);
    DrawSet draws;
    RunInfo info;
    InterruptCheck check;
    fit->run(o.algorithm, s, o.algorithm_options, draws, info, &check);
    fit_seconds += info.warmup_seconds + info.sampling_seconds;
    std::vector<double> thinned(static_cast<std::size_t>(o.ranks));
    for (int p = 0; p < P; ++p) {
      std::size_t at = 0;
      for (int c = 0; c < draws.n_chains; ++c)
        for (int k : keep) thinned[at++] = draws.series(p, c)[draws.n_warmup_saved + k];
      const int rank = diagnostics::sbc_rank(theta[p], thinned);
      ranks[p].push_back(rank);
      csv << r + 1 << "," << csv_field(names[p]) << "," << rank << "," << o.ranks << "\n";
    }
    if (!o.quiet && (r + 1) % std::max(1, o.replicates / 10) == 0)
      std::cerr << "sbc: " << r + 1 << " of " << o.replicates << " replicates\n";
  }
  if (non_finite == o.replicates)
    throw InputError("sbc: every replicate's prior draw or simulated data set was not finite");
  {
    io::AtomicFile f(o.output + "/ranks.csv");
    f.write(csv.str());
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
  std::cout << "\nSmallest p-value " << number(min_p) << " (" << worst << "); 1% after Bonferroni over " << P
            << " parameters: p < " << number(level) << " fails. "
            << (failing ? std::to_string(failing) + " parameter" + (failing > 1 ? "s" : "") + " FAIL calibration"
                        : std::string("Every parameter passes"))
            << "\n";
  if (non_finite > 0)
    std::cout << non_finite << " replicate" << (non_finite > 1 ? "s" : "")
              << " skipped: a prior draw or simulated data set was not finite\n";
  std::printf("Wall time: %.3f s (fits %.3f s)\n", wall, fit_seconds);
  std::cout << "Ranks written to " << o.output << "/ranks.csv\n";
  make_plot("plot_sbc.py", o.output + "/ranks.csv", o.output + "/sbc.svg");
  return 0;
}

}  // namespace cli
}  // namespace lockstep
