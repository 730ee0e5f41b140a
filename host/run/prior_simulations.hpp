#pragma once
// The simulation store shared by simulation-based inference (rejection ABC, NPE): n prior
// predictive simulations (theta_g, x_g), g = first .. first + n - 1, run in lanes
// (kernels/sbi/prior_simulation.hpp: Rng{seed, g}, prior_draw then simulate at iteration 0, the
// same numbers as `lockstep sbc`'s replicate g).
//
// The lanes run in chunks of at most kPriorSimulationChunkBytes of device memory (theta and x
// rows), so the device buffers stay bounded for any n; the returned host arrays hold all n
// rows (a caller that must not hold N data sets streams over simulate_prior_chunk instead).
//
// Non-finite simulations: KEPT in place. A row whose theta or x holds a NaN or an infinity is
// returned as the simulator produced it; prior_simulation_finite(s, i) tells whether row i is
// usable and count_non_finite(s) counts the others, so that ABC and NPE drop them and report
// how many (the store itself never reorders or drops rows: row i is always simulation first+i).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/backend/lanes.hpp"
#include "kernels/core/model_traits.hpp"
#include "kernels/sbi/prior_simulation.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

struct PriorSimulations {
  std::int64_t n = 0;
  int n_theta = 0;
  int n_x = 0;
  std::vector<double> theta;  // [n][n_theta] row-major
  std::vector<double> x;      // [n][n_x] row-major
};

/// Device memory one chunk of simulations may use (theta and x rows together).
constexpr std::int64_t kPriorSimulationChunkBytes = std::int64_t(64) << 20;

/// Simulations per chunk for a model with n_theta parameters and n_x simulated values: as many
/// as fit kPriorSimulationChunkBytes, at least 1, at most 2^24 (int lane counts).
inline std::int64_t prior_simulation_chunk(int n_theta, int n_x) {
  const std::int64_t row = static_cast<std::int64_t>(n_theta + n_x) * static_cast<std::int64_t>(sizeof(Real));
  std::int64_t c = kPriorSimulationChunkBytes / (row > 0 ? row : 1);
  if (c < 1) c = 1;
  if (c > (std::int64_t(1) << 24)) c = std::int64_t(1) << 24;
  return c;
}

/// Throws std::invalid_argument unless simulations first .. first + n - 1 have 32-bit indices.
inline void check_simulation_range(std::uint64_t first, std::int64_t n) {
  if (n < 0) throw std::invalid_argument("simulations: a negative count " + std::to_string(n));
  if (first + static_cast<std::uint64_t>(n) > (std::uint64_t(1) << 32))
    throw std::invalid_argument("simulations: indices " + std::to_string(first) + " .. " +
                                std::to_string(first + static_cast<std::uint64_t>(n)) +
                                " pass 2^32 (the Rng's simulation index is 32-bit)");
}

/// Runs simulations first .. first + count - 1 (count <= the buffers' rows) into device buffers
/// theta [count][n_theta] and x [count][n_x]: one chunk of the store, for callers that stream.
template <class Model>
void simulate_prior_chunk(const Loaded<Model>& m, std::uint64_t seed, std::uint64_t first, std::int64_t count,
                          backend::DeviceVector<Real>& theta, backend::DeviceVector<Real>& x) {
  static_assert(traits::has_prior_draw<Model>::value && traits::has_simulate<Model>::value,
                "simulate_prior_chunk needs prior_draw and simulate");
  const int n_theta = m.model.dim(m.data), n_x = m.model.n_simulated(m.data);
  sbi::PriorSimulation<Model> f;
  f.model = m.model;
  f.data = m.data;
  f.theta = backend::raw(theta);
  f.x = backend::raw(x);
  f.n_theta = n_theta;
  f.n_x = n_x;
  f.seed = seed;
  f.first = first;
  backend::launch_lanes(static_cast<int>(count), f, static_cast<std::ptrdiff_t>(count) * (n_theta + 8 * n_x));
}

/// n prior predictive simulations starting at global index `first` (see the file comment).
template <class Model>
PriorSimulations simulate_prior_predictive(const Loaded<Model>& m, std::uint64_t seed, std::uint64_t first,
                                           std::int64_t n) {
  check_simulation_range(first, n);
  PriorSimulations s;
  s.n = n;
  s.n_theta = m.model.dim(m.data);
  s.n_x = m.model.n_simulated(m.data);
  s.theta.resize(static_cast<std::size_t>(n) * s.n_theta);
  s.x.resize(static_cast<std::size_t>(n) * s.n_x);
  if (n == 0) return s;
  const std::int64_t chunk = std::min<std::int64_t>(n, prior_simulation_chunk(s.n_theta, s.n_x));
  backend::DeviceVector<Real> theta(static_cast<std::size_t>(chunk) * s.n_theta);
  backend::DeviceVector<Real> x(static_cast<std::size_t>(chunk) * s.n_x);
  std::vector<Real> host_theta(theta.size()), host_x(x.size());
  for (std::int64_t at = 0; at < n; at += chunk) {
    const std::int64_t c = std::min(chunk, n - at);
    simulate_prior_chunk(m, seed, first + static_cast<std::uint64_t>(at), c, theta, x);
    const std::size_t nt = static_cast<std::size_t>(c) * s.n_theta, nx = static_cast<std::size_t>(c) * s.n_x;
    theta.download(host_theta.data(), nt);
    x.download(host_x.data(), nx);
    std::copy(host_theta.begin(), host_theta.begin() + nt, s.theta.begin() + static_cast<std::ptrdiff_t>(at) * s.n_theta);
    std::copy(host_x.begin(), host_x.begin() + nx, s.x.begin() + static_cast<std::ptrdiff_t>(at) * s.n_x);
  }
  return s;
}

/// The simulations of the given thetas ([n][n_theta]) with the given global indices' streams
/// ([n][n_x] row-major; kernels/sbi/prior_simulation.hpp's SimulateAt): at the store's own
/// theta_g, the store's x_g.
template <class Model>
std::vector<double> simulate_at(const Loaded<Model>& m, std::uint64_t seed, const std::vector<double>& thetas,
                                const std::vector<std::uint32_t>& indices) {
  const int n_theta = m.model.dim(m.data), n_x = m.model.n_simulated(m.data);
  const std::int64_t n = static_cast<std::int64_t>(indices.size());
  std::vector<double> out(static_cast<std::size_t>(n) * n_x);
  if (n == 0) return out;
  const std::int64_t chunk = std::min<std::int64_t>(n, prior_simulation_chunk(n_theta, n_x));
  backend::DeviceVector<Real> theta(static_cast<std::size_t>(chunk) * n_theta), x(static_cast<std::size_t>(chunk) * n_x);
  backend::DeviceVector<std::uint32_t> index(static_cast<std::size_t>(chunk));
  std::vector<Real> host_x(x.size());
  for (std::int64_t at = 0; at < n; at += chunk) {
    const std::int64_t c = std::min(chunk, n - at);
    const std::vector<Real> t(thetas.begin() + at * n_theta, thetas.begin() + (at + c) * n_theta);
    theta.upload(t.data(), t.size());
    index.upload(indices.data() + at, static_cast<std::size_t>(c));
    sbi::SimulateAt<Model> f;
    f.model = m.model;
    f.data = m.data;
    f.theta = backend::raw(theta);
    f.index = backend::raw(index);
    f.x = backend::raw(x);
    f.n_theta = n_theta;
    f.n_x = n_x;
    f.seed = seed;
    backend::launch_lanes(static_cast<int>(c), f, static_cast<std::ptrdiff_t>(c) * (n_theta + 8 * n_x));
    x.download(host_x.data(), static_cast<std::size_t>(c) * n_x);
    std::copy(host_x.begin(), host_x.begin() + c * n_x, out.begin() + at * n_x);
  }
  return out;
}

/// Whether row i's theta and x are all finite.
inline bool prior_simulation_finite(const PriorSimulations& s, std::int64_t i) {
  for (int k = 0; k < s.n_theta; ++k)
    if (!std::isfinite(s.theta[static_cast<std::size_t>(i) * s.n_theta + k])) return false;
  for (int k = 0; k < s.n_x; ++k)
    if (!std::isfinite(s.x[static_cast<std::size_t>(i) * s.n_x + k])) return false;
  return true;
}

/// Rows with a non-finite theta or x.
inline std::int64_t count_non_finite(const PriorSimulations& s) {
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < s.n; ++i) bad += !prior_simulation_finite(s, i);
  return bad;
}

}  // namespace lockstep
