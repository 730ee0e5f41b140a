#pragma once
// The affine-invariant ensemble moves of emcee 3 (Foreman-Mackey et al. 2013; emcee's
// src/emcee/moves/{stretch,de,walk}.py), their defaults, and the per-walker random numbers
// they use. A move proposes y for walker x of the half being updated from walkers of the
// complementary half; the update accepts y with probability min(1, exp(f + lp(y) - lp(x)))
// where f is the move's log proposal factor.
//
//   stretch (Goodman & Weare 2010, CAMCoS 5(1), eq. 7 and 10): c = a uniformly chosen
//     complement walker, z ~ g(z) ∝ 1/sqrt(z) on [1/a, a], y = c + z (x - c),
//     f = (d - 1) log z. By inversion of the CDF, z = ((a - 1) U + 1)^2 / a. Default a = 2.
//   differential evolution (ter Braak 2006, Stat. Comput. 16; Nelson et al. 2014, ApJS
//     210, 11): c1 != c2 a uniformly chosen ordered pair of complement walkers,
//     gamma = gamma0 (1 + sigma N(0, 1)), y = x + gamma (c2 - c1), f = 0.
//     Defaults sigma = 1e-5, gamma0 = 2.38 / sqrt(2 d).
//   walk (Goodman & Weare 2010, section 3, the "walk move"; emcee's WalkMove): y ~ N(x, C)
//     with C the sample covariance (divisor S - 1, as numpy.cov) of S complement walkers,
//     f = 0. S = the whole complement (emcee's default s = None): C = L L^T is factored once
//     per half-step and y = x + L Z. A subset of S < n/2 helpers (emcee's s) is drawn without
//     replacement per walker (Floyd's algorithm; Bentley & Floyd 1987, CACM 30(9)) and
//     y = x + (S - 1)^{-1/2} sum_j (Z_j - mean Z) c_j, which has covariance exactly C.
//
// emcee picks ONE move per step for the whole ensemble (weights of a mixture such as
// "stretch:0.8,de:0.2"); lockstep does the same, with one pick per step shared by every
// ensemble of a run (so lanes stay in lock-step), from its own stream (choose_move).
//
// The stretch partner is uniform over the complement, as in emcee 3.1 (later emcee versions
// pair the shuffled halves one-to-one; both are valid).
#include <cmath>
#include <cstdint>

#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/scalar_math.hpp"

namespace lockstep {
namespace ensemble {

enum class MoveKind : int { kStretch = 0, kDifferentialEvolution = 1, kWalk = 2 };
constexpr int kMoveKinds = 3;

constexpr double kStretchScale = 2.0;          // a; Goodman & Weare 2010, section 3
constexpr double kDeSigma = 1.0e-5;            // emcee DEMove default
constexpr double kDeGammaNumerator = 2.38;     // gamma0 = 2.38 / sqrt(2 d); ter Braak 2006, sec. 2
constexpr int kMaxWalkHelpers = 64;            // largest subset size of the walk move

/// Move parameters (emcee's defaults). de_gamma0 <= 0 means 2.38 / sqrt(2 d);
/// walk_helpers = 0 means the whole complement.
struct MoveParams {
  double stretch_a = kStretchScale;
  double de_sigma = kDeSigma;
  double de_gamma0 = 0;
  int walk_helpers = 0;
};

LS_HD LS_INLINE double de_gamma0(const MoveParams& p, int dim) {
  return p.de_gamma0 > 0 ? p.de_gamma0 : kDeGammaNumerator / ::sqrt(2.0 * dim);
}

// ---- the random numbers of one walker update ---------------------------------------------
// Key (seed, walker id), Stream::kEnsemble, counter iteration; index:
//   0: U_accept (words 0,1: 53 bits), U_move (word 2: 31 bits, the stretch z), U_pick1
//      (word 3: 31 bits, a complement walker)
//   1: U_pick2 (words 0,1; DE's second helper)
//   2: a normal pair (DE's gamma noise)
//   kWalkNormalIndex + k/2: normal k of the walk move (k < d, or k < S with a subset)
//   kWalkSubsetIndex + k/2: uniform k of the walk subset choice
// One Philox block per walker and step is all the stretch move needs.
constexpr std::uint32_t kWalkNormalIndex = 0x100u;
constexpr std::uint32_t kWalkSubsetIndex = 0x10000u;

/// A 31-bit uniform strictly inside (0, 1) from one word: (k + 1/2) 2^-31, k = word >> 1
/// (a signed 32-bit conversion, which vectorizes everywhere).
LS_HD LS_INLINE double uniform31(std::uint32_t word) {
  return (static_cast<double>(static_cast<std::int32_t>(word >> 1)) + 0.5) * (1.0 / 2147483648.0);
}

struct WalkerUniforms {
  double accept, move, pick1, pick2;
};

/// One walker's uniforms (scalar form of WalkerUniformsBlock; pick2 only if need_pick2).
LS_HD LS_INLINE WalkerUniforms walker_uniforms(const Rng& rng, std::uint64_t iteration, bool need_pick2) {
  const Philox4x32::U4 b0 = rng.bits(iteration, Stream::kEnsemble, 0);
  WalkerUniforms u{uniform_open01(b0.x[0], b0.x[1]), uniform31(b0.x[2]), uniform31(b0.x[3]), 0.0};
  if (need_pick2) {
    const Philox4x32::U4 b1 = rng.bits(iteration, Stream::kEnsemble, 1);
    u.pick2 = uniform_open01(b1.x[0], b1.x[1]);
  }
  return u;
}


/// walker_uniforms for W walkers (ids g[w]) at once: the same numbers, vectorized.
template <int W>
struct WalkerUniformsBlock {
  double accept[W], move[W], pick1[W], pick2[W];

  LS_HD LS_INLINE void draw(std::uint64_t seed, std::uint64_t iteration, const std::uint32_t (&g)[W],
                            bool need_pick2) {
    std::uint32_t b[4][W];
    const std::uint32_t key1 = static_cast<std::uint32_t>(seed);
    philox_keys<W>(Rng::counter(seed, iteration, Stream::kEnsemble, 0), g, key1, b);
    for (int w = 0; w < W; ++w) {
      accept[w] = uniform_open01(b[0][w], b[1][w]);
      move[w] = uniform31(b[2][w]);
      pick1[w] = uniform31(b[3][w]);
      pick2[w] = 0.0;
    }
    if (!need_pick2) return;
    philox_keys<W>(Rng::counter(seed, iteration, Stream::kEnsemble, 1), g, key1, b);
    for (int w = 0; w < W; ++w) pick2[w] = uniform_open01(b[0][w], b[1][w]);
  }
};

/// floor(u n) for u in (0, 1), clamped to n - 1 (u rounds to 1 only in extreme cases).
LS_HD LS_INLINE int pick_index(double u, int n) {
  const int k = static_cast<int>(u * n);
  return k < n ? k : n - 1;
}

/// The stretch factor z = ((a - 1) U + 1)^2 / a, distributed ∝ 1/sqrt(z) on [1/a, a].
LS_HD LS_INLINE double stretch_z(double a, double u) {
  const double t = (a - 1.0) * u + 1.0;
  return t * t / a;
}

// ---- the move of a step ----------------------------------------------------------------------

/// Key of the stream that picks each step's move (shared by every ensemble of a run).
constexpr std::uint32_t kMoveChoiceKey = 0xFFFFFFFFu;

/// The move of `iteration`: kind k with probability weights[k] / sum(weights) (weights of
/// kinds not in the mixture are 0). One uniform from (seed, kMoveChoiceKey), Stream::kEnsemble.
LS_HD LS_INLINE MoveKind choose_move(std::uint64_t seed, std::uint64_t iteration,
                                     const double (&weights)[kMoveKinds]) {
  double total = 0;
  int last = 0;
  for (int k = 0; k < kMoveKinds; ++k) {
    total += weights[k];
    if (weights[k] > 0) last = k;
  }
  const double u = uniform(Rng{seed, kMoveChoiceKey}, iteration, Stream::kEnsemble, 0) * total;
  double cum = 0;
  for (int k = 0; k < kMoveKinds; ++k) {
    cum += weights[k];
    if (weights[k] > 0 && u < cum) return static_cast<MoveKind>(k);
  }
  return static_cast<MoveKind>(last);
}

// ---- walk-move helpers -----------------------------------------------------------------------

/// S distinct indices of [0, n) uniformly at random (Floyd's algorithm: for j = n-S..n-1 take
/// t uniform in [0, j]; add t unless already chosen, else add j). out has room for S <= n.
LS_HD LS_INLINE void floyd_subset(const Rng& rng, std::uint64_t iteration, int n, int S, int* out) {
  int count = 0;
  for (int j = n - S; j < n; ++j) {
    const double u = uniform(rng, iteration, Stream::kEnsemble,
                             kWalkSubsetIndex + static_cast<std::uint32_t>(count));
    const int t = pick_index(u, j + 1);
    bool seen = false;
    for (int k = 0; k < count; ++k) seen = seen || out[k] == t;
    out[count++] = seen ? j : t;
  }
}

/// Relative pivot size below which the walk covariance counts as singular in that direction.
constexpr double kWalkPivotTol = 1e-14;

/// In-place lower Cholesky factor of a symmetric positive SEMI-definite d x d matrix A
/// (row-major, lower triangle read and written; Golub & Van Loan, "Matrix Computations", 4th
/// ed., algorithm 4.2.1). A pivot <= kWalkPivotTol * A_jj (or <= 0) gives a zero column: the
/// proposal then does not move in that direction, as numpy's multivariate_normal does with
/// a singular covariance (an ensemble of fewer than d + 1 walkers spans a subspace).
template <class R>
LS_HD LS_INLINE void cholesky_semidefinite(R* A, int d) {
  for (int j = 0; j < d; ++j) {
    const double ajj0 = A[j * d + j];
    double s = ajj0;
    for (int k = 0; k < j; ++k) s -= static_cast<double>(A[j * d + k]) * A[j * d + k];
    const bool ok = s > kWalkPivotTol * ajj0 && s > 0;
    const double ljj = ok ? ::sqrt(s) : 0.0;
    A[j * d + j] = static_cast<R>(ljj);
    for (int i = j + 1; i < d; ++i) {
      double t = A[i * d + j];
      for (int k = 0; k < j; ++k) t -= static_cast<double>(A[i * d + k]) * A[j * d + k];
      A[i * d + j] = static_cast<R>(ok ? t / ljj : 0.0);
    }
  }
  for (int i = 0; i < d; ++i)
    for (int j = i + 1; j < d; ++j) A[i * d + j] = R(0);
}

}  // namespace ensemble
}  // namespace lockstep
