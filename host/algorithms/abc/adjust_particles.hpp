#pragma once
// `--adjust linear` for both ABC samplers: the accepted particles' statistics (simulated again
// from their keys, kernels/sbi/adjustment_statistics.hpp), the regression adjustment on the
// unconstrained scale (regression_adjustment.hpp), and the adjusted theta with its weights.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "host/algorithms/abc/regression_adjustment.hpp"
#include "host/algorithms/abc/summary_distance.hpp"
#include "host/backend/lanes.hpp"
#include "host/run/parameter_transform.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/sbi/adjustment_statistics.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

/// The particles of an ABC result and what the adjustment needs of the run.
struct AbcParticles {
  int n = 0;
  std::vector<double> theta;           // [n][d]
  std::vector<std::uint64_t> keys;     // [n][2]: simulation index, generation
  std::vector<double> distances;       // [n] as accepted
  std::vector<double> weights;         // [n] importance weights
};

/// Philox stream of the resampling of adjusted rejection-ABC particles (SMC-ABC resamples
/// its population with its own kAbcResample uniform either way).
constexpr Stream kAbcAdjustResample = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 4);

/// Adjusts `p` in place (theta, and weights normalized to sum 1) and returns true when the adjustment applies;
/// `note` says what was done, or why not. `bandwidth_quantile`: AdjustmentInput's.
template <class Model>
bool adjust_abc_particles(const Loaded<Model>& m, std::uint64_t seed, const std::vector<double>& observed,
                          const std::vector<double>& inv_scale, AbcParticles& p, std::string& note,
                          double bandwidth_quantile, SummaryDistanceBuffers& summary) {
  const auto fail = [&note](const std::string& why) {
    note = why;
    return false;
  };
  const int n = p.n, d = m.model.dim(m.data), n_x = m.model.n_simulated(m.data);
  const int n_s = sbi::n_adjustment_statistics(m.model, m.data);
  const backend::DeviceVector<Real> theta(p.theta.begin(), p.theta.end()), obs(observed.begin(), observed.end()),
      inv(inv_scale.begin(), inv_scale.end());
  const backend::DeviceVector<std::uint64_t> keys(p.keys.begin(), p.keys.end());
  backend::DeviceVector<Real> scratch(static_cast<std::size_t>(n) * n_x);
  backend::DeviceVector<double> stats(static_cast<std::size_t>(n) * n_s), dist(static_cast<std::size_t>(n)),
      s_obs(static_cast<std::size_t>(n_s));
  sbi::ResimulatedStatistics<Model> f{m.model, m.data, backend::raw(theta), backend::raw(keys), backend::raw(obs),
                                      backend::raw(inv), backend::raw(scratch), backend::raw(stats), backend::raw(dist),
                                      d, n_x, n_s, seed, summary.view(0)};
  backend::launch_lanes(n, f, static_cast<std::ptrdiff_t>(n) * (8 * n_x + 100 * n_s));
  sbi::ObservedStatistics<Model> o{m.model, m.data, backend::raw(obs), backend::raw(inv), backend::raw(s_obs), n_x};
  backend::launch_lanes(1, o, 100 * n_s);
  const std::vector<double> again = backend::to_host(dist);
  for (int i = 0; i < n; ++i)
    if (!(std::fabs(again[i] - p.distances[i]) <= 1e-9 * (1 + std::fabs(p.distances[i]))))
      return fail("not applied: particle " + std::to_string(i) + "'s simulation was not reproduced (distance " +
                  std::to_string(again[i]) + " against " + std::to_string(p.distances[i]) + ")");
  AdjustmentInput in;
  in.n = n;
  in.d = d;
  in.k = n_s;
  in.s = backend::to_host(stats);
  in.s_obs = backend::to_host(s_obs);
  in.weights = p.weights;
  in.bandwidth_quantile = bandwidth_quantile;
  in.u.resize(static_cast<std::size_t>(n) * d);
  std::vector<double> u, scratch_row;
  for (int i = 0; i < n; ++i) {
    if (!unconstrain_row(m, p.theta.data() + static_cast<std::size_t>(i) * d, d, u, scratch_row))
      return fail("not applied: particle " + std::to_string(i) + " has no unconstrained value");
    std::copy(u.begin(), u.end(), in.u.begin() + static_cast<std::ptrdiff_t>(i) * d);
  }
  const AdjustmentOutput out = linear_regression_adjustment(in);
  if (!out.applied) return fail(out.note);
  std::vector<double> theta_adj;
  if constexpr (traits::has_unconstrain<Model>::value)
    theta_adj = constrain_rows(m, out.u, n);
  else
    theta_adj = out.u;  // no transform: u is theta
  for (double v : theta_adj)
    if (!std::isfinite(v)) return fail("not applied: an adjusted value is not finite");
  p.theta.swap(theta_adj);
  double total = 0;
  for (double w : out.weights) total += w;
  p.weights = out.weights;
  for (double& w : p.weights) w /= total;  // normalized, as the resamplers expect
  note = out.note;
  return true;
}

}  // namespace lockstep
