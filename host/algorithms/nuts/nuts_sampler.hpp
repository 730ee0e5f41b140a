#pragma once
// The host side of NUTS over many chains whose lanes do not wait for each other: one chain
// per lane (kernels/nuts/nuts_segment.hpp), Stan's windowed warmup with a diagonal or dense
// metric adapted per chain inside the lanes or pooled across chains on the host, sampling,
// and the bookkeeping a run reports. Shared with static HMC: host/run/hmc_driver.hpp.
#include <chrono>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>


#include "host/adapt/dense_metric.hpp"
#include "host/backend/draw_buffers.hpp"
#include "host/backend/lanes.hpp"
#include "models/contract/input_error.hpp"
#include "host/core/draw_set.hpp"
#include "host/run/hmc_driver.hpp"
#include "host/algorithms/nuts/nuts_buffers.hpp"
#include "host/algorithms/nuts/nuts_config.hpp"
#include "host/algorithms/config_checks.hpp"
#include "host/core/progress.hpp"
#include "kernels/hmc/chain_setup.hpp"
#include "kernels/core/index.hpp"
#include "kernels/core/model_traits.hpp"
#include "kernels/hmc/metric.hpp"
#include "kernels/nuts/nuts_gang.hpp"
#include "kernels/nuts/nuts_segment.hpp"
#include "kernels/nuts/nuts_transition.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

/// Names of the NUTS sampler-statistic columns, in nuts::NutsStat order (Stan's names and order).
inline std::vector<std::string> nuts_stat_names() {
  return {"lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"};
}

namespace nuts_detail {

/// Window ends with a dense metric: the host forms each chain's (or the pooled) regularized
/// covariance and its Cholesky factor (host/adapt/dense_metric.hpp) and uploads them; the
/// EndWindow kernel then resets the window and re-initializes the step size under the new
/// metric. A covariance whose factorization fails (non-finite draws) falls back to its
/// regularized diagonal.
template <class Model>
struct DenseWindowEnd {
  hmc::EndWindow<Model, hmc::DenseMetricOf> kernel;
  NutsBuffers* buf = nullptr;
  int n_chains = 0;
  const parallel::Ranks* ranks = nullptr;  // a run split over ranks: pool every rank's chains

  void step_size_only(std::uint64_t iteration) {
    kernel.iteration = iteration;
    kernel.update_metric = false;
    backend::launch_lanes(kernel.s.n_pad, kernel);
  }

  void metric(std::uint64_t iteration, double n) {
    const int dim = kernel.s.dim, n_pad = kernel.s.n_pad;
    const std::size_t d2 = static_cast<std::size_t>(dim) * dim;
    const std::vector<Real> m2 = backend::to_host(buf->welford_cov);
    const std::vector<Real> mean = backend::to_host(buf->hmc.welford_mean);
    const bool shared = buf->shared_metric;
    std::vector<Real> minv = backend::to_host(buf->dense_inv_metric), chol = backend::to_host(buf->dense_chol);
    std::vector<Real> diag = backend::to_host(buf->hmc.inv_metric);
    auto install = [&](std::vector<double> cov, double count, std::size_t c) {
      adapt::regularize_covariance(cov, dim, count);
      std::vector<double> L;
      if (!adapt::cholesky_lower(cov, dim, L)) {
        for (std::size_t k = 0; k < d2; ++k) cov[k] = k % (dim + 1) == 0 ? std::fabs(cov[k]) : 0.0;
        for (int i = 0; i < dim; ++i)
          if (!(cov[static_cast<std::size_t>(i) * (dim + 1)] > 0) || !std::isfinite(cov[static_cast<std::size_t>(i) * (dim + 1)]))
            cov[static_cast<std::size_t>(i) * (dim + 1)] = 1.0;
        adapt::cholesky_lower(cov, dim, L);
      }
      for (std::size_t k = 0; k < d2; ++k) {
        minv[buf->dense_index(k, c)] = static_cast<Real>(cov[k]);
        chol[buf->dense_index(k, c)] = static_cast<Real>(L[k]);
      }
      const std::size_t first = shared ? 0 : c, last = shared ? static_cast<std::size_t>(n_pad) : c + 1;
      for (std::size_t cc = first; cc < last; ++cc)
        for (int i = 0; i < dim; ++i)
          diag[soa_index(i, cc, n_pad)] = static_cast<Real>(cov[static_cast<std::size_t>(i) * (dim + 1)]);
    };
    if (shared && ranks && ranks->split()) {  // every chain of the run, in its order
      const std::vector<Real> all_mean = all_chains_rows(*ranks, mean, dim, n_pad, n_chains);
      const std::vector<Real> all_m2 = all_chains_rows(*ranks, m2, static_cast<int>(d2), n_pad, n_chains);
      const int total = static_cast<int>(all_mean.size() / static_cast<std::size_t>(dim));
      install(adapt::pooled_covariance(all_mean, all_m2, dim, total, total, n), n * total, 0);
    } else if (shared) {
      install(adapt::pooled_covariance(mean, m2, dim, n_pad, n_chains, n), n * n_chains, 0);
    } else {
      for (int c = 0; c < n_pad; ++c) install(adapt::chain_covariance(m2, dim, n_pad, c, n), n, static_cast<std::size_t>(c));
    }
    buf->dense_inv_metric.upload(minv.data(), minv.size());
    buf->dense_chol.upload(chol.data(), chol.size());
    buf->hmc.inv_metric.upload(diag.data(), diag.size());
    buf->welford_cov.fill(Real(0));
    kernel.iteration = iteration;
    kernel.n = n;
    kernel.update_metric = false;  // resets the diagonal sums and re-initializes the step size
    backend::launch_lanes(n_pad, kernel);
  }
};

/// The chain stride of the NUTS buffers. In the CPU's SIMD shape: n_chains rounded up to whole
/// 64-byte lines, plus one line when the line count is even. Lanes are single chains (no
/// padding needed for lanes), but a stride that is a multiple of 4 KiB (n_chains = 512, 1024,
/// 4096, ... doubles) puts every element of a chain's vector in the same L1 cache set; an odd
/// number of lines spreads them over all sets (measured: 1.6x fewer gradients per second at
/// 1024 chains without it). Chains beyond n_chains are initialized but never run. In the GPU
/// shape no CPU-only padding: the stride is the chain count (backend::padded_chains, W = 1).
inline int chain_stride(int n_chains) {
  if constexpr (kGpuShape) return backend::padded_chains(n_chains);
  constexpr int kPerLine = static_cast<int>(64 / sizeof(Real));
  const int lines = (n_chains + kPerLine - 1) / kPerLine;
  return (lines % 2 == 0 ? lines + 1 : lines) * kPerLine;
}

/// Whether this build can advance chains in gangs (nuts_gang.hpp): the CPU's SIMD shape.
constexpr bool kGangs = !kGpuShape && backend::kLaneWidth > 1;
/// Chains in a gang: the SIMD block width of the build.
constexpr int kGangWidth = backend::kLaneWidth;

/// The choice of NutsConfig::gang: "on", "off", or "auto": the model's own choice
/// (traits::has_nuts_gangs; none: one chain per lane), with at least two gangs' worth of chains.
/// Gangs pay where one chain's gradient reads much that W chains' gradients could share (a dense
/// matrix, data rows) and a leaf's own work is small beside it; the tree's per-leaf vectors of W
/// chains no longer fit in L1 together, which costs narrow or cheap models more than it saves
/// (docs/architecture.md, "NUTS in gangs", has the measurements).
/// Never for simulation-based calibration's replicates (Replicates<M>): a gang's one model call
/// has one data set, and a replicate's chains need not be a whole number of gangs.
template <class Model>
bool use_gangs(const Loaded<Model>& m, const std::string& gang, int n_chains) {
  if constexpr (!std::is_same_v<lane_model_t<Model>, Model>) return false;
  if (gang == "on") return true;
  if (gang == "off") return false;
  if constexpr (traits::has_nuts_gangs<Model>::value)
    return n_chains >= 2 * kGangWidth && m.model.nuts_gangs(m.data);
  else
    return false;
}

template <class Model, class MetricOf>
void run_nuts(const Loaded<Model>& m, const NutsConfig& cfg, DrawSet& draws, RunInfo& info, Progress* progress) {
  constexpr bool kDense = MetricOf::kDense;
  const auto t_start = std::chrono::steady_clock::now();
  const int dim = m.model.dim(m.data);
  const int n_out = m.model.n_out(m.data);
  const int n_chains = cfg.chains;
  // Gangs of kGangWidth chains (CPU SIMD builds): chains past n_chains up to a whole gang are
  // padding that never runs. One chain per lane: lanes 0 .. n_chains - 1 run.
  const bool gang = kGangs && use_gangs(m, cfg.gang, n_chains);
  const int n_gangs = (n_chains + kGangWidth - 1) / kGangWidth;
  const int n_pad = chain_stride(gang ? n_gangs * kGangWidth : n_chains);
  NutsBuffers buf(dim, n_pad, n_out, cfg.init_step_size, cfg.max_depth, kDense, kDense && cfg.pool_adaptation);
  buf.hmc.first_chain = static_cast<std::uint32_t>(cfg.first_chain);
  const hmc::ChainArrays s = buf.hmc.chains();
  const hmc::AdaptArrays a = buf.hmc.adapt();
  const SamplerSnapshot* from = driver::resume_snapshot(cfg);
  if (from) {
    check_snapshot(*from, kDense ? "nuts dense" : "nuts", dim, n_pad, n_chains);
    driver::restore_chains(*from, buf.hmc);
    if constexpr (kDense) {
      from->get("dense_inv_metric", buf.dense_inv_metric);
      from->get("dense_chol", buf.dense_chol);
      from->get("welford_cov", buf.welford_cov);
    }
  } else {
    driver::initialize_chains(m, cfg, buf.hmc, s, n_chains);
  }

  const driver::DrawCounts counts = driver::draw_counts(cfg);
  draws.names = m.names;
  draws.stat_names = nuts_stat_names();
  draws.n_warmup_saved = counts.warmup_saved;
  draws.resize(n_chains, counts.warmup_saved + counts.sampling_saved);
  backend::DrawBuffers out_buf(draws);
  if (from) out_buf.restore(from->draws);
  const driver::SnapshotFill fill = [&](SamplerSnapshot& snap) {
    driver::snapshot_chains(buf.hmc, kDense ? "nuts dense" : "nuts", n_chains, snap);
    if constexpr (kDense) {
      snap.put("dense_inv_metric", buf.dense_inv_metric);
      snap.put("dense_chol", buf.dense_chol);
      snap.put("welford_cov", buf.welford_cov);
    }
    out_buf.finish();
    snap.draws = draws;
  };

  // One chain per lane, or gangs of kGangWidth chains whose gradients are one SIMD call
  // (nuts_gang.hpp): the same fields, the same driver.
  auto run_segments = [&](auto& seg, int n_lanes) {
    nuts::NutsSegment<Model, MetricOf>& base = seg;
    base.model = m.model;
    base.data = m.data;
    base.s = s;
    base.adapt = a;
    base.scratch = buf.scratch();
    base.seed = cfg.seed;
    base.max_depth = cfg.max_depth;
    base.dual_averaging.delta = cfg.target_accept;
    base.out.values = out_buf.values();
    base.out.stats = out_buf.stats();
    base.out.scratch = backend::raw(buf.hmc.scratch);
    base.out.n_out = n_out;
    base.out.n_chains = n_chains;
    base.out.n_draws = counts.warmup_saved + counts.sampling_saved;
    base.out.thin = cfg.thin;

    if constexpr (kDense) {
      base.metric_of = buf.dense_metric_of();
      base.welford_cov = backend::raw(buf.welford_cov);
      DenseWindowEnd<Model> window_end;
      window_end.kernel = hmc::EndWindow<Model, hmc::DenseMetricOf>{m.model, m.data, s, a, cfg.seed, 0, 0, nullptr, false,
                                                                   buf.dense_metric_of()};
      window_end.buf = &buf;
      window_end.n_chains = n_chains;
      window_end.ranks = cfg.ranks;
      driver::run_warmup(cfg, seg, n_lanes, buf.hmc, n_chains, window_end, progress, info.warmup_bytes_per_iteration,
                         fill);
    } else {
      driver::DiagWindowEnd<Model> window_end;
      window_end.kernel = hmc::EndWindow<Model>{m.model, m.data, s, a, cfg.seed, 0, 0, nullptr, false};
      window_end.buf = &buf.hmc;
      window_end.n_chains = n_chains;
      window_end.pooled = cfg.pool_adaptation;
      window_end.ranks = cfg.ranks;
      driver::run_warmup(cfg, seg, n_lanes, buf.hmc, n_chains, window_end, progress, info.warmup_bytes_per_iteration,
                         fill);
    }
    info.warmup_seconds = driver::seconds_since(t_start);

    const auto t_sample = std::chrono::steady_clock::now();
    driver::run_sampling(cfg, seg, n_lanes, counts.warmup_saved, progress, fill);
    out_buf.finish();
    info.sampling_seconds = driver::seconds_since(t_sample);
  };
  if constexpr (kGangs) {
    if (gang) {
      nuts::NutsGangSegment<Model, MetricOf, kGangWidth> seg;
      run_segments(seg, n_gangs);
    } else {
      nuts::NutsSegment<Model, MetricOf> seg;
      run_segments(seg, n_chains);
    }
  } else {
    nuts::NutsSegment<Model, MetricOf> seg;
    run_segments(seg, n_chains);
  }
  if (progress) progress->finish();

  driver::report_run(buf.hmc, n_chains, draws, info);
  info.dense_inv_metric.clear();
  if constexpr (kDense) {
    const std::vector<Real> minv = backend::to_host(buf.dense_inv_metric);
    const std::size_t d2 = static_cast<std::size_t>(dim) * dim;
    info.dense_inv_metric.assign(n_chains, std::vector<double>(d2));
    for (int c = 0; c < n_chains; ++c)
      for (std::size_t k = 0; k < d2; ++k)
        info.dense_inv_metric[c][k] = minv[buf.dense_index(k, static_cast<std::size_t>(c))];
  }
  info.algorithm = "nuts";
  info.stan_engine = "nuts";
  info.seed = cfg.seed;
}

}  // namespace nuts_detail

/// Runs NUTS (one chain per lane, chains never wait for each other inside a segment); fills
/// `draws` (parameters; statistics lp__, accept_stat__, stepsize__, treedepth__,
/// n_leapfrog__, divergent__, energy__) and `info` (algorithm "nuts", gradient evaluations,
/// per-chain step size and diagonal inverse metric, post-warmup divergences and, for
/// metric "dense", dense_inv_metric). InputError for bad options.
template <class Model>
void sample_nuts(const Loaded<Model>& m, const NutsConfig& cfg, DrawSet& draws, RunInfo& info,
                 Progress* progress = nullptr) {
  check_config(cfg);
  backend::set_threads(cfg.threads);
  if (cfg.metric == "dense")
    nuts_detail::run_nuts<Model, hmc::DenseMetricOf>(m, cfg, draws, info, progress);
  else
    nuts_detail::run_nuts<Model, hmc::DiagMetricOf>(m, cfg, draws, info, progress);
}

}  // namespace lockstep
