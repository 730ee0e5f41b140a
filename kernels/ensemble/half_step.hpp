#pragma once
// One half of a red/blue ensemble step (Foreman-Mackey et al. 2013, algorithm 3): every
// walker of the half being updated proposes from the complementary half (kernels/ensemble/
// moves.hpp) and accepts with probability min(1, exp(f + lp(y) - lp(x))). The host runs the
// first half, then the second against the already-updated first (host/run/
// ensemble_sampler.hpp); reading the complement from a snapshot of the step's start instead
// gives the INVALID "simultaneous" variant that only a test uses.
//
// One lane = B = K W consecutive half positions (kernels/ensemble/ensemble_arrays.hpp),
// possibly of several ensembles. Position i of ensemble e's half is the walker pi_e(half h + i)
// (split.hpp), or with `order` (the CPU shape) the i-th smallest id of that half
// (sorted_halves.hpp): either way the same walkers get the same updates. Every phase is a loop over the B walkers that g++
// vectorizes: the split-permutation lookups (SplitBlock), the Philox draws under B different
// keys (philox_keys), the stretch and DE proposals (gathers from the complement), staged by
// half position; then the model evaluates the proposals W at a time on a BlockView<W> (T =
// Batch<W>). The walk move is built walker by walker (scalar). A lane only writes its own
// walkers and reads the other half, so lanes never race.
//
// Why K > 1 on the CPU: the phases before the model are one long chain of dependent,
// high-latency integer work per walker (split lookup -> Philox -> partner lookup -> gather);
// K independent blocks of W in one lane let the core overlap K such chains (measured on the
// peak model: the host picks K, host/algorithms/ensemble/ensemble_sampler.hpp). On the GPU W = K = 1.
//
// Random numbers: walker g's draws at step t come from the key (seed, g), Stream::kEnsemble,
// counter t (moves.hpp lists the indices); the split of ensemble e from (seed, e) at index
// kSplitIndex (split.hpp). Nothing depends on the lane layout or on scheduling.
#include <cstdint>

#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/scalar_math.hpp"
#include "kernels/ensemble/ensemble_arrays.hpp"
#include "kernels/ensemble/moves.hpp"
#include "kernels/ensemble/split.hpp"

namespace lockstep {
namespace ensemble {

template <class Model, int W, int K = 1>
struct HalfStep {
  static constexpr int B = K * W;  // half positions per lane (K model blocks of W)
  Model model;
  typename Model::Data data;
  EnsembleArrays a;  // a.half_pad must be a multiple of B
  const Real* complement = nullptr;  // where complement positions are read: a.x, or a snapshot
  EnsembleDrawTarget out;
  std::uint64_t seed = 0;
  std::uint64_t iteration = 0;
  int half = 0;  // 0: the first half pi(0..n/2-1), 1: the second half
  MoveKind kind = MoveKind::kStretch;
  MoveParams params;
  double gamma0 = 0;  // DE's mean stretch, de_gamma0(params, dim)
  // A run split over MPI ranks (host/algorithms/ensemble/ensemble_sampler.hpp): lane 0 starts
  // at half position first_position (a multiple of B) and positions from end_position on are
  // another rank's (-1: none); each updated position's walker and acceptance are recorded in
  // walker_of[j] and accepted_of[j] (when not null) for the exchange between ranks.
  int first_position = 0;
  int end_position = -1;
  int* walker_of = nullptr;
  Real* accepted_of = nullptr;
  // Which walker each half position updates: null, the split's own order (position i of
  // ensemble e's half = pi_e(half * h + i)); else order[half * half_pad + j], the same walkers
  // sorted by id (SortHalves, kernels/ensemble/sorted_halves.hpp; the draws are the same).
  const std::uint32_t* order = nullptr;

  LS_HD void operator()(int lane) const {
    const int d = a.dim, n = a.n_walkers, h = a.half();
    const int n_pos = end_position < 0 ? a.n_half_positions() : end_position;
    const int j0 = first_position + lane * B;
    const std::uint32_t other = static_cast<std::uint32_t>((1 - half) * h);
    // ---- which walkers: half position j -> ensemble e, member pi_e(half * h + i) ----------
    int ens[B], pos[B];
    bool real[B];
    std::uint32_t in[B], member[B], g[B];
    // e = floor(jj / h) as floor((jj + 1/2) * (1/h)): (jj + 1/2) / h is at least 1/(2h) from
    // an integer and the product's relative error is ~2^-52, so it is exact for every int jj
    // (and, unlike an integer division, vectorizes).
    const double inv_h = 1.0 / h;
    for (int w = 0; w < B; ++w) {
      const int j = j0 + w;
      real[w] = j < n_pos;
      // padding positions repeat the last real one; their results are never written
      const int jj = real[w] ? j : n_pos - 1;
      const int e = static_cast<int>((jj + 0.5) * inv_h);
      ens[w] = e;
      pos[w] = jj;
      in[w] = static_cast<std::uint32_t>(half * h + (jj - e * h));
    }
    SplitBlock<B> split;
    split.init(seed, iteration, n, ens);
    if (order) {  // the half's walkers in id order (sorted_halves.hpp)
      for (int w = 0; w < B; ++w) g[w] = order[static_cast<Index>(half) * a.half_pad + pos[w]];
    } else {
      split.apply(in, member);
      for (int w = 0; w < B; ++w) g[w] = static_cast<std::uint32_t>(ens[w] * n) + member[w];
    }
    // ---- their random numbers and proposals --------------------------------------------------
    WalkerUniformsBlock<B> u;
    u.draw(seed, iteration, g, kind == MoveKind::kDifferentialEvolution);
    double log_u[B], factor[B];
    for (int w = 0; w < B; ++w) {
      log_u[w] = vm::log(u.accept[w]);
      factor[w] = 0;
    }
    const Index xs = a.n_pad, ys = a.half_pad;  // 64-bit offsets: soa_index
    if (kind == MoveKind::kStretch) {
      std::uint32_t pin[B], pc[B];
      double z[B];
      for (int w = 0; w < B; ++w) {
        pin[w] = other + static_cast<std::uint32_t>(pick_index(u.pick1[w], h));
        z[w] = stretch_z(params.stretch_a, u.move[w]);
        factor[w] = (d - 1) * vm::log(z[w]);
      }
      split.apply(pin, pc);
      for (int p = 0; p < d; ++p) {
        const Real* xp = a.x + soa_index(p, 0, xs);
        const Real* cp = complement + soa_index(p, 0, xs);
        Real* y = a.prop + soa_index(p, j0, ys);
        for (int w = 0; w < B; ++w) {
          const std::uint32_t c = static_cast<std::uint32_t>(ens[w] * n) + pc[w];
          const double cv = cp[c];
          y[w] = static_cast<Real>(cv + z[w] * (xp[g[w]] - cv));
        }
      }
    } else if (kind == MoveKind::kDifferentialEvolution) {
      std::uint32_t pin1[B], pin2[B], c1[B], c2[B];
      for (int w = 0; w < B; ++w) {
        const int i1 = pick_index(u.pick1[w], h);
        int i2 = pick_index(u.pick2[w], h - 1);
        i2 += i2 >= i1 ? 1 : 0;
        pin1[w] = other + static_cast<std::uint32_t>(i1);
        pin2[w] = other + static_cast<std::uint32_t>(i2);
      }
      split.apply(pin1, c1);
      split.apply(pin2, c2);
      std::uint32_t b[4][B];
      philox_keys<B>(Rng::counter(seed, iteration, Stream::kEnsemble, 2), g, static_cast<std::uint32_t>(seed), b);
      double gamma[B];
      for (int w = 0; w < B; ++w) {
        double z0, z1;
        normal_pair(Philox4x32::U4{{b[0][w], b[1][w], b[2][w], b[3][w]}}, z0, z1);
        gamma[w] = gamma0 * (1.0 + params.de_sigma * z0);
      }
      for (int p = 0; p < d; ++p) {
        const Real* xp = a.x + soa_index(p, 0, xs);
        const Real* cp = complement + soa_index(p, 0, xs);
        Real* y = a.prop + soa_index(p, j0, ys);
        for (int w = 0; w < B; ++w) {
          const std::uint32_t base = static_cast<std::uint32_t>(ens[w] * n);
          y[w] = static_cast<Real>(xp[g[w]] + gamma[w] * (static_cast<double>(cp[base + c2[w]]) - cp[base + c1[w]]));
        }
      }
    } else {
      for (int w = 0; w < B; ++w) propose_walk(split, w, ens[w], static_cast<int>(g[w]), j0 + w);
    }
    // ---- evaluate the B proposals, W at a time (T = Batch<W>), and accept or reject ----------
    double lpn[B];
    for (int k = 0; k < K; ++k) {
      const Batch<W> lp_k = model.log_density_constrained(data, BlockView<W>{a.prop + j0 + k * W, a.half_pad});
      for (int w = 0; w < W; ++w) lpn[k * W + w] = lane_of(lp_k, w);
    }
    bool accept[B];
    for (int w = 0; w < B; ++w) {
      // NaN or -inf at the proposal: the comparison is false (rejected)
      accept[w] = log_u[w] < factor[w] + (lpn[w] - static_cast<double>(a.lp[g[w]]));
    }
    // Selects, not branches (acceptance is ~50%: a branch would mispredict half the time);
    // the walkers of one half are distinct, and padding (a suffix of the lane) is skipped. A
    // saved step's draw is stored from the values just selected, not read back from x (whose
    // cache lines the other threads' walkers share).
    int n_real = 0;
    for (int w = 0; w < B; ++w) n_real += real[w] ? 1 : 0;
    for (int p = 0; p < d; ++p) {
      Real* xrow = a.x + soa_index(p, 0, xs);
      const Real* yrow = a.prop + soa_index(p, j0, ys);
      for (int w = 0; w < n_real; ++w) {
        const Real v = accept[w] ? yrow[w] : xrow[g[w]];
        xrow[g[w]] = v;
        if (out.save) out.values[out.at(p, static_cast<int>(g[w]))] = v;
      }
    }
    for (int w = 0; w < n_real; ++w) {
      const Index gw = static_cast<Index>(g[w]);
      const Real new_lp = accept[w] ? static_cast<Real>(lpn[w]) : a.lp[gw];
      a.lp[gw] = new_lp;
      if (out.save) {
        out.stats[out.at(kStatLp, static_cast<int>(gw))] = new_lp;
        out.stats[out.at(kStatAccepted, static_cast<int>(gw))] = accept[w] ? 1.0 : 0.0;
      }
    }
    if (a.n_accepted)  // every step, saved or not: the acceptance fraction as emcee counts it
      for (int w = 0; w < n_real; ++w) a.n_accepted[g[w]] += accept[w] ? 1.0 : 0.0;
    if (walker_of)
      for (int w = 0; w < n_real; ++w) {
        walker_of[j0 + w] = static_cast<int>(g[w]);
        accepted_of[j0 + w] = accept[w] ? Real(1) : Real(0);
      }
  }

 private:
  LS_HD LS_INLINE Real xat(const Real* base, int p, int g) const {
    return base[soa_index(p, g, a.n_pad)];
  }

  /// The walk move for element w (walker g, ensemble e): writes prop[., j].
  LS_HD void propose_walk(const SplitBlock<B>& split, int w, int e, int g, int j) const {
    const int d = a.dim, h = a.half(), base = e * a.n_walkers;
    const std::uint32_t other = static_cast<std::uint32_t>((1 - half) * h);
    const Rng rng{seed, static_cast<std::uint32_t>(g)};
    Real* y = a.prop + j;
    const Index ys = a.half_pad;
    if (params.walk_helpers <= 0) {
      // y = x + L Z with C = L L^T the whole complement's covariance (WalkCovariance). The
      // normals are staged in y and consumed from the last row up (row p reads Z_0..Z_p).
      const Real* L = a.walk_chol + soa_index(e, 0, static_cast<Index>(d) * d);
      for (int k = 0; k < d; ++k)
        y[soa_index(k, 0, ys)] = static_cast<Real>(
            normal(rng, iteration, Stream::kEnsemble, 2 * kWalkNormalIndex + static_cast<std::uint32_t>(k)));
      for (int p = d - 1; p >= 0; --p) {
        double s = xat(a.x, p, g);
        for (int k = 0; k <= p; ++k) s += static_cast<double>(L[p * d + k]) * y[soa_index(k, 0, ys)];
        y[soa_index(p, 0, ys)] = static_cast<Real>(s);
      }
      return;
    }
    // y = x + (S - 1)^{-1/2} sum_j (Z_j - mean Z) c_j over S helpers drawn without replacement.
    const int S = params.walk_helpers;
    int helper[kMaxWalkHelpers];
    double z[kMaxWalkHelpers];
    floyd_subset(rng, iteration, h, S, helper);
    double zbar = 0;
    for (int k = 0; k < S; ++k) {
      z[k] = normal(rng, iteration, Stream::kEnsemble, 2 * kWalkNormalIndex + static_cast<std::uint32_t>(k));
      zbar += z[k];
      helper[k] = base + static_cast<int>(split.one(w, other + static_cast<std::uint32_t>(helper[k])));
    }
    zbar /= S;
    const double scale = 1.0 / ::sqrt(static_cast<double>(S - 1));
    for (int p = 0; p < d; ++p) {
      double s = 0;
      for (int k = 0; k < S; ++k) s += (z[k] - zbar) * xat(complement, p, helper[k]);
      y[soa_index(p, 0, ys)] = static_cast<Real>(xat(a.x, p, g) + scale * s);
    }
  }

};

/// The draws of a saved step for every walker from the positions, log densities and this
/// step's acceptances (accepted[g]): what HalfStep's store() writes, for a run split over MPI
/// ranks, where each rank updates some walkers and then receives the others'.
struct StoreWalkers {
  EnsembleArrays a;
  EnsembleDrawTarget out;
  const Real* accepted = nullptr;  // [n_total]
  LS_HD void operator()(int g) const {
    for (int p = 0; p < a.dim; ++p) out.values[out.at(p, g)] = a.x[soa_index(p, g, a.n_pad)];
    out.stats[out.at(kStatLp, g)] = a.lp[g];
    out.stats[out.at(kStatAccepted, g)] = accepted[g];
  }
};

/// Walk move with the whole complement: per ensemble (one lane each), the mean and the
/// covariance (divisor n/2 - 1, as numpy.cov) of the half NOT being updated, then its
/// (semi-definite) Cholesky factor. Sums run in walker order: deterministic.
struct WalkCovariance {
  EnsembleArrays a;
  const Real* complement = nullptr;
  std::uint64_t seed = 0;
  std::uint64_t iteration = 0;
  int half = 0;  // the half about to be updated

  LS_HD void operator()(int e) const {
    const int d = a.dim, n = a.n_walkers, h = a.half();
    const SplitPermutation perm = SplitPermutation::make(seed, static_cast<std::uint32_t>(e), iteration, n);
    const int other = (1 - half) * h, base = e * n;
    Real* mean = a.walk_mean + soa_index(e, 0, d);
    Real* C = a.walk_chol + soa_index(e, 0, static_cast<Index>(d) * d);
    for (int p = 0; p < d; ++p) mean[p] = 0;
    for (int k = 0; k < d * d; ++k) C[k] = 0;
    for (int i = 0; i < h; ++i) {
      const int g = base + static_cast<int>(perm(static_cast<std::uint32_t>(other + i)));
      for (int p = 0; p < d; ++p) mean[p] += complement[soa_index(p, g, a.n_pad)];
    }
    for (int p = 0; p < d; ++p) mean[p] /= h;
    for (int i = 0; i < h; ++i) {
      const int g = base + static_cast<int>(perm(static_cast<std::uint32_t>(other + i)));
      for (int p = 0; p < d; ++p) {
        const double dp = complement[soa_index(p, g, a.n_pad)] - mean[p];
        for (int q = 0; q <= p; ++q)
          C[p * d + q] += static_cast<Real>(dp * (complement[soa_index(q, g, a.n_pad)] - mean[q]));
      }
    }
    const Real inv = static_cast<Real>(1.0 / (h - 1));
    for (int p = 0; p < d; ++p)
      for (int q = 0; q <= p; ++q) C[p * d + q] *= inv;
    cholesky_semidefinite(C, d);
  }
};

}  // namespace ensemble
}  // namespace lockstep
