#pragma once
// Which runs can fit many data sets at once in lanes, and how many chains each data set gets
// there (host/registry/replicates.hpp runs them; `lockstep sbc` chooses with these).
#include <string>

#include "host/backend/lanes.hpp"
#include "host/run/algorithm_options.hpp"

namespace lockstep {

/// Whether `algorithm` with these options can fit replicates in lanes (per-chain adaptation).
inline bool replicates_in_lanes(const std::string& algorithm, const AlgorithmOptions& options) {
  return (algorithm == "nuts" || algorithm == "hmc") && !options.given("--pool-adaptation");
}

/// Chains per data set in lanes for `chains` requested: a whole number of SIMD blocks for HMC.
inline int lane_chains_per_replicate(const std::string& algorithm, int chains) {
  if (algorithm != "hmc") return chains;
  constexpr int W = backend::kLaneWidth;
  return (chains + W - 1) / W * W;
}

}  // namespace lockstep
