#pragma once
// Neural posterior estimation (Papamakarios & Murray 2016; Greenberg, Nonnenmacher & Macke
// 2019; sbi's NPE with the prior as proposal, one round): N prior predictive simulations run
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
#include "host/run/prior_simulations.hpp"
#include "kernels/core/model_traits.hpp"
#include "kernels/core/strided.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_contract.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

namespace npe_detail {

/// Lane k: the outputs of unconstrained draw k ([n][dim] -> [n][n_out]).
template <class Model>
struct WriteOutMany {
  Model model;
  typename Model::Data data;
  const Real* q = nullptr;
  Real* out = nullptr;
  int dim = 0, n_out = 0;
  LS_HD void operator()(int k) const {
    const Dense<Real> x{const_cast<Real*>(q) + static_cast<std::int64_t>(k) * dim};
    const Dense<Real> y{out + static_cast<std::int64_t>(k) * n_out};
    model.write_out(data, x, y);
  }
};

/// The seed of the fingerprint simulations recorded in network files.
constexpr std::uint64_t kFingerprintSeed = 0x6e70652d66707274ULL;  // "npe-fprt"
constexpr int kFingerprintSims = 3;

/// The unconstrained point of a prior draw; false when the model's transform refuses it.
template <class Model>
bool unconstrain_row(const Loaded<Model>& m, const double* theta, int d, std::vector<double>& u) {
  const std::vector<double> t(theta, theta + d);
  if constexpr (traits::has_unconstrain<Model>::value) {
    try {
      u = Model::unconstrain(m, t);
    } catch (const InputError&) {
      return false;
    }
  } else {
    u = t;
  }
  if (static_cast<int>(u.size()) != d) return false;
  for (double v : u)
    if (!std::isfinite(v)) return false;
  return true;
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void write_loss_csv(const std::string& path, const npe::TrainResult& r);

}  // namespace npe_detail

template <class Model>
void run_npe(const Loaded<Model>& m, const NpeConfig& cfg, DrawSet& draws, RunInfo& info, Progress* progress) {
  (void)progress;
  static_assert(traits::has_prior_draw<Model>::value && traits::has_simulate<Model>::value,
                "npe needs prior_draw and simulate");
  NpeReport local;
  NpeReport& report = cfg.report ? *cfg.report : local;
  const int d = m.model.dim(m.data), n_x = m.model.n_simulated(m.data), n_out = m.model.n_out(m.data);
  const std::string name = Model::info().name;
  if (static_cast<int>(m.sbi_observed.size()) != n_x)
    throw InputError("npe: model '" + name + "' gives no observed data set of its simulator's length " +
                     std::to_string(n_x) + " to condition on (Loaded::sbi_observed)");
  for (double v : m.sbi_observed)
    if (!std::isfinite(v)) throw InputError("npe: the observed data of model '" + name + "' are not all finite");

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
    const PriorSimulations sims = simulate_prior_predictive(m, cfg.seed, 0, cfg.sims);
    report.simulation_seconds = npe_detail::seconds_since(t0);
    report.sims = sims.n;
    std::vector<double> theta, x, u;
    theta.reserve(static_cast<std::size_t>(sims.n) * d);
    x.reserve(static_cast<std::size_t>(sims.n) * n_x);
    for (std::int64_t i = 0; i < sims.n; ++i) {
      if (!prior_simulation_finite(sims, i)) {
        ++report.non_finite;
        continue;
      }
      if (!npe_detail::unconstrain_row(m, sims.theta.data() + i * d, d, u)) {
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
    net = npe::train_posterior_network(std::move(theta), std::move(x), report.used, d, n_x, cfg.shape, cfg.train,
                                       report.training);
    report.training_seconds = npe_detail::seconds_since(t0);
    report.trained = true;
    header.sims = cfg.sims;
    header.best_epoch = report.training.best_epoch;
    header.train_seconds = report.training_seconds;
    if (!cfg.loss_csv.empty()) npe_detail::write_loss_csv(cfg.loss_csv, report.training);
    if (report.training.best_epoch == 0)
      throw InputError("npe: the training loss was not finite at epoch " + std::to_string(report.training.nan_epoch) +
                       ", before any epoch finished: no network to draw from (try a smaller --learning-rate)");
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
