#pragma once
// The summary statistics of ABC's regression adjustment (host/algorithms/abc/
// regression_adjustment.hpp), computed again for the accepted particles only.
//
// A model may define its own (the optional part of the simulation contract):
//   LS_HD int n_adjustment_statistics(const Data&) const;
//   LS_HD void adjustment_statistics(const Data&, const Real* x, double* out) const;
//     out[0 .. n_adjustment_statistics - 1] = s(x), a deterministic function of one simulated
//     data set x (n_simulated values), e.g. the peak model's least-squares fit
//     (models/peak_fit.hpp). Good statistics are low-dimensional and close to linear in theta
//     near the posterior: E[theta | x] or an estimator of theta.
// Without them the statistics are the distance's own: s_k(x) = x_k / scale_k (the identity
// statistics over their scale, kernels/sbi/abc_distance.hpp).
//
// Particles are not stored with their data sets: particle i, simulated as simulation g_i of
// generation t_i, is simulated again from its key (Rng{seed, g_i} at iteration t_i, the numbers
// abc_distance.hpp's kernels used), which gives the same data set bit for bit; the lane also
// recomputes its distance, which the host checks against the stored one.
#include <cstdint>
#include <type_traits>
#include <utility>

#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/strided.hpp"
#include "kernels/sbi/abc_distance.hpp"

namespace lockstep {
namespace sbi {

// traits::has_adjustment_statistics: kernels/sbi/abc_distance.hpp (the distance uses them too).

/// The number of adjustment statistics of a model (see the file comment).
template <class Model>
LS_HD int n_adjustment_statistics(const Model& model, const typename Model::Data& data) {
  if constexpr (traits::has_adjustment_statistics<Model>::value)
    return model.n_adjustment_statistics(data);
  else
    return model.n_simulated(data);
}

/// The statistics of data set x: the model's own, or x_k / scale_k.
template <class Model>
LS_HD void statistics_of(const Model& model, const typename Model::Data& data, const Real* x, const Real* inv_scale,
                         int n_x, double* out) {
  if constexpr (traits::has_adjustment_statistics<Model>::value) {
    model.adjustment_statistics(data, x, out);
  } else {
    for (int k = 0; k < n_x; ++k) out[k] = static_cast<double>(x[k]) * static_cast<double>(inv_scale[k]);
  }
}

/// Lane i: simulates particle i again from its key and writes its statistics row and distance.
template <class Model>
struct ResimulatedStatistics {
  Model model;
  typename Model::Data data;
  const Real* theta = nullptr;             // [n][n_theta]
  const std::uint64_t* keys = nullptr;     // [n][2]: simulation index g, generation t
  const Real* observed = nullptr;          // [n_x]
  const Real* inv_scale = nullptr;         // [n_x]
  Real* scratch = nullptr;                 // [n][n_x]
  double* statistics = nullptr;            // [n][n_s]
  double* distance = nullptr;              // [n]
  int n_theta = 0, n_x = 0, n_s = 0;
  std::uint64_t seed = 0;
  SummaryDistance summary;                 // the run's distance (--statistics model: n_s > 0)

  LS_HD void operator()(int i) const {
    const std::uint64_t g = keys[2 * i], t = keys[2 * i + 1];
    const Rng rng{seed, static_cast<std::uint32_t>(g)};
    Real* x = scratch + static_cast<std::int64_t>(i) * n_x;
    const Dense<Real> tv{const_cast<Real*>(theta) + static_cast<std::int64_t>(i) * n_theta};
    model.simulate(data, tv, rng, t, Dense<Real>{x});
    double* s = statistics + static_cast<std::int64_t>(i) * n_s;
    statistics_of(model, data, x, inv_scale, n_x, s);
    distance[i] = summary.n_s > 0 ? statistics_distance(s, summary.observed, summary.inv_scale, summary.n_s)
                                  : abc_distance(x, observed, inv_scale, n_x);
  }
};

/// Lane i: the statistics of data set i of `x` (rows of n_x values): the prior-predictive pilot
/// of --statistics model's scales.
template <class Model>
struct RowStatistics {
  Model model;
  typename Model::Data data;
  const Real* x = nullptr;          // [n][n_x]
  const Real* inv_scale = nullptr;  // [n_x] (the identity statistics' scale)
  double* statistics = nullptr;     // [n][n_s]
  int n_x = 0, n_s = 0;

  LS_HD void operator()(int i) const {
    statistics_of(model, data, x + static_cast<std::int64_t>(i) * n_x, inv_scale, n_x,
                  statistics + static_cast<std::int64_t>(i) * n_s);
  }
};

/// One lane: the statistics of the observed data set (its values live where the model's data
/// does, so they are computed where a simulation's would be).
template <class Model>
struct ObservedStatistics {
  Model model;
  typename Model::Data data;
  const Real* observed = nullptr;   // [n_x]
  const Real* inv_scale = nullptr;  // [n_x]
  double* statistics = nullptr;     // [n_s]
  int n_x = 0;

  LS_HD void operator()(int) const { statistics_of(model, data, observed, inv_scale, n_x, statistics); }
};

}  // namespace sbi
}  // namespace lockstep
