#pragma once
// The lanes both ABC samplers start from: prior simulations and their distances to the observed
// data (rejection ABC's every chunk, SMC-ABC's generation 0).
#include <cstddef>
#include <cstdint>

#include "host/backend/lanes.hpp"
#include "kernels/sbi/abc_distance.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

/// Prior simulations first .. first + n - 1 of seed `seed` in n lanes (kernels/sbi/abc_distance.hpp's
/// PriorDistance): lane i writes theta row i and the scaled distance i of its simulation to the
/// observed data, into device buffers of at least n rows.
template <class Model>
void launch_prior_distances(const Loaded<Model>& m, const backend::DeviceVector<Real>& observed,
                            const backend::DeviceVector<Real>& inv_scale, backend::DeviceVector<Real>& theta,
                            backend::DeviceVector<Real>& scratch, backend::DeviceVector<double>& distance,
                            std::uint64_t seed, std::uint64_t first, std::int64_t n,
                            const sbi::SummaryDistance& summary = {}) {
  sbi::PriorDistance<Model> f;
  f.model = m.model;
  f.data = m.data;
  f.observed = backend::raw(observed);
  f.inv_scale = backend::raw(inv_scale);
  f.theta = backend::raw(theta);
  f.scratch = backend::raw(scratch);
  f.distance = backend::raw(distance);
  f.n_theta = m.model.dim(m.data);
  f.n_x = m.model.n_simulated(m.data);
  f.seed = seed;
  f.first = first;
  f.summary = summary;
  backend::launch_lanes(static_cast<int>(n), f, static_cast<std::ptrdiff_t>(n) * (f.n_theta + 8 * f.n_x));
}

}  // namespace lockstep
