#pragma once
// The posterior summary a run or a set of files reports: per-quantity diagnostics (Vehtari
// et al. 2021) and warnings in plain words; printed as a table and written as JSON.
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "host/core/draw_set.hpp"

namespace lockstep {
namespace cli {

struct SummaryRow {
  std::string name;
  double mean, sd, q5, q50, q95, mcse_mean, mcse_sd, ess_bulk, ess_tail, rhat;
  double nested_rhat = std::numeric_limits<double>::quiet_NaN();  // NaN without superchains
};

struct SummaryReport {
  std::vector<SummaryRow> rows;  // lp__ first, then the parameters
  long divergences = 0;
  long transitions = 0;          // post-warmup transitions counted for divergences
  bool counts_divergences = false;  // the draws have divergent__ (HMC family; not an ensemble's)
  int max_tree_depth = 0;        // NUTS's --max-depth (0: not NUTS, or unknown)
  long tree_depth_hits = 0;      // post-warmup transitions whose treedepth__ reached it
  std::vector<double> ebfmi;     // per chain, from energy__ (empty without it)
  std::vector<std::string> warnings;
  int superchains = 0;           // K of nested R-hat; 0: no superchains, no nested R-hat column
  int independent_draws = 0;     // > 0: independent draws (vi, npe, abc, smc-abc), no R-hat (mark_independent_draws)
  double effective_draws = 0;    // their ESS (< independent_draws: resampled from a weighted sample)
  std::string independent_source;  // the algorithm that wrote them (for the summary's line)
};

/// Thresholds for the warnings (Vehtari et al. 2021, section 4: R-hat < 1.01 and an ESS of
/// at least 400 for reliable estimates).
constexpr double kRhatWarn = 1.01;
constexpr double kEssWarn = 400;
/// E-BFMI below this in a chain is warned of (Betancourt 2016, "Diagnosing suboptimal cotangent
/// disintegrations in Hamiltonian Monte Carlo"; CmdStan's `diagnose` threshold).
constexpr double kEbfmiWarn = 0.3;

/// Diagnostics for every parameter of `draws` (post-warmup draws only) plus lp__ if present.
/// With `superchain` (the 0-based superchain of each chain, as RunInfo::superchain) also the
/// nested R-hat of Margossian et al. (2024) (host/diagnostics/nested_rhat.hpp) of every row,
/// and a warning when it is above kRhatWarn.
/// With `max_tree_depth` > 0 (NUTS's limit: max_tree_depth_of) the transitions that reached it
/// are counted and warned of, as Stan does; with an energy__ column, each chain's E-BFMI.
SummaryReport summarize_draws(const DrawSet& draws, const std::vector<int>& superchain = {},
                              int max_tree_depth = 0);

/// NUTS's tree-depth limit of a run: its config's max_depth (lockstep's record, or a CmdStan
/// file's sample.hmc.nuts.max_depth); 0 for other algorithms or when it is not recorded.
int max_tree_depth_of(const RunInfo& info);

/// E-BFMI of one chain's post-warmup energies e_1..e_n: mean of (e_t - e_(t-1))^2 over the
/// variance of e (ArviZ's bfmi; NaN for n < 2 or constant energy).
double ebfmi(const double* energy, int n);

/// Whether `algorithm` writes draws that are not a Markov chain: vi (the fitted
/// approximation), npe (the trained network at the observed data), abc (the K nearest prior
/// simulations) and smc-abc (its final population); abc's and smc-abc's, after the regression
/// adjustment, are resampled from a weighted sample and repeat particles.
bool writes_independent_draws(const std::string& algorithm);

/// For such draws (one "chain"): R-hat compares Markov chains and is not defined (NA, its
/// warnings dropped); ESS is `effective_draws` (the weights' effective sample size of a
/// resampled sample, Kish's (sum w)^2 / sum w^2; 0: the number of draws D) and MCSE of the
/// mean sd / sqrt(ESS). print_summary says so, naming `algorithm`, and prints no divergence line.
void mark_independent_draws(SummaryReport& report, int n_draws, const std::string& algorithm,
                            double effective_draws = 0);

/// The table, as stansummary prints it (plus a nested_r_hat column after r_hat when the
/// report has superchains), then the warnings.
void print_summary(std::ostream& os, const SummaryReport& report);

/// Machine-readable summary: per parameter mean, sd, q5, q50, q95, mcse_mean, mcse_sd,
/// ess_bulk, ess_tail, r_hat, nested_rhat (null without superchains); "superchains" (K, or
/// null); plus `extra` facts (divergences, wall time, ...). Written
/// atomically. NaN is written as null.
void write_summary_json(const std::string& path, const SummaryReport& report, const RunInfo& info,
                        const std::vector<std::pair<std::string, double>>& facts);

}  // namespace cli
}  // namespace lockstep
