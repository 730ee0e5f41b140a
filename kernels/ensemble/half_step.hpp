#pragma once
// One half of a red/blue ensemble step (Foreman-Mackey et al. 2013, algorithm 3): every
// walker of the half being updated proposes from the complementary half (kernels/ensemble/
// moves.hpp) and accepts with probability min(1, exp(f + lp(y) - lp(x))). The host runs the
// first half, then the second against the already-updated first (host/run/
// ensemble_sampler.hpp); reading the complement from a snapshot of the step's start instead
// gives the INVALID "simultaneous" variant that only a test uses.
//
// One lane = W consecutive half positions (kernels/ensemble/ensemble_arrays.hpp), possibly
// of several ensembles: proposals are made walker by walker (scalar code: gathers through
// the split permutation, Philox draws), staged by half position, and the model evaluates
// all W proposals at once on a BlockView<W> (T = Batch<W>, the vectorized part). A lane only
// writes its own walkers and reads the other half, so lanes never race.
//
// Random numbers: walker g's draws at step t come from the key (seed, g), Stream::kEnsemble,
// counter t (moves.hpp lists the indices); the split of ensemble e from (seed, e) at index
// kSplitIndex (split.hpp). Nothing depends on the lane layout or on scheduling.
#include <cstdint>

#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/vmath.hpp"
#include "kernels/ensemble/ensemble_arrays.hpp"
#include "kernels/ensemble/moves.hpp"
#include "kernels/ensemble/split.hpp"

namespace lockstep {
namespace ensemble {

template <class Model, int W>
struct HalfStep {
  Model model;
  typename Model::Data data;
  EnsembleArrays a;
  const Real* complement = nullptr;  // where complement positions are read: a.x, or a snapshot
  EnsembleDrawTarget out;
  std::uint64_t seed = 0;
  std::uint64_t iteration = 0;
  int half = 0;  // 0: the first half pi(0..n/2-1), 1: the second half
  MoveKind kind = MoveKind::kStretch;
  MoveParams params;
  double gamma0 = 0;  // DE's mean stretch, de_gamma0(params, dim)

  LS_HD void operator()(int lane) const {
    const int d = a.dim, n = a.n_walkers, h = a.half();
    const int n_pos = a.n_half_positions();
    const int j0 = lane * W;
    int own[W];
    bool real[W];
    double log_u[W], factor[W];
    SplitPermutation perm;
    int perm_e = -1;
    for (int w = 0; w < W; ++w) {
      const int j = j0 + w;
      real[w] = j < n_pos;
      // padding positions repeat the last real one; their results are never written
      const int jj = real[w] ? j : n_pos - 1;
      const int e = jj / h, i = jj - e * h;
      if (e != perm_e) {
        perm = SplitPermutation::make(seed, static_cast<std::uint32_t>(e), iteration, n);
        perm_e = e;
      }
      const int base = e * n;
      const int other = (1 - half) * h;
      const int g = base + static_cast<int>(perm(static_cast<std::uint32_t>(half * h + i)));
      own[w] = g;
      const Rng rng{seed, static_cast<std::uint32_t>(g)};
      const WalkerUniforms u = walker_uniforms(rng, iteration);
      log_u[w] = m::log(u.accept);
      factor[w] = 0;
      propose(rng, u, e, base, other, g, j, factor[w], perm);
    }
    const Batch<W> lp_new = model.log_density_constrained(data, BlockView<W>{a.prop + j0, a.half_pad});
    for (int w = 0; w < W; ++w) {
      if (!real[w]) continue;
      const int g = own[w];
      const double lpn = lane_of(lp_new, w);
      // NaN or -inf at the proposal: the comparison is false (rejected)
      const bool accept = log_u[w] < factor[w] + (lpn - static_cast<double>(a.lp[g]));
      if (accept) {
        for (int p = 0; p < d; ++p)
          a.x[static_cast<std::ptrdiff_t>(p) * a.n_pad + g] =
              a.prop[static_cast<std::ptrdiff_t>(p) * a.half_pad + j0 + w];
        a.lp[g] = static_cast<Real>(lpn);
      }
      if (out.save) store(g, accept);
    }
    (void)n;
  }

 private:
  LS_HD LS_INLINE Real xat(const Real* base, int p, int g) const {
    return base[static_cast<std::ptrdiff_t>(p) * a.n_pad + g];
  }

  /// Writes walker g's proposal to prop[., j] and its log proposal factor.
  LS_HD void propose(const Rng& rng, const WalkerUniforms& u, int e, int base, int other, int g,
                     int j, double& factor, const SplitPermutation& perm) const {
    const int d = a.dim, h = a.half();
    Real* y = a.prop + j;
    const std::ptrdiff_t ys = a.half_pad;
    auto walker_at = [&](int i) { return base + static_cast<int>(perm(static_cast<std::uint32_t>(other + i))); };
    if (kind == MoveKind::kStretch) {
      const int c = walker_at(pick_index(u.pick1, h));
      const double z = stretch_z(params.stretch_a, u.move);
      for (int p = 0; p < d; ++p) {
        const double xp = xat(a.x, p, g), cp = xat(complement, p, c);
        y[p * ys] = static_cast<Real>(cp + z * (xp - cp));
      }
      factor = (d - 1) * m::log(z);
    } else if (kind == MoveKind::kDifferentialEvolution) {
      const int i1 = pick_index(u.pick1, h);
      int i2 = pick_index(u.pick2, h - 1);
      i2 += i2 >= i1 ? 1 : 0;
      const int c1 = walker_at(i1), c2 = walker_at(i2);
      double z0, z1;
      normal_pair(rng.bits(iteration, Stream::kEnsemble, 2), z0, z1);
      const double gamma = gamma0 * (1.0 + params.de_sigma * z0);
      for (int p = 0; p < d; ++p)
        y[p * ys] = static_cast<Real>(xat(a.x, p, g) +
                                      gamma * (static_cast<double>(xat(complement, p, c2)) - xat(complement, p, c1)));
    } else if (params.walk_helpers <= 0) {
      // y = x + L Z with C = L L^T the whole complement's covariance (WalkCovariance). The
      // normals are staged in y and consumed from the last row up (row p reads Z_0..Z_p).
      const Real* L = a.walk_chol + static_cast<std::ptrdiff_t>(e) * d * d;
      for (int k = 0; k < d; ++k)
        y[k * ys] = static_cast<Real>(
            normal(rng, iteration, Stream::kEnsemble, 2 * kWalkNormalIndex + static_cast<std::uint32_t>(k)));
      for (int p = d - 1; p >= 0; --p) {
        double s = xat(a.x, p, g);
        for (int k = 0; k <= p; ++k) s += static_cast<double>(L[p * d + k]) * y[k * ys];
        y[p * ys] = static_cast<Real>(s);
      }
    } else {
      // y = x + (S - 1)^{-1/2} sum_j (Z_j - mean Z) c_j over S helpers drawn without replacement.
      const int S = params.walk_helpers;
      int helper[kMaxWalkHelpers];
      double z[kMaxWalkHelpers];
      floyd_subset(rng, iteration, h, S, helper);
      double zbar = 0;
      for (int k = 0; k < S; ++k) {
        z[k] = normal(rng, iteration, Stream::kEnsemble, 2 * kWalkNormalIndex + static_cast<std::uint32_t>(k));
        zbar += z[k];
        helper[k] = walker_at(helper[k]);
      }
      zbar /= S;
      const double scale = 1.0 / ::sqrt(static_cast<double>(S - 1));
      for (int p = 0; p < d; ++p) {
        double s = 0;
        for (int k = 0; k < S; ++k) s += (z[k] - zbar) * xat(complement, p, helper[k]);
        y[p * ys] = static_cast<Real>(xat(a.x, p, g) + scale * s);
      }
    }
  }

  LS_HD void store(int g, bool accepted) const {
    const std::size_t per_q = static_cast<std::size_t>(out.n_chains) * out.n_draws;
    const std::size_t at = static_cast<std::size_t>(g) * out.n_draws + out.draw;
    for (int p = 0; p < a.dim; ++p) out.values[p * per_q + at] = xat(a.x, p, g);
    out.stats[kStatLp * per_q + at] = a.lp[g];
    out.stats[kStatAccepted * per_q + at] = accepted ? 1.0 : 0.0;
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
    Real* mean = a.walk_mean + static_cast<std::ptrdiff_t>(e) * d;
    Real* C = a.walk_chol + static_cast<std::ptrdiff_t>(e) * d * d;
    for (int p = 0; p < d; ++p) mean[p] = 0;
    for (int k = 0; k < d * d; ++k) C[k] = 0;
    for (int i = 0; i < h; ++i) {
      const int g = base + static_cast<int>(perm(static_cast<std::uint32_t>(other + i)));
      for (int p = 0; p < d; ++p) mean[p] += complement[static_cast<std::ptrdiff_t>(p) * a.n_pad + g];
    }
    for (int p = 0; p < d; ++p) mean[p] /= h;
    for (int i = 0; i < h; ++i) {
      const int g = base + static_cast<int>(perm(static_cast<std::uint32_t>(other + i)));
      for (int p = 0; p < d; ++p) {
        const double dp = complement[static_cast<std::ptrdiff_t>(p) * a.n_pad + g] - mean[p];
        for (int q = 0; q <= p; ++q)
          C[p * d + q] += static_cast<Real>(dp * (complement[static_cast<std::ptrdiff_t>(q) * a.n_pad + g] - mean[q]));
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
