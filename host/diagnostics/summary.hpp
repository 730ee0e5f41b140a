#pragma once
// Per-quantity summaries (the columns of posterior's summarise_draws() default and of
// az.summary(kind="all") with quantiles instead of HDIs), for one quantity or a whole DrawSet.
// Definitions and references: convergence.hpp.
#include <vector>

#include "host/diagnostics/convergence.hpp"
#include "host/core/draw_set.hpp"

namespace lockstep::diagnostics {

struct Summary {
  double mean, sd;        // over all draws; sd with the n − 1 divisor
  double q5, q50, q95;    // type 7 quantiles
  double mcse_mean, mcse_sd;
  double ess_bulk, ess_tail;
  double rhat;
};

/// All Summary fields of one quantity (pools and sorts the draws once).
Summary summarize(const Chains& x);

/// Summary of every parameter of a DrawSet (post-warmup draws unless include_warmup), in
/// parameter order. Parameters run in parallel (OpenMP, dynamic schedule); each parameter is
/// computed by one thread in a fixed order, so results do not depend on the thread count.
std::vector<Summary> summarize_all(const DrawSet& draws, bool include_warmup = false);

}  // namespace lockstep::diagnostics
