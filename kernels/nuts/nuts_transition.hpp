#pragma once
// One NUTS transition for one chain, iterative, with memory bounded by the maximum depth:
// Stan's algorithm (stan/mcmc/hmc/nuts/base_nuts.hpp, Stan >= 2.24; Hoffman & Gelman 2014,
// JMLR 15, algorithm 3 with Betancourt 2017, "A Conceptual Introduction to HMC", appendix A)
// built without recursion by NumPyro's checkpoint scheme (pyro-ppl/numpyro
// numpyro/infer/hmc_util.py, `_iterative_build_subtree`), extended with the checkpoints
// Stan's extra U-turn checks need (tree_indexing.hpp).
//
// Transition (H(q, p) = -log pi(q) + 1/2 p^T M^-1 p, H0 at the start):
//   repeat while depth < max_depth:
//     direction: forward if u > 1/2; extend the trajectory by a subtree of 2^depth leapfrog
//     steps from that end. Each new state z has weight w = exp(H0 - H(z)).
//     - divergence: H(z) - H0 > 1000, or H(z) not finite (NaN counts as +inf) ends the
//       subtree as invalid;
//     - after each leaf, the merges of Stan's recursion that complete there are checked
//       (three no-U-turn conditions each, uturn.hpp); a failing one ends it as invalid;
//     - the subtree's proposal is a multinomial draw over its states, proportional to w,
//       made progressively: leaf n replaces the proposal with probability
//       w_n / (w_0 + ... + w_n) (NumPyro's `_uniform_transition_kernel`) — the same
//       distribution as Stan's recursive draw.
//     an invalid subtree ends the transition (its states are never sampled). Otherwise
//     depth += 1; biased progressive sampling (Betancourt 2017, A.3.2): the sample moves to
//     the subtree's proposal with probability min(1, W_subtree / W_old); then the trajectory
//     stops if the three U-turn conditions across (old trajectory, new subtree) fail.
//   accept_stat = mean over every integrated state (rejected subtree included) of
//   min(1, exp(H0 - H)); treedepth = accepted doublings; energy = H at the sample.
//
// Uniforms are injected: `u(kind, ordinal)` returns the uniform on (0, 1) for the direction of
// doubling `ordinal` (kDirection), the top-level choice after doubling `ordinal` (kMerge), or
// the progressive choice at the `ordinal`-th leapfrog state of the transition (kLeaf). In
// production they come from the chain's Philox stream (PhiloxTreeUniforms); tests script them.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/strided.hpp"
#include "kernels/core/scalar_math.hpp"
#include "kernels/hmc/leapfrog.hpp"
#include "kernels/hmc/metric.hpp"
#include "kernels/nuts/leaf_pass.hpp"
#include "kernels/nuts/nuts_arrays.hpp"
#include "kernels/nuts/tree_indexing.hpp"
#include "kernels/nuts/uturn.hpp"

namespace lockstep {
namespace nuts {

constexpr double kMaxDeltaH = 1000.0;  // Stan's max_deltaH (base_nuts): divergence threshold
constexpr int kDefaultMaxDepth = 10;   // Stan's default max_depth
constexpr int kMaxDepthLimit = 30;     // leaf indices are 32-bit

enum class TreeDraw : int { kDirection = 0, kMerge = 1, kLeaf = 2 };

/// Per-transition sampler statistics (Stan's names: accept_stat__, energy__, treedepth__,
/// n_leapfrog__, divergent__).
struct NutsInfo {
  double accept_stat = 0;
  double energy = 0;
  int depth = 0;
  int n_leapfrog = 0;
  bool divergent = false;
};

/// The uniforms of a transition from the chain's stream: uniform(rng, iteration, kTree, i)
/// with i = ordinal (directions), 64 + ordinal (top-level choices), 128 + ordinal (leaves).
/// One Philox block holds uniforms 2k and 2k + 1 (philox.hpp, `uniform`); the last block of
/// each kind is kept, so consecutive leaves cost one block per two leaves even when a subtree's
/// direction and top-level choice come between them (the numbers are uniform()'s).
struct PhiloxTreeUniforms {
  Rng rng;
  std::uint64_t iteration;
  mutable std::uint32_t block[3] = {0xffffffffu, 0xffffffffu, 0xffffffffu};  // counter index of bits[kind]
  mutable Philox4x32::U4 bits[3] = {};
  LS_HD LS_INLINE double operator()(TreeDraw kind, int ordinal) const {
    const int k = static_cast<int>(kind);
    const std::uint32_t base = kind == TreeDraw::kDirection ? 0u : kind == TreeDraw::kMerge ? 64u : 128u;
    const std::uint32_t i = base + static_cast<std::uint32_t>(ordinal);
    if ((i >> 1) != block[k]) {
      block[k] = i >> 1;
      bits[k] = rng.bits(iteration, Stream::kTree, block[k]);
    }
    return (i & 1u) ? uniform_open01(bits[k].x[2], bits[k].x[3]) : uniform_open01(bits[k].x[0], bits[k].x[1]);
  }
};

/// One end of the trajectory: position, momentum, gradient, sharp momentum (V: the lane's
/// view type, nuts_arrays.hpp).
template <class V>
struct TrajectoryEnd {
  V q, p, g, ps;
};

/// 1/2 p . p# (= 1/2 p^T M^-1 p), in double, in kSumLanes partial sums (sum_lanes.hpp).
template <class V>
LS_HD LS_INLINE double kinetic_from_sharp(int dim, V p, V ps) {
#if !LOCKSTEP_GPU_SHAPE
  if constexpr (kSumLanesVector<V>) {
    double k[1][kSumLanes];
    sum_lanes_dots<1>(dim, {p.p}, [ps](auto i) { return at(ps, i); }, k);
    return 0.5 * add_sum_lanes(k[0]);
  }
#endif
  double k[kSumLanes] = {};
  for_sum_lanes(dim, [&](int i, int l) { k[l] += static_cast<double>(p[i]) * static_cast<double>(ps[i]); });
  return 0.5 * add_sum_lanes(k);
}

/// The leapfrog step's second half kick p += half g, the sharp momentum p# = M^-1 p and the
/// kinetic energy 1/2 p . p# (kinetic_from_sharp's partial sums). The CPU's vector path with a
/// diagonal metric takes leaf_pass.hpp's one pass instead (the same bits).
template <class V, class Metric>
LS_HD LS_INLINE double kick_sharp_kinetic(int dim, Real half, V p, V g, V ps, const Metric& metric) {
  LS_IVDEP
  for (int i = 0; i < dim; ++i) p[i] += half * g[i];
  metric.sharp(p, ps);
  return kinetic_from_sharp(dim, p, ps);
}

/// One transition of one chain as a resumable state machine: every leapfrog step stops where
/// it needs the gradient at a new position (`wants_gradient`: the position is near(L).q, the
/// gradient goes to near(L).g) and goes on when the caller has evaluated it (`resume`). The
/// arithmetic, its order and the uniforms are those of the algorithm above; nuts_transition
/// below runs it with the model called in between, one chain at a time. Stopping there is what
/// lets W chains advance together and have their W gradients evaluated in one SIMD call of the
/// model (kernels/nuts/nuts_gang.hpp), where each chain's tree still takes its own course.
///
/// Lane: NutsLaneT of either layout (nuts_arrays.hpp). L, the metric and the uniforms are the
/// caller's and passed to every call (the same ones throughout a transition); the machine holds
/// only scalars.
template <class Lane>
struct NutsMachine {
  using V = typename Lane::View;

  NutsInfo info;
  bool wants_gradient = false;  // a leapfrog step waits for the gradient at near(L).q

  /// The end of the trajectory the current subtree extends (in place).
  LS_HD LS_INLINE TrajectoryEnd<V> near(const Lane& L) const {
    return forward_ ? TrajectoryEnd<V>{L.q_f, L.p_f, L.g_f, L.ps_f} : TrajectoryEnd<V>{L.q_b, L.p_b, L.g_b, L.ps_b};
  }

  /// Starts a transition. On entry L.p_f holds the momentum drawn for it and L.q, L.g, *L.logp
  /// the current state; once wants_gradient is false they hold the sample and `info` the
  /// transition's statistics. Returns wants_gradient.
  template <class Metric, class Uniforms>
  LS_HD bool start(const Lane& L, const Metric& metric, Real eps, int max_depth, const Uniforms& u) {
    const int dim = L.dim;
    eps_ = eps;
    max_depth_ = max_depth;
    info = NutsInfo{};
    metric.sharp(L.p_f, L.ps_f);
    H0_ = kinetic_from_sharp(dim, L.p_f, L.ps_f) - static_cast<double>(*L.logp);
    LS_IVDEP
    for (int i = 0; i < dim; ++i) {
      L.q_f[i] = L.q[i];
      L.q_b[i] = L.q[i];
      L.g_f[i] = L.g[i];
      L.g_b[i] = L.g[i];
      L.p_b[i] = L.p_f[i];
      L.ps_b[i] = L.ps_f[i];
      L.rho[i] = L.p_f[i];
    }
    info.energy = H0_;
    traj_max_ = 0;  // the initial state's weight exp(H0 - H0) = exp(0) * 1
    traj_sum_ = 1;
    sum_metro_prob_ = 0;
    return next_subtree(L, metric, u);
  }

  /// The gradient at near(L).q is in near(L).g and logp is the log density there: finishes the
  /// leapfrog step, then goes on to the next one, or ends the subtree or the transition.
  /// Returns wants_gradient.
  template <class Metric, class Uniforms>
  LS_HD bool resume(const Lane& L, const Metric& metric, const Uniforms& u, Real logp) {
    const int dim = L.dim;
    const TrajectoryEnd<V> z = near(L);
    const Real half = eps_signed() * Real(0.5);
    ++info.n_leapfrog;
    const std::uint32_t n = leaf_;
    const int depth = info.depth;
    const int t = trailing_ones(n);
    const int ls = left_checkpoint_slot(n);
    const int rs = t >= 1 && t < depth ? t : -1;
    // On the CPU's vector path with a diagonal metric the kick, the checkpoints, the momentum
    // sum and the level-1 merge's dot products are one pass (leaf_pass.hpp; the same bits as
    // the loops below, which every other metric, view and the GPU take).
#if LOCKSTEP_NUTS_LEAF_PASS
    constexpr bool kOnePass = kSumLanesVector<V> && std::is_same_v<Metric, hmc::DiagMetric<Dense<Real>>>;
#else
    constexpr bool kOnePass = false;
#endif
    double level1[2][kSumLanes];  // the one pass's level-1 dots (odd leaves)
    double h;
#if LOCKSTEP_NUTS_LEAF_PASS
    if constexpr (kOnePass) {
      LeafRecord r{};
      r.rho_sub = L.rho_sub;
      if (ls >= 0) {
        r.left_p = L.slot(L.left_p, ls);
        r.left_ps = L.slot(L.left_ps, ls);
        r.left_prefix = L.slot(L.left_prefix, ls);
      } else {
        const int m = merge_slots(n, 1).begin_a;
        r.merge_ps = L.slot(L.left_ps, m);
        r.merge_prefix = L.slot(L.left_prefix, m);
        if (rs >= 0) {
          r.right_ps = L.slot(L.right_ps, rs);
          r.right_prefix = L.slot(L.right_prefix, rs);
        }
      }
      h = leaf_pass(dim, half, z.p, z.g, z.ps, metric, r, level1);
    } else
#endif
    {
      h = kick_sharp_kinetic(dim, half, z.p, z.g, z.ps, metric);
    }
    h -= static_cast<double>(logp);
    if (!(h == h)) h = INFINITY;
    const double w = H0_ - h;
    if (h - H0_ > kMaxDeltaH) {
      info.divergent = true;
      sum_metro_prob_ += m::exp(w);
      return finish();  // an invalid subtree ends the transition
    }
    // The subtree's weights as a running maximum and a scaled sum (the "online softmax"):
    // sum_n exp(w_n) = exp(w_max) * w_sum, so each leaf costs one exp for the log-sum, the
    // progressive probability w_n / (w_0 + ... + w_n) and, mostly, min(1, exp(w_n)) — where
    // log_sum_exp and the two exps cost four transcendentals. exp_max = exp(w_max) is refreshed
    // only when the maximum grows (on average ~ln n times in n leaves).
    double take;  // exp(w_n) / (exp(w_0) + ... + exp(w_n))
    if (w > w_max_) {
      w_sum_ = w_sum_ * m::exp(w_max_ - w) + 1.0;
      w_max_ = w;
      exp_max_ = m::exp(w);
      take = 1.0 / w_sum_;
      sum_metro_prob_ += w > 0 ? 1.0 : exp_max_;
    } else {
      const double e = m::exp(w - w_max_);
      w_sum_ += e;
      take = e / w_sum_;
      sum_metro_prob_ += w > 0 ? 1.0 : w_max_ < 700 ? e * exp_max_ : m::exp(w);
    }
    // progressive multinomial sampling inside the subtree
    if (n == 0 || u(TreeDraw::kLeaf, info.n_leapfrog - 1) < take) {
      LS_IVDEP
      for (int i = 0; i < dim; ++i) {
        L.q_prop[i] = z.q[i];
        L.g_prop[i] = z.g[i];
      }
      logp_prop_ = logp;
      h_prop_ = h;
    }

    if constexpr (!kOnePass) {
      // checkpoints (prefix sums exclude the leaf itself), then the running momentum sum
      const V lp = L.slot(L.left_p, ls < 0 ? 0 : ls), lps = L.slot(L.left_ps, ls < 0 ? 0 : ls),
              lpre = L.slot(L.left_prefix, ls < 0 ? 0 : ls);
      const V rps = L.slot(L.right_ps, rs < 0 ? 0 : rs), rpre = L.slot(L.right_prefix, rs < 0 ? 0 : rs);
      LS_IVDEP
      for (int i = 0; i < dim; ++i) {
        const Real before = L.rho_sub[i];
        if (ls >= 0) {
          lp[i] = z.p[i];
          lps[i] = z.ps[i];
          lpre[i] = before;
        }
        if (rs >= 0) {
          rps[i] = z.ps[i];
          rpre[i] = before;
        }
        L.rho_sub[i] = before + z.p[i];
      }
    }

    // the merges of Stan's recursion that leaf n completes (levels 1 .. t)
    for (int k = 1; k <= t; ++k) {
      const MergeSlots ms = merge_slots(n, k);
      const V ps_m = L.slot(L.left_ps, ms.begin_a), pre_m = L.slot(L.left_prefix, ms.begin_a);
      const V rho_sub = L.rho_sub;
      // around A+B: rho[m..n]
      bool ok;
      if (kOnePass && k == 1)
        ok = add_sum_lanes(level1[0]) > 0 && add_sum_lanes(level1[1]) > 0;
      else
        ok = persists(dim, ps_m, z.ps, [&](auto i) { return at(rho_sub, i) - at(pre_m, i); });
      if (ok && k >= 2) {
        // across the junction from A: p#(m), p#(b), rho[m..b]
        const V ps_b = L.slot(L.left_ps, ms.begin_b), p_b = L.slot(L.left_p, ms.begin_b),
                pre_b = L.slot(L.left_prefix, ms.begin_b);
        ok = persists(dim, ps_m, ps_b, [&](auto i) { return at(pre_b, i) + at(p_b, i) - at(pre_m, i); });
        if (ok) {
          // across the junction from B: p#(e), p#(n), rho[e..n]
          const V ps_e = L.slot(L.right_ps, ms.end_a), pre_e = L.slot(L.right_prefix, ms.end_a);
          ok = persists(dim, ps_e, z.ps, [&](auto i) { return at(rho_sub, i) - at(pre_e, i); });
        }
      }
      if (!ok) return finish();  // a U-turn inside the subtree: invalid, ends the transition
    }
    if (++leaf_ < (1u << depth)) {
      begin_leaf(L, metric);
      return wants_gradient;
    }
    return end_subtree(L, metric, u);
  }

 private:
  LS_HD LS_INLINE Real eps_signed() const { return forward_ ? eps_ : -eps_; }

  // Extends the trajectory by a subtree of 2^depth leapfrog steps, while depth < max_depth.
  template <class Metric, class Uniforms>
  LS_HD bool next_subtree(const Lane& L, const Metric& metric, const Uniforms& u) {
    if (info.depth >= max_depth_) return finish();
    const int dim = L.dim;
    forward_ = u(TreeDraw::kDirection, info.depth) > 0.5;
    const TrajectoryEnd<V> z = near(L);
    LS_IVDEP
    for (int i = 0; i < dim; ++i) {
      L.p_near[i] = z.p[i];
      L.ps_near[i] = z.ps[i];
      L.rho_sub[i] = 0;
    }
    leaf_ = 0;
    w_max_ = -INFINITY;
    w_sum_ = 0;
    exp_max_ = 0;
    begin_leaf(L, metric);
    return wants_gradient;
  }

  // The leapfrog step's first half kick and its drift (hmc::leapfrog with one step: the same
  // operations); the gradient at the new position is the caller's.
  template <class Metric>
  LS_HD LS_INLINE void begin_leaf(const Lane& L, const Metric& metric) {
    const TrajectoryEnd<V> z = near(L);
    const Real eps = eps_signed();
    const Real half = eps * Real(0.5);
    if constexpr (std::is_same_v<Metric, hmc::DiagMetric<Dense<Real>>>) {
      // the kick and the drift in one pass (each element's operations as in the two loops)
      const Dense<Real> minv = metric.minv;
      LS_IVDEP
      for (int i = 0; i < L.dim; ++i) {
        z.p[i] += half * z.g[i];
        z.q[i] += eps * minv[i] * z.p[i];
      }
    } else {
      LS_IVDEP
      for (int i = 0; i < L.dim; ++i) z.p[i] += half * z.g[i];
      metric.drift(z.q, z.p, eps);
    }
    wants_gradient = true;
  }

  // A valid subtree is complete: biased progressive sampling between the old trajectory and
  // the subtree, the U-turn checks across them, then the next doubling.
  template <class Metric, class Uniforms>
  LS_HD bool end_subtree(const Lane& L, const Metric& metric, const Uniforms& u) {
    const int dim = L.dim;
    ++info.depth;
    // Both weights as (maximum, scaled sum): W_sub = exp(w_max) w_sum, W_old = exp(traj_max)
    // traj_sum. The sample moves with probability min(1, W_sub / W_old), and the merged
    // trajectory's weight is their sum: one exp, of the smaller maximum minus the larger.
    double take, merged_max, merged_sum;
    if (w_max_ > traj_max_) {
      const double e = m::exp(traj_max_ - w_max_);  // in [0, 1)
      take = w_sum_ / (traj_sum_ * e);
      merged_max = w_max_;
      merged_sum = traj_sum_ * e + w_sum_;
    } else {
      const double e = m::exp(w_max_ - traj_max_);  // in [0, 1]
      take = e * w_sum_ / traj_sum_;
      merged_max = traj_max_;
      merged_sum = traj_sum_ + w_sum_ * e;
    }
    if (take > 1.0 || u(TreeDraw::kMerge, info.depth - 1) < take) {
      LS_IVDEP
      for (int i = 0; i < dim; ++i) {
        L.q[i] = L.q_prop[i];
        L.g[i] = L.g_prop[i];
      }
      *L.logp = logp_prop_;
      info.energy = h_prop_;
    }
    traj_max_ = merged_max;
    traj_sum_ = merged_sum;

    // A = old trajectory (far end .. near end), B = new subtree (left slot 0 .. near.*)
    const TrajectoryEnd<V> z = near(L);
    const V ps_far = forward_ ? L.ps_b : L.ps_f;
    const V rho = L.rho, rho_sub = L.rho_sub, p_near = L.p_near;
    const V p_b0 = L.left_p;  // slot 0 = the subtree's first leaf
    bool persist = persists(dim, ps_far, z.ps, [&](auto i) { return at(rho, i) + at(rho_sub, i); });
    persist = persist && persists(dim, ps_far, L.left_ps, [&](auto i) { return at(rho, i) + at(p_b0, i); });
    persist = persist && persists(dim, L.ps_near, z.ps, [&](auto i) { return at(rho_sub, i) + at(p_near, i); });
    LS_IVDEP
    for (int i = 0; i < dim; ++i) rho[i] += rho_sub[i];
    if (!persist) return finish();
    return next_subtree(L, metric, u);
  }

  LS_HD LS_INLINE bool finish() {
    info.accept_stat = info.n_leapfrog > 0 ? sum_metro_prob_ / info.n_leapfrog : 0.0;
    wants_gradient = false;
    return false;
  }

  double H0_ = 0, traj_max_ = 0, traj_sum_ = 0, sum_metro_prob_ = 0;
  double w_max_ = 0, w_sum_ = 0, exp_max_ = 0;  // the current subtree's weights (resume)
  double h_prop_ = 0;                           // H at the subtree's proposal
  Real logp_prop_ = 0;                          // log density there
  Real eps_ = 0;
  int max_depth_ = 0;
  std::uint32_t leaf_ = 0;  // index of the current leaf in its subtree
  bool forward_ = true;
};

/// One transition of one chain, the model evaluated between the machine's steps. On entry
/// L.p_f holds the momentum drawn for this transition and L.q, L.g, *L.logp the current state;
/// on exit they hold the sample. Lane: NutsLaneT of either layout (nuts_arrays.hpp); the
/// arithmetic is the same in both.
template <class Model, class Lane, class Metric, class Uniforms>
LS_HD NutsInfo nuts_transition(const Model& model, const typename Model::Data& data, const Lane& L,
                               const Metric& metric, Real eps, int max_depth, const Uniforms& u) {
  NutsMachine<Lane> machine;
  bool more = machine.start(L, metric, eps, max_depth, u);
  while (more) {
    const TrajectoryEnd<typename Lane::View> z = machine.near(L);
    const Real logp = model.log_density_and_grad(data, z.q, z.g);
    more = machine.resume(L, metric, u, logp);
  }
  return machine.info;
}

}  // namespace nuts
}  // namespace lockstep
