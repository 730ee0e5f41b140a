#pragma once
// NutsArrays: raw pointers to the per-chain scratch of the iterative NUTS transition, and
// NutsLaneT, one chain's views into it.
//
// Two layouts of the same arrays, chosen at compile time per build shape (kBackendLayout):
//
//   kCoalesced (the GPU shape: CUDA, or -DLOCKSTEP_GPU_LAYOUT=ON): parameter-major with the chain stride, as ChainArrays: element i of
//     chain c at x[i * n_pad + c]; checkpoint slot j at x[(j * dim + i) * n_pad + c]. The 32
//     threads of a warp, one chain each, read 32 consecutive Reals per access (coalesced).
//   kLaneLocal (the CPU's SIMD shape): chain-major, each chain's vectors contiguous: element i of chain c at
//     x[c * ld + i]; checkpoint slot j at x[(c * n_slots + j) * ld + i], ld = dim rounded up
//     to a 64-byte line. On the CPU one thread walks one chain for a whole segment; with the
//     coalesced layout every element of its vectors sits on a different cache line (8 chains
//     share a line, 7/8 of every line fetched is other chains' data) and no loop over i
//     vectorizes. Lane-local, a chain's whole working state ((17 + 5 (max_depth - 1)) ld
//     Reals, 4.7 KB for Eight Schools) stays in L1 and the loops over i are unit-stride SIMD.
//     The chain's q, grad and diagonal inverse metric (ChainArrays, coalesced: shared with
//     the host and the warmup kernels) are copied into q_cur, g_cur, minv_cur at the start
//     of a segment and q, grad back at its end (nuts_segment.hpp).
//
// The host allocates (host/algorithms/nuts/nuts_buffers.hpp), sized by dim (or ld), n_pad and max_depth;
// kernels only index. Memory per chain: (14 + 5 * (max_depth - 1)) * dim Reals (coalesced),
// (17 + 5 * (max_depth - 1)) * ld (lane-local).
#include <cstddef>

#include "kernels/core/config.hpp"
#include "kernels/core/strided.hpp"
#include "kernels/hmc/chain_arrays.hpp"

namespace lockstep {
namespace nuts {

enum class NutsLayout : int { kCoalesced = 0, kLaneLocal = 1 };

/// The layout of this build's shape (LOCKSTEP_GPU_SHAPE, kernels/core/config.hpp; a
/// build-level constant, the same for host and device code).
constexpr NutsLayout kBackendLayout = kGpuShape ? NutsLayout::kCoalesced : NutsLayout::kLaneLocal;

/// Reals between consecutive chains' vectors in the lane-local layout: dim rounded up to a
/// whole 64-byte line.
LS_HD LS_INLINE int lane_local_ld(int dim) {
  constexpr int kPerLine = static_cast<int>(64 / sizeof(Real));
  return (dim + kPerLine - 1) / kPerLine * kPerLine;
}

/// A view moved by k elements (k in units of the underlying array).
LS_HD LS_INLINE Strided<Real> advance(Strided<Real> v, std::ptrdiff_t k) { return Strided<Real>{v.p + k, v.stride}; }
LS_HD LS_INLINE Dense<Real> advance(Dense<Real> v, std::ptrdiff_t k) { return Dense<Real>{v.p + k}; }

/// One chain's views, V = Strided<Real> (coalesced) or Dense<Real> (lane-local). q, g, logp
/// hold the sample (they start as the current state).
template <class V>
struct NutsLaneT {
  using View = V;
  int dim = 0;
  std::ptrdiff_t slot_stride = 0;  // distance between checkpoint slots
  V q{}, g{};                      // the sample (starts as the current state)
  Real* logp = nullptr;
  V q_f{}, p_f{}, g_f{}, ps_f{};   // forward end of the trajectory (p_f: initial momentum)
  V q_b{}, p_b{}, g_b{}, ps_b{};   // backward end
  V q_prop{}, g_prop{};            // the current subtree's multinomial proposal
  V rho{};                         // sum of momenta over the trajectory so far
  V rho_sub{};                     // running sum over the subtree being built
  V p_near{}, ps_near{};           // end of the old trajectory the new subtree starts from
  V left_p{}, left_ps{}, left_prefix{};  // left checkpoints, slot 0 (tree_indexing.hpp)
  V right_ps{}, right_prefix{};          // right checkpoints, slot 0

  LS_HD LS_INLINE V slot(V base, int j) const { return advance(base, static_cast<Index>(j) * slot_stride); }
};

using NutsLane = NutsLaneT<Strided<Real>>;       // coalesced
using LocalNutsLane = NutsLaneT<Dense<Real>>;    // lane-local

struct NutsArrays {
  int dim = 0;
  int n_pad = 0;
  int n_slots = 0;  // checkpoint slots per family: max(1, max_depth - 1)
  int ld = 0;       // lane-local layout: Reals between chains' vectors (0: dim)
  Real *q_f = nullptr, *p_f = nullptr, *g_f = nullptr, *ps_f = nullptr;
  Real *q_b = nullptr, *p_b = nullptr, *g_b = nullptr, *ps_b = nullptr;
  Real *q_prop = nullptr, *g_prop = nullptr, *rho = nullptr, *rho_sub = nullptr;
  Real *p_near = nullptr, *ps_near = nullptr;
  Real *left_p = nullptr, *left_ps = nullptr, *left_prefix = nullptr;  // n_slots slots
  Real *right_ps = nullptr, *right_prefix = nullptr;
  Real *q_cur = nullptr, *g_cur = nullptr, *minv_cur = nullptr;  // lane-local layout only

  /// Chain c's views in the coalesced layout; q, g, logp are the chain's own (ChainArrays).
  LS_HD NutsLane lane(const hmc::ChainArrays& s, int c) const {
    auto v = [&](Real* base) { return Strided<Real>{base + c, n_pad}; };
    NutsLane l;
    l.dim = dim;
    l.slot_stride = slot_index(1, 0, 0, dim, n_pad);  // slot j of element i at (j dim + i) n_pad + c
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

  /// Chain c's views in the lane-local layout; q, g are the lane-local copies q_cur, g_cur
  /// (the caller copies the chain's state in and the sample out), logp the chain's own.
  LS_HD LocalNutsLane local_lane(const hmc::ChainArrays& s, int c) const {
    const Index stride = ld > 0 ? ld : dim;
    const Index vec = soa_index(c, 0, stride);               // element i of chain c at c ld + i
    const Index ckpt = slot_index(c, 0, 0, n_slots, stride);  // slot j: (c n_slots + j) ld + i
    auto v = [&](Real* base) { return Dense<Real>{base + vec}; };
    auto k = [&](Real* base) { return Dense<Real>{base + ckpt}; };
    LocalNutsLane l;
    l.dim = dim;
    l.slot_stride = stride;
    l.q = v(q_cur);
    l.g = v(g_cur);
    l.logp = s.logp + c;
    l.q_f = v(q_f), l.p_f = v(p_f), l.g_f = v(g_f), l.ps_f = v(ps_f);
    l.q_b = v(q_b), l.p_b = v(p_b), l.g_b = v(g_b), l.ps_b = v(ps_b);
    l.q_prop = v(q_prop), l.g_prop = v(g_prop), l.rho = v(rho), l.rho_sub = v(rho_sub);
    l.p_near = v(p_near), l.ps_near = v(ps_near);
    l.left_p = k(left_p), l.left_ps = k(left_ps), l.left_prefix = k(left_prefix);
    l.right_ps = k(right_ps), l.right_prefix = k(right_prefix);
    return l;
  }

  /// Chain c's lane-local copy of its diagonal inverse metric.
  LS_HD Dense<Real> local_minv(int c) const {
    return Dense<Real>{minv_cur + soa_index(c, 0, ld > 0 ? ld : dim)};
  }
};

}  // namespace nuts
}  // namespace lockstep
