#pragma once
// Rejection ABC (Pritchard et al. 1999; the distance: kernels/sbi/abc_distance.hpp): N prior
// simulations in lanes, chunk by chunk; each chunk keeps only (theta, distance), and a running
// top-K selection (or the set within epsilon) keeps what is accepted, so memory is bounded by
// one chunk plus the accepted draws, never N data sets.
//
// Ties and order: candidates are ordered by (distance, simulation index), so the K kept and
// their order depend only on the seed, never on the chunking, lanes or threads. The draws are
// returned nearest first. Non-finite simulations (distance NaN) are counted and dropped.
// With --adjust linear (the default) the K kept are regression-adjusted
// (host/algorithms/abc/adjust_particles.hpp) and K draws resampled by the adjustment's weights
// (systematic, one uniform of Rng{seed, 0}'s kAbcAdjustResample stream), still nearest first.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "host/algorithms/abc/abc_common.hpp"
#include "host/algorithms/abc/adjust_particles.hpp"
#include "host/algorithms/smc_abc/smc_abc_population.hpp"
#include "host/algorithms/abc/prior_distances.hpp"
#include "host/algorithms/abc/abc_config.hpp"
#include "host/backend/lanes.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/run/prior_simulations.hpp"
#include "kernels/sbi/abc_distance.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

/// One accepted candidate: its distance, simulation index and parameters.
struct AbcCandidate {
  double distance;
  std::uint64_t index;
  std::vector<double> theta;
  bool operator<(const AbcCandidate& o) const { return distance < o.distance || (distance == o.distance && index < o.index); }
};

/// Simulations per chunk of the streaming ABC lanes (theta, scratch data set, distance).
inline std::int64_t abc_chunk(int n_theta, int n_x) { return prior_simulation_chunk(n_theta, n_x + 1); }

template <class Model>
void sample_abc(const Loaded<Model>& m, const AbcConfig& c, DrawSet& draws, RunInfo& info, Progress*) {
  const auto t0 = std::chrono::steady_clock::now();
  backend::set_threads(c.threads);
  check_simulation_range(0, c.sims);
  const int n_theta = m.model.dim(m.data), n_x = m.model.n_simulated(m.data);
  const std::vector<double> observed = abc_observed(m, "abc");
  abc_check_prior_draws(m, c.seed, "abc");
  AbcResult local;
  AbcResult& r = c.result ? *c.result : local;
  r = AbcResult();
  SummaryDistanceBuffers summary;  // --statistics model
  const std::vector<double> inv_scale = abc_distance_scales(m, c.model_statistics, c.seed, c.sims, observed, summary, r, "abc");

  const std::int64_t chunk = std::min(c.sims, abc_chunk(n_theta, n_x));
  backend::DeviceVector<Real> obs(observed.begin(), observed.end()), inv(inv_scale.begin(), inv_scale.end());
  backend::DeviceVector<Real> theta(static_cast<std::size_t>(chunk) * n_theta), scratch(static_cast<std::size_t>(chunk) * n_x);
  backend::DeviceVector<double> distance(static_cast<std::size_t>(chunk));
  std::vector<Real> h_theta(theta.size());
  std::vector<double> h_dist(distance.size());
  std::vector<AbcCandidate> kept;
  const bool top_k = c.keep > 0;
  double cut = HUGE_VAL;  // top-K: the K-th distance so far once K are kept
  std::int64_t first = 0;
  if (const AbcState* from = c.resume) {
    const std::size_t n_kept = from->distances.size();
    if (from->indices.size() != n_kept || from->theta.size() != n_kept * static_cast<std::size_t>(n_theta) ||
        from->done < 0 || from->done > c.sims)
      throw InputError("abc: the checkpoint's candidates do not match this run");
    for (std::size_t k = 0; k < n_kept; ++k)
      kept.push_back(AbcCandidate{from->distances[k], from->indices[k],
                                  std::vector<double>(from->theta.begin() + static_cast<std::ptrdiff_t>(k * n_theta),
                                                      from->theta.begin() + static_cast<std::ptrdiff_t>((k + 1) * n_theta))});
    cut = from->cut;
    r.non_finite = from->non_finite;
    first = from->done;
    r.resumed_at = first;
  }
  auto state_now = [&](std::int64_t done) {
    AbcState st;
    st.done = done;
    st.cut = cut;
    st.non_finite = r.non_finite;
    for (const AbcCandidate& a : kept) {
      st.distances.push_back(a.distance);
      st.indices.push_back(a.index);
      st.theta.insert(st.theta.end(), a.theta.begin(), a.theta.end());
    }
    return st;
  };
  for (std::int64_t at = first; at < c.sims; at += chunk) {
    const std::int64_t n = std::min(chunk, c.sims - at);
    launch_prior_distances(m, obs, inv, theta, scratch, distance, c.seed, static_cast<std::uint64_t>(at), n,
                           summary.view(n));
    distance.download(h_dist.data(), static_cast<std::size_t>(n));
    theta.download(h_theta.data(), static_cast<std::size_t>(n) * n_theta);
    if (top_k && n > c.keep) {  // the chunk's own K-th distance bounds what it can add
      std::vector<double> finite;
      finite.reserve(static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i)
        if (h_dist[i] == h_dist[i]) finite.push_back(h_dist[i]);
      if (static_cast<std::int64_t>(finite.size()) >= c.keep) {
        std::nth_element(finite.begin(), finite.begin() + (c.keep - 1), finite.end());
        cut = std::min(cut, finite[static_cast<std::size_t>(c.keep - 1)]);
      }
    }
    for (std::int64_t i = 0; i < n; ++i) {
      const double d = h_dist[i];
      if (!(d == d)) {
        ++r.non_finite;
        continue;
      }
      if (top_k ? !(d <= cut) : !(d <= c.epsilon)) continue;
      AbcCandidate a{d, static_cast<std::uint64_t>(at + i), std::vector<double>(static_cast<std::size_t>(n_theta))};
      bool finite = true;
      for (int k = 0; k < n_theta; ++k) {
        a.theta[k] = h_theta[static_cast<std::size_t>(i) * n_theta + k];
        finite = finite && std::isfinite(a.theta[k]);
      }
      if (!finite) {
        ++r.non_finite;
        continue;
      }
      kept.push_back(std::move(a));
    }
    if (top_k && static_cast<std::int64_t>(kept.size()) >= 2 * c.keep) {
      std::nth_element(kept.begin(), kept.begin() + (c.keep - 1), kept.end());
      kept.resize(static_cast<std::size_t>(c.keep));
      cut = std::max_element(kept.begin(), kept.end())->distance;
    }
    if (c.after_chunk && at + n < c.sims) c.after_chunk(state_now(at + n));
  }
  std::sort(kept.begin(), kept.end());
  if (top_k && static_cast<std::int64_t>(kept.size()) > c.keep) kept.resize(static_cast<std::size_t>(c.keep));
  r.simulations = c.sims;
  if (r.non_finite == c.sims) throw InputError("abc: every one of the " + std::to_string(c.sims) + " simulations (or its distance to the observed data) was not finite");
  if (kept.empty())
    throw InputError("--epsilon " + DataSource::format_number(c.epsilon) +
                     ": no simulation within it; increase --epsilon or --sims");
  if (top_k && static_cast<std::int64_t>(kept.size()) < c.keep)
    throw InputError("--keep " + std::to_string(c.keep) + ": only " + std::to_string(kept.size()) +
                     " simulations were finite (" + std::to_string(r.non_finite) + " non-finite)");
  r.epsilon = top_k ? kept.back().distance : c.epsilon;
  AbcGeneration g;
  g.epsilon = r.epsilon;
  g.simulations = c.sims;
  g.total_simulations = c.sims;
  g.non_finite = r.non_finite;
  g.acceptance_rate = static_cast<double>(kept.size()) / static_cast<double>(c.sims);
  g.ess = static_cast<double>(kept.size());
  r.schedule = {g};
  if (top_k && static_cast<std::int64_t>(kept.size()) == c.sims)
    r.warnings.push_back("every one of the " + std::to_string(c.sims) + " simulations was kept (--keep " +
                         std::to_string(c.keep) + "): nothing was rejected, so the draws are the prior's; give --keep "
                         "K well below --sims N (the default 1000 is cut to N when N is smaller)");

  const int K = static_cast<int>(kept.size());
  // --adjust linear: the kept draws regression-adjusted, then K draws resampled by the
  // adjustment's weights (systematic resampling keeps them in nearest-first order).
  r.adjustment = "none";
  r.effective_draws = static_cast<double>(kept.size());
  if (c.adjust) {
    AbcParticles p;
    p.n = K;
    for (const AbcCandidate& a : kept) {
      p.theta.insert(p.theta.end(), a.theta.begin(), a.theta.end());
      p.keys.insert(p.keys.end(), {a.index, 0});
      p.distances.push_back(a.distance);
    }
    p.weights.assign(static_cast<std::size_t>(K), 1.0);
    if (adjust_abc_particles(m, c.seed, observed, inv_scale, p, r.adjustment, kBandwidthQuantileAbc, summary)) {
      r.effective_draws = smc_abc::effective_sample_size(p.weights);
      const double u = uniform(Rng{c.seed, 0}, 0, kAbcAdjustResample, 0);
      const std::vector<std::size_t> pick = smc_abc::systematic_resample(p.weights, static_cast<std::size_t>(K), u);
      std::vector<AbcCandidate> adjusted;
      for (std::size_t j : pick)
        adjusted.push_back(AbcCandidate{kept[j].distance, kept[j].index,
                                        std::vector<double>(p.theta.begin() + static_cast<std::ptrdiff_t>(j * n_theta),
                                                            p.theta.begin() + static_cast<std::ptrdiff_t>((j + 1) * n_theta))});
      kept.swap(adjusted);
    }
  }
  draws = DrawSet();
  draws.names.assign(m.names.begin(), m.names.begin() + n_theta);
  draws.stat_names = {"distance__"};
  draws.resize(1, K);
  for (int k = 0; k < K; ++k) {
    for (int p = 0; p < n_theta; ++p) draws.series(p, 0)[k] = kept[k].theta[p];
    draws.stat_series(0, 0)[k] = kept[k].distance;
  }
  info.algorithm = "abc";
  info.stan_engine.clear();
  info.seed = c.seed;
  info.num_warmup = 0;
  info.thin = 1;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  info.warmup_seconds = 0;
  info.sampling_seconds = r.seconds;
}

}  // namespace lockstep
