#pragma once
// Neural posterior estimation (Papamakarios & Murray 2016; Greenberg, Nonnenmacher & Macke
// 2019; sbi's NPE with the prior as proposal, one round; or --rounds R > 1: truncated
// sequential NPE, Deistler et al. 2022, below): N prior predictive simulations run
// in lanes (host/run/prior_simulations.hpp), a conditional density estimator q(theta | x)
// trained on them (host/npe/: a mixture density network), and D posterior draws from
// q(theta | x_obs) at the model's observed data set (Loaded::sbi_observed).
//
// theta is taken to the model's UNCONSTRAINED space by the model's own transform
// (Model::unconstrain, host side; identity for kParametersUnconstrained models) before
// training, and the draws come back through write_out in lanes — for the peak model that is
// the logit of the prior box, so the estimator puts no mass outside the prior's support and
// no draw is rejected (the rejection rate reported is 0). A prior draw the transform refuses
// (on the boundary after rounding) is dropped and counted, as are simulations with a
// non-finite theta or x.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "host/algorithms/npe/npe_config.hpp"
#include "host/backend/lanes.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/io/atomic_file.hpp"
#include "host/npe/network_file.hpp"
#include "host/npe/posterior_network.hpp"
#include "host/run/parameter_transform.hpp"
#include "host/run/prior_simulations.hpp"
#include "kernels/core/model_traits.hpp"
#include "kernels/core/strided.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_contract.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

namespace npe_detail {

/// The seed of the fingerprint simulations recorded in network files.
constexpr std::uint64_t kFingerprintSeed = 0x6e70652d66707274ULL;  // "npe-fprt"
constexpr int kFingerprintSims = 3;

using lockstep::unconstrain_row;
using lockstep::WriteOutMany;

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Every round's epochs, in order (a round's training starts its history afresh).
struct LossRows {
  std::vector<npe::EpochLoss> epochs;  // epoch numbers counted on across rounds
  std::vector<int> round;              // each epoch's round (1-based)
  int best_epoch = 0;                  // the kept network's epoch, in the same count
  /// Appends round r's training (its history and best epoch).
  void add(int r, const npe::TrainResult& t) {
    const int offset = epochs.empty() ? 0 : epochs.back().epoch;
    for (npe::EpochLoss e : t.history) {
      e.epoch += offset;
      epochs.push_back(e);
      round.push_back(r);
    }
    best_epoch = t.best_epoch > 0 ? offset + t.best_epoch : 0;
  }
};

/// OUT_loss.csv: epoch, train_loss, validation_loss, seconds, best (1 on the kept network's
/// epoch), round.
void write_loss_csv(const std::string& path, const LossRows& rows);

/// InputError when a training ended before any epoch gave a finite loss.
inline void check_trained(const npe::TrainResult& r) {
  if (r.best_epoch == 0)
    throw InputError("npe: the training loss was not finite at epoch " + std::to_string(r.nan_epoch) +
                     ", before any epoch finished: no network to draw from (try a smaller --learning-rate)");
}

/// Records a round's training (epochs, best epoch and loss, seconds) into `round`.
inline void record_training(NpeRound& round, const npe::TrainResult& r, double seconds) {
  round.epochs = static_cast<int>(r.history.size());
  round.best_epoch = r.best_epoch;
  round.best_validation = r.best_validation;
  round.training_seconds = seconds;
}

/// Truncated sequential NPE (Deistler, Goncalves and Macke 2022, "Truncated proposals for
/// scalable and hassle-free simulation-based inference", TSNPE): round r >= 2 simulates from
/// the prior truncated to the highest-density region of mass 1 - kTruncationMass of the
/// previous round's q(theta | x_obs),
///   H = { theta : log q(theta | x_obs) >= tau },  tau = the kTruncationMass-quantile of log q
///   over kTruncationDraws draws from q (Philox Rng{seed ^ (kTruncationSeed + r), k}),
/// by rejection. Training on every round's pairs with the plain NPE loss stays correct because
/// the truncated prior is the prior times an indicator that holds the posterior's mass (their
/// paper, sec. 3). The sampler of p(theta) 1[theta in H] needs the model's log_prior:
///   uniform candidates in the box B around the draws from q (each
///     side of their bounding box, on theta's scale, widened by kBoxMargin of its width),
///     kept when in H and with probability p(theta) / p_max, p_max the largest prior density
///     over the draws from q. The box is a union of boxes, one per mixture component around
///     the draws it most likely produced (one box around all draws spanned the gap between
///     distant components: 0.006% of its candidates were in H in a peak run), sampled
///     uniformly (a box by volume, a point in it, kept with probability 1 / the boxes that
///     hold it): exact for a prior flat over H (the box priors of SBI), and
///     otherwise exact up to candidates with p(theta) > p_max (counted in `above_max`, kept
///     with probability 1). H's mass outside B is beyond the draws' extremes (of the order of
///     1 / kTruncationDraws). The candidates needed per kept one are vol(B) / vol(H), a few
///     tens, however small H is against the prior (rejection from the prior itself, as the paper
///     does, needs 1 / P(H): 1.4e4 prior draws per kept one in round 5 of a 5-round peak run,
///     138 s of a 188 s run, before this sampler).
/// Kept parameters are simulated with the store's indices next, next + 1, ... (their streams).
constexpr double kTruncationMass = 1e-4;
constexpr int kTruncationDraws = 100000;
constexpr double kBoxMargin = 0.25;  // each box side widened by this share of its width
constexpr double kBoxFloor = 0.01;   // and by this share of the width of all draws (a box of one draw)
constexpr std::uint64_t kTruncationSeed = 0x74736e7065ULL;  // "tsnpe"
constexpr Stream kBoxStream = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 4);
/// Rejection gives up (InputError) past this many candidates per kept one.
constexpr long long kMaxCandidatesPerKept = 100000;

struct TruncatedDraws {
  std::vector<double> theta;         // [n][d] the model's parameters
  std::vector<double> u;             // [n][d] unconstrained
  std::vector<std::uint32_t> index;  // [n] simulation indices
};

/// The outputs of unconstrained rows u [n][d] through write_out, in lanes ([n][n_out]).
template <class Model>
std::vector<double> write_out_rows(const Loaded<Model>& m, const std::vector<double>& u, int n) {
  const int d = m.model.dim(m.data), n_out = m.model.n_out(m.data);
  const backend::DeviceVector<Real> q(u.begin(), u.end());
  backend::DeviceVector<Real> out(static_cast<std::size_t>(n) * n_out, 0);
  backend::launch_lanes(n, WriteOutMany<Model>{m.model, m.data, backend::raw(q), backend::raw(out), d, n_out},
                        static_cast<std::ptrdiff_t>(n) * n_out * 8);
  const std::vector<Real> h = backend::to_host(out);
  return std::vector<double>(h.begin(), h.end());
}

template <class Model>
TruncatedDraws draw_truncated_prior(const Loaded<Model>& m, const npe::PosteriorNetwork& net, std::uint64_t seed,
                                    int round_number, long long want, std::uint64_t& next, NpeRound& round) {
  static_assert(traits::has_log_prior<Model>::value, "the truncated prior's sampler needs log_prior");
  const int d = m.model.dim(m.data);
  const std::uint64_t round_seed = seed ^ (kTruncationSeed + static_cast<std::uint64_t>(round_number));
  std::vector<double> q_draws, log_q;
  npe::draw_posterior(net, m.sbi_observed, kTruncationDraws, round_seed, q_draws, log_q);
  std::vector<double> sorted = log_q;
  std::sort(sorted.begin(), sorted.end());
  const double tau = sorted[static_cast<std::size_t>(kTruncationMass * kTruncationDraws)];
  round.log_q_threshold = tau;
  TruncatedDraws out;
  const long long limit = kMaxCandidatesPerKept * want + 1000000;
  auto give_up = [&](long long kept) {
    return InputError("npe --rounds: round " + std::to_string(round_number) + "'s truncated prior kept " +
                      std::to_string(kept) + " of " + std::to_string(round.candidates) +
                      " candidates; the previous round's posterior holds too little prior mass (fewer --rounds or more --sims)");
  };
  {
    // Boxes on theta's scale around the draws from q, one per mixture component (the draws
    // grouped by the component each most likely came from), and p_max over the draws.
    const int n_out = m.model.n_out(m.data);
    const npe::PosteriorAt q_at = npe::posterior_at(net, m.sbi_observed);
    const std::vector<double> th = write_out_rows(m, q_draws, kTruncationDraws);
    const int K = q_at.mixture.k;
    std::vector<double> lo(static_cast<std::size_t>(K) * d, HUGE_VAL), hi(static_cast<std::size_t>(K) * d, -HUGE_VAL);
    std::vector<double> all_lo(d, HUGE_VAL), all_hi(d, -HUGE_VAL);
    double log_p_max = -HUGE_VAL;
    std::vector<Real> t(static_cast<std::size_t>(d));
    for (int k = 0; k < kTruncationDraws; ++k) {
      const int c = q_at.component_of(q_draws.data() + static_cast<std::size_t>(k) * d);
      for (int i = 0; i < d; ++i) {
        const double v = th[static_cast<std::size_t>(k) * n_out + i];
        lo[c * d + i] = std::min(lo[c * d + i], v);
        hi[c * d + i] = std::max(hi[c * d + i], v);
        all_lo[i] = std::min(all_lo[i], v);
        all_hi[i] = std::max(all_hi[i], v);
        t[i] = static_cast<Real>(v);
      }
      log_p_max = std::max(log_p_max, static_cast<double>(m.model.log_prior(m.data, Dense<Real>{t.data()})));
    }
    std::vector<int> boxes;  // components with draws
    std::vector<double> cum_volume;
    double volume = 0;
    for (int c = 0; c < K; ++c) {
      if (!(lo[c * d] <= hi[c * d])) continue;
      double v = 1;
      for (int i = 0; i < d; ++i) {
        const double w = kBoxMargin * (hi[c * d + i] - lo[c * d + i]) + kBoxFloor * (all_hi[i] - all_lo[i]);
        lo[c * d + i] -= w;
        hi[c * d + i] += w;
        v *= hi[c * d + i] - lo[c * d + i];
      }
      boxes.push_back(c);
      cum_volume.push_back(volume += v);
    }
    round.boxes = static_cast<int>(boxes.size());
    const Rng rng{round_seed, 0};
    const int per = d + 3;  // numbers per candidate: the box, d coordinates, the overlap and prior acceptances
    // Candidates in chunks, evaluated in parallel (each one's numbers depend on its index c
    // only), then kept in index order: the kept set does not depend on threads or chunks.
    constexpr std::int64_t kChunk = 1 << 16;
    std::vector<double> cand_theta(static_cast<std::size_t>(kChunk) * d), cand_u(static_cast<std::size_t>(kChunk) * d);
    std::vector<unsigned char> keep(static_cast<std::size_t>(kChunk));
    for (std::uint64_t c0 = 0; static_cast<long long>(out.index.size()) < want; c0 += kChunk) {
      if (round.candidates >= limit || c0 + kChunk >= (std::uint64_t(1) << 32) / per)
        throw give_up(static_cast<long long>(out.index.size()));
#pragma omp parallel
      {
        std::vector<Real> tt(static_cast<std::size_t>(d));
        std::vector<double> uu, scratch;
#pragma omp for schedule(static)
        for (std::int64_t j = 0; j < kChunk; ++j) {
          // Candidate c: numbers c per .. c per + per - 1 of iteration 0 (2^32 numbers per
          // iteration word; the bound above keeps c inside it). Uniform on the union of the
          // boxes: a box with probability proportional to its volume, a point in it, kept with
          // probability 1 / (the boxes that hold it).
          const std::uint64_t c = c0 + static_cast<std::uint64_t>(j);
          const std::uint32_t at = static_cast<std::uint32_t>(c * per);
          const double pick = uniform(rng, 0, kBoxStream, at) * volume;
          const std::size_t b = std::min<std::size_t>(
              static_cast<std::size_t>(std::upper_bound(cum_volume.begin(), cum_volume.end(), pick) - cum_volume.begin()),
              boxes.size() - 1);
          const int box = boxes[b];
          double* ct = cand_theta.data() + j * d;
          for (int i = 0; i < d; ++i) {
            ct[i] = lo[box * d + i] + (hi[box * d + i] - lo[box * d + i]) * uniform(rng, 0, kBoxStream, at + 1 + i);
            tt[i] = static_cast<Real>(ct[i]);
          }
          int cover = 0;
          for (int other : boxes) {
            bool in = true;
            for (int i = 0; i < d && in; ++i) in = ct[i] >= lo[other * d + i] && ct[i] <= hi[other * d + i];
            cover += in;
          }
          unsigned char k = 0;  // 0 rejected, 1 kept, 2 kept with p > p_max
          if (cover == 1 || uniform(rng, 0, kBoxStream, at + 1 + d) * cover < 1) {
            const double lp = static_cast<double>(m.model.log_prior(m.data, Dense<Real>{tt.data()}));
            if (lp > -HUGE_VAL && unconstrain_row(m, ct, d, uu, scratch) && q_at.log_density(uu.data()) >= tau) {
              if (lp > log_p_max)
                k = 2;
              else if (uniform(rng, 0, kBoxStream, at + 2 + d) < std::exp(lp - log_p_max))
                k = 1;
              if (k) std::copy(uu.begin(), uu.end(), cand_u.begin() + j * d);
            }
          }
          keep[static_cast<std::size_t>(j)] = k;
        }
      }
      for (std::int64_t j = 0; j < kChunk && static_cast<long long>(out.index.size()) < want; ++j) {
        ++round.candidates;
        if (!keep[static_cast<std::size_t>(j)]) continue;
        round.above_max += keep[static_cast<std::size_t>(j)] == 2;
        out.index.push_back(static_cast<std::uint32_t>(next++));
        out.theta.insert(out.theta.end(), cand_theta.begin() + j * d, cand_theta.begin() + (j + 1) * d);
        out.u.insert(out.u.end(), cand_u.begin() + j * d, cand_u.begin() + (j + 1) * d);
      }
    }
  }
  check_simulation_range(0, static_cast<std::int64_t>(next));
  return out;
}

}  // namespace npe_detail

template <class Model>
void run_npe(const Loaded<Model>& m, const NpeConfig& cfg, DrawSet& draws, RunInfo& info, Progress* progress) {
  (void)progress;
  static_assert(traits::has_prior_draw<Model>::value && traits::has_simulate<Model>::value,
                "npe needs prior_draw and simulate");
  backend::set_threads(cfg.threads);  // simulations in lanes and the training's chunks alike
  NpeReport local;
  NpeReport& report = cfg.report ? *cfg.report : local;
  const int d = m.model.dim(m.data), n_x = m.model.n_simulated(m.data), n_out = m.model.n_out(m.data);
  const std::string name = Model::info().name;
  if (static_cast<int>(m.sbi_observed.size()) != n_x)
    throw InputError("npe: model '" + name + "' gives no observed data set of its simulator's length " +
                     std::to_string(n_x) + " to condition on");
  for (double v : m.sbi_observed)
    if (!std::isfinite(v)) throw InputError("npe: the observed data of model '" + name + "' are not all finite");

  // The default rounds (npe_config.hpp's default_rounds) fall back to one round for a model
  // without log_prior; rounds asked for with --rounds are refused for it.
  const int rounds = cfg.rounds > 1 && cfg.rounds_by_default && !traits::has_log_prior<Model>::value ? 1 : cfg.rounds;
  if (rounds > 1 && !traits::has_log_prior<Model>::value)
    throw InputError("npe --rounds: model '" + name +
                     "' has no log_prior, which the truncated prior's sampler needs (run it with --rounds 1)");

  npe::NetworkHeader header;
  header.model = name;
  header.options = cfg.model_options;
  header.parameters.assign(m.names.begin(), m.names.begin() + d);
  header.n_theta = d;
  header.n_x = n_x;
  {
    const PriorSimulations fp = simulate_prior_predictive(m, npe_detail::kFingerprintSeed, 0, npe_detail::kFingerprintSims);
    header.fingerprint_theta = fp.theta;
    header.fingerprint_x = fp.x;
  }

  npe::PosteriorNetwork net;
  if (!cfg.load_net.empty()) {
    npe::NetworkHeader loaded;
    net = npe::load_network(cfg.load_net, "--load-net", header, &loaded);
    report.trained = false;
    report.loaded_from = cfg.load_net;
    report.loaded_sims = loaded.sims;
    header.sims = loaded.sims;
    header.best_epoch = loaded.best_epoch;
    header.train_seconds = loaded.train_seconds;
  } else {
    auto t0 = std::chrono::steady_clock::now();
    const long long first_round = cfg.sims / rounds;
    const PriorSimulations sims = simulate_prior_predictive(m, cfg.seed, 0, first_round);
    report.simulation_seconds = npe_detail::seconds_since(t0);
    report.sims = sims.n;
    std::vector<double> theta, x, u, scratch;  // every round's pairs: unconstrained theta, x
    theta.reserve(static_cast<std::size_t>(cfg.sims) * d);
    x.reserve(static_cast<std::size_t>(cfg.sims) * n_x);
    for (std::int64_t i = 0; i < sims.n; ++i) {
      if (!prior_simulation_finite(sims, i)) {
        ++report.non_finite;
        continue;
      }
      if (!npe_detail::unconstrain_row(m, sims.theta.data() + i * d, d, u, scratch)) {
        ++report.outside_support;
        continue;
      }
      theta.insert(theta.end(), u.begin(), u.end());
      x.insert(x.end(), sims.x.begin() + i * n_x, sims.x.begin() + (i + 1) * n_x);
    }
    report.used = static_cast<long long>(theta.size() / d);
    if (report.used < sims.n)
      check_validation_split(report.used, cfg.train.validation_fraction,
                             "--sims " + std::to_string(cfg.sims) + " (" + std::to_string(report.used) +
                                 " usable after dropping " + std::to_string(sims.n - report.used) + ")");
    t0 = std::chrono::steady_clock::now();
    net = npe::train_posterior_network(theta, x, report.used, d, n_x, cfg.shape, cfg.train, report.training);
    report.training_seconds = npe_detail::seconds_since(t0);
    // The loss CSV holds every round's epochs: written when the rounds end (or one ends on a
    // non-finite loss, which ends them), so an interrupted run leaves none behind.
    const auto rounds_end = [&](int r) { return r == rounds || report.training.nan_epoch > 0; };
    npe_detail::LossRows loss_rows;
    loss_rows.add(1, report.training);
    if (rounds_end(1) && !cfg.loss_csv.empty()) npe_detail::write_loss_csv(cfg.loss_csv, loss_rows);
    npe_detail::check_trained(report.training);
    NpeRound first;
    first.sims = report.used;
    first.candidates = sims.n;
    npe_detail::record_training(first, report.training, report.training_seconds);
    report.rounds.push_back(first);
    std::uint64_t next = static_cast<std::uint64_t>(first_round);  // the next simulation index
    for (int r = 2; r <= rounds && report.training.nan_epoch == 0; ++r) {
      const long long want = r < rounds ? first_round : cfg.sims - (rounds - 1) * first_round;
      t0 = std::chrono::steady_clock::now();
      NpeRound round;
      npe_detail::TruncatedDraws drawn;
      if constexpr (traits::has_log_prior<Model>::value)
        drawn = npe_detail::draw_truncated_prior(m, net, cfg.seed, r, want, next, round);
      const std::vector<double> xr = simulate_at(m, cfg.seed, drawn.theta, drawn.index);
      report.simulation_seconds += npe_detail::seconds_since(t0);
      report.sims += static_cast<long long>(drawn.index.size());
      for (std::size_t i = 0; i < drawn.index.size(); ++i) {
        bool finite = true;
        for (int k = 0; k < n_x; ++k) finite = finite && std::isfinite(xr[i * n_x + k]);
        if (!finite) {
          ++report.non_finite;
          continue;
        }
        theta.insert(theta.end(), drawn.u.begin() + i * d, drawn.u.begin() + (i + 1) * d);
        x.insert(x.end(), xr.begin() + i * n_x, xr.begin() + (i + 1) * n_x);
        ++round.sims;
      }
      report.used = static_cast<long long>(theta.size() / d);
      t0 = std::chrono::steady_clock::now();
      npe::continue_training(net, theta, x, report.used, cfg.train, report.training);
      const double seconds = npe_detail::seconds_since(t0);
      report.training_seconds += seconds;
      loss_rows.add(r, report.training);
      if (rounds_end(r) && !cfg.loss_csv.empty()) npe_detail::write_loss_csv(cfg.loss_csv, loss_rows);
      npe_detail::check_trained(report.training);
      npe_detail::record_training(round, report.training, seconds);
      report.rounds.push_back(round);
    }
    report.trained = true;
    header.sims = cfg.sims;
    header.best_epoch = report.training.best_epoch;
    header.train_seconds = report.training_seconds;
  }
  if (!cfg.save_net.empty()) npe::save_network(cfg.save_net, header, net);

  // Draws at the observed data: on the unconstrained scale from the network, then write_out
  // in lanes.
  auto t0 = std::chrono::steady_clock::now();
  std::vector<double> u, log_q;
  npe::draw_posterior(net, m.sbi_observed, cfg.draws, cfg.seed, u, log_q);
  npe::posterior_moments(net, m.sbi_observed, report.mean, report.sd);
  const int D = cfg.draws;
  backend::DeviceVector<Real> q(u.begin(), u.end()), out(static_cast<std::size_t>(D) * n_out, 0);
  backend::launch_lanes(D, npe_detail::WriteOutMany<Model>{m.model, m.data, backend::raw(q), backend::raw(out), d, n_out},
                        static_cast<std::ptrdiff_t>(D) * n_out * 8);
  const std::vector<Real> host_out = backend::to_host(out);
  draws.names = m.names;
  draws.stat_names = {"lp__"};
  draws.n_warmup_saved = 0;
  draws.resize(1, D);
  for (int k = 0; k < D; ++k) {
    for (int p = 0; p < n_out; ++p) draws.series(p, 0)[k] = host_out[static_cast<std::size_t>(k) * n_out + p];
    draws.stat_series(0, 0)[k] = log_q[k];
  }
  report.sampling_seconds = npe_detail::seconds_since(t0);
  report.rejected = 0;

  info.algorithm = "npe";
  info.seed = cfg.seed;
  info.num_warmup = 0;
  info.thin = 1;
  info.warmup_seconds = report.simulation_seconds + report.training_seconds;
  info.sampling_seconds = report.sampling_seconds;
}

}  // namespace lockstep
