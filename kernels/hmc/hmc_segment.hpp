#pragma once
// A stretch of HMC iterations run by one lane (a block of W chains) without meeting other
// lanes: each iteration is a transition, then — during warmup, when adaptation is per chain —
// a dual-averaging step-size update and, inside a metric window, a Welford update; draws are
// written straight into the run's [quantity][chain][draw] arrays. The host cuts segments at
// warmup window ends, at the warmup/sampling boundary and, when adaptation is pooled across
// chains, after every iteration.
#include <cstdint>

#include "kernels/adapt/dual_averaging.hpp"
#include "kernels/adapt/welford.hpp"
#include "kernels/core/batch.hpp"
#include "kernels/core/lane_data.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/hmc/chain_arrays.hpp"
#include "kernels/hmc/hmc_transition.hpp"

namespace lockstep {
namespace hmc {

/// Number of leapfrog steps at an iteration: uniform on {1, ..., 2L - 1} (mean L), from a
/// stream shared by every chain so that all lanes stay in lock-step.
LS_HD LS_INLINE int jittered_steps(std::uint64_t seed, std::uint64_t iteration, int mean_steps,
                                   bool jitter) {
  if (!jitter || mean_steps <= 1) return mean_steps < 1 ? 1 : mean_steps;
  const Rng shared{seed, 0xFFFFFFFFu};
  const double u = uniform(shared, iteration, Stream::kJitter, 0);
  return 1 + static_cast<int>(u * (2 * mean_steps - 1));
}

/// Per-chain warmup state (device arrays, [n_pad] or [dim][n_pad]).
struct AdaptArrays {
  double* da_mu = nullptr;
  double* da_s_bar = nullptr;
  double* da_x_bar = nullptr;
  double* da_counter = nullptr;
  Real* welford_mean = nullptr;  // [dim][n_pad]
  Real* welford_m2 = nullptr;    // [dim][n_pad]
  Real* last_accept = nullptr;   // [n_pad] accept_stat of the latest transition (pooled adaptation)

  /// Chain c's dual-averaging state.
  LS_HD adapt::DualAveragingState dual_averaging(int c) const {
    return adapt::DualAveragingState{da_mu[c], da_s_bar[c], da_x_bar[c], da_counter[c]};
  }
  LS_HD void store_dual_averaging(int c, const adapt::DualAveragingState& st) const {
    da_mu[c] = st.mu;
    da_s_bar[c] = st.s_bar;
    da_x_bar[c] = st.x_bar;
    da_counter[c] = st.counter;
  }
  /// One dual-averaging update of chain c with its transition's acceptance statistic; returns
  /// the chain's next step size.
  LS_HD double adapt_step_size(const adapt::DualAveraging& da, int c, double accept_stat) const {
    adapt::DualAveragingState st = dual_averaging(c);
    const double eps = da.update(st, accept_stat);
    store_dual_averaging(c, st);
    return eps;
  }
};

/// Where and what a segment writes (quantity-major [q][chain][draw], as DrawSet).
struct DrawTarget {
  double* values = nullptr;  // [n_out][n_chains][n_draws]
  double* stats = nullptr;   // [n_stats][n_chains][n_draws]
  Real* scratch = nullptr;   // [n_out][n_pad] staging for write_out
  int n_out = 0;
  int n_chains = 0;
  int n_draws = 0;
  bool save = false;
  std::uint64_t first_iteration = 0;  // iteration that maps to draw `first_draw`
  int first_draw = 0;
  int thin = 1;

  /// Where draw d of chain c of quantity (or statistic) k lives in values (stats): 64-bit.
  LS_HD Index at(int k, int c, int d) const { return draw_offset(k, c, d, n_chains, n_draws); }

  /// The draw iteration t is saved as (Stan keeps iteration m of a phase when m % thin == 0),
  /// or -1 when it is not saved.
  LS_HD int draw_index(std::uint64_t t) const {
    if (!save || t < first_iteration || (t - first_iteration) % thin != 0) return -1;
    return first_draw + static_cast<int>((t - first_iteration) / thin);
  }
};

/// Column order of HMC sampler statistics in DrawTarget::stats.
enum HmcStat : int { kLp = 0, kAcceptStat, kStepSize, kNLeapfrog, kDivergent, kEnergy, kHmcStats };

/// Draw d of the W chains of block c0 into the run's arrays: the outputs (Model::write_out
/// of the current position, staged in out.scratch) and the HMC statistics. Chains past
/// out.n_chains (padding) are skipped. Shared by static HMC and ChEES.
template <class Model, int W>
LS_HD void store_draw(const Model& model, const typename Model::Data& data, const ChainArrays& s,
                      const DrawTarget& out, int c0, int d, int n_steps, const Batch<W>& eps_used,
                      const TransitionInfo<W>& info) {
  const BlockView<W> scratch{out.scratch + c0, s.n_pad};
  model.write_out(data, s.block<W>(s.q, c0), scratch);
  for (int w = 0; w < W; ++w) {
    const int c = c0 + w;
    if (c >= out.n_chains) break;
    for (int k = 0; k < out.n_out; ++k) out.values[out.at(k, c, d)] = scratch[k][w];
    out.stats[out.at(kLp, c, d)] = s.logp[c];
    out.stats[out.at(kAcceptStat, c, d)] = info.accept_stat[w];
    out.stats[out.at(kStepSize, c, d)] = eps_used[w];
    out.stats[out.at(kNLeapfrog, c, d)] = n_steps;
    out.stats[out.at(kDivergent, c, d)] = info.divergent[w] ? 1.0 : 0.0;
    out.stats[out.at(kEnergy, c, d)] = info.energy[w];
  }
}

template <class Model, int W>
struct HmcSegment {
  Model model;
  typename Model::Data data;
  ChainArrays s;
  AdaptArrays adapt;
  DrawTarget out;
  std::uint64_t seed = 0;
  std::uint64_t t_begin = 0, t_end = 0;
  int mean_steps = 10;
  bool jitter = true;
  bool adapt_step_size = false;  // per-chain dual averaging
  bool collect_metric = false;   // per-chain Welford update (per-chain or pooled metric)
  double welford_count0 = 0;     // samples in the current window before t_begin
  adapt::DualAveraging dual_averaging;

  LS_HD void operator()(int lane) const {
    const int c0 = lane * W;
    const auto& m = lane_model(model);
    const auto& d_c0 = lane_data(model, data, c0);  // the W chains of a block share their data
    TransitionInfo<W> info;
    for (std::uint64_t t = t_begin; t < t_end; ++t) {
      const int n_steps = jittered_steps(seed, t, mean_steps, jitter);
      const Batch<W> eps_used = Batch<W>::load(s.step_size + c0);
      hmc_transition<lane_model_t<Model>, W>(m, d_c0, s, c0, seed, t, n_steps, info);
      for (int w = 0; w < W; ++w) adapt.last_accept[c0 + w] = info.accept_stat[w];
      if (adapt_step_size)
        for (int w = 0; w < W; ++w)
          s.step_size[c0 + w] = static_cast<Real>(adapt.adapt_step_size(dual_averaging, c0 + w, info.accept_stat[w]));
      if (collect_metric)
        adapt::welford_update(s.dim, s.block<W>(s.q, c0), s.block<W>(adapt.welford_mean, c0),
                              s.block<W>(adapt.welford_m2, c0), welford_count0 + static_cast<double>(t - t_begin) + 1);
      const int d = out.draw_index(t);
      if (d >= 0) store_draw<lane_model_t<Model>, W>(m, d_c0, s, out, c0, d, n_steps, eps_used, info);
    }
  }
};

}  // namespace hmc
}  // namespace lockstep
