#pragma once
// load_typed<Model>(args): a model's typed Loaded<Model> from options and data, as the model
// table loads it (AnyModelImpl<Model>::load calls it). Light: it instantiates no sampler, so
// code that needs only the model's own functions (tests of densities and gradients) can include
// it without host/registry/model_entry.hpp.
#include "models/contract/model_args.hpp"
#include "models/contract/model_contract.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

/// Model::load, the data store kept with the result, and unused options refused.
template <class Model>
Loaded<Model> load_typed(ModelArgs& args) {
  static_assert(check_model_contract<Model>(), "model contract");
  Loaded<Model> loaded = Model::load(args);
  loaded.store = args.store();
  args.reject_unused();
  return loaded;
}

}  // namespace lockstep
