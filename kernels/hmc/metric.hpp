#pragma once
// Euclidean metrics of HMC-family samplers, for one chain (scalar Strided views): the kinetic
// energy K(p) = 1/2 p^T M^-1 p, the "sharp" momentum p# = dK/dp = M^-1 p (Betancourt 2017,
// "A Conceptual Introduction to HMC", section 4.2 and appendix A.4), the position drift of
// the leapfrog q <- q + eps M^-1 p, and momentum draws p ~ N(0, M).
//
//   DiagMetric:  M^-1 = diag(minv)                        (Stan's diag_e_metric)
//   DenseMetric: M^-1 a full SPD matrix with Cholesky factor L, M^-1 = L L^T
//                (Stan's dense_e_metric). p = L^-T z with z ~ N(0, I) has covariance
//                L^-T L^-1 = (L L^T)^-1 = M: one back substitution, no inverse stored.
//
// A "MetricOf" (DiagMetricOf, DenseMetricOf) is a small copyable functor that hands a kernel
// the metric view of chain c; kernels are templates over it, so the diagonal path compiles to
// exactly the arithmetic of the SIMD path. The leapfrog itself is kernels/hmc/leapfrog.hpp.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/strided.hpp"
#include "kernels/hmc/chain_arrays.hpp"
#include "kernels/hmc/momentum.hpp"

namespace lockstep {
namespace hmc {

/// M^-1 = diag(minv). MinvView is the layout of the chain's inverse metric: Strided<Real>
/// (one chain inside the coalesced [dim][n_pad] arrays), Dense<Real> (a lane-local copy, the
/// CPU's NUTS) or BlockView<W> (a SIMD block of W chains, static HMC and ChEES, where the
/// position and momentum views are BlockView<W> too and the arithmetic is over Batch<W>).
template <class MinvView = Strided<Real>>
struct DiagMetric {
  MinvView minv;
  int dim;

  /// out = M^-1 p.
  template <class V>
  LS_HD LS_INLINE void sharp(V p, V out) const {
    LS_IVDEP
    for (int i = 0; i < dim; ++i) out[i] = minv[i] * p[i];
  }
  /// 1/2 p^T M^-1 p.
  template <class V>
  LS_HD LS_INLINE auto kinetic(V p) const -> typename V::value_type {
    typename V::value_type k = Real(0);
    for (int i = 0; i < dim; ++i) k += minv[i] * p[i] * p[i];
    return k * Real(0.5);
  }
  /// q <- q + eps M^-1 p (eps: Real, or Batch<W> of per-chain step sizes).
  template <class V, class T>
  LS_HD LS_INLINE void drift(V q, V p, const T& eps) const {
    LS_IVDEP
    for (int i = 0; i < dim; ++i) q[i] += eps * minv[i] * p[i];
  }
  /// p ~ N(0, M) from counter (iteration, purpose, offset + pair index); one-chain views only
  /// (SIMD blocks draw with draw_momentum_block).
  template <class V>
  LS_HD LS_INLINE void draw(const Rng& rng, std::uint64_t iteration, Stream purpose,
                            std::uint32_t offset, V p) const {
    draw_momentum(rng, iteration, purpose, offset, dim, p, minv);
  }
};
template <class MinvView>
DiagMetric(MinvView, int) -> DiagMetric<MinvView>;

/// Full M^-1: element (i, j) at minv[i * dim + j]; L lower triangular at chol[i * dim + j].
struct DenseMetric {
  Strided<Real> minv;
  Strided<Real> chol;
  int dim;

  template <class V>
  LS_HD LS_INLINE Real row_dot(int i, V p) const {
#if !LOCKSTEP_GPU_SHAPE
    // The CPU's lane-local NUTS keeps each chain's matrices whole (DenseMetricOf::chain_major,
    // or one pooled matrix): a row and p are contiguous, and 8 partial sums (two AVX2 or one
    // AVX-512 register of doubles) vectorize the product instead of one scalar chain of dim
    // dependent additions through a strided view (15-30x per gradient on gauss100_ill).
    if constexpr (std::is_same<V, Dense<Real>>::value) {
      if (minv.stride == 1) {
        const Real* a = minv.p + static_cast<std::ptrdiff_t>(i) * dim;
        const Real* b = p.p;
        Real s[8] = {};
        int j = 0;
        for (; j + 8 <= dim; j += 8)
          for (int k = 0; k < 8; ++k) s[k] += a[j + k] * b[j + k];
        for (int k = 0; j < dim; ++j, ++k) s[k] += a[j] * b[j];
        return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
      }
    }
#endif
    Real s = Real(0);
    const int r = i * dim;
    for (int j = 0; j < dim; ++j) s += minv[r + j] * p[j];
    return s;
  }
  template <class V>
  LS_HD LS_INLINE void sharp(V p, V out) const {
    for (int i = 0; i < dim; ++i) out[i] = row_dot(i, p);
  }
  template <class V>
  LS_HD LS_INLINE Real kinetic(V p) const {
    Real k = Real(0);
    for (int i = 0; i < dim; ++i) k += p[i] * row_dot(i, p);
    return k * Real(0.5);
  }
  /// q <- q + eps M^-1 p (p is not changed, so no temporary is needed).
  template <class V>
  LS_HD LS_INLINE void drift(V q, V p, Real eps) const {
    for (int i = 0; i < dim; ++i) q[i] += eps * row_dot(i, p);
  }
  /// p = L^-T z, z the standard normals of (iteration, purpose, offset + pair index): solve
  /// L^T p = z from the last row up (back substitution).
  template <class V>
  LS_HD LS_INLINE void draw(const Rng& rng, std::uint64_t iteration, Stream purpose,
                            std::uint32_t offset, V p) const {
    for (int i = 0; i < dim; i += 2) {
      double z0, z1;
      normal_pair(rng.bits(iteration, purpose, offset + static_cast<std::uint32_t>(i / 2)), z0, z1);
      p[i] = static_cast<Real>(z0);
      if (i + 1 < dim) p[i + 1] = static_cast<Real>(z1);
    }
    for (int i = dim - 1; i >= 0; --i) {
      Real s = p[i];
      for (int j = i + 1; j < dim; ++j) s -= chol[j * dim + i] * p[j];  // (L^T)_ij = L_ji
      p[i] = s / chol[i * dim + i];
    }
  }
};

/// The diagonal metric of chain c: ChainArrays::inv_metric, [dim][n_pad].
struct DiagMetricOf {
  static constexpr bool kDense = false;
  LS_HD DiagMetric<Strided<Real>> operator()(const ChainArrays& s, int c) const {
    return DiagMetric<Strided<Real>>{s.chain(s.inv_metric, c), s.dim};
  }
};

/// The dense metric of chain c: per chain, [dim * dim][n_pad] (element k of chain c at
/// base[k * n_pad + c]: the GPU's coalesced layout), or chain-major [n_pad][dim * dim] (element
/// k at base[c * dim * dim + k]: the CPU's lane-local NUTS, whose products read a row
/// contiguously); or, when `shared` (pooled adaptation), one matrix [dim * dim] that every chain
/// reads. dense_metric_index gives the host the same places.
struct DenseMetricOf {
  static constexpr bool kDense = true;
  const Real* minv = nullptr;
  const Real* chol = nullptr;
  bool shared = false;
  bool chain_major = false;
  LS_HD DenseMetric operator()(const ChainArrays& s, int c) const {
    const std::ptrdiff_t d2 = static_cast<std::ptrdiff_t>(s.dim) * s.dim;
    const std::ptrdiff_t off = shared ? 0 : chain_major ? c * d2 : c;
    const std::ptrdiff_t stride = shared || chain_major ? 1 : s.n_pad;
    return DenseMetric{Strided<Real>{const_cast<Real*>(minv) + off, stride},
                       Strided<Real>{const_cast<Real*>(chol) + off, stride}, s.dim};
  }
};

/// Where element k (of dim * dim) of chain c's dense matrix lives (DenseMetricOf's layouts).
inline std::size_t dense_metric_index(std::size_t k, std::size_t c, std::size_t d2, std::size_t n_pad, bool shared,
                                      bool chain_major) {
  return shared ? k : chain_major ? c * d2 + k : k * n_pad + c;
}

}  // namespace hmc
}  // namespace lockstep
