#pragma once
// The host side of the affine-invariant ensemble sampler (emcee 3's EnsembleSampler with
// red/blue moves; Goodman & Weare 2010; Foreman-Mackey et al. 2013) for n_ensembles
// independent ensembles of n_walkers walkers, all in lock-step. Kernels: kernels/ensemble/.
//
// A step t:
//   1. the step's move is drawn from the mixture (one per step, as emcee; moves.hpp);
//   2. first half: every walker pi_e(0..n/2-1) of every ensemble e proposes against the
//      other half and accepts or rejects (one lane launch; the walk move first factors the
//      complement's covariance, one lane per ensemble);
//   3. second half: the walkers pi_e(n/2..n-1), against the already-updated first half.
// Steps t >= discard with (t - discard) % thin == 0 are saved: one output chain per walker,
// the model's constrained parameters and the statistics lp__ (log density) and accepted__
// (1 if that step's proposal was accepted, else 0).
//
// Over MPI ranks (cfg.ranks; host/parallel/ranks.hpp) every rank holds every walker; in each
// half-step a rank updates a contiguous share of the half positions (whole lanes), then the
// ranks all-gather the updated walkers (walker, accepted, lp, position: dim + 3 numbers each)
// so that every rank again holds the whole ensemble before the next half reads it as the
// complement. A walker's numbers come from its own random stream and the complement, the same
// on every rank: the draws are the one-process run's, bit for bit. Rank 0 saves the draws.
//
// Checkpoints (cfg.checkpoint): at a step boundary where every saved step is in the DrawSet (the
// CPU shape stages kDrawChunk saved steps before copying them), when the hooks want one or a
// signal has asked the run to stop: the walkers' positions and log densities, the next step and
// the draws so far. A walker's future depends only on them (its random numbers are a function of
// (seed, walker, step)), so a resumed run writes the bits of the run never interrupted. Over
// MPI ranks every rank writes its own file (host/cli/checkpoints.hpp), rank 0's with the draws.
//
// The model must provide the ensemble contract (models/peak.hpp): log_density_constrained,
// and prior_draw for the default start from prior draws.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>


#include "host/backend/draw_buffers.hpp"
#include "host/backend/lanes.hpp"
#include "models/contract/input_error.hpp"
#include "host/core/draw_set.hpp"
#include "host/algorithms/ensemble/ensemble_config.hpp"
#include "host/core/progress.hpp"
#include "host/parallel/ranks.hpp"
#include "host/core/interrupt.hpp"
#include "host/run/sampler_snapshot.hpp"
#include "kernels/ensemble/half_step.hpp"
#include "kernels/ensemble/init_walkers.hpp"
#include "kernels/ensemble/sorted_halves.hpp"
#include "kernels/core/index.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

/// True for models that `lockstep ensemble` can run (they have log_density_constrained).
template <class Model>
constexpr bool supports_ensemble_v = traits::has_log_density_constrained<Model>::value;

/// True for ensemble models that can start from prior draws (they have prior_draw).
template <class Model>
constexpr bool supports_prior_draw_v = traits::has_prior_draw<Model>::value;

/// Names of the ensemble's sampler-statistic columns, in ensemble::EnsembleStat order.
inline std::vector<std::string> ensemble_stat_names() { return {"lp__", "accepted__"}; }

namespace ensemble_detail {

/// Steps between progress reports and between checkpoint boundaries.
constexpr int kProgressSteps = 50;

/// Model blocks of W walkers per lane of a half-step in the CPU's SIMD shape (kernels/ensemble/
/// half_step.hpp explains why); 1 in the GPU shape (one walker per lane). Measured on the peak
/// model (1 thread, 1024 walkers): K = 4 needs ~0.75x the CPU time of K = 1; even at 32
/// walkers, where half of a lane is padding, K = 4 beats K = 1.
constexpr int kCpuInterleave = 4;
constexpr int kBlocksPerLane = kGpuShape ? 1 : kCpuInterleave;
constexpr int kHalfStepLane = kBlocksPerLane * backend::kLaneWidth;  // half positions per lane

/// Steps whose halves are sorted by walker id in one launch (CPU shape; SortHalvesSteps): one
/// ensemble's sort is serial, so a step at a time left the other threads waiting (and forked
/// and joined them every step).
constexpr int kSortSteps = 16;

/// Device storage of the walkers and the half-step scratch.
struct EnsembleBuffers {
  backend::DeviceVector<Real> x, lp, prop, walk_chol, walk_mean, x_old, centre;
  backend::DeviceVector<double> n_accepted;  // per walker, every step (this rank's updates over MPI)
  ensemble::EnsembleArrays a;

  EnsembleBuffers(int dim, int n_walkers, int n_ensembles, bool walk, bool snapshot) {
    const int n_total = n_walkers * n_ensembles;
    a.dim = dim;
    a.n_walkers = n_walkers;
    a.n_ensembles = n_ensembles;
    a.n_pad = backend::padded_chains(n_total);
    a.half_pad = (n_total / 2 + kHalfStepLane - 1) / kHalfStepLane * kHalfStepLane;
    x.assign(static_cast<std::size_t>(dim) * a.n_pad, 0);
    lp.assign(a.n_pad, 0);
    n_accepted.assign(a.n_pad, 0.0);
    prop.assign(static_cast<std::size_t>(dim) * a.half_pad, 0);
    if (walk) {
      walk_chol.assign(static_cast<std::size_t>(n_ensembles) * dim * dim, 0);
      walk_mean.assign(static_cast<std::size_t>(n_ensembles) * dim, 0);
    }
    if (snapshot) x_old.assign(x.size(), 0);
    a.x = backend::raw(x);
    a.lp = backend::raw(lp);
    a.n_accepted = backend::raw(n_accepted);
    a.prop = backend::raw(prop);
    a.walk_chol = walk ? backend::raw(walk_chol) : nullptr;
    a.walk_mean = walk ? backend::raw(walk_mean) : nullptr;
  }
};

/// Saved steps staged per chunk before they are copied into the DrawSet (CPU shape; 0 in the
/// GPU shape, whose kernels write the device draw buffers directly). Written straight into the
/// [quantity][chain][draw] layout, one saved step touches one cache line and one page per
/// (quantity, walker): 7168 pages at 1024 walkers, far beyond the TLB, every step. Staged as
/// [quantity][draw][walker] (EnsembleDrawTarget::chunk), a step writes one row per quantity,
/// each thread a contiguous range of its walkers (the halves are visited in id order), and each
/// chunk reaches the DrawSet as kDrawChunk consecutive doubles per series, read from kDrawChunk
/// rows at the walker's column (neighbouring walkers share those lines). The draws are the same
/// values.
constexpr int kDrawChunk = kGpuShape ? 0 : 16;

/// Copies draws first..first+count-1 of every series from a chunk buffer [q][chunk][n_chains]
/// (chunk = kDrawChunk in the sampler) into the DrawSet's [q][chain][n_draws] (one lane per
/// row = q × n_chains + chain).
struct CopyDrawChunk {
  const double* src = nullptr;
  double* dst = nullptr;
  int chunk = 0, n_chains = 0, n_draws = 0, first = 0, count = 0;
  LS_HD void operator()(int row) const {
    const int q = row / n_chains, c = row - q * n_chains;
    const double* from = src + static_cast<Index>(q) * chunk * n_chains + c;
    double* to = dst + static_cast<Index>(row) * n_draws + first;
    for (int k = 0; k < count; ++k) to[k] = from[static_cast<Index>(k) * n_chains];
  }
};

inline std::string format_point(const std::vector<std::string>& names, const std::vector<Real>& x, int dim,
                                int n_pad, int g) {
  std::string s;
  char buf[64];
  for (int p = 0; p < dim; ++p) {
    std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(x[soa_index(p, g, n_pad)]));
    s += (p ? ", " : "") + (p < static_cast<int>(names.size()) ? names[p] : "theta") + " = " + buf;
  }
  return s;
}

/// Refuses initial ensembles with a non-finite log density or a coordinate in which all
/// walkers of an ensemble coincide (the ensemble could never leave that hyperplane).
inline void check_initial_ensemble(const EnsembleConfig& cfg, const std::vector<std::string>& names,
                                   const std::vector<Real>& x, const std::vector<Real>& lp, int dim, int n_pad) {
  const bool ball = !cfg.init_ball.empty();
  const int n_total = cfg.walkers * cfg.ensembles;
  for (int g = 0; g < n_total; ++g) {
    const double v = lp[g];
    if (v == v && v > -INFINITY && v < INFINITY) continue;
    const std::string where = "walker " + std::to_string(g + 1) + " starts at (" +
                              format_point(names, x, dim, n_pad, g) + ") where the log density is " +
                              (v != v ? "NaN" : v > 0 ? "+inf" : "-inf");
    // Finite data can still overflow the model's arithmetic (a value of 1e200 squared): then
    // every start fails, inside the support or not, and the data are what to check.
    if (ball)
      throw InputError("--init-ball: " + where + ": outside the support, or the data (--data) hold values too extreme "
                       "for the model's arithmetic; move the centre inside, shrink --init-scale, or check the data");
    throw InputError("a draw from the prior: " + where + ": the data (--data) may hold values too extreme for the "
                     "model's arithmetic (or the model's prior_draw left its support)");
  }
  for (int e = 0; e < cfg.ensembles; ++e)
    for (int p = 0; p < dim; ++p) {
      const Real* row = x.data() + soa_index(p, static_cast<Index>(e) * cfg.walkers, n_pad);
      bool spread = false;
      for (int k = 1; k < cfg.walkers && !spread; ++k) spread = row[k] != row[0];
      if (!spread)
        throw InputError(std::string(ball ? "--init-scale" : "initial ensemble") + ": all " +
                         std::to_string(cfg.walkers) + " walkers of ensemble " + std::to_string(e + 1) +
                         " have the same value of '" + (p < static_cast<int>(names.size()) ? names[p] : "?") +
                         "' (" + std::to_string(row[0]) +
                         "), so the ensemble can never leave that hyperplane; spread the walkers" +
                         (ball ? " with a larger --init-scale" : ""));
    }
}

/// The walkers this rank updated in a half-step (half positions first .. end - 1), sent to every
/// rank and written into every rank's positions and log densities; accepted[g] gets each
/// updated walker's acceptance. Records: walker, accepted, lp, then the dim coordinates.
inline void exchange_updated_walkers(const parallel::Ranks& ranks, EnsembleBuffers& buf,
                                     backend::DeviceVector<int>& walker_of, backend::DeviceVector<Real>& accepted_of,
                                     int first, int end, std::vector<Real>& accepted) {
  const ensemble::EnsembleArrays& a = buf.a;
  const int dim = a.dim, count = end > first ? end - first : 0;
  std::vector<int> walkers(static_cast<std::size_t>(count));
  std::vector<Real> acc(static_cast<std::size_t>(count));
  if (count > 0) {
    walker_of.download(walkers.data(), static_cast<std::size_t>(count), static_cast<std::size_t>(first));
    accepted_of.download(acc.data(), static_cast<std::size_t>(count), static_cast<std::size_t>(first));
  }
  std::vector<Real> x = backend::to_host(buf.x), lp = backend::to_host(buf.lp);
  const std::size_t width = static_cast<std::size_t>(dim) + 3;
  std::vector<double> mine;
  mine.reserve(static_cast<std::size_t>(count) * width);
  for (int k = 0; k < count; ++k) {
    const int g = walkers[k];
    mine.push_back(g);
    mine.push_back(acc[k]);
    mine.push_back(lp[g]);
    for (int p = 0; p < dim; ++p) mine.push_back(x[soa_index(p, g, a.n_pad)]);
  }
  const std::vector<double> all = ranks.all_gather(mine);
  for (std::size_t at = 0; at + width <= all.size(); at += width) {
    const int g = static_cast<int>(all[at]);
    accepted[g] = static_cast<Real>(all[at + 1]);
    lp[g] = static_cast<Real>(all[at + 2]);
    for (int p = 0; p < dim; ++p) x[soa_index(p, g, a.n_pad)] = static_cast<Real>(all[at + 3 + p]);
  }
  buf.x.upload(x.data(), x.size());
  buf.lp.upload(lp.data(), lp.size());
}

}  // namespace ensemble_detail

/// Runs the ensemble sampler; fills `draws` (one chain per walker: parameters, lp__,
/// accepted__) and `info`. InputError for a bad config or starting ensemble.
template <class Model>
void sample_ensemble(const Loaded<Model>& m, const EnsembleConfig& cfg, DrawSet& draws, RunInfo& info,
                     Progress* progress = nullptr) {
  static_assert(supports_ensemble_v<Model>,
                "the ensemble sampler needs Model::log_density_constrained (see models/peak.hpp)");
  constexpr int W = backend::kLaneWidth;
  const int dim = m.model.dim(m.data);
  const std::vector<std::string> names(m.names.begin(), m.names.begin() + dim);
  check_ensemble_config(cfg, dim, names);
  if constexpr (!supports_prior_draw_v<Model>) {
    if (cfg.init_ball.empty())
      throw InputError("--init-ball: model '" + Model::info().name +
                       "' cannot draw from its prior; give a starting point with --init-ball");
  }
  backend::set_threads(cfg.threads);
  const auto t_start = std::chrono::steady_clock::now();

  double weights[ensemble::kMoveKinds] = {0, 0, 0};
  for (const WeightedMove& mv : cfg.moves) weights[static_cast<int>(mv.kind)] += mv.weight;
  const bool walk_all = weights[static_cast<int>(ensemble::MoveKind::kWalk)] > 0 && cfg.move_params.walk_helpers <= 0;
  const int n_total = cfg.walkers * cfg.ensembles;
  ensemble_detail::EnsembleBuffers buf(dim, cfg.walkers, cfg.ensembles, walk_all, cfg.simultaneous);
  const ensemble::EnsembleArrays& a = buf.a;

  // ---- initial ensemble, or the checkpoint's ------------------------------------------------
  const SamplerSnapshot* from = cfg.checkpoint ? cfg.checkpoint->resume() : nullptr;
  if (from) {
    check_snapshot(*from, "ensemble", dim, a.n_pad, n_total);
    from->get("x", buf.x);
    from->get("lp", buf.lp);
    if (from->has("n_accepted")) from->get("n_accepted", buf.n_accepted);
  } else {
    ensemble::InitWalkers<Model> init{m.model, m.data, a, cfg.seed, nullptr, cfg.init_scale};
    if (!cfg.init_ball.empty()) {
      buf.centre.assign(cfg.init_ball.begin(), cfg.init_ball.end());
      init.centre = backend::raw(buf.centre);
    }
    backend::launch_lanes(a.n_pad, init);
    ensemble_detail::check_initial_ensemble(cfg, names, backend::to_host(buf.x), backend::to_host(buf.lp), dim,
                                            a.n_pad);
  }

  // ---- output -------------------------------------------------------------------------------
  const int n_saved = (cfg.steps - cfg.discard + cfg.thin - 1) / cfg.thin;
  draws.names = names;
  draws.stat_names = ensemble_stat_names();
  draws.n_warmup_saved = 0;
  draws.resize(n_total, n_saved);
  backend::DrawBuffers out_buf(draws);
  // Over MPI ranks rank 0 alone saves draws: the other ranks' snapshots carry none.
  const bool holds_draws = !(cfg.ranks && cfg.ranks->split()) || cfg.ranks->is_root();
  if (from && holds_draws) out_buf.restore(from->draws);

  ensemble::HalfStep<Model, W, ensemble_detail::kBlocksPerLane> step;
  step.model = m.model;
  step.data = m.data;
  step.a = a;
  step.complement = cfg.simultaneous ? backend::raw(buf.x_old) : a.x;
  step.seed = cfg.seed;
  step.params = cfg.move_params;
  step.gamma0 = ensemble::de_gamma0(cfg.move_params, dim);
  constexpr int T = ensemble_detail::kDrawChunk;
  constexpr int kChunk = T > 0 ? T : 1;  // T, as a divisor that compiles in the GPU shape too
  backend::DeviceVector<double> chunk_values, chunk_stats;
  if constexpr (T > 0) {
    chunk_values.assign(static_cast<std::size_t>(dim) * n_total * T, 0.0);
    chunk_stats.assign(static_cast<std::size_t>(ensemble::kEnsembleStats) * n_total * T, 0.0);
    step.out.values = backend::raw(chunk_values);
    step.out.stats = backend::raw(chunk_stats);
    step.out.n_draws = T;
    step.out.chunk = true;
  } else {
    step.out.values = out_buf.values();
    step.out.stats = out_buf.stats();
    step.out.n_draws = n_saved;
  }
  step.out.n_chains = n_total;
  // CPU shape: each step's halves in walker-id order, so that a thread's lanes write a
  // contiguous range of walkers (kernels/ensemble/sorted_halves.hpp; the same draws), sorted
  // for sort_steps steps at a time (one launch over ensembles x steps; at most 4 MB of ids)
  constexpr bool kSorted = !kGpuShape;
  backend::DeviceVector<std::uint8_t> sort_second;
  backend::DeviceVector<std::uint32_t> sort_order;
  ensemble::SortHalvesSteps<32> sorter;  // 32: g++ vectorizes the network at this width, not at 16
  const int sort_steps = std::max(1, std::min(ensemble_detail::kSortSteps, (1 << 20) / (2 * a.half_pad)));
  int sorted_from = -1;  // the first step whose rows are in sort_order (-1: none yet)
  if constexpr (kSorted) {
    sort_second.assign(static_cast<std::size_t>(n_total) * sort_steps, 0);
    sort_order.assign(static_cast<std::size_t>(2) * a.half_pad * sort_steps, 0);
    sorter.first = {cfg.seed, 0, cfg.walkers, a.half_pad, backend::raw(sort_second), backend::raw(sort_order)};
    sorter.n_ensembles = cfg.ensembles;
  }
  ensemble::WalkCovariance cov{a, step.complement, cfg.seed, 0, 0};
  int n_lanes = a.half_pad / ensemble_detail::kHalfStepLane;
  // Split over MPI ranks: this rank's whole lanes of half positions, and the exchange's buffers.
  const parallel::Ranks* ranks = cfg.ranks && cfg.ranks->split() ? cfg.ranks : nullptr;
  backend::DeviceVector<int> walker_of;
  backend::DeviceVector<Real> accepted_of, accepted_d;
  std::vector<Real> accepted_h;
  if (ranks) {
    if (cfg.simultaneous) throw InputError("simultaneous: not available over MPI ranks");
    const int n_pos = a.n_half_positions();
    const int used_lanes = (n_pos + ensemble_detail::kHalfStepLane - 1) / ensemble_detail::kHalfStepLane;
    const parallel::ChainShare lanes = parallel::chain_share(used_lanes, ranks->rank(), ranks->size());
    n_lanes = lanes.count;
    step.first_position = lanes.first * ensemble_detail::kHalfStepLane;
    step.end_position = std::min(n_pos, (lanes.first + lanes.count) * ensemble_detail::kHalfStepLane);
    walker_of.assign(a.half_pad, 0);
    accepted_of.assign(a.half_pad, 0);
    step.walker_of = backend::raw(walker_of);
    step.accepted_of = backend::raw(accepted_of);
    accepted_h.assign(static_cast<std::size_t>(n_total), 0);
    accepted_d.assign(static_cast<std::size_t>(n_total), 0);
  }

  // ---- steps --------------------------------------------------------------------------------
  int unflushed = 0;       // saved steps staged in the chunk, not yet in the DrawSet
  int since_progress = 0;  // steps since the last progress report
  int since_boundary = 0;  // steps since the last checkpoint boundary
  auto snapshot = [&](int next_step) {
    SamplerSnapshot snap;
    snap.sampler = "ensemble";
    snap.dim = dim;
    snap.n_pad = a.n_pad;
    snap.n_chains = n_total;
    snap.next_iteration = next_step;
    snap.put("x", buf.x);
    snap.put("lp", buf.lp);
    snap.put("n_accepted", buf.n_accepted);
    out_buf.finish();
    if (holds_draws) snap.draws = draws;
    cfg.checkpoint->save(snap);
  };
  for (int t = from ? static_cast<int>(from->next_iteration) : 0; t < cfg.steps; ++t) {
    const ensemble::MoveKind kind = ensemble::choose_move(cfg.seed, static_cast<std::uint64_t>(t), weights);
    if (cfg.simultaneous) buf.x_old.copy_from(buf.x);
    step.iteration = static_cast<std::uint64_t>(t);
    step.kind = kind;
    if constexpr (kSorted) {
      if (sorted_from < 0 || t - sorted_from >= sort_steps) {
        sorted_from = t;
        sorter.first.iteration = step.iteration;
        backend::launch_lanes(cfg.ensembles * std::min(sort_steps, cfg.steps - t), sorter);
      }
      step.order = backend::raw(sort_order) + static_cast<std::size_t>(t - sorted_from) * 2 * a.half_pad;
    }
    const bool save = t >= cfg.discard && (t - cfg.discard) % cfg.thin == 0;
    step.out.save = save && !ranks;  // over ranks, rank 0 saves every walker after the exchange
    const int saved = save ? (t - cfg.discard) / cfg.thin : 0;
    step.out.draw = T > 0 ? saved % kChunk : saved;
    for (int half = 0; half < 2; ++half) {
      step.half = half;
      if (kind == ensemble::MoveKind::kWalk && cfg.move_params.walk_helpers <= 0) {
        cov.iteration = step.iteration;
        cov.half = half;
        backend::launch_lanes(cfg.ensembles, cov);
      }
      backend::launch_lanes(n_lanes, step);
      if (ranks)
        ensemble_detail::exchange_updated_walkers(*ranks, buf, walker_of, accepted_of, step.first_position,
                                                  step.end_position, accepted_h);
    }
    if (ranks && save && ranks->is_root()) {
      accepted_d.upload(accepted_h.data(), accepted_h.size());
      ensemble::EnsembleDrawTarget all = step.out;
      all.save = true;
      backend::launch_lanes(n_total, ensemble::StoreWalkers{a, all, backend::raw(accepted_d)});
    }
    if (save) ++unflushed;
    if constexpr (T > 0) {
      if (save && (saved % kChunk == kChunk - 1 || saved == n_saved - 1)) {
        unflushed = 0;
        const int first = saved - saved % kChunk, count = saved - first + 1;
        backend::launch_lanes(dim * n_total, ensemble_detail::CopyDrawChunk{backend::raw(chunk_values), out_buf.values(),
                                                                            T, n_total, n_saved, first, count});
        backend::launch_lanes(ensemble::kEnsembleStats * n_total,
                              ensemble_detail::CopyDrawChunk{backend::raw(chunk_stats), out_buf.stats(), T, n_total,
                                                             n_saved, first, count});
      }
    }
    if constexpr (T == 0) unflushed = 0;  // the GPU shape writes the draws' buffers directly
    // Checkpoints and progress (which stops the run on a signal) only where every saved step
    // is in the DrawSet: a resumed run's chunk then starts at its first row. The checkpoint
    // boundaries (a snapshot when wanted, and where a signal stops the run) come every
    // kProgressSteps steps and at the last: a snapshot holds the draws so far, so one per step
    // (--checkpoint-every 0) would cost the run quadratic time.
    ++since_progress;
    ++since_boundary;
    if (unflushed > 0) continue;
    const bool boundary = since_boundary >= ensemble_detail::kProgressSteps || t + 1 == cfg.steps;
    if (boundary) since_boundary = 0;
    // wanted(): over MPI ranks every rank reaches these boundaries (they depend on the steps
    // alone) and agrees (checkpoints.hpp)
    const bool snapshot_now = boundary && cfg.checkpoint && cfg.checkpoint->wanted(t + 1);
    if (snapshot_now) snapshot(t + 1);
    if (progress && (since_progress >= ensemble_detail::kProgressSteps || t + 1 == cfg.steps || snapshot_now ||
                     interrupt_signal() != 0)) {
      since_progress = 0;
      progress->update(t + 1, cfg.steps, cfg.discard);
    }
  }
  out_buf.finish();
  if (progress) progress->finish();

  // ---- what the run reports -------------------------------------------------------------------
  // Accepted proposals per walker over every step: over MPI ranks each rank counted the walkers
  // it moved, so the run's count of a walker is the sum over ranks.
  std::vector<double> accepted = backend::to_host(buf.n_accepted);
  accepted.resize(static_cast<std::size_t>(n_total));
  if (ranks) {
    std::vector<int> counts;
    const std::vector<double> all = ranks->all_gather(accepted, &counts);
    std::fill(accepted.begin(), accepted.end(), 0.0);
    for (std::size_t k = 0; k < all.size(); ++k) accepted[k % accepted.size()] += all[k];
  }
  info.accepted_proposals = std::move(accepted);
  info.algorithm = "ensemble";
  info.seed = cfg.seed;
  info.num_warmup = cfg.discard;
  info.thin = cfg.thin;
  info.warmup_seconds = 0;
  info.sampling_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  info.gradient_evaluations = 0;
  info.divergences = 0;
  info.step_size.clear();
  info.inv_metric.clear();
  info.dense_inv_metric.clear();
  std::string init_desc = "prior";
  if (!cfg.init_ball.empty()) {
    init_desc = "ball(";
    for (std::size_t i = 0; i < cfg.init_ball.size(); ++i) init_desc += (i ? "," : "") + std::to_string(cfg.init_ball[i]);
    init_desc += "; scale " + std::to_string(cfg.init_scale) + ")";
  }
  info.config = {{"algorithm", "ensemble"},
                 {"walkers", std::to_string(cfg.walkers)},
                 {"ensembles", std::to_string(cfg.ensembles)},
                 {"steps", std::to_string(cfg.steps)},
                 {"discard", std::to_string(cfg.discard)},
                 {"thin", std::to_string(cfg.thin)},
                 {"move", moves_to_string(cfg.moves)},
                 {"stretch_a", std::to_string(cfg.move_params.stretch_a)},
                 {"de_sigma", std::to_string(cfg.move_params.de_sigma)},
                 {"de_gamma0", std::to_string(step.gamma0)},
                 {"walk_helpers", cfg.move_params.walk_helpers > 0 ? std::to_string(cfg.move_params.walk_helpers) : "all"},
                 {"init", init_desc},
                 {"seed", std::to_string(cfg.seed)}};
  if (cfg.simultaneous) info.config.push_back({"simultaneous", "1 (TEST ONLY: invalid sampler)"});
}

}  // namespace lockstep
