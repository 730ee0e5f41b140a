#pragma once
// The end of a run split over MPI ranks (host/parallel/ranks.hpp): rank 0 receives every rank's
// chains and becomes the one-process run — its DrawSet holds all chains in the run's order, its
// RunInfo every chain's adaptation results — and writes every file; the other ranks are done.
#include "host/core/draw_set.hpp"
#include "host/parallel/ranks.hpp"

namespace lockstep {
namespace parallel {

/// Gathers `draws` ([quantity][chain][draw], this rank's chains) and the per-chain parts of
/// `info` to rank 0, in rank order (= the run's chain order: chain_share's ranges are
/// contiguous). Sums the gradient evaluations and divergences, and keeps the slowest rank's
/// warmup and sampling times. Every rank must call it; afterwards only rank 0's are the run's.
void gather_run(const Ranks& ranks, DrawSet& draws, RunInfo& info);

}  // namespace parallel
}  // namespace lockstep
