#pragma once
// Device storage for NUTS: the chain state and warmup arrays every HMC-family sampler has
// (HmcBuffers), the per-chain scratch of the iterative tree builder (kernels/nuts/
// nuts_arrays.hpp) in the backend's layout (nuts::kBackendLayout), sized by dim and max_depth, and — for a dense metric — the inverse
// metric, its Cholesky factor and the Welford sums of products.
#include <cstddef>
#include <vector>


#include "host/backend/lanes.hpp"
#include "host/run/hmc_buffers.hpp"
#include "kernels/hmc/metric.hpp"
#include "kernels/nuts/nuts_arrays.hpp"

namespace lockstep {

struct NutsBuffers {
  HmcBuffers hmc;
  int n_slots;
  int ld;  // Reals per chain vector: dim (coalesced) or dim rounded up to a line (lane-local)
  backend::DeviceVector<Real> q_cur, g_cur, minv_cur;  // lane-local layout only
  backend::DeviceVector<Real> q_f, p_f, g_f, ps_f, q_b, p_b, g_b, ps_b;
  backend::DeviceVector<Real> q_prop, g_prop, rho, rho_sub, p_near, ps_near;
  backend::DeviceVector<Real> left_p, left_ps, left_prefix, right_ps, right_prefix;
  // dense metric only: per chain (hmc::DenseMetricOf's layouts: chain-major on the CPU's
  // lane-local shape, [dim * dim][n_pad] on the GPU's), or [dim * dim] when shared (pooled)
  bool dense = false, shared_metric = false;
  bool chain_major = false;
  backend::DeviceVector<Real> dense_inv_metric, dense_chol, welford_cov;

  NutsBuffers(int dim, int n_pad, int n_out, double step0, int max_depth, bool dense_metric, bool shared)
      : hmc(dim, n_pad, n_out, step0), n_slots(max_depth > 1 ? max_depth - 1 : 1),
        ld(nuts::kBackendLayout == nuts::NutsLayout::kLaneLocal ? nuts::lane_local_ld(dim) : dim),
        dense(dense_metric), shared_metric(shared),
        chain_major(nuts::kBackendLayout == nuts::NutsLayout::kLaneLocal && !shared) {
    const std::size_t v = static_cast<std::size_t>(ld) * n_pad;
    if (nuts::kBackendLayout == nuts::NutsLayout::kLaneLocal)
      for (auto* x : {&q_cur, &g_cur, &minv_cur}) x->assign(v, 0);
    for (auto* x : {&q_f, &p_f, &g_f, &ps_f, &q_b, &p_b, &g_b, &ps_b, &q_prop, &g_prop, &rho, &rho_sub,
                    &p_near, &ps_near})
      x->assign(v, 0);
    for (auto* x : {&left_p, &left_ps, &left_prefix, &right_ps, &right_prefix}) x->assign(v * n_slots, 0);
    if (dense) {
      const std::size_t d2 = static_cast<std::size_t>(dim) * dim;
      const std::size_t copies = shared ? 1 : static_cast<std::size_t>(n_pad);
      dense_inv_metric.assign(d2 * copies, 0);
      dense_chol.assign(d2 * copies, 0);
      // identity to start with (Stan's default dense metric)
      std::vector<Real> eye(d2 * copies, 0);
      for (int i = 0; i < dim; ++i)
        for (std::size_t c = 0; c < copies; ++c) eye[dense_index(static_cast<std::size_t>(i) * dim + i, c)] = 1;
      dense_inv_metric.upload(eye.data(), eye.size());
      dense_chol.upload(eye.data(), eye.size());
      welford_cov.assign(d2 * n_pad, 0);
    }
  }

  nuts::NutsArrays scratch() {
    nuts::NutsArrays a;
    a.dim = hmc.dim;
    a.n_pad = hmc.n_pad;
    a.n_slots = n_slots;
    a.ld = ld;
    a.q_cur = backend::raw(q_cur), a.g_cur = backend::raw(g_cur), a.minv_cur = backend::raw(minv_cur);
    a.q_f = backend::raw(q_f), a.p_f = backend::raw(p_f), a.g_f = backend::raw(g_f), a.ps_f = backend::raw(ps_f);
    a.q_b = backend::raw(q_b), a.p_b = backend::raw(p_b), a.g_b = backend::raw(g_b), a.ps_b = backend::raw(ps_b);
    a.q_prop = backend::raw(q_prop), a.g_prop = backend::raw(g_prop);
    a.rho = backend::raw(rho), a.rho_sub = backend::raw(rho_sub);
    a.p_near = backend::raw(p_near), a.ps_near = backend::raw(ps_near);
    a.left_p = backend::raw(left_p), a.left_ps = backend::raw(left_ps), a.left_prefix = backend::raw(left_prefix);
    a.right_ps = backend::raw(right_ps), a.right_prefix = backend::raw(right_prefix);
    return a;
  }

  hmc::DenseMetricOf dense_metric_of() {
    hmc::DenseMetricOf m;
    m.minv = backend::raw(dense_inv_metric);
    m.chol = backend::raw(dense_chol);
    m.shared = shared_metric;
    m.chain_major = chain_major;
    return m;
  }

  /// Where element k of chain c's dense matrices lives in dense_inv_metric and dense_chol.
  std::size_t dense_index(std::size_t k, std::size_t c) const {
    const std::size_t dim = static_cast<std::size_t>(hmc.dim);
    return hmc::dense_metric_index(k, c, dim * dim, static_cast<std::size_t>(hmc.n_pad), shared_metric, chain_major);
  }
};

}  // namespace lockstep
