#pragma once
// Device storage for the chain state of an HMC-family sampler, and the raw-pointer views
// (ChainArrays, AdaptArrays) the kernels take.
#include <cstdint>

#include "host/backend/lanes.hpp"
#include "kernels/hmc/chain_arrays.hpp"
#include "kernels/hmc/hmc_segment.hpp"

namespace lockstep {

struct HmcBuffers {
  int dim, n_pad, n_out;
  backend::DeviceVector<Real> q, grad, p, q0, grad0, inv_metric, logp, step_size;
  backend::DeviceVector<double> grad_evals;
  backend::DeviceVector<double> da_mu, da_s_bar, da_x_bar, da_counter;
  backend::DeviceVector<Real> welford_mean, welford_m2, scratch, last_accept;
  backend::DeviceVector<int> status;
  std::uint32_t first_chain = 0;  // the run's index of chain 0 here (ChainArrays::first_chain)

  HmcBuffers(int dim_, int n_pad_, int n_out_, double step0)
      : dim(dim_), n_pad(n_pad_), n_out(n_out_) {
    const std::size_t v = static_cast<std::size_t>(dim) * n_pad;
    q.assign(v, 0);
    grad.assign(v, 0);
    p.assign(v, 0);
    q0.assign(v, 0);
    grad0.assign(v, 0);
    inv_metric.assign(v, 1);
    logp.assign(n_pad, 0);
    step_size.assign(n_pad, static_cast<Real>(step0));
    grad_evals.assign(n_pad, 0);
    da_mu.assign(n_pad, 0);
    da_s_bar.assign(n_pad, 0);
    da_x_bar.assign(n_pad, 0);
    da_counter.assign(n_pad, 0);
    welford_mean.assign(v, 0);
    welford_m2.assign(v, 0);
    scratch.assign(static_cast<std::size_t>(n_out) * n_pad, 0);
    status.assign(n_pad, 0);
    last_accept.assign(n_pad, 0);
  }

  hmc::ChainArrays chains() {
    hmc::ChainArrays s;
    s.dim = dim;
    s.n_pad = n_pad;
    s.q = backend::raw(q);
    s.grad = backend::raw(grad);
    s.p = backend::raw(p);
    s.q0 = backend::raw(q0);
    s.grad0 = backend::raw(grad0);
    s.inv_metric = backend::raw(inv_metric);
    s.logp = backend::raw(logp);
    s.step_size = backend::raw(step_size);
    s.grad_evals = backend::raw(grad_evals);
    s.first_chain = first_chain;
    return s;
  }
  hmc::AdaptArrays adapt() {
    hmc::AdaptArrays a;
    a.da_mu = backend::raw(da_mu);
    a.da_s_bar = backend::raw(da_s_bar);
    a.da_x_bar = backend::raw(da_x_bar);
    a.da_counter = backend::raw(da_counter);
    a.welford_mean = backend::raw(welford_mean);
    a.welford_m2 = backend::raw(welford_m2);
    a.last_accept = backend::raw(last_accept);
    return a;
  }
};

}  // namespace lockstep
