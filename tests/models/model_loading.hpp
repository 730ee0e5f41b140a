#pragma once
// Test helpers: build a model through its loader (options + data), as the CLI would, and
// capture the one-line InputError messages loaders throw.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "models/contract/input_error.hpp"
#include "host/io/json_data.hpp"
#include "models/contract/model_args.hpp"
#include "models/contract/model_info.hpp"
#include "host/registry/model_entry.hpp"

namespace lockstep {
namespace testing_models {

/// Model::load with the given options and data (nullptr: no data file); unused options
/// are an error, as in the CLI.
template <class Model>
Loaded<Model> load_model(const std::map<std::string, std::string>& options, const DataSource* data) {
  ModelArgs args(Model::info().name, options, data);
  Loaded<Model> loaded = load_typed<Model>(args);
  args.reject_unused();
  return loaded;
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

/// The message of the InputError `fn` throws; a test failure if it throws nothing.
template <class F>
std::string input_error_of(F fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

}  // namespace testing_models
}  // namespace lockstep
