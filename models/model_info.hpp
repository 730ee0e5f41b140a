#pragma once
// What `lockstep models` prints about a model, and what a loaded model carries on the host.
#include <string>
#include <vector>

#include "host/backend/arena.hpp"

namespace lockstep {

struct ModelOptionInfo {
  std::string name;
  std::string default_value;
  std::string help;
};

struct ModelFieldInfo {
  std::string name;
  std::string help;
};

struct ModelInfo {
  std::string name;
  std::string summary;
  std::vector<ModelOptionInfo> options;
  std::vector<ModelFieldInfo> data_fields;  // empty: the model needs no data file
  std::string parameters;                   // e.g. "mu, tau, theta[1..J]"
};

/// A model instance ready to run: the device-side model and data, the arena that owns the
/// data, and the names of the output (constrained + derived) quantities.
template <class Model>
struct Loaded {
  Model model;
  typename Model::Data data;
  std::shared_ptr<DataArena> arena;
  std::vector<std::string> names;  // size == model.n_out(data)
};

/// "theta[1]", ..., "theta[n]" (1-based, as Stan and posteriordb name them).
inline std::vector<std::string> indexed_names(const std::string& base, int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back(base + "[" + std::to_string(i) + "]");
  return out;
}

}  // namespace lockstep
