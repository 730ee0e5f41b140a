#pragma once
// The host side of static HMC over many chains: initial values, Stan's windowed warmup
// (per chain inside the lanes, or pooled across chains on the host), sampling, and the
// bookkeeping a run reports. Kernels: kernels/hmc/. The warmup/sampling loops and the run
// report are shared with NUTS (host/run/hmc_driver.hpp).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "host/backend/draw_buffers.hpp"
#include "host/backend/lanes.hpp"
#include "host/core/draw_set.hpp"
#include "host/run/hmc_buffers.hpp"
#include "host/algorithms/hmc/hmc_config.hpp"
#include "host/algorithms/config_checks.hpp"
#include "host/run/hmc_driver.hpp"
#include "host/run/sampler_snapshot.hpp"
#include "host/core/progress.hpp"
#include "kernels/hmc/chain_setup.hpp"
#include "kernels/hmc/hmc_segment.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

/// Names of the sampler-statistic columns, in hmc::HmcStat order (Stan's names).
inline std::vector<std::string> hmc_stat_names() {
  return {"lp__", "accept_stat__", "stepsize__", "n_leapfrog__", "divergent__", "energy__"};
}

/// Runs static HMC; fills `draws` (parameters and sampler statistics) and `info`.
template <class Model>
void sample_hmc(const Loaded<Model>& m, const HmcConfig& cfg, DrawSet& draws, RunInfo& info,
                Progress* progress = nullptr) {
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
  const hmc::ChainArrays s = buf.chains();
  const hmc::AdaptArrays a = buf.adapt();
  const SamplerSnapshot* from = driver::resume_snapshot(cfg);
  if (from) {
    check_snapshot(*from, "hmc", dim, n_pad, n_chains);
    driver::restore_chains(*from, buf);
  } else {
    driver::initialize_chains(m, cfg, buf, s, n_chains);
  }

  // ---- output ------------------------------------------------------------------------------
  const driver::DrawCounts counts = driver::draw_counts(cfg);
  draws.names = m.names;
  draws.stat_names = hmc_stat_names();
  draws.n_warmup_saved = counts.warmup_saved;

  hmc::HmcSegment<Model, W> seg;
  seg.model = m.model;
  seg.data = m.data;
  seg.s = s;
  seg.adapt = a;
  seg.seed = cfg.seed;
  seg.mean_steps = cfg.steps;
  seg.jitter = cfg.jitter_steps;
  seg.dual_averaging.delta = cfg.target_accept;
  driver::LazyDraws output(draws, seg.out, backend::raw(buf.scratch), n_out, n_chains, counts, cfg.thin);
  if (cfg.save_warmup) output.allocate();
  if (from) output.restore(*from);
  const driver::SnapshotFill fill = [&](SamplerSnapshot& snap) {
    driver::snapshot_chains(buf, "hmc", n_chains, snap);
    output.snapshot(snap);
  };

  // ---- warmup and sampling -----------------------------------------------------------------
  driver::DiagWindowEnd<Model> window_end;
  window_end.kernel = hmc::EndWindow<Model>{m.model, m.data, s, a, cfg.seed, 0, 0, nullptr, false};
  window_end.buf = &buf;
  window_end.n_chains = n_chains;
  window_end.pooled = cfg.pool_adaptation;
  window_end.ranks = cfg.ranks;
  driver::run_warmup(cfg, seg, n_lanes, buf, n_chains, window_end, progress, info.warmup_bytes_per_iteration, fill);
  info.warmup_seconds = driver::seconds_since(t_start);

  const auto t_sample = std::chrono::steady_clock::now();
  output.allocate();
  driver::run_sampling(cfg, seg, n_lanes, counts.warmup_saved, progress, fill);
  output.finish();
  info.sampling_seconds = driver::seconds_since(t_sample);
  if (progress) progress->finish();

  // ---- what the run reports ------------------------------------------------------------------
  driver::report_run(buf, n_chains, draws, info);
  info.algorithm = "hmc";
  info.stan_engine = "static";
  info.seed = cfg.seed;
}

}  // namespace lockstep
