#pragma once
// Test helpers: build a model through its loader (options + data), as the CLI would, and
// capture the one-line InputError messages loaders throw.
//
// Two ways to load: load_model<Model> gives the typed Loaded<Model> (for the model's own
// functions: densities, gradients, transforms); load_builtin gives the built-in model from the
// model table, whose samplers the library has already compiled (for posterior and capability
// tests: the run goes through the very instantiation `lockstep sample` uses). A test that only
// loads and runs built-in models instantiates no kernel, so nvcc need not compile it in a CUDA
// build (CMakeLists.txt, LOCKSTEP_HOST_ONLY_TESTS).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "models/contract/input_error.hpp"
#include "host/io/json_data.hpp"
#include "models/contract/model_args.hpp"
#include "models/contract/model_info.hpp"
#include "host/algorithms/chees/chees_config.hpp"
#include "host/algorithms/nuts/nuts_config.hpp"
#include "host/backend/place.hpp"
#include "host/registry/any_model.hpp"
#include "host/registry/load_typed.hpp"
#include "tests/input_error_of.hpp"

namespace lockstep {
namespace testing_models {

/// Model::load with the given options and data (nullptr: no data file); unused options
/// are an error, as in the CLI. In a test source that nvcc does not compile (the host-only
/// groups, CMakeLists.txt) the typed model is only ever evaluated by host code, so its data go
/// to host memory even in a CUDA build whose lanes run on a device (host code cannot read device
/// memory; backend::ScopedPlace). Sources that nvcc compiles may hand it to kernels: there the
/// data go where the lanes run.
template <class Model>
Loaded<Model> load_model(const std::map<std::string, std::string>& options, const DataSource* data) {
  ModelArgs args(Model::info().name, options, data);
#if !defined(__CUDACC__)
  backend::ScopedPlace host(backend::Place::kHost);
#endif
  return load_typed<Model>(args);
}

/// The built-in model `name` from the model table, loaded from options and data as the CLI
/// does (unused options are an error).
inline std::unique_ptr<AnyModel> load_builtin(const std::string& name, const std::map<std::string, std::string>& options,
                                              const DataSource* data) {
  ModelArgs args(name, options, data);
  return ::lockstep::load_model(name, args);
}

/// NUTS or ChEES on a model of the table, with the config built in the test.
inline void run(const AnyModel& model, const NutsConfig& cfg, DrawSet& draws, RunInfo& info) {
  model.run_config("nuts", &cfg, draws, info, nullptr);
}
inline void run(const AnyModel& model, const CheesConfig& cfg, DrawSet& draws, RunInfo& info) {
  model.run_config("chees", &cfg, draws, info, nullptr);
}

/// A data set of the repository, e.g. repo_data("eight_schools.json").
inline std::unique_ptr<DataSource> repo_data(const std::string& name) {
  return load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/" + name);
}

/// Writes `text` to a file under the test temp directory and returns its path.
inline std::string write_temp_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "lockstep_models_test_" + name;
  std::ofstream out(path, std::ios::binary);
  out << text;
  return path;
}

using testing::input_error_of;

}  // namespace testing_models
}  // namespace lockstep
