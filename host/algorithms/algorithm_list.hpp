#pragma once
// THE list of algorithms. Every registered model is compiled against each entry that it
// supports (host/registry/model_entry.hpp), and the commands take their algorithms, flags and
// help from it (host/registry/algorithm_table.hpp). Adding an algorithm: a folder
// host/algorithms/NAME/ with a descriptor struct (see hmc/hmc_algorithm.hpp and
// docs/architecture.md) and one entry below — no model file, no AnyModel virtual, no CLI edit.
#include "host/algorithms/abc/abc_algorithm.hpp"
#include "host/algorithms/chees/chees_algorithm.hpp"
#include "host/algorithms/ensemble/ensemble_algorithm.hpp"
#include "host/algorithms/hmc/hmc_algorithm.hpp"
#include "host/algorithms/npe/npe_algorithm.hpp"
#include "host/algorithms/nuts/nuts_algorithm.hpp"
#include "host/algorithms/vi/vi_algorithm.hpp"
#include "host/algorithms/smc_abc/smc_abc_algorithm.hpp"

namespace lockstep {

template <class... Algorithms>
struct AlgorithmList {};

/// In display order; the first algorithm of a command is its default.
using Algorithms = AlgorithmList<NutsAlgorithm, HmcAlgorithm, CheesAlgorithm, EnsembleAlgorithm,
                                 ViAlgorithm, AbcAlgorithm, SmcAbcAlgorithm, NpeAlgorithm>;

}  // namespace lockstep
