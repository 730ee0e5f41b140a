#pragma once
// Reference posteriors (data/reference/*.json, posteriordb's format reduced to what we use)
// and the comparison every sampler test, benchmark and study makes against them:
//
//   mean:  |mean - m_ref| <= k sqrt(mcse_mean^2 + mcse_ref^2)
//   sd:    |sd - s_ref|   <= k sqrt(mcse_sd^2 + mcse_sd_ref^2)
//
// with k = 5 by default (a tolerance derived from Monte Carlo standard error, as the project's
// tests require). A reference file gives each parameter's "mean" and "sd" and, optionally, its
// own "mcse_mean" and "n_draws". It has no MCSE for the sd; by the delta method (the one our
// mcse_sd uses) sd-hat = sqrt(mean c), c = (theta - mean)^2, has
//   mcse_sd = sd sqrt((kurtosis - 1) / (4 ESS_c)),
// i.e. sd / sqrt(2n) for normal independent draws. The kurtosis is a property of the
// posterior, so it is taken from our draws through the ratio mcse_sd / sd and rescaled from
// our ESS of c (ess_sd) to the reference's n_draws independent draws:
//   mcse_sd_ref = s_ref (mcse_sd / sd) sqrt(ess_sd / n_draws)    (0 without n_draws).
#include <string>
#include <utility>
#include <vector>

#include "host/core/draw_set.hpp"
#include "host/diagnostics/summary.hpp"

namespace lockstep {
namespace diagnostics {

struct ReferenceParameter {
  double mean = 0;
  double sd = 0;
  double mcse_mean = 0;  // 0: not given (an exact reference)
  double n_draws = 0;    // 0: not given
};

/// In the file's order.
using ReferencePosterior = std::vector<std::pair<std::string, ReferenceParameter>>;

/// Reads {"param": {"mean": m, "sd": s, "mcse_mean": e, "n_draws": n}, ...}; other fields are
/// ignored. InputError starting with `what` (e.g. "--reference FILE") for a missing file, bad
/// JSON, or a parameter without a finite mean and a positive sd.
ReferencePosterior load_reference_posterior(const std::string& path, const std::string& what);

/// One parameter of the draws against its reference.
struct ReferenceComparison {
  std::string name;
  Summary summary;          // of the draws (post-warmup)
  ReferenceParameter reference;
  double mean_gap = 0, mean_bound = 0;
  double sd_gap = 0, sd_bound = 0;
  bool found = false;       // the draws have this parameter
  bool mean_ok() const { return found && mean_gap <= mean_bound; }
  bool sd_ok() const { return found && sd_gap <= sd_bound; }
  /// "mu: mean 4.38 vs reference 4.41, gap 0.03 <= bound 0.09; sd ..." (says which failed).
  std::string message() const;
};

/// Compares every reference parameter (k: the bound in combined MCSE).
std::vector<ReferenceComparison> compare_with_reference(const DrawSet& draws, const ReferencePosterior& reference,
                                                        double k = 5.0);

}  // namespace diagnostics
}  // namespace lockstep
