#pragma once
// NutsArrays: raw pointers to the per-chain scratch of the iterative NUTS transition, and
// NutsLane, one chain's views into it (and into the chain state of ChainArrays).
//
// Vectors are parameter-major with the chain stride, as ChainArrays: element i of chain c at
// x[i * n_pad + c]. Checkpoints are [slot][dim][n_pad]: element i of slot j of chain c at
// x[(j * dim + i) * n_pad + c]. The host allocates (host/run/nuts_buffers.hpp), sized by dim
// and max_depth; kernels only index. Memory per chain: (14 + 5 * (max_depth - 1)) * dim Reals.
#include <cstddef>

#include "kernels/core/config.hpp"
#include "kernels/core/strided.hpp"
#include "kernels/hmc/chain_arrays.hpp"

namespace lockstep {
namespace nuts {

/// One chain's views. The chain's own q, grad and logp (ChainArrays) hold the sample.
struct NutsLane {
  int dim = 0;
  std::ptrdiff_t slot_stride = 0;  // distance between checkpoint slots: dim * n_pad
  Strided<Real> q, g;              // the sample (starts as the current state)
  Real* logp = nullptr;
  Strided<Real> q_f, p_f, g_f, ps_f;  // forward end of the trajectory (p_f: initial momentum)
  Strided<Real> q_b, p_b, g_b, ps_b;  // backward end
  Strided<Real> q_prop, g_prop;       // the current subtree's multinomial proposal
  Strided<Real> rho;                  // sum of momenta over the trajectory so far
  Strided<Real> rho_sub;              // running sum over the subtree being built
  Strided<Real> p_near, ps_near;      // end of the old trajectory the new subtree starts from
  Strided<Real> left_p, left_ps, left_prefix;  // left checkpoints, slot 0 (tree_indexing.hpp)
  Strided<Real> right_ps, right_prefix;        // right checkpoints, slot 0

  LS_HD LS_INLINE Strided<Real> slot(Strided<Real> base, int j) const {
    return Strided<Real>{base.p + static_cast<std::ptrdiff_t>(j) * slot_stride, base.stride};
  }
};

struct NutsArrays {
  int dim = 0;
  int n_pad = 0;
  int n_slots = 0;  // checkpoint slots per family: max(1, max_depth - 1)
  Real *q_f = nullptr, *p_f = nullptr, *g_f = nullptr, *ps_f = nullptr;  // [dim][n_pad]
  Real *q_b = nullptr, *p_b = nullptr, *g_b = nullptr, *ps_b = nullptr;
  Real *q_prop = nullptr, *g_prop = nullptr, *rho = nullptr, *rho_sub = nullptr;
  Real *p_near = nullptr, *ps_near = nullptr;
  Real *left_p = nullptr, *left_ps = nullptr, *left_prefix = nullptr;  // [n_slots][dim][n_pad]
  Real *right_ps = nullptr, *right_prefix = nullptr;

  LS_HD NutsLane lane(const hmc::ChainArrays& s, int c) const {
    auto v = [&](Real* base) { return Strided<Real>{base + c, n_pad}; };
    NutsLane l;
    l.dim = dim;
    l.slot_stride = static_cast<std::ptrdiff_t>(dim) * n_pad;
    l.q = v(s.q);
    l.g = v(s.grad);
    l.logp = s.logp + c;
    l.q_f = v(q_f), l.p_f = v(p_f), l.g_f = v(g_f), l.ps_f = v(ps_f);
    l.q_b = v(q_b), l.p_b = v(p_b), l.g_b = v(g_b), l.ps_b = v(ps_b);
    l.q_prop = v(q_prop), l.g_prop = v(g_prop), l.rho = v(rho), l.rho_sub = v(rho_sub);
    l.p_near = v(p_near), l.ps_near = v(ps_near);
    l.left_p = v(left_p), l.left_ps = v(left_ps), l.left_prefix = v(left_prefix);
    l.right_ps = v(right_ps), l.right_prefix = v(right_prefix);
    return l;
  }
};

}  // namespace nuts
}  // namespace lockstep
