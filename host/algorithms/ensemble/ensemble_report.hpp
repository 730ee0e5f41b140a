#pragma once
// What an ensemble run reports (what `lockstep ensemble` prints and writes to --summary):
// the integrated autocorrelation time per parameter (emcee's, host/diagnostics/
// autocorr_time.hpp, in steps), the acceptance fraction per walker, means with Monte Carlo
// standard errors from tau, the classic split R-hat over walkers (a warning when walkers
// disagree, e.g. some in a minor mode), the speed, and warnings.
//
//   MCSE(mean_p) = sd_p sqrt(tau_p / (walkers * draws)),  tau_p in saved draws: the
//   ensemble's effective sample size is walkers * draws / tau (Foreman-Mackey et al. 2013,
//   section 4; the emcee "autocorrelation analysis" tutorial).
// The acceptance fraction of a walker is its accepted proposals over every step, discarded and
// thinned ones included (RunInfo::accepted_proposals / steps: emcee's acceptance_fraction,
// naccepted / iteration).
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/diagnostics/autocorr_time.hpp"
#include "host/core/draw_set.hpp"
#include "host/algorithms/ensemble/ensemble_config.hpp"

namespace lockstep {

/// Mean acceptance fractions outside this range draw a warning. Foreman-Mackey et al. (2013,
/// section 5) suggest 0.2 - 0.5 as a rule of thumb; the stretch move in low dimension
/// routinely gives 0.5 - 0.6 on well-behaved targets (0.55 on the peak model, in emcee as
/// here), so only the clear failures are flagged: below 0.2 the ensemble barely moves, above
/// 0.9 it has likely collapsed onto a point or the target is nearly flat.
constexpr double kEnsembleAcceptanceLow = 0.2;
constexpr double kEnsembleAcceptanceHigh = 0.9;

/// Walkers that disagree: the classic split R-hat over walkers (diagnostics::rhat_basic,
/// one chain per walker; no ranks, so no sort) above this draws a warning. Not 1.01:
/// an ensemble's walkers are one correlated sampler, and at 5000 steps and tau ~ 70 a healthy
/// run's split R-hat over walkers is ~1.01-1.02; walkers split between modes (the peak model
/// started from prior draws) give 1.5-2.
constexpr double kEnsembleRhatWarn = 1.1;
/// Fewer steps than this are too few to call a walker that accepted none stuck.
constexpr int kEnsembleStuckMinSteps = 50;

struct EnsembleReport {
  std::string model;               // the run's model name and seed (RunInfo)
  unsigned long long seed = 0;
  int walkers = 0, ensembles = 0, steps = 0, discard = 0, thin = 1, n_draws = 0;
  std::string move;
  std::vector<std::string> names;
  std::vector<diagnostics::AutocorrTime> tau_draws;  // per parameter, in saved draws
  std::vector<double> tau_steps;                     // per parameter, thin * tau_draws
  std::vector<double> mean, sd, mcse;                // per parameter, all walkers and saved draws
  std::vector<double> rhat;                          // per parameter, split R-hat over walkers (rhat_basic)
  std::vector<double> acceptance;                    // per walker (chain), over every step
  double acceptance_mean = 0, acceptance_min = 0, acceptance_max = 0;
  double seconds = 0;
  double walker_updates_per_second = 0;              // walkers * ensembles * steps / seconds
  double independent_samples = 0;                    // walkers * draws / max_p tau_draws
  std::vector<std::string> warnings;                 // one line each
  // Filled by the command (NaN when not measured): process start to exit, start to the
  // sampler, this report's computation, writing the draws.
  double end_to_end_seconds = std::numeric_limits<double>::quiet_NaN();
  double load_seconds = std::numeric_limits<double>::quiet_NaN();
  double report_seconds = std::numeric_limits<double>::quiet_NaN();
  double write_seconds = std::numeric_limits<double>::quiet_NaN();
  double writer_wait_seconds = std::numeric_limits<double>::quiet_NaN();  // after the report, for the writer
};

/// Builds the report of a finished run (draws and info from sample_ensemble with `cfg`).
EnsembleReport report_ensemble(const DrawSet& draws, const EnsembleConfig& cfg, const RunInfo& info,
                               const diagnostics::AutocorrTimeOptions& options = {});

/// The report as terminal text: a header line, the acceptance line, a table
/// (parameter, mean, sd, mcse, tau in steps, r_hat) and "warning: ..." lines.
std::string format_ensemble_report(const EnsembleReport& r);

/// The report as JSON (for --summary FILE.json):
///   {"algorithm": "ensemble", "model", "seed", "walkers", "ensembles", "steps", "discard", "thin", "draws",
///    "move", "seconds", "walker_updates_per_second", "independent_samples",
///    "end_to_end_seconds", "load_seconds", "report_seconds", "write_seconds",
///    "writer_wait_seconds" (null if not measured),
///    "acceptance_fraction": {"mean", "min", "max", "per_walker": [...]},
///    "parameters": [{"name", "mean", "sd", "mcse", "tau_steps", "r_hat", "tau_window", "too_short"}],
///    "warnings": [...]}
nlohmann::json ensemble_report_json(const EnsembleReport& r);

}  // namespace lockstep
