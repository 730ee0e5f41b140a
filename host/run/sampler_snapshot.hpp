#pragma once
// Checkpoints of an HMC-family run (static HMC, NUTS, ChEES): everything a sampler needs to continue a
// run and produce the same bits as if it had never stopped.
//
// Why this is enough: every random number is a pure function of (seed, chain, iteration,
// stream, index) (kernels/core/philox.hpp), so a chain's future depends only on its state at a
// segment boundary: position, gradient, log density, step size, inverse metric, dual-averaging
// and Welford sums, gradient count; the run's only host state is the iteration reached, the
// current metric window's start and, with pooled adaptation, the pooled dual-averaging state
// (ChEES: its step-size and trajectory-length adaptation state and shared metric).
// The draws written so far travel along. Scratch arrays (momenta, trajectory ends, NUTS trees)
// are rebuilt by every transition and are not saved.
//
// A sampler calls CheckpointHooks at its segment boundaries (host/run/hmc_driver.hpp): due()
// decides, save() receives a snapshot; resume() gives the snapshot a resumed run starts from
// instead of initializing its chains. The command's hooks write snapshots to a file
// (host/run/checkpoint_file.hpp) and `lockstep resume FILE` reads them back.
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "host/backend/lanes.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/interrupt.hpp"

namespace lockstep {

struct SamplerSnapshot {
  std::string sampler;        // "hmc", "nuts", "nuts dense", "chees" (resumes the same sampler only)
  int dim = 0, n_pad = 0, n_chains = 0;
  long next_iteration = 0;    // iterations completed: the next one to run
  long window_start = 0;      // the current metric window's first iteration (warmup)
  double pooled_da[4] = {0, 0, 0, 0};  // pooled dual averaging: mu, s_bar, x_bar, counter
  double warmup_seconds = 0;  // warmup time spent before the checkpoint
  std::vector<std::pair<std::string, std::vector<unsigned char>>> arrays;  // device arrays, raw bytes
  DrawSet draws;              // the draws written so far (whole arrays; later draws are zero)

  /// Copies a device array in, under `name`.
  template <class T>
  void put(const std::string& name, const backend::DeviceVector<T>& v) {
    std::vector<T> host = backend::to_host(v);
    std::vector<unsigned char> bytes(host.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), host.data(), bytes.size());
    arrays.emplace_back(name, std::move(bytes));
  }
  /// Whether an array `name` was saved (a field later versions added is optional on resume).
  bool has(const std::string& name) const {
    for (const auto& a : arrays)
      if (a.first == name) return true;
    return false;
  }
  /// A host-side state struct (plain doubles: CheesState) under `name`, and back.
  template <class T>
  void put_pod(const std::string& name, const T& value) {
    std::vector<unsigned char> bytes(sizeof(T));
    std::memcpy(bytes.data(), &value, sizeof(T));
    arrays.emplace_back(name, std::move(bytes));
  }
  template <class T>
  void get_pod(const std::string& name, T& value) const {
    for (const auto& a : arrays)
      if (a.first == name) {
        if (a.second.size() != sizeof(T)) throw std::runtime_error("checkpoint: '" + name + "' has another size");
        std::memcpy(&value, a.second.data(), sizeof(T));
        return;
      }
    throw std::runtime_error("checkpoint: no '" + name + "'");
  }
  /// A host vector under `name` (a command's own state between its runs: study, sbc), and back:
  /// get_values resizes `v` to what was saved and is false if there is no `name`.
  template <class T>
  void put_values(const std::string& name, const std::vector<T>& v) {
    std::vector<unsigned char> bytes(v.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
    arrays.emplace_back(name, std::move(bytes));
  }
  template <class T>
  bool get_values(const std::string& name, std::vector<T>& v) const {
    for (const auto& a : arrays)
      if (a.first == name) {
        if (a.second.size() % sizeof(T) != 0) throw std::runtime_error("checkpoint: '" + name + "' has another size");
        v.resize(a.second.size() / sizeof(T));
        if (!v.empty()) std::memcpy(v.data(), a.second.data(), a.second.size());
        return true;
      }
    return false;
  }
  /// Restores array `name` into `v` (same size and element type, or std::runtime_error).
  template <class T>
  void get(const std::string& name, backend::DeviceVector<T>& v) const {
    for (const auto& a : arrays)
      if (a.first == name) {
        if (a.second.size() != v.size() * sizeof(T))
          throw std::runtime_error("checkpoint: array '" + name + "' has " + std::to_string(a.second.size()) +
                                   " bytes, the run needs " + std::to_string(v.size() * sizeof(T)));
        std::vector<T> host(v.size());
        if (!host.empty()) std::memcpy(host.data(), a.second.data(), a.second.size());
        v.upload(host.data(), host.size());
        return;
      }
    throw std::runtime_error("checkpoint: no array '" + name + "'");
  }
};

class CheckpointHooks {
 public:
  virtual ~CheckpointHooks() = default;
  /// At a segment boundary, `iteration` iterations done: whether to take a snapshot now.
  virtual bool due(long iteration) = 0;
  /// What the samplers ask at every boundary: a snapshot because it is due or because a signal
  /// asked the run to stop. Every rank of a run over MPI ranks calls it at the same boundaries,
  /// so an implementation may agree with the other ranks here (host/cli/checkpoints.cpp).
  virtual bool wanted(long iteration) { return due(iteration) || interrupt_signal() != 0; }
  virtual void save(const SamplerSnapshot& snapshot) = 0;
  /// The snapshot this run continues from, or null for a fresh run.
  virtual const SamplerSnapshot* resume() const = 0;
};

/// A snapshot resumed by the wrong sampler or shape: std::runtime_error naming both.
inline void check_snapshot(const SamplerSnapshot& s, const std::string& sampler, int dim, int n_pad, int n_chains) {
  if (s.sampler != sampler || s.dim != dim || s.n_pad != n_pad || s.n_chains != n_chains)
    throw std::runtime_error("checkpoint: a " + s.sampler + " run of " + std::to_string(s.n_chains) + " chains (dim " +
                             std::to_string(s.dim) + ") cannot continue as a " + sampler + " run of " +
                             std::to_string(n_chains) + " chains (dim " + std::to_string(dim) + ")");
}

}  // namespace lockstep
