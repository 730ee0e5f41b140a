#pragma once
// The host side of ChEES-HMC (Hoffman, Radul & Sountsov 2021, AISTATS, algorithm 1) over many
// chains: initial values, Stan's step-size heuristic (geometric mean across chains), then
// `warmup` iterations each made of one lane launch (kernels/chees/chees_segment.hpp) and one
// cross-chain reduction that updates the shared step size (dual averaging of the harmonic-mean
// acceptance), the trajectory length (Adam on the ChEES criterion) and the diagonal metric
// (cross-chain variance) — host/algorithms/chees/chees_adaptation.hpp — and finally sampling with frozen
// parameters in long segments. Draws, sampler statistics (Stan's names) and RunInfo as
// sample_hmc. Every chain runs the same number of leapfrog steps per iteration.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <memory>
#include <string>
#include <vector>


#include "host/algorithms/chees/chees_adaptation.hpp"
#include "host/backend/draw_buffers.hpp"
#include "host/backend/lanes.hpp"
#include "host/run/chain_sums.hpp"
#include "host/backend/tree_sum.hpp"
#include "models/contract/input_error.hpp"
#include "host/algorithms/chees/chees_config.hpp"
#include "host/algorithms/chees/stalled_chains.hpp"
#include "host/algorithms/config_checks.hpp"
#include "host/core/draw_set.hpp"
#include "host/run/hmc_buffers.hpp"
#include "host/run/hmc_driver.hpp"
#include "host/run/sampler_snapshot.hpp"
#include "host/algorithms/hmc/hmc_sampler.hpp"
#include "host/core/progress.hpp"
#include "kernels/chees/chees_segment.hpp"
#include "kernels/chees/jitter.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

/// Expected leapfrog steps per iteration, E[ceil(h T / eps)], over the first 1024 jitters.
inline double chees_mean_steps(const CheesConfig& cfg, double step_size, double length) {
  double sum = 0;
  for (int t = 0; t < 1024; ++t)
    sum += chees::leapfrog_steps(chees::jitter_fraction(cfg.seed, static_cast<std::uint64_t>(t), cfg.jitter), length,
                                 step_size, cfg.max_leapfrog_steps);
  return sum / 1024;
}

/// Device storage ChEES adds to HmcBuffers: the warmup record (one buffer, [4 dim + 2][n_pad]:
/// q_start, q_end, q_prop, v_prop, accept, divergent), reduced on the device every warmup
/// iteration, the shared metric, and each chain's count of consecutive stalled transitions.
struct CheesBuffers {
  int dim, n_pad;
  backend::DeviceVector<Real> record_buf, shared_inv_metric, stalled;
  CheesBuffers(int dim_, int n_pad_) : dim(dim_), n_pad(n_pad_) {
    record_buf.assign(static_cast<std::size_t>(4 * dim + 2) * n_pad, 0);
    shared_inv_metric.assign(dim, 1);
    stalled.assign(n_pad, 0);
  }
  /// The record's arrays inside a buffer laid out as record_buf (device or host copy).
  static chees::ProposalArrays layout(Real* base, int dim, int n_pad) {
    const std::size_t v = static_cast<std::size_t>(dim) * n_pad;
    return chees::ProposalArrays{base, base + v, base + 2 * v, base + 3 * v, base + 4 * v, base + 4 * v + n_pad};
  }
  chees::ProposalArrays record() { return layout(backend::raw(record_buf), dim, n_pad); }
};

/// Runs ChEES-HMC; fills `draws` (parameters and sampler statistics) and `info`, and, when
/// given, `adapted` (the step size and trajectory length warmup chose).
template <class Model>
void sample_chees(const Loaded<Model>& m, const CheesConfig& cfg, DrawSet& draws, RunInfo& info,
                  Progress* progress = nullptr, CheesAdapted* adapted = nullptr) {
  constexpr int W = backend::kLaneWidth;
  check_config(cfg);
  backend::set_threads(cfg.threads);
  const auto t_start = std::chrono::steady_clock::now();

  const int dim = m.model.dim(m.data);
  const int n_out = m.model.n_out(m.data);
  const int n_chains = cfg.chains;
  const int n_pad = backend::padded_chains(n_chains);
  const int n_lanes = n_pad / W;
  HmcBuffers buf(dim, n_pad, n_out, cfg.init_step_size);
  buf.first_chain = static_cast<std::uint32_t>(cfg.first_chain);
  CheesBuffers cb(dim, n_pad);
  const hmc::ChainArrays s = buf.chains();
  const SamplerSnapshot* from = driver::resume_snapshot(cfg);  // a checkpoint to continue from
  if (from) {
    check_snapshot(*from, "chees", dim, n_pad, n_chains);
    driver::restore_chains(*from, buf);
    from->get("shared_inv_metric", cb.shared_inv_metric);
    if (from->has("chees_stalled")) from->get("chees_stalled", cb.stalled);
  } else {
    driver::initialize_chains(m, cfg, buf, s, n_chains);
  }

  // ---- output ------------------------------------------------------------------------------
  const driver::DrawCounts counts = driver::draw_counts(cfg);
  draws.names = m.names;
  draws.stat_names = hmc_stat_names();
  draws.n_warmup_saved = counts.warmup_saved;

  chees::CheesSegment<Model, W> seg;
  seg.model = m.model;
  seg.data = m.data;
  seg.s = s;
  seg.rec = cb.record();
  seg.seed = cfg.seed;
  seg.max_steps = cfg.max_leapfrog_steps;
  seg.jitter = cfg.jitter;
  seg.shared_inv_metric = backend::raw(cb.shared_inv_metric);
  driver::LazyDraws output(draws, seg.out, backend::raw(buf.scratch), n_out, n_chains, counts, cfg.thin);
  if (cfg.save_warmup) output.allocate();
  if (from) output.restore(*from);

  // ---- warmup: one launch and one cross-chain reduction per iteration ------------------------
  adapt::CheesAdaptation ad;
  ad.dual_averaging.delta = cfg.target_accept;
  ad.adam.learning_rate = cfg.learning_rate;
  ad.adam.beta1 = cfg.adam_beta1;
  ad.adam.beta2 = cfg.adam_beta2;
  ad.max_steps = cfg.max_leapfrog_steps;
  adapt::CheesState st;
  double eps0 = cfg.init_step_size;
  long restarts = 0;  // stalled chains restarted (stalled_chains.hpp)
  if (from) {
    from->get_pod("chees_state", st);
    if (from->has("chees_restarts")) from->get_pod("chees_restarts", restarts);
  } else {
    if (cfg.warmup > 0) {
      backend::launch_lanes(n_pad, chees::InitStepSize<Model>{m.model, m.data, s, cfg.seed});
      std::vector<Real> eps = backend::to_host(buf.step_size);
      int chains = n_chains;
      if (cfg.ranks && cfg.ranks->split()) {  // every chain of the run, in its order
        eps = all_chains_rows(*cfg.ranks, eps, 1, n_pad, n_chains);
        chains = static_cast<int>(eps.size());
      }
      eps0 = std::exp(backend::tree_sum<double>(chains, [&](std::size_t c) { return std::log(eps[c]); }) / chains);
    }
    ad.init(st, eps0, cfg.init_trajectory_length > 0 ? cfg.init_trajectory_length : eps0);
  }
  const driver::SnapshotFill fill = [&](SamplerSnapshot& snap) {
    driver::snapshot_chains(buf, "chees", n_chains, snap);
    snap.put("shared_inv_metric", cb.shared_inv_metric);
    snap.put_pod("chees_state", st);
    snap.put("chees_stalled", cb.stalled);
    snap.put_pod("chees_restarts", restarts);
    output.snapshot(snap);
  };

  const long total_iterations = static_cast<long>(cfg.warmup) + cfg.draws;
  seg.out.save = cfg.save_warmup;
  seg.out.first_iteration = 0;
  seg.out.first_draw = 0;
  seg.record = true;
  seg.stalled = cfg.restart_stalled_chains ? backend::raw(cb.stalled) : nullptr;
  ChainSums sums(cfg);  // over every rank's chains when the run is split (host/parallel/)
  backend::DeviceVector<double> weights(n_pad);
  double bytes_crossed = 0;
  for (long t = from ? std::min<long>(from->next_iteration, cfg.warmup) : 0; t < cfg.warmup; ++t) {
    seg.t_begin = static_cast<std::uint64_t>(t);
    seg.t_end = seg.t_begin + 1;
    seg.step_size = st.step_size;
    seg.trajectory_length = std::exp(st.log_length);
    backend::launch_lanes(n_lanes, seg);
    if (t == 0) driver::stamp_first_draw();

    // The cross-chain statistics are reduced where the chains live; O(dim) numbers cross.
    const double h = chees::jitter_fraction(cfg.seed, seg.t_begin, cfg.jitter);
    const adapt::CheesStatistics stats = adapt::chees_statistics(sums, cb.record(), backend::raw(weights), dim, n_chains,
                                                                 n_pad, h * seg.trajectory_length);
    ad.update(st, stats.harmonic_accept, stats.gradient);
    bytes_crossed += static_cast<double>(stats.bytes_to_host + stats.bytes_to_device);
    if (cfg.adapt_metric) {
      const std::vector<Real> v(stats.inverse_metric.begin(), stats.inverse_metric.end());
      cb.shared_inv_metric.upload(v.data(), v.size());
      bytes_crossed += static_cast<double>(v.size() * sizeof(Real));
    }
    if (cfg.restart_stalled_chains && (t + 1) % chees::kStallCheckEvery == 0)
      restarts += chees::restart_stalled_chains(cfg, buf, cb.stalled, n_chains, static_cast<std::uint64_t>(t));
    if ((t + 1) % 10 == 0 || t + 1 == cfg.warmup) {
      driver::checkpoint_at(cfg, t + 1, 0, adapt::DualAveragingState{}, fill);
      if (progress) progress->update(t + 1, total_iterations, cfg.warmup);
    }
  }
  double step_size = cfg.init_step_size;
  double length = cfg.init_trajectory_length > 0 ? cfg.init_trajectory_length : step_size;
  if (cfg.warmup > 0) {
    step_size = ad.final_step_size(st);
    length = ad.final_trajectory_length(st);
  }
  info.warmup_seconds = driver::seconds_since(t_start);
  info.warmup_bytes_per_iteration = cfg.warmup > 0 ? bytes_crossed / cfg.warmup : 0.0;

  // ---- sampling with frozen parameters --------------------------------------------------------
  const auto t_sample = std::chrono::steady_clock::now();
  output.allocate();
  seg.record = false;
  seg.stalled = nullptr;
  seg.step_size = step_size;
  seg.trajectory_length = length;
  seg.out.save = true;
  seg.out.first_iteration = static_cast<std::uint64_t>(cfg.warmup);
  seg.out.first_draw = counts.warmup_saved;
  for (long t = std::max<long>(cfg.warmup, from ? from->next_iteration : 0); t < total_iterations;) {
    seg.t_begin = static_cast<std::uint64_t>(t);
    seg.t_end = static_cast<std::uint64_t>(std::min<long>(t + driver::kSegmentIterations, total_iterations));
    backend::launch_lanes(n_lanes, seg);
    if (seg.t_begin == 0) driver::stamp_first_draw();  // no warmup
    t = static_cast<long>(seg.t_end);
    driver::checkpoint_at(cfg, t, 0, adapt::DualAveragingState{}, fill);
    if (progress) progress->update(t, total_iterations, cfg.warmup);
  }
  output.finish();
  info.sampling_seconds = driver::seconds_since(t_sample);
  if (progress) progress->finish();

  // ---- what the run reports ------------------------------------------------------------------
  driver::report_run(buf, n_chains, draws, info);
  info.algorithm = "chees";
  info.seed = cfg.seed;
  info.warmup_restarts = restarts;
  if (restarts > 0) info.config.push_back({"warmup_restarted_chains", std::to_string(restarts)});
  char length_text[32];
  std::snprintf(length_text, sizeof length_text, "%.9g", length);
  info.config.push_back({"adapted_trajectory_length", length_text});
  if (adapted) {
    adapted->step_size = step_size;
    adapted->trajectory_length = length;
    adapted->mean_leapfrog_steps = chees_mean_steps(cfg, step_size, length);
  }
}

}  // namespace lockstep
