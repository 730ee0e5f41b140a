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

/// Summaries of several quantities, in order. With at least 4 quantities (or as many as the
/// threads, if fewer), quantities run in parallel (OpenMP, dynamic schedule), each computed by
/// one thread, on at most one thread per quantity and as many as a quarter of the physical
/// memory holds workspaces for; with fewer, one at a time, each with every thread
/// (detail::Analyzer). Either way every quantity's
/// arithmetic runs in one fixed order, so the results are the bits of summarize() whatever the
/// thread count (tests/diagnostics/summary_parallel_test.cpp).
std::vector<Summary> summarize_many(const std::vector<Chains>& quantities);

/// Summary of every parameter of a DrawSet (post-warmup draws unless include_warmup), in
/// parameter order (summarize_many).
std::vector<Summary> summarize_all(const DrawSet& draws, bool include_warmup = false);

}  // namespace lockstep::diagnostics
