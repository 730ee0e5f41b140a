#pragma once
// The host side of static HMC over many chains: initial values, Stan's windowed warmup
// (per chain inside the lanes, or pooled across chains on the host), sampling, and the
// bookkeeping a run reports. Kernels: kernels/hmc/.
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/adapt/dual_averaging.hpp"
#include "host/adapt/windowed_schedule.hpp"
#include "host/backend/draw_buffers.hpp"
#include "host/backend/lanes.hpp"
#include "host/backend/tree_sum.hpp"
#include "host/io/input_error.hpp"
#include "host/run/draw_set.hpp"
#include "host/run/hmc_buffers.hpp"
#include "host/run/hmc_config.hpp"
#include "host/run/progress.hpp"
#include "kernels/hmc/chain_setup.hpp"
#include "kernels/hmc/hmc_segment.hpp"
#include "models/model_info.hpp"

namespace lockstep {

/// Names of the sampler-statistic columns, in hmc::HmcStat order (Stan's names).
inline std::vector<std::string> hmc_stat_names() {
  return {"lp__", "accept_stat__", "stepsize__", "n_leapfrog__", "divergent__", "energy__"};
}

namespace detail {

/// Iterations between progress reports (and kernel launches) when nothing else cuts.
constexpr int kSegmentIterations = 50;

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Pooled diagonal inverse metric from per-chain Welford sums (Chan et al. 1979 combine, in
/// chain order): M2 = sum_c m2_c + n sum_c (mean_c - mean)^2 over N = n * chains samples.
inline std::vector<Real> pooled_inverse_metric(const std::vector<Real>& mean,
                                               const std::vector<Real>& m2, int dim, int n_pad,
                                               int n_chains, double n) {
  std::vector<Real> out(dim);
  for (int i = 0; i < dim; ++i) {
    const Real* mu = mean.data() + static_cast<std::size_t>(i) * n_pad;
    const Real* ss = m2.data() + static_cast<std::size_t>(i) * n_pad;
    const double grand = backend::tree_sum<double>(n_chains, [&](std::size_t c) { return mu[c]; }) / n_chains;
    const double within = backend::tree_sum<double>(n_chains, [&](std::size_t c) { return ss[c]; });
    const double between = backend::tree_sum<double>(
        n_chains, [&](std::size_t c) { return (mu[c] - grand) * (mu[c] - grand); });
    const double total_n = n * n_chains;
    const double var = (within + n * between) / (total_n - 1);
    out[i] = static_cast<Real>(hmc::regularized_variance(var, total_n));
  }
  return out;
}

}  // namespace detail

/// Runs static HMC; fills `draws` (parameters and sampler statistics) and `info`.
template <class Model>
void sample_hmc(const Loaded<Model>& m, const HmcConfig& cfg, DrawSet& draws, RunInfo& info,
                Progress* progress = nullptr) {
  constexpr int W = backend::kLaneWidth;
  if (cfg.chains < 1) throw InputError("--chains: must be at least 1");
  if (cfg.warmup < 0) throw InputError("--warmup: must not be negative");
  if (cfg.draws < 1) throw InputError("--draws: must be at least 1");
  if (cfg.thin < 1) throw InputError("--thin: must be at least 1");
  backend::set_threads(cfg.threads);
  const auto t_start = std::chrono::steady_clock::now();

  const int dim = m.model.dim(m.data);
  const int n_out = m.model.n_out(m.data);
  const int n_chains = cfg.chains;
  const int n_pad = backend::padded_chains(n_chains);
  const int n_lanes = n_pad / W;
  HmcBuffers buf(dim, n_pad, n_out, cfg.init_step_size);
  hmc::ChainArrays s = buf.chains();
  hmc::AdaptArrays a = buf.adapt();

  // ---- initial values -------------------------------------------------------------------
  hmc::InitChains<Model> init{m.model, m.data, s, cfg.seed, cfg.init_radius, backend::raw(buf.status)};
  if (!cfg.init_unconstrained.empty()) {
    std::vector<Real> q0(static_cast<std::size_t>(dim) * n_pad);
    for (int c = 0; c < n_pad; ++c) {
      const auto& v = cfg.init_unconstrained[cfg.init_unconstrained.size() == 1 ? 0 : c % cfg.init_unconstrained.size()];
      if (static_cast<int>(v.size()) != dim)
        throw InputError("--init: expected " + std::to_string(dim) + " unconstrained values, found " + std::to_string(v.size()));
      for (int i = 0; i < dim; ++i) q0[static_cast<std::size_t>(i) * n_pad + c] = static_cast<Real>(v[i]);
    }
    thrust::copy(q0.begin(), q0.end(), buf.q.begin());
    init.radius = 0;
  }
  backend::launch_lanes(n_pad, init);
  {
    const std::vector<int> status = backend::to_host(buf.status);
    for (int c = 0; c < n_chains; ++c)
      if (status[c] < 0)
        throw std::runtime_error(
            "chain " + std::to_string(c + 1) +
            (init.radius > 0 ? ": no initial value with finite log density and gradient after " +
                                   std::to_string(hmc::kInitAttempts) + " attempts"
                             : ": the given initial value has a non-finite log density or gradient"));
  }

  // ---- output ------------------------------------------------------------------------------
  const int warm_saved = cfg.save_warmup ? (cfg.warmup + cfg.thin - 1) / cfg.thin : 0;
  const int samp_saved = (cfg.draws + cfg.thin - 1) / cfg.thin;
  draws.names = m.names;
  draws.stat_names = hmc_stat_names();
  draws.n_warmup_saved = warm_saved;
  draws.resize(n_chains, warm_saved + samp_saved);
  backend::DrawBuffers out_buf(draws);

  hmc::HmcSegment<Model, W> seg;
  seg.model = m.model;
  seg.data = m.data;
  seg.s = s;
  seg.adapt = a;
  seg.seed = cfg.seed;
  seg.mean_steps = cfg.steps;
  seg.jitter = cfg.jitter_steps;
  seg.dual_averaging.delta = cfg.target_accept;
  seg.out.values = out_buf.values();
  seg.out.stats = out_buf.stats();
  seg.out.scratch = backend::raw(buf.scratch);
  seg.out.n_out = n_out;
  seg.out.n_chains = n_chains;
  seg.out.n_draws = warm_saved + samp_saved;
  seg.out.thin = cfg.thin;

  hmc::EndWindow<Model> end_window{m.model, m.data, s, a, cfg.seed, 0, 0, nullptr, false};
  const long total_iterations = static_cast<long>(cfg.warmup) + cfg.draws;
  auto report = [&](long done) {
    if (progress) progress->update(done, total_iterations, cfg.warmup);
  };

  // ---- warmup ------------------------------------------------------------------------------
  const adapt::WindowedSchedule schedule =
      cfg.adapt_metric ? adapt::WindowedSchedule::make(cfg.warmup) : adapt::WindowedSchedule{};
  adapt::DualAveraging pooled_da;
  pooled_da.delta = cfg.target_accept;
  adapt::DualAveragingState pooled_state;
  auto pooled_step_from_chains = [&]() {
    // one step size for all chains: the geometric mean of the per-chain heuristic's choices
    const std::vector<Real> eps = backend::to_host(buf.step_size);
    const double mean_log = backend::tree_sum<double>(n_chains, [&](std::size_t c) { return std::log(eps[c]); }) / n_chains;
    const double e = std::exp(mean_log);
    thrust::fill(buf.step_size.begin(), buf.step_size.end(), static_cast<Real>(e));
    adapt::DualAveraging::restart(pooled_state, e);
  };

  if (cfg.warmup > 0) {
    // Stan initializes the step size once before warmup (run_adaptive_sampler).
    end_window.iteration = 0;
    end_window.update_metric = false;
    backend::launch_lanes(n_pad, end_window);
    if (cfg.pool_adaptation) pooled_step_from_chains();
  }
  seg.out.save = cfg.save_warmup;
  seg.out.first_iteration = 0;
  seg.out.first_draw = 0;
  long t = 0;
  int window_start = schedule.init_buffer;
  while (t < cfg.warmup) {
    // cut at: window ends, the start of metric collection, progress chunks, every iteration
    // when step-size adaptation is pooled.
    long t_end = cfg.pool_adaptation ? t + 1 : std::min<long>(t + detail::kSegmentIterations, cfg.warmup);
    if (schedule.metric_adaptation && t < schedule.init_buffer) t_end = std::min<long>(t_end, schedule.init_buffer);
    for (int e : schedule.window_ends)
      if (e >= t) {
        t_end = std::min<long>(t_end, e + 1);
        break;
      }
    seg.t_begin = t;
    seg.t_end = t_end;
    seg.adapt_step_size = !cfg.pool_adaptation;
    seg.collect_metric = schedule.in_window(static_cast<int>(t));
    seg.welford_count0 = static_cast<double>(t - window_start);
    backend::launch_lanes(n_lanes, seg);
    if (cfg.pool_adaptation) {
      const std::vector<Real> acc = backend::to_host(buf.last_accept);
      const double mean_accept = backend::tree_sum<double>(n_chains, [&](std::size_t c) { return acc[c]; }) / n_chains;
      const double e = pooled_da.update(pooled_state, mean_accept);
      thrust::fill(buf.step_size.begin(), buf.step_size.end(), static_cast<Real>(e));
    }
    t = t_end;
    if (schedule.is_window_end(static_cast<int>(t - 1))) {
      const double n = static_cast<double>(t - window_start);
      end_window.iteration = static_cast<std::uint64_t>(t);
      end_window.n = n;
      end_window.update_metric = true;
      backend::DeviceVector<Real> pooled;
      if (cfg.pool_adaptation) {
        const std::vector<Real> pm = detail::pooled_inverse_metric(
            backend::to_host(buf.welford_mean), backend::to_host(buf.welford_m2), dim, n_pad, n_chains, n);
        pooled.assign(pm.begin(), pm.end());
        end_window.pooled = backend::raw(pooled);
      }
      backend::launch_lanes(n_pad, end_window);
      end_window.pooled = nullptr;
      if (cfg.pool_adaptation) pooled_step_from_chains();
      window_start = static_cast<int>(t);
    }
    report(t);
  }
  if (cfg.warmup > 0) {
    if (cfg.pool_adaptation) {
      const double e = adapt::DualAveraging::final_step_size(pooled_state);
      if (pooled_state.counter > 0) thrust::fill(buf.step_size.begin(), buf.step_size.end(), static_cast<Real>(e));
    } else {
      backend::launch_lanes(n_pad, hmc::FinishStepSize{s, a});
    }
  }
  info.warmup_seconds = detail::seconds_since(t_start);

  // ---- sampling ------------------------------------------------------------------------------
  const auto t_sample = std::chrono::steady_clock::now();
  seg.adapt_step_size = false;
  seg.collect_metric = false;
  seg.out.save = true;
  seg.out.first_iteration = static_cast<std::uint64_t>(cfg.warmup);
  seg.out.first_draw = warm_saved;
  while (t < total_iterations) {
    seg.t_begin = t;
    seg.t_end = std::min<long>(t + detail::kSegmentIterations, total_iterations);
    backend::launch_lanes(n_lanes, seg);
    t = seg.t_end;
    report(t);
  }
  out_buf.finish();
  info.sampling_seconds = detail::seconds_since(t_sample);
  if (progress) progress->finish();

  // ---- what the run reports ------------------------------------------------------------------
  const std::vector<double> evals = backend::to_host(buf.grad_evals);
  info.gradient_evaluations = 0;
  for (int c = 0; c < n_chains; ++c) info.gradient_evaluations += static_cast<unsigned long long>(evals[c]);
  const std::vector<Real> eps = backend::to_host(buf.step_size);
  const std::vector<Real> minv = backend::to_host(buf.inv_metric);
  info.step_size.assign(eps.begin(), eps.begin() + n_chains);
  info.inv_metric.assign(n_chains, std::vector<double>(dim));
  for (int c = 0; c < n_chains; ++c)
    for (int i = 0; i < dim; ++i) info.inv_metric[c][i] = minv[static_cast<std::size_t>(i) * n_pad + c];
  info.divergences = 0;
  const int div = draws.stat_index("divergent__");
  for (int c = 0; c < n_chains; ++c) {
    const double* d = draws.stat_series(div, c);
    for (int k = warm_saved; k < draws.n_draws; ++k) info.divergences += d[k] != 0;
  }
  info.algorithm = "hmc";
  info.seed = cfg.seed;
}

}  // namespace lockstep
