#pragma once
// ADVI (Kucukelbir et al. 2017, "Automatic Differentiation Variational Inference", JMLR 18(14))
// for K fits side by side, every Monte Carlo point a lane:
//
//   for step t = 1..steps, for every fit f still running:
//     S points eta_s ~ N(0, I) (Philox: seed, fit f, iteration t, Stream::kVariational),
//     zeta_s = mu + L eta_s, g_s = grad log p(zeta_s)         -- K * S lanes, one launch
//     theta <- theta + Adam(dF/dtheta)                         -- on the host (vi_family.hpp)
//     every eval_every steps (and at the last): ELBO = 1/E sum log p(zeta_e) + H[q] from E
//     points (Stream::kVariationalElbo, K * E lanes); Stan's relative-change rule
//     (vi_convergence.hpp) may stop the fit.
//
// Learning rate: Adam (Kingma & Ba 2015, b1 = 0.9, b2 = 0.999, eps = 1e-8) at the constant
// --learning-rate, as the seeds' TFP fit and NumPyro's SVI (Stan's ADVI instead adapts eta and
// decays its steps as t^-1/2; not used here). A non-finite gradient or ELBO estimate sends the
// fit back to its last ELBO checkpoint with half the learning rate, at most kViMaxRetries times.
//
// Starting points: mu uniform(-R, R) on the unconstrained space (Rng{seed, f}, Stream::kInit;
// redrawn up to 100 times until log p(mu) is finite, as Stan's initialization), every sd
// --init-sd (0.1, NumPyro's AutoNormal default: with Stan's 1 the first steps of a hierarchical
// model are so noisy that the seeds' radon fit sometimes leaves its county scale unconverged
// after 3000 steps, ELBO -220 against -203).
// The best fit (highest final ELBO) gives D draws (Stream::kVariationalDraw), mapped to the
// model's outputs by write_out: one chain of independent draws, with the statistics lp__ =
// log_p__ = log p(zeta) (the model's unnormalized log density on the unconstrained space, as
// the samplers' lp__) and log_g__ = log q(zeta).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "host/adapt/adam.hpp"
#include "host/algorithms/vi/vi_config.hpp"
#include "host/algorithms/vi/vi_convergence.hpp"
#include "host/algorithms/vi/vi_family.hpp"
#include "host/algorithms/vi/vi_lanes.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "models/contract/data_source.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {
namespace vi {

constexpr int kMaxInitAttempts = 100;
/// Output draws per launch on the host (fit_vi).
constexpr int kDrawChunk = 128;

inline bool all_finite(const Real* x, std::size_t n) {
  int bad = 0;  // no early exit: the loop vectorizes (it runs every step over the gradients)
  for (std::size_t i = 0; i < n; ++i) bad |= !std::isfinite(x[i]);
  return bad == 0;
}

/// Starting means of the K fits: uniform(-R, R) (or the given ones), redrawn where log p is
/// not finite.
template <class Model>
std::vector<std::vector<double>> starting_means(ViLanes<Model>& lanes, const ViConfig& c) {
  const int d = lanes.dim();
  std::vector<std::vector<double>> mu(c.fits, std::vector<double>(d, 0.0));
  std::vector<bool> ok(c.fits, false);
  for (int attempt = 0; attempt < kMaxInitAttempts; ++attempt) {
    for (int f = 0; f < c.fits; ++f) {
      if (ok[f]) continue;
      const Rng rng{c.seed, static_cast<std::uint32_t>(f)};
      for (int i = 0; i < d; ++i)
        mu[f][i] = !c.init_mean.empty()
                       ? c.init_mean[i]
                       : c.init_radius * (2 * uniform(rng, attempt, Stream::kInit, static_cast<std::uint32_t>(i)) - 1);
    }
    PointSet p;
    lanes.evaluate(mu, 1, c.seed, 0, Stream::kVariational, p, Fetch::kGradients, true);
    bool all = true;
    for (int f = 0; f < c.fits; ++f) {
      ok[f] = ok[f] || (std::isfinite(static_cast<double>(p.lp[f])) &&
                        all_finite(p.grad.data() + static_cast<std::size_t>(f) * d, d));
      all = all && ok[f];
    }
    if (all) return mu;
    if (!c.init_mean.empty()) break;
  }
  for (int f = 0; f < c.fits; ++f)
    if (!ok[f])
      throw InputError(c.init_mean.empty()
                           ? "vi: fit " + std::to_string(f + 1) + ": no starting point with a finite log density and "
                                 "gradient in " + std::to_string(kMaxInitAttempts) +
                                 " draws uniform(-R, R); try a smaller --init-radius"
                           : std::string("vi: the given starting point has a log density or gradient that is not finite"));
  return mu;
}

/// One fit's optimizer state: parameters, Adam moments, and the checkpoint it returns to.
struct FitState {
  std::vector<double> theta, good_theta;
  adapt::AdamMoments adam, good_adam;
  adapt::Adam opt;
  RelativeChange change{2};
  Stop stop = Stop::kRunning;
  int steps_run = 0;
  int retries = 0;
  int failed_at = 0;
  double last_elbo = std::numeric_limits<double>::quiet_NaN();
};

/// Back to the checkpoint with half the learning rate; a non-finite step after kViMaxRetries
/// retries fails the fit (retries then reads kViMaxRetries, as the README and the error say).
inline void retry(FitState& s, int step) {
  s.theta = s.good_theta;
  s.adam = s.good_adam;
  if (s.retries == kViMaxRetries) {
    s.stop = Stop::kFailed;
    s.failed_at = step;
    return;
  }
  s.opt.learning_rate *= 0.5;
  ++s.retries;
}

/// A fit's state as numbers (ViState::fits): theta, good_theta, Adam's m and v, its count,
/// the same of the good point, the learning rate, stop, steps_run, retries, failed_at,
/// last_elbo, then the stopping rule's memory (RelativeChange::state).
inline std::vector<double> pack_fit(const FitState& s) {
  std::vector<double> v;
  for (const std::vector<double>* a : {&s.theta, &s.good_theta, &s.adam.m, &s.adam.v}) v.insert(v.end(), a->begin(), a->end());
  v.push_back(s.adam.t);
  v.insert(v.end(), s.good_adam.m.begin(), s.good_adam.m.end());
  v.insert(v.end(), s.good_adam.v.begin(), s.good_adam.v.end());
  v.push_back(s.good_adam.t);
  v.insert(v.end(), {s.opt.learning_rate, static_cast<double>(s.stop), static_cast<double>(s.steps_run),
                     static_cast<double>(s.retries), static_cast<double>(s.failed_at), s.last_elbo});
  const std::vector<double> rule = s.change.state();
  v.insert(v.end(), rule.begin(), rule.end());
  return v;
}

/// pack_fit's numbers back into `s` (whose sizes and optimizer constants are set); false when
/// they do not fit n parameters and the rule's window.
inline bool unpack_fit(const std::vector<double>& v, std::size_t n, FitState& s) {
  const std::size_t fixed = 6 * n + 2 + 6;
  if (v.size() < fixed + 2) return false;
  std::size_t at = 0;
  auto take = [&](std::vector<double>& into) {
    into.assign(v.begin() + static_cast<std::ptrdiff_t>(at), v.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  };
  take(s.theta);
  take(s.good_theta);
  take(s.adam.m);
  take(s.adam.v);
  s.adam.t = v[at++];
  take(s.good_adam.m);
  take(s.good_adam.v);
  s.good_adam.t = v[at++];
  s.opt.learning_rate = v[at++];
  const int stop = static_cast<int>(v[at++]);
  if (stop < 0 || stop > static_cast<int>(Stop::kFailed)) return false;
  s.stop = static_cast<Stop>(stop);
  s.steps_run = static_cast<int>(v[at++]);
  s.retries = static_cast<int>(v[at++]);
  s.failed_at = static_cast<int>(v[at++]);
  s.last_elbo = v[at++];
  return s.change.restore(std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(at), v.end()));
}

template <class Model>
void fit_vi(const Loaded<Model>& m, const ViConfig& c, DrawSet& draws, RunInfo& info, Progress* progress) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  backend::set_threads(c.threads);
  ViLanes<Model> lanes(m, c.family, c.fits);
  const int d = lanes.dim(), K = c.fits;
  const int n_theta = n_family_params(c.family, d);
  if (!c.init_mean.empty() && static_cast<int>(c.init_mean.size()) != d)
    throw InputError("vi: the starting mean has " + std::to_string(c.init_mean.size()) + " values, the model " +
                     std::to_string(d) + " unconstrained parameters");

  std::vector<FitState> fit(K);
  const int window = convergence_window(c.steps, c.eval_every);
  const std::vector<std::vector<double>> mu0 =
      c.resume ? std::vector<std::vector<double>>(K, std::vector<double>(d, 0.0)) : starting_means(lanes, c);
  for (int f = 0; f < K; ++f) {
    FitState& s = fit[f];
    s.theta = initial_params(c.family, d, mu0[f], c.init_sd);
    s.adam = adapt::AdamMoments(n_theta);
    s.opt = adapt::Adam{c.learning_rate, kViAdamBeta1, kViAdamBeta2, kViAdamEpsilon};
    s.change = RelativeChange(window);
    s.good_theta = s.theta;
    s.good_adam = s.adam;
  }
  ViReport local;
  ViReport& report = c.report ? *c.report : local;
  report = ViReport{};
  report.family = c.family;
  report.dim = d;
  int first_step = 1;
  if (const ViState* from = c.resume) {
    if (static_cast<int>(from->fits.size()) != K || from->step < 0 || from->step > c.steps)
      throw InputError("vi: the checkpoint holds " + std::to_string(from->fits.size()) + " fits at step " +
                       std::to_string(from->step) + ", not --fits " + std::to_string(K) + " within --steps " +
                       std::to_string(c.steps));
    for (int f = 0; f < K; ++f)
      if (!unpack_fit(from->fits[f], static_cast<std::size_t>(n_theta), fit[f]))
        throw InputError("vi: the checkpoint's state of fit " + std::to_string(f + 1) + " does not match the model and flags");
    report.trace = from->trace;
    lanes.set_gradient_evaluations(from->gradient_evaluations);
    first_step = from->step + 1;
  }
  auto after_step = [&](int t) {
    if (!c.after_step || t >= c.steps) return;
    c.after_step(t, [&] {
      ViState st;
      st.step = t;
      for (const FitState& s : fit) st.fits.push_back(pack_fit(s));
      st.trace = report.trace;
      st.gradient_evaluations = lanes.gradient_evaluations();
      return st;
    });
  };

  std::vector<std::vector<double>> theta(K);
  std::vector<double> grad(n_theta);
  PointSet p, e;  // a step's points and the ELBO estimates' (kept: their buffers are reused)
  for (int t = first_step; t <= c.steps; ++t) {
    bool any = false;
    for (int f = 0; f < K; ++f) {
      theta[f] = fit[f].theta;
      any = any || fit[f].stop == Stop::kRunning;
    }
    if (!any) break;
    lanes.evaluate(theta, c.samples, c.seed, static_cast<std::uint64_t>(t), Stream::kVariational, p);
    for (int f = 0; f < K; ++f) {
      FitState& s = fit[f];
      if (s.stop != Stop::kRunning) continue;
      s.steps_run = t;
      const std::size_t at = static_cast<std::size_t>(f) * c.samples;
      if (!all_finite(p.lp.data() + at, c.samples) || !all_finite(p.grad.data() + at * d, static_cast<std::size_t>(c.samples) * d)) {
        retry(s, t);
        continue;
      }
      elbo_gradient(c.family, d, s.theta.data(), c.samples, p.eta.data() + at * d, p.grad.data() + at * d, grad.data());
      // Every parameter of a fit is updated at every step (a retry restores them together),
      // so they share Adam's update count and its bias corrections.
      s.opt.update(s.adam, grad.data(), s.theta.data());
    }
    if (t % c.eval_every == 0 || t == c.steps) {
      for (int f = 0; f < K; ++f) theta[f] = fit[f].theta;
      lanes.evaluate(theta, c.elbo_samples, c.seed, static_cast<std::uint64_t>(t), Stream::kVariationalElbo, e,
                     Fetch::kDensities);
      for (int f = 0; f < K; ++f) {
        FitState& s = fit[f];
        if (s.stop != Stop::kRunning) continue;
        double sum = 0;
        for (int k = 0; k < c.elbo_samples; ++k) sum += e.lp[static_cast<std::size_t>(f) * c.elbo_samples + k];
        const double elbo = sum / c.elbo_samples + entropy(c.family, d, s.theta.data());
        if (!std::isfinite(elbo)) {
          retry(s, t);
          continue;
        }
        const double rel = s.change.push(elbo);
        report.trace.push_back(ElboPoint{f, t, elbo, rel});
        s.last_elbo = elbo;
        s.good_theta = s.theta;
        s.good_adam = s.adam;
        s.stop = s.change.verdict(c.tol_rel_obj);
        if (s.stop == Stop::kRunning && t == c.steps) s.stop = Stop::kBudget;
      }
    }
    after_step(t);  // before the progress hook, which stops an interrupted run without a checkpoint
    if (progress) progress->update(t, c.steps, 0);
  }
  if (progress) progress->finish();
  // A fit that failed on its very last step(s) has no ELBO after its checkpoint: it still ran out.
  for (FitState& s : fit)
    if (s.stop == Stop::kRunning) s.stop = Stop::kBudget;

  int best = -1;
  for (int f = 0; f < K; ++f) {
    FitState& s = fit[f];
    report.final_elbo.push_back(s.stop == Stop::kFailed ? std::numeric_limits<double>::quiet_NaN() : s.last_elbo);
    report.steps_run.push_back(s.stop == Stop::kFailed ? s.failed_at : s.steps_run);
    report.stop.push_back(s.stop);
    report.retries.push_back(s.retries);
    report.final_learning_rate.push_back(s.opt.learning_rate);
    report.theta.push_back(s.stop == Stop::kFailed ? s.good_theta : s.theta);
    if (s.stop != Stop::kFailed && std::isfinite(s.last_elbo) && (best < 0 || s.last_elbo > fit[best].last_elbo))
      best = f;
  }
  if (best < 0) {
    int first = c.steps;
    for (const FitState& s : fit) first = std::min(first, s.failed_at > 0 ? s.failed_at : c.steps);
    throw InputError("vi: the ELBO or its gradient is not finite at step " + std::to_string(first) +
                     (K > 1 ? " (every fit failed)" : "") + " even after " + std::to_string(kViMaxRetries) +
                     " retries with the learning rate halved (down to " +
                     DataSource::format_number(c.learning_rate * std::pow(0.5, kViMaxRetries)) +
                     "); try a smaller --learning-rate or check the model's density");
  }
  report.best_fit = best;
  const auto t1 = clock::now();

  // D independent draws of the best fit's approximation. On the host they go in chunks of at
  // most kDrawChunk points, so that the buffers the ELBO estimates used are reused rather than
  // grown (fresh pages cost as much as the points); chunks change no value (first_point).
  const int n_out = lanes.n_out();
  draws = DrawSet{};
  draws.names = m.names;
  draws.stat_names = {"lp__", "log_p__", "log_g__"};
  draws.resize(1, c.draws);
  const int n_names = std::min<int>(static_cast<int>(m.names.size()), n_out);
  const int chunk = backend::lanes_on_device() ? std::max(c.draws, 1) : std::max(kDrawChunk, c.elbo_samples);
  const std::vector<std::vector<double>> best_theta = {fit[best].theta};
  PointSet out;
  for (int k0 = 0; k0 < c.draws; k0 += chunk) {
    const int n = std::min(chunk, c.draws - k0);
    lanes.evaluate(best_theta, n, c.seed, static_cast<std::uint64_t>(best), Stream::kVariationalDraw, out,
                   Fetch::kOutputs, false, k0);
    for (int q = 0; q < n_names; ++q) {
      double* to = draws.series(q, 0) + k0;
      for (int k = 0; k < n; ++k) to[k] = out.out[static_cast<std::size_t>(k) * n_out + q];
    }
    for (int k = 0; k < n; ++k) {
      draws.stat_series(0, 0)[k0 + k] = out.lp[k];
      draws.stat_series(1, 0)[k0 + k] = out.lp[k];
      draws.stat_series(2, 0)[k0 + k] =
          log_q(c.family, d, fit[best].theta.data(), out.eta.data() + static_cast<std::size_t>(k) * d);
    }
  }
  const auto t2 = clock::now();
  report.gradient_evaluations = lanes.gradient_evaluations();
  report.optimize_seconds = std::chrono::duration<double>(t1 - t0).count();
  report.draw_seconds = std::chrono::duration<double>(t2 - t1).count();
  info.algorithm = "vi";
  info.seed = c.seed;
  info.num_warmup = 0;
  info.thin = 1;
  info.gradient_evaluations = lanes.gradient_evaluations();
  info.warmup_seconds = report.optimize_seconds;
  info.sampling_seconds = report.draw_seconds;
}

}  // namespace vi
}  // namespace lockstep
