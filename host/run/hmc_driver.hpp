#pragma once
// The host side every HMC-family sampler shares (static HMC: hmc_sampler.hpp; NUTS:
// nuts_sampler.hpp): config checks, initial values, Stan's windowed warmup loop (segments of
// iterations cut at window ends; step size and metric adapted per chain inside the lanes, or
// pooled across chains on the host), the sampling loop, and what a run reports.
//
// A sampler supplies a Segment (kernel functor over lanes with the fields t_begin, t_end,
// adapt_step_size, collect_metric, welford_count0 and a DrawTarget `out`) and a WindowEnd
// policy with
//   void step_size_only(std::uint64_t iteration)       Stan's heuristic before warmup
//   void metric(std::uint64_t iteration, double n)      end of a slow window of n draws
// Config types (HmcConfig, NutsConfig) share the field names read here.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>


#include "kernels/adapt/dual_averaging.hpp"
#include "host/adapt/windowed_schedule.hpp"
#include "host/backend/device_tree_sum.hpp"
#include "host/backend/draw_buffers.hpp"
#include "host/backend/lanes.hpp"
#include "host/backend/tree_sum.hpp"
#include "models/contract/data_source.hpp"
#include "models/contract/input_error.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/interrupt.hpp"
#include "host/run/chain_sums.hpp"
#include "host/run/hmc_buffers.hpp"
#include "host/run/sampler_snapshot.hpp"
#include "host/core/progress.hpp"
#include "host/run/run_settings.hpp"
#include "kernels/hmc/chain_setup.hpp"
#include "kernels/core/index.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {
namespace driver {

/// Iterations between progress reports (and kernel launches) when nothing else cuts.
constexpr int kSegmentIterations = 50;

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Benchmark hook for the start-up latency target (bench/command_targets.sh): when the
/// environment variable LOCKSTEP_STAMP_FIRST_DRAW is set, prints
///     lockstep-first-draw: <seconds since the Unix epoch, microseconds>
/// on stderr once the FIRST iteration of EVERY chain has finished, i.e. when the first draw of
/// each chain exists in the chain state (it is kept in the DrawSet only with --save-warmup).
/// The first segment of a run is one iteration long so that this moment is observable. The
/// benchmark subtracts the wall-clock time at which it started the process.
inline void stamp_first_draw() {
  static const bool wanted = std::getenv("LOCKSTEP_STAMP_FIRST_DRAW") != nullptr;
  if (!wanted) return;
  const long long us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  std::fprintf(stderr, "lockstep-first-draw: %lld.%06lld\n", us / 1000000, us % 1000000);
  std::fflush(stderr);
}

/// Saved draws per chain: Stan keeps iteration m of a phase when m % thin == 0.
struct DrawCounts {
  int warmup_saved;
  int sampling_saved;
};
template <class Cfg>
DrawCounts draw_counts(const Cfg& cfg) {
  return DrawCounts{cfg.save_warmup ? (cfg.warmup + cfg.thin - 1) / cfg.thin : 0,
                    (cfg.draws + cfg.thin - 1) / cfg.thin};
}

/// Where a segment writes its draws (`target`, a segment's DrawTarget) and the run's DrawSet
/// behind it. The DrawSet (gigabytes for thousands of chains) is allocated by allocate(), which
/// a sampler calls when the first saved draw is near: before warmup with save_warmup, else
/// after it, so that warmup starts (and the first draw exists) without waiting for the pages
/// of the output to be zeroed.
class LazyDraws {
 public:
  LazyDraws(DrawSet& draws, hmc::DrawTarget& target, Real* scratch, int n_out, int n_chains, DrawCounts counts,
            int thin)
      : draws_(draws), target_(target), n_chains_(n_chains), n_draws_(counts.warmup_saved + counts.sampling_saved) {
    target.scratch = scratch;
    target.n_out = n_out;
    target.n_chains = n_chains;
    target.n_draws = n_draws_;
    target.thin = thin;
  }
  void allocate() {
    if (buffers_) return;
    draws_.resize(n_chains_, n_draws_);
    buffers_ = std::make_unique<backend::DrawBuffers>(draws_);
    target_.values = buffers_->values();
    target_.stats = buffers_->stats();
  }
  /// Brings the draws into the DrawSet (a copy on a GPU).
  void finish() {
    allocate();
    buffers_->finish();
  }
  /// The draws written so far, for a checkpoint (nothing before allocate()).
  void snapshot(SamplerSnapshot& s) {
    if (!buffers_) return;
    buffers_->finish();
    s.draws = draws_;
  }
  /// A resumed run: the checkpoint's draws so far (if it had any) become the run's.
  void restore(const SamplerSnapshot& s) {
    if (s.draws.values.empty()) return;
    allocate();
    buffers_->restore(s.draws);
  }

 private:
  DrawSet& draws_;
  hmc::DrawTarget& target_;
  int n_chains_, n_draws_;
  std::unique_ptr<backend::DrawBuffers> buffers_;
};

/// Initial values: random U(-r, r) on the unconstrained scale until finite (Stan's default),
/// or the given cfg.init_unconstrained (one vector for all chains, or one per chain; padding
/// chains reuse chain c mod n_chains). A radius the user gave that finds no finite point is
/// an input error (--init); the default radius failing is the model's.
template <class Model, class Cfg>
void initialize_chains(const Loaded<Model>& m, const Cfg& cfg, HmcBuffers& buf, const hmc::ChainArrays& s,
                       int n_chains) {
  const int dim = s.dim, n_pad = s.n_pad;
  hmc::InitChains<Model> init{m.model, m.data, s, cfg.seed, cfg.init_radius, backend::raw(buf.status)};
  if (!cfg.init_unconstrained.empty()) {
    const std::size_t given = cfg.init_unconstrained.size();
    if (given != 1 && given != static_cast<std::size_t>(n_chains))
      throw InputError("--init: expected initial values for 1 or " + std::to_string(n_chains) +
                       " chains, found " + std::to_string(given));
    std::vector<Real> q0(static_cast<std::size_t>(dim) * n_pad);
    for (int c = 0; c < n_pad; ++c) {
      const auto& v = cfg.init_unconstrained[given == 1 ? 0 : c % n_chains];
      if (static_cast<int>(v.size()) != dim)
        throw InputError("--init: expected " + std::to_string(dim) + " unconstrained values, found " + std::to_string(v.size()));
      for (int i = 0; i < dim; ++i) q0[soa_index(i, c, n_pad)] = static_cast<Real>(v[i]);
    }
    buf.q.upload(q0.data(), q0.size());
    init.radius = 0;
  }
  backend::launch_lanes(n_pad, init);
  const std::vector<int> status = backend::to_host(buf.status);
  for (int c = 0; c < n_chains; ++c)  // numbered as the run's chains (cfg.first_chain + c + 1)
    if (status[c] < 0 && init.radius <= 0)
      throw InputError("--init: the initial values of chain " + std::to_string(cfg.first_chain + c + 1) +
                       " give a non-finite log density or gradient");
    else if (status[c] < 0 && cfg.init_radius != RunSettings{}.init_radius)  // the user's radius
      throw InputError("--init " + DataSource::format_number(cfg.init_radius) + ": chain " +
                       std::to_string(cfg.first_chain + c + 1) + " found no initial value with finite log density and gradient in " +
                       std::to_string(hmc::kInitAttempts) + " draws uniform(-R, R) on the unconstrained scale; give a "
                       "smaller radius (Stan's default is 2)");
    else if (status[c] < 0)  // Stan's default radius: finite data too extreme for the model's arithmetic, mostly
      throw InputError("chain " + std::to_string(cfg.first_chain + c + 1) +
                       ": no initial value with finite log density and gradient in " +
                       std::to_string(hmc::kInitAttempts) +
                       " draws uniform(-" + DataSource::format_number(cfg.init_radius) + ", " +
                       DataSource::format_number(cfg.init_radius) + ") on the unconstrained scale: the data (--data) may hold values too "
                       "extreme for the model's arithmetic; check them, or give initial values (--init)");
}

/// The snapshot's header (the sampler's name, the buffers' shape, the chain count:
/// check_snapshot's terms) and the per-chain state of HmcBuffers a checkpoint keeps
/// (host/run/sampler_snapshot.hpp): what the next iteration reads. Momenta, trajectory starts,
/// scratch and status are rebuilt.
inline void snapshot_chains(const HmcBuffers& b, const char* sampler, int n_chains, SamplerSnapshot& s) {
  s.sampler = sampler;
  s.dim = b.dim;
  s.n_pad = b.n_pad;
  s.n_chains = n_chains;
  s.put("q", b.q);
  s.put("grad", b.grad);
  s.put("inv_metric", b.inv_metric);
  s.put("logp", b.logp);
  s.put("step_size", b.step_size);
  s.put("grad_evals", b.grad_evals);
  s.put("da_mu", b.da_mu);
  s.put("da_s_bar", b.da_s_bar);
  s.put("da_x_bar", b.da_x_bar);
  s.put("da_counter", b.da_counter);
  s.put("welford_mean", b.welford_mean);
  s.put("welford_m2", b.welford_m2);
  s.put("last_accept", b.last_accept);
}
inline void restore_chains(const SamplerSnapshot& s, HmcBuffers& b) {
  s.get("q", b.q);
  s.get("grad", b.grad);
  s.get("inv_metric", b.inv_metric);
  s.get("logp", b.logp);
  s.get("step_size", b.step_size);
  s.get("grad_evals", b.grad_evals);
  s.get("da_mu", b.da_mu);
  s.get("da_s_bar", b.da_s_bar);
  s.get("da_x_bar", b.da_x_bar);
  s.get("da_counter", b.da_counter);
  s.get("welford_mean", b.welford_mean);
  s.get("welford_m2", b.welford_m2);
  s.get("last_accept", b.last_accept);
}

/// What a sampler adds to the driver's snapshot: its sampler name, shape, arrays and draws.
using SnapshotFill = std::function<void(SamplerSnapshot&)>;

/// The snapshot a run resumes from (cfg.checkpoint's), or null.
template <class Cfg>
const SamplerSnapshot* resume_snapshot(const Cfg& cfg) {
  return cfg.checkpoint ? cfg.checkpoint->resume() : nullptr;
}

/// At a segment boundary (t iterations done): a snapshot when the hooks want one, or when a
/// signal has asked the run to stop (the progress callback then throws Interrupted).
template <class Cfg>
void checkpoint_at(const Cfg& cfg, long t, long window_start, const adapt::DualAveragingState& pooled,
                   const SnapshotFill& fill) {
  if (!cfg.checkpoint || !cfg.checkpoint->wanted(t)) return;
  if (!fill) throw std::logic_error("checkpoint_at: this sampler cannot take snapshots");
  SamplerSnapshot s;
  s.next_iteration = t;
  s.window_start = window_start;
  s.pooled_da[0] = pooled.mu;
  s.pooled_da[1] = pooled.s_bar;
  s.pooled_da[2] = pooled.x_bar;
  s.pooled_da[3] = pooled.counter;
  fill(s);
  cfg.checkpoint->save(s);
}

/// Pooled diagonal inverse metric from per-chain Welford sums (Chan et al. 1979 combine, in
/// chain order): M2 = sum_c m2_c + n sum_c (mean_c - mean)^2 over N = n * chains samples.
inline std::vector<Real> pooled_inverse_metric(const std::vector<Real>& mean, const std::vector<Real>& m2,
                                               int dim, int n_pad, int n_chains, double n) {
  std::vector<Real> out(dim);
  for (int i = 0; i < dim; ++i) {
    const Real* mu = mean.data() + soa_index(i, 0, n_pad);
    const Real* ss = m2.data() + soa_index(i, 0, n_pad);
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

/// Window ends with a diagonal metric: the EndWindow kernel sets each chain's metric from its
/// own Welford sums, or from the pooled estimate.
template <class Model>
struct DiagWindowEnd {
  hmc::EndWindow<Model> kernel;
  HmcBuffers* buf = nullptr;
  int n_chains = 0;
  bool pooled = false;
  const parallel::Ranks* ranks = nullptr;  // a run split over ranks: pool every rank's chains

  void step_size_only(std::uint64_t iteration) {
    kernel.iteration = iteration;
    kernel.update_metric = false;
    backend::launch_lanes(kernel.s.n_pad, kernel);
  }
  void metric(std::uint64_t iteration, double n) {
    kernel.iteration = iteration;
    kernel.n = n;
    kernel.update_metric = true;
    backend::DeviceVector<Real> pm;
    if (pooled) {
      std::vector<Real> mean = backend::to_host(buf->welford_mean), m2 = backend::to_host(buf->welford_m2);
      int stride = kernel.s.n_pad, chains = n_chains;
      if (ranks && ranks->split()) {  // every chain of the run, in its order: the one-process sums
        mean = all_chains_rows(*ranks, mean, kernel.s.dim, stride, chains);
        m2 = all_chains_rows(*ranks, m2, kernel.s.dim, stride, chains);
        stride = chains = static_cast<int>(mean.size() / static_cast<std::size_t>(kernel.s.dim > 0 ? kernel.s.dim : 1));
      }
      const std::vector<Real> v = pooled_inverse_metric(mean, m2, kernel.s.dim, stride, chains, n);
      pm.assign(v.begin(), v.end());
      kernel.pooled = backend::raw(pm);
    }
    backend::launch_lanes(kernel.s.n_pad, kernel);
    kernel.pooled = nullptr;
  }
};

/// Stan's windowed warmup over segments. Returns the iteration reached (cfg.warmup);
/// `warmup_bytes` gets the bytes per iteration that pooled adaptation brought back (0 without
/// pooling; window ends, a few per run, are not counted).
/// Resumed (cfg.checkpoint->resume() not null): continues from the snapshot's iteration, window
/// and pooled state, the chains' arrays already restored by the sampler.
template <class Cfg, class Segment, class WindowEnd>
long run_warmup(const Cfg& cfg, Segment& seg, int n_lanes, HmcBuffers& buf, int n_chains, WindowEnd& window_end,
                Progress* progress, double& warmup_bytes, const SnapshotFill& fill = {}) {
  warmup_bytes = 0;
  const long total_iterations = static_cast<long>(cfg.warmup) + cfg.draws;
  const adapt::WindowedSchedule schedule =
      cfg.adapt_metric ? adapt::WindowedSchedule::make(cfg.warmup) : adapt::WindowedSchedule{};
  adapt::DualAveraging pooled_da;
  pooled_da.delta = cfg.target_accept;
  adapt::DualAveragingState pooled_state;
  // Pooled adaptation reduces across chains where they live (fixed-shape sums, the same bits on
  // every backend): one number per iteration comes back.
  // Split over MPI ranks, every rank adds every chain's terms (host/run/chain_sums.hpp).
  ChainSums sums(cfg);
  const double all_chains = cfg.all_chains();
  auto pooled_step_from_chains = [&]() {
    // one step size for all chains: the geometric mean of the per-chain heuristic's choices
    const double mean_log = sums(n_chains, 1, backend::LogOf{backend::raw(buf.step_size)})[0] / all_chains;
    const double e = std::exp(mean_log);
    buf.step_size.fill(static_cast<Real>(e));
    adapt::DualAveraging::restart(pooled_state, e);
  };

  const SamplerSnapshot* from = resume_snapshot(cfg);
  if (cfg.warmup > 0 && !from) {
    // Stan initializes the step size once before warmup (run_adaptive_sampler).
    window_end.step_size_only(0);
    if (cfg.pool_adaptation) pooled_step_from_chains();
  }
  seg.out.save = cfg.save_warmup;
  seg.out.first_iteration = 0;
  seg.out.first_draw = 0;
  long t = 0;
  long window_start = schedule.init_buffer;
  if (from) {
    t = from->next_iteration;
    window_start = from->window_start;
    pooled_state.mu = from->pooled_da[0];
    pooled_state.s_bar = from->pooled_da[1];
    pooled_state.x_bar = from->pooled_da[2];
    pooled_state.counter = from->pooled_da[3];
  }
  const bool warmup_done_before = from && from->next_iteration > cfg.warmup;
  while (t < cfg.warmup) {
    // cut at: window ends, the start of metric collection, progress chunks, every iteration
    // when step-size adaptation is pooled.
    long t_end = cfg.pool_adaptation ? t + 1 : std::min<long>(t + kSegmentIterations, cfg.warmup);
    if (t == 0) t_end = 1;  // the first iteration alone: stamp_first_draw()
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
    if (t == 0) stamp_first_draw();
    if (cfg.pool_adaptation) {
      const double mean_accept = sums(n_chains, 1, backend::ValueOf{backend::raw(buf.last_accept)})[0] / all_chains;
      const double e = pooled_da.update(pooled_state, mean_accept);
      buf.step_size.fill(static_cast<Real>(e));
    }
    t = t_end;
    if (schedule.is_window_end(static_cast<int>(t - 1))) {
      window_end.metric(static_cast<std::uint64_t>(t), static_cast<double>(t - window_start));
      if (cfg.pool_adaptation) pooled_step_from_chains();
      window_start = t;
    }
    checkpoint_at(cfg, t, window_start, pooled_state, fill);
    if (progress) progress->update(t, total_iterations, cfg.warmup);
  }
  if (cfg.pool_adaptation && t > 0) warmup_bytes = static_cast<double>(sums.bytes_to_host()) / static_cast<double>(t);
  if (cfg.warmup > 0 && !warmup_done_before) {
    if (cfg.pool_adaptation) {
      const double e = adapt::DualAveraging::final_step_size(pooled_state);
      if (pooled_state.counter > 0) buf.step_size.fill(static_cast<Real>(e));
    } else {
      backend::launch_lanes(buf.n_pad, hmc::FinishStepSize{buf.chains(), buf.adapt()});
    }
  }
  return t;
}

/// Sampling iterations cfg.warmup .. cfg.warmup + cfg.draws - 1 (no adaptation).
template <class Cfg, class Segment>
void run_sampling(const Cfg& cfg, Segment& seg, int n_lanes, int first_draw, Progress* progress,
                  const SnapshotFill& fill = {}) {
  const long total_iterations = static_cast<long>(cfg.warmup) + cfg.draws;
  seg.adapt_step_size = false;
  seg.collect_metric = false;
  seg.out.save = true;
  seg.out.first_iteration = static_cast<std::uint64_t>(cfg.warmup);
  seg.out.first_draw = first_draw;
  long t = cfg.warmup;
  const SamplerSnapshot* from = resume_snapshot(cfg);
  if (from && from->next_iteration > t) t = from->next_iteration;
  while (t < total_iterations) {
    seg.t_begin = static_cast<std::uint64_t>(t);
    // With no warmup the first iteration runs alone: stamp_first_draw().
    const long len = t == 0 ? 1 : kSegmentIterations;
    seg.t_end = static_cast<std::uint64_t>(std::min<long>(t + len, total_iterations));
    backend::launch_lanes(n_lanes, seg);
    if (t == 0) stamp_first_draw();
    t = static_cast<long>(seg.t_end);
    checkpoint_at(cfg, t, 0, adapt::DualAveragingState{}, fill);
    if (progress) progress->update(t, total_iterations, cfg.warmup);
  }
}

/// Gradient evaluations, per-chain step size and diagonal inverse metric, post-warmup
/// divergences (from the divergent__ column).
inline void report_run(HmcBuffers& buf, int n_chains, const DrawSet& draws, RunInfo& info) {
  const int dim = buf.dim, n_pad = buf.n_pad;
  const std::vector<double> evals = backend::to_host(buf.grad_evals);
  info.gradient_evaluations = 0;
  for (int c = 0; c < n_chains; ++c) info.gradient_evaluations += static_cast<unsigned long long>(evals[c]);
  const std::vector<Real> eps = backend::to_host(buf.step_size);
  const std::vector<Real> minv = backend::to_host(buf.inv_metric);
  info.step_size.assign(eps.begin(), eps.begin() + n_chains);
  info.inv_metric.assign(n_chains, std::vector<double>(dim));
  for (int c = 0; c < n_chains; ++c)
    for (int i = 0; i < dim; ++i) info.inv_metric[c][i] = minv[soa_index(i, c, n_pad)];
  info.divergences = 0;
  const int div = draws.stat_index("divergent__");
  for (int c = 0; c < n_chains; ++c) {
    const double* d = draws.stat_series(div, c);
    for (int k = draws.n_warmup_saved; k < draws.n_draws; ++k) info.divergences += d[k] != 0;
  }
}

}  // namespace driver
}  // namespace lockstep
