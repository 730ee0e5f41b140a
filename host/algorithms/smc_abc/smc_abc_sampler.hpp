#pragma once
// Population Monte Carlo ABC (Beaumont, Cornuet, Marin and Robert 2009) with the adaptive
// tolerance of Del Moral, Doucet and Jasra 2012 (a quantile of the previous population's
// distances), every proposal a lane.
//
//   generation 0: prior simulations 0, 1, ... (kernels/sbi/abc_distance.hpp's PriorDistance,
//     the simulation store's numbers), P at a time, until P are finite: the population,
//     weights 1/P, epsilon_0 = infinity.
//   generation t >= 1:
//     epsilon_t = the alpha-quantile of generation t-1's distances under its weights
//       (raised to --target-epsilon when it would pass below it);
//     Sigma_t = F x the weighted covariance of generation t-1 (F = --kernel-scale, 0.5 by
//       default; Beaumont et al. take 2, which spends a small budget on proposals far outside
//       the population: on the peak model at 1e5 simulations, 2 -> 0.5 takes the unadjusted
//       population from 6.5x to ~2.5x the posterior sd, bench/RESULTS.md), L_t its Cholesky factor;
//     proposals g = 0, 1, ... in batches (lanes never wait for one particle): ancestor j ~ W,
//       theta* = theta_j + L_t z, simulated when its log prior is finite, accepted when
//       rho(x*, x_obs) <= epsilon_t; the first P accepted in proposal order are the population
//       (so it does not depend on the batch sizes, lanes or threads);
//     weights w_i = prior(theta_i) / sum_j W_j N(theta_i | theta_j, Sigma_t), normalized
//       (KernelMixtureWeight, one lane per particle).
//   It stops after a generation when the budget is spent, epsilon_t <= --target-epsilon, or
//   the acceptance rate (accepted / simulated in the generation) is below --min-acceptance;
//   a generation that the remaining budget cannot fill is abandoned (counted in the schedule,
//   complete = false) and the previous population is the result. Every simulation is counted
//   against the budget, the surplus of the last batch of a generation included; proposals
//   outside the prior's support are not simulated and not counted as simulations.
//   The result: the final population, regression-adjusted (--adjust linear, the default:
//   host/algorithms/abc/adjust_particles.hpp; its weights are then the importance weights
//   times the adjustment's kernel), resampled to P equally weighted draws (systematic
//   resampling with one uniform from Rng{seed, 0}'s kAbcResample stream).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "host/algorithms/abc/abc_common.hpp"
#include "host/algorithms/abc/adjust_particles.hpp"
#include "host/algorithms/abc/prior_distances.hpp"
#include "host/algorithms/smc_abc/smc_abc_config.hpp"
#include "host/algorithms/smc_abc/smc_abc_population.hpp"
#include "host/backend/lanes.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/run/prior_simulations.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/sbi/abc_distance.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

namespace smc_abc {
constexpr Stream kAbcResample = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 2);
/// Proposals per batch: at least this many, so that a launch is worth its overhead. Batches are
/// otherwise sized from the last acceptance rate (P left / rate x 1.2), and the surplus of a
/// generation's last batch counts against the budget: 4096 spent most of a 1e4 budget at
/// P = 100 (two generations of 4096 for 100 particles each); 256 wastes at most that.
constexpr std::int64_t kMinBatch = 256;
}  // namespace smc_abc

template <class Model>
void sample_smc_abc(const Loaded<Model>& m, const SmcAbcConfig& c, DrawSet& draws, RunInfo& info, Progress*) {
  using smc_abc::kMinBatch;
  const auto t0 = std::chrono::steady_clock::now();
  backend::set_threads(c.threads);
  const int d = m.model.dim(m.data), n_x = m.model.n_simulated(m.data);
  if (d > sbi::KernelMixtureWeight<Model>::kMaxAbcDim)
    throw InputError("smc-abc: model '" + Model::info().name + "' has " + std::to_string(d) + " parameters; at most " +
                     std::to_string(sbi::KernelMixtureWeight<Model>::kMaxAbcDim) + " are supported");
  const std::vector<double> observed = abc_observed(m, "smc-abc");
  abc_check_prior_draws(m, c.seed, "smc-abc");
  AbcResult local;
  AbcResult& r = c.result ? *c.result : local;
  r = AbcResult();
  SummaryDistanceBuffers summary;  // --statistics model (a resumed run's r is the checkpoint's: the same)
  const std::vector<double> inv_scale =
      abc_distance_scales(m, c.model_statistics, c.seed, c.sims, observed, summary, r, "smc-abc");
  const std::size_t P = static_cast<std::size_t>(c.particles);
  const std::int64_t cap = std::max<std::int64_t>(kMinBatch, prior_simulation_chunk(d, n_x + 2));

  backend::DeviceVector<Real> obs(observed.begin(), observed.end()), inv(inv_scale.begin(), inv_scale.end());
  backend::DeviceVector<Real> theta, scratch;
  backend::DeviceVector<double> distance;
  backend::DeviceVector<unsigned char> simulated;
  auto ensure = [&](std::int64_t n) {
    if (distance.size() >= static_cast<std::size_t>(n)) return;
    theta.reset(static_cast<std::size_t>(n) * d);
    scratch.reset(static_cast<std::size_t>(n) * n_x);
    distance.reset(static_cast<std::size_t>(n));
    simulated.reset(static_cast<std::size_t>(n));
  };

  // The run's state between generations, what a checkpoint keeps: the population (P rows of
  // theta, distances and normalized weights), the simulations spent and the last acceptance
  // rate, which sizes the next batches; the schedule so far is r's.
  SmcAbcState st;
  std::vector<double>& pop = st.population;
  std::vector<double>& dist = st.distances;
  std::vector<double>& W = st.weights;
  std::vector<std::uint64_t>& keys = st.keys;
  std::int64_t& total = st.total;
  double& rate = st.rate;
  auto checkpoint = [&](int generation) {
    st.generation = generation;
    st.result = r;
    c.after_generation(st);
  };
  int first_generation = 1;
  if (const SmcAbcState* from = c.resume) {
    if (from->distances.size() != P || from->weights.size() != P || from->population.size() != P * d ||
        from->keys.size() != 2 * P)
      throw InputError("smc-abc: the checkpoint's population does not match --particles " + std::to_string(P));
    st = *from;  // the references above are to st's members
    const std::string scale_source = r.scale_source;
    r = st.result;
    r.scale_source = scale_source;
    r.resumed_at = total;  // what this process's rate leaves out
    first_generation = st.generation + 1;
  } else {
    // ---- generation 0: the prior ----------------------------------------------------------
    AbcGeneration g;
    std::vector<Real> h_theta;
    std::vector<double> h_dist;
    std::uint64_t next = 0;
    while (dist.size() < P) {
      const std::int64_t left = c.sims - total;
      if (left <= 0)
        throw InputError("--sims " + std::to_string(c.sims) + ": the budget ran out before " + std::to_string(P) +
                         " finite prior simulations (" + std::to_string(g.non_finite) +
                         " simulations or their distances to the observed data were not finite)");
      const std::int64_t n = std::min<std::int64_t>({left, cap, static_cast<std::int64_t>(P - dist.size())});
      check_simulation_range(next, n);
      ensure(n);
      launch_prior_distances(m, obs, inv, theta, scratch, distance, c.seed, next, n, summary.view(n));
      h_theta.resize(static_cast<std::size_t>(n) * d);
      h_dist.resize(static_cast<std::size_t>(n));
      theta.download(h_theta.data(), h_theta.size());
      distance.download(h_dist.data(), h_dist.size());
      for (std::int64_t i = 0; i < n; ++i) {
        bool finite = h_dist[i] == h_dist[i];
        for (int a = 0; a < d; ++a) finite = finite && std::isfinite(h_theta[static_cast<std::size_t>(i) * d + a]);
        if (!finite) {
          ++g.non_finite;
          continue;
        }
        if (dist.size() == P) continue;
        dist.push_back(h_dist[i]);
        keys.insert(keys.end(), {next + static_cast<std::uint64_t>(i), 0});
        for (int a = 0; a < d; ++a) pop.push_back(h_theta[static_cast<std::size_t>(i) * d + a]);
      }
      next += static_cast<std::uint64_t>(n);
      total += n;
      g.simulations += n;
    }
    W.assign(P, 1.0 / static_cast<double>(P));
    g.epsilon = HUGE_VAL;
    g.acceptance_rate = static_cast<double>(g.simulations - g.non_finite) / static_cast<double>(g.simulations);
    g.total_simulations = total;
    g.ess = static_cast<double>(P);
    r.non_finite += g.non_finite;
    r.schedule.push_back(g);
    r.epsilon = HUGE_VAL;
    if (c.after_generation && total < c.sims) checkpoint(0);
  }

  // ---- generations 1, 2, ... ----------------------------------------------------------------
  r.stop_reason = "--sims budget spent";
  for (int t = first_generation; t <= c.max_generations; ++t) {
    if (total >= c.sims) break;
    double eps = smc_abc::weighted_quantile(dist, W, c.quantile);
    const bool final_target = c.target_epsilon > 0 && eps <= c.target_epsilon;
    if (final_target) eps = c.target_epsilon;
    const std::vector<double> L = smc_abc::perturbation_cholesky(pop, W, d, c.kernel_scale);
    std::vector<double> cumulative(P);
    double acc = 0;
    for (std::size_t j = 0; j < P; ++j) cumulative[j] = (acc += W[j]);
    for (double& v : cumulative) v /= acc;
    cumulative.back() = 1.0;
    const backend::DeviceVector<Real> prev(pop.begin(), pop.end());
    const backend::DeviceVector<double> cum(cumulative.begin(), cumulative.end()), chol(L.begin(), L.end());

    AbcGeneration g;
    g.generation = t;
    g.epsilon = eps;
    std::vector<double> next_pop, next_dist;
    std::vector<std::uint64_t> next_keys;
    std::int64_t accepted_all = 0, outside = 0;
    std::uint64_t next = 0;
    bool proposals_capped = false;
    std::vector<Real> h_theta;
    std::vector<double> h_dist;
    std::vector<unsigned char> h_sim;
    while (next_dist.size() < P) {
      const std::int64_t left = c.sims - total;
      if (left <= 0) break;
      const double need = static_cast<double>(P - next_dist.size()) / std::max(rate, 1e-4) * 1.2;
      std::int64_t n = static_cast<std::int64_t>(std::min<double>(need, static_cast<double>(cap)));
      n = std::min(left, std::max(n, kMinBatch));
      check_simulation_range(next, n);
      ensure(n);
      sbi::PerturbedDistance<Model> f;
      f.model = m.model;
      f.data = m.data;
      f.observed = backend::raw(obs);
      f.inv_scale = backend::raw(inv);
      f.population = backend::raw(prev);
      f.cumulative = backend::raw(cum);
      f.chol = backend::raw(chol);
      f.theta = backend::raw(theta);
      f.scratch = backend::raw(scratch);
      f.distance = backend::raw(distance);
      f.simulated = backend::raw(simulated);
      f.n_theta = d;
      f.n_x = n_x;
      f.n_particles = static_cast<int>(P);
      f.seed = c.seed;
      f.first = next;
      f.generation = static_cast<std::uint64_t>(t);
      f.summary = summary.view(n);
      backend::launch_lanes(static_cast<int>(n), f, static_cast<std::ptrdiff_t>(n) * (d * d + 8 * n_x));
      h_theta.resize(static_cast<std::size_t>(n) * d);
      h_dist.resize(static_cast<std::size_t>(n));
      h_sim.resize(static_cast<std::size_t>(n));
      theta.download(h_theta.data(), h_theta.size());
      distance.download(h_dist.data(), h_dist.size());
      simulated.download(h_sim.data(), h_sim.size());
      std::int64_t sims = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        if (!h_sim[i]) {
          ++outside;
          continue;
        }
        ++sims;
        const double di = h_dist[i];
        if (!(di == di)) {
          ++g.non_finite;
          continue;
        }
        if (!(di <= eps)) continue;
        ++accepted_all;
        if (next_dist.size() == P) continue;
        next_dist.push_back(di);
        next_keys.insert(next_keys.end(), {next + static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(t)});
        for (int a = 0; a < d; ++a) next_pop.push_back(h_theta[static_cast<std::size_t>(i) * d + a]);
      }
      next += static_cast<std::uint64_t>(n);
      total += sims;
      g.simulations += sims;
      // Proposals outside the prior cost no simulation, so a kernel that lands outside nearly
      // always could loop for ever: a generation stops after 100 x --sims + 1e6 proposals (or
      // at the end of the Rng's index space), and says why.
      if (next > (std::uint64_t(1) << 32) - static_cast<std::uint64_t>(cap) ||
          next > static_cast<std::uint64_t>(100) * static_cast<std::uint64_t>(c.sims) + 1000000) {
        proposals_capped = true;
        break;
      }
    }
    g.total_simulations = total;
    g.acceptance_rate = g.simulations > 0 ? static_cast<double>(accepted_all) / static_cast<double>(g.simulations) : 0.0;
    r.non_finite += g.non_finite;
    r.proposals_outside_prior += outside;
    if (next_dist.size() < P) {  // the budget (or the proposals) ran out: keep the previous population
      g.complete = false;
      r.schedule.push_back(g);
      if (proposals_capped)
        r.stop_reason = "generation " + std::to_string(t) + " could not be filled: " + std::to_string(next) +
                        " proposals, " + std::to_string(outside) +
                        " of them outside the prior's support (is --kernel-scale too large?)";
      else
        r.stop_reason = "--sims budget spent (generation " + std::to_string(t) + " could not be filled)";
      break;
    }
    // Importance weights, one lane per particle.
    const backend::DeviceVector<Real> cur(next_pop.begin(), next_pop.end());
    std::vector<double> logW(P);
    for (std::size_t j = 0; j < P; ++j) logW[j] = std::log(W[j]);
    const backend::DeviceVector<double> prev_logw(logW.begin(), logW.end());
    backend::DeviceVector<double> logw(P);
    sbi::KernelMixtureWeight<Model> k;
    k.model = m.model;
    k.data = m.data;
    k.particles = backend::raw(cur);
    k.previous = backend::raw(prev);
    k.log_weight_prev = backend::raw(prev_logw);
    k.chol = backend::raw(chol);
    k.log_weight = backend::raw(logw);
    k.n_theta = d;
    k.n_prev = static_cast<int>(P);
    backend::launch_lanes(static_cast<int>(P), k, static_cast<std::ptrdiff_t>(P) * static_cast<std::ptrdiff_t>(P) * d * d);
    W = smc_abc::normalize_log_weights(backend::to_host(logw));
    pop.swap(next_pop);
    dist.swap(next_dist);
    keys.swap(next_keys);
    g.ess = smc_abc::effective_sample_size(W);
    r.schedule.push_back(g);
    r.epsilon = eps;
    rate = std::max(g.acceptance_rate, 1e-6);
    if (final_target) {
      r.stop_reason = "--target-epsilon reached";
      break;
    }
    if (g.acceptance_rate < c.min_acceptance) {
      r.stop_reason = "acceptance rate below --min-acceptance";
      break;
    }
    if (t == c.max_generations) {
      r.stop_reason = "--generations reached";
    } else if (c.after_generation && total < c.sims) {
      checkpoint(t);
    }
  }
  r.simulations = total;

  // ---- the regression adjustment (--adjust linear) -----------------------------------------
  r.adjustment = "none";
  if (c.adjust) {
    AbcParticles particles{static_cast<int>(P), pop, keys, dist, W};
    if (adjust_abc_particles(m, c.seed, observed, inv_scale, particles, r.adjustment, kBandwidthQuantileSmcAbc,
                             summary)) {
      pop.swap(particles.theta);
      W = particles.weights;
    }
  }

  // ---- the result: P equally weighted draws ------------------------------------------------
  r.effective_draws = smc_abc::effective_sample_size(W);
  const double u = uniform(Rng{c.seed, 0}, 0, smc_abc::kAbcResample, 0);
  const std::vector<std::size_t> pick = smc_abc::systematic_resample(W, P, u);
  draws = DrawSet();
  draws.names.assign(m.names.begin(), m.names.begin() + d);
  draws.stat_names = {"distance__"};
  draws.resize(1, static_cast<int>(P));
  for (std::size_t k2 = 0; k2 < P; ++k2) {
    for (int a = 0; a < d; ++a) draws.series(a, 0)[k2] = pop[pick[k2] * d + a];
    draws.stat_series(0, 0)[k2] = dist[pick[k2]];
  }
  info.algorithm = "smc-abc";
  info.stan_engine.clear();
  info.seed = c.seed;
  info.num_warmup = 0;
  info.thin = 1;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  info.warmup_seconds = 0;
  info.sampling_seconds = r.seconds;
}

}  // namespace lockstep
