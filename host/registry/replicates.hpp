#pragma once
// Many data sets fitted at once, one group of chains per data set, side by side in lanes: what
// `lockstep sbc` runs (host/cli/sbc_command.cpp). The model is wrapped in Replicates<M>
// (kernels/core/lane_data.hpp): chains r*C' .. r*C' + C' - 1 fit data set r, where C' is the
// requested chains per data set rounded up to the SIMD block width for static HMC (a block of W
// chains shares one data set; the extra chains run and are dropped by the caller) and C itself
// for NUTS (one chain per lane).
//
// Only samplers whose adaptation is per chain can do this: NUTS and static HMC without
// --pool-adaptation. A pooled step size or metric (and ChEES's shared trajectory length) would
// average over different posteriors; those run one data set after another.
//
// Chain c of the run uses the random stream Rng{seed, c}, exactly as in a run of M alone: chain
// r*C' + k of a replicated run and chain r*C' + k of a run of M with data set r (and as many
// chains) give the same bits (tests/registry/replicates_test.cpp).
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/algorithms/hmc/hmc_algorithm.hpp"
#include "host/algorithms/nuts/nuts_algorithm.hpp"
#include "host/backend/lanes.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/registry/replicate_lanes.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "kernels/core/lane_data.hpp"
#include "models/contract/data_store.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

/// Fits `replicates` data sets (observed: replicates x M::n_simulated values, in simulate()'s
/// layout) with settings.chains chains each. `draws` gets replicates x C' chains, replicate r's
/// being chains r*C' .. r*C' + C' - 1, C' = lane_chains_per_replicate(algorithm,
/// settings.chains). Requires M::set_observed (LS_HD) and M::n_simulated.
template <class M>
void run_replicates_in_lanes(const Loaded<M>& m, const std::string& algorithm, const RunSettings& settings,
                             const AlgorithmOptions& options, const std::vector<double>& observed, int replicates,
                             DrawSet& draws, RunInfo& info, Progress* progress) {
  if (!replicates_in_lanes(algorithm, options))
    throw std::logic_error("run_replicates_in_lanes: '" + algorithm + "' with these options pools across chains");
  const int n_observed = m.model.n_simulated(m.data);
  if (replicates < 1 || observed.size() != static_cast<std::size_t>(replicates) * n_observed)
    throw std::logic_error("run_replicates_in_lanes: " + std::to_string(observed.size()) + " observed values for " +
                           std::to_string(replicates) + " data sets of " + std::to_string(n_observed));
  const int per_replicate = lane_chains_per_replicate(algorithm, settings.chains);
  const std::shared_ptr<DataStore> store = make_backend_data_store();
  Loaded<Replicates<M>> r;
  r.model.inner = m.model;
  r.data.base = m.data;
  r.data.observed = store->upload(observed);
  r.data.n_observed = n_observed;
  r.data.replicates = replicates;
  r.data.chains_per_replicate = per_replicate;
  r.store = m.store;
  r.names = m.names;
  RunSettings s = settings;
  s.chains = per_replicate * replicates;
  if (algorithm == "nuts")
    sample_nuts(r, NutsAlgorithm::configure(s, options), draws, info, progress);
  else
    sample_hmc(r, HmcAlgorithm::configure(s, options), draws, info, progress);
}

}  // namespace lockstep
