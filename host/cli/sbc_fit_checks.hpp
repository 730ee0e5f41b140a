#pragma once
// The fit of each SBC replicate, checked as a run of `sample` is: its divergent transitions, its
// largest R-hat and smallest bulk ESS over the parameters (host/diagnostics/convergence.hpp).
// Ranks are uniform only when every fit samples its posterior; a fit that did not converge (an
// extreme prior draw: a Poisson rate of e^20, a scale near 0) can make a correct model fail the
// test, so `lockstep sbc` counts such fits and writes every replicate's checks to
// replicates.csv, as the SBC R package keeps each fit's backend diagnostics (Modrak et al. 2023,
// "Simulation-based calibration checking for Bayesian computation", section 5).
#include <algorithm>
#include <cmath>
#include <limits>

#include "host/core/draw_set.hpp"
#include "host/diagnostics/convergence.hpp"

namespace lockstep {
namespace cli {

/// R-hat above this (Vehtari et al. 2021) or any divergence marks a fit as suspect.
constexpr double kSbcRhatLimit = 1.01;

struct SbcFitCheck {
  double divergences = std::numeric_limits<double>::quiet_NaN();  // NaN: the algorithm has none
  double max_rhat = std::numeric_limits<double>::quiet_NaN();     // NaN ones skipped; NaN if all are
  double min_ess_bulk = std::numeric_limits<double>::quiet_NaN();
  static constexpr int kValues = 3;  // as numbers, in this order (checkpoints, MPI gathers)
  bool suspect() const { return divergences > 0 || max_rhat > kSbcRhatLimit; }
};

/// The checks of the fit held by chains first .. first + n_chains - 1 of d (post-warmup draws),
/// over its first P parameters.
inline SbcFitCheck check_sbc_fit(const DrawSet& d, int first, int n_chains, int P) {
  SbcFitCheck f;
  const int div = d.stat_index("divergent__");
  const int n = d.n_draws - d.n_warmup_saved;
  if (div >= 0) {
    f.divergences = 0;
    for (int c = first; c < first + n_chains; ++c)
      for (int i = 0; i < n; ++i) f.divergences += d.stat_series(div, c)[d.n_warmup_saved + i] != 0;
  }
  for (int p = 0; p < P; ++p) {
    diagnostics::Chains x;
    x.n_draws = n;
    for (int c = first; c < first + n_chains; ++c) x.chain.push_back(d.series(p, c) + d.n_warmup_saved);
    const double r = diagnostics::rhat(x), e = diagnostics::ess_bulk(x);
    if (std::isfinite(r)) f.max_rhat = std::isnan(f.max_rhat) ? r : std::max(f.max_rhat, r);
    if (std::isfinite(e)) f.min_ess_bulk = std::isnan(f.min_ess_bulk) ? e : std::min(f.min_ess_bulk, e);
  }
  return f;
}

}  // namespace cli
}  // namespace lockstep
