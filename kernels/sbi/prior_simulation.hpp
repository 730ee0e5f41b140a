#pragma once
// One prior-predictive simulation per lane: the simulation store of simulation-based inference
// (rejection ABC, SMC-ABC's first generation, neural posterior estimation).
//
// Simulation i of a batch (global index g = first + i) uses the random stream Rng{seed, g}:
//   theta_g = prior_draw(data, Rng{seed, g}, iteration 0)            (Stream::kInit)
//   x_g     = simulate(data, theta_g, Rng{seed, g}, iteration 0)     (Stream::kSimulate)
// which is exactly what `lockstep sbc` does for replicate r (AnyModel::prior_draw(seed, r), then
// AnyModel::simulate(theta, seed, r)): simulation g of a store and SBC's replicate g are the same
// numbers, bit for bit (tests/sbi/prior_simulations_test.cpp), and any simulation can be
// reproduced alone. The global index must fit the Rng's 32-bit chain word (g < 2^32; the host
// side checks).
#include <cstdint>

#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/strided.hpp"

namespace lockstep {
namespace sbi {

/// Lane i writes theta row i ([n][n_theta] row-major) and data set row i ([n][n_x] row-major)
/// of the batch.
template <class Model>
struct PriorSimulation {
  Model model;
  typename Model::Data data;
  Real* theta = nullptr;  // [n][n_theta]
  Real* x = nullptr;      // [n][n_x]
  int n_theta = 0, n_x = 0;
  std::uint64_t seed = 0;
  std::uint64_t first = 0;  // global index of lane 0

  LS_HD void operator()(int i) const {
    const Rng rng{seed, static_cast<std::uint32_t>(first + static_cast<std::uint64_t>(i))};
    const Dense<Real> t{theta + static_cast<std::int64_t>(i) * n_theta};
    const Dense<Real> y{x + static_cast<std::int64_t>(i) * n_x};
    model.prior_draw(data, rng, 0, t);
    model.simulate(data, t, rng, 0, y);
  }
};

/// Lane i simulates at a given theta row i with simulation index[i]'s stream: at the store's
/// theta_g it gives the store's x_g, bit for bit (NPE's truncated rounds simulate parameters
/// drawn on the host, each with an index of its own).
template <class Model>
struct SimulateAt {
  Model model;
  typename Model::Data data;
  const Real* theta = nullptr;          // [n][n_theta]
  const std::uint32_t* index = nullptr;  // [n] global simulation indices
  Real* x = nullptr;                     // [n][n_x]
  int n_theta = 0, n_x = 0;
  std::uint64_t seed = 0;

  LS_HD void operator()(int i) const {
    const Rng rng{seed, index[i]};
    const Dense<Real> t{const_cast<Real*>(theta) + static_cast<std::int64_t>(i) * n_theta};
    model.simulate(data, t, rng, 0, Dense<Real>{x + static_cast<std::int64_t>(i) * n_x});
  }
};

}  // namespace sbi
}  // namespace lockstep
