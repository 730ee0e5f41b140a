#pragma once
// Multivariate normal with known mean and covariance: a target whose answers are exact
// (means mu, covariance Sigma), for testing samplers and metric adaptation on correlated,
// ill-conditioned geometry (e.g. data/gauss100_ill.json, condition number 1e4).
//
//   x ~ N(mu, Sigma);   with P = Sigma^{-1} and r = x - mu:
//   log p(x) = -r^T P r / 2 (+ const),   grad = -P r.
//
// Unconstrained parameters q = x (no transform). Data fields: N, mu (length N), Sigma
// (N x N, nested arrays, row-major). The loader checks that Sigma is symmetric and
// positive definite (Cholesky factorization Sigma = L L^T on the host, with Eigen:
// models/gaussian.cpp) and stores P = Sigma^{-1} on the device, exactly symmetric.
// Outputs: x[1..N].
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "models/contract/model_args.hpp"
#include "kernels/core/batch.hpp"
#include "kernels/core/dim_simd.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/strided.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {
namespace models {

struct GaussianData {
  int N;
  const Real* mu;  // length N
  const Real* P;   // N x N precision matrix, row-major, symmetric
  /// CPU shape, N <= kPackedMaxN: P's upper triangle for one chain's product (packed_upper;
  /// dense_simd). nullptr: the row-major product.
  const Real* U = nullptr;
};

namespace gaussian_detail {

/// Relative size below which a Cholesky pivot counts as zero: pivots d_j <= kPivotTol Sigma_jj
/// mean Sigma is singular to working precision (condition number beyond ~1e13).
constexpr double kPivotTol = 1e-13;
/// Largest relative difference |S_ij - S_ji| / max(|S_ij|, |S_ji|, sqrt(S_ii S_jj)) accepted
/// as symmetric (room for a matrix printed with ~11 or more significant digits).
constexpr double kSymmetryTol = 1e-10;

/// The largest N whose one-chain product runs from the packed upper triangle (its stack
/// buffers hold 2 kPackedMaxN Reals); beyond, from the row-major P.
constexpr int kPackedMaxN = 256;
/// Rows of the packed triangle in groups of this many (they share their first column).
constexpr int kPackedRows = 4;

/// N rounded up to a multiple of 8 (the one-chain SIMD width).
inline int packed_width(int n) { return (n + 7) / 8 * 8; }

/// P's upper triangle for dense_simd: row i holds columns [8 floor(i / 8), packed_width(N)) —
/// P_ij for j > i, P_ii / 2 on the diagonal (the row's dot product and its axpy each add half:
/// halving is exact), zeros left of the diagonal and right of N — rows one after another.
/// Every row starts at a multiple of 8 columns and spans whole vectors, so the product needs no
/// tails; about half of P's bytes (46 KB for N = 100: in a core's L1 where P is 80 KB).
inline std::vector<double> packed_upper(const std::vector<double>& P, int n) {
  const int w = packed_width(n);
  std::vector<double> u;
  for (int i = 0; i < n; ++i)
    for (int j = i / 8 * 8; j < w; ++j)
      u.push_back(j < i || j >= n ? 0.0 : j == i ? 0.5 * P[static_cast<std::size_t>(i) * n + i]
                                                 : P[static_cast<std::size_t>(i) * n + j]);
  return u;
}

/// The shortest decimal form of x that reads back as x (for messages).
inline std::string shortest(double x) { return DataSource::format_number(x); }

/// Checks Sigma (n x n, row-major) and returns its inverse, exactly symmetric. Sigma is
/// symmetrized as (S + S^T)/2 and factored Sigma = L L^T (Cholesky, Eigen's LLT, in
/// models/gaussian.cpp); the inverse is solved from the factor and symmetrized. A matrix that is not positive definite is
/// reported with the order of its first leading minor that is not positive (found by bisection:
/// a block is positive definite only if every smaller leading block is).
std::vector<double> precision_from_covariance(const DataSource& src, const std::string& field, std::vector<double> S,
                                              int n);

}  // namespace gaussian_detail

struct Gaussian {
  using Data = GaussianData;
  static constexpr bool kParametersUnconstrained = true;  // no transform: q = x

  LS_HD int dim(const Data& d) const { return d.N; }
  LS_HD int n_out(const Data& d) const { return d.N; }

  /// NUTS in gangs (kernels/nuts/nuts_gang.hpp) from 16 dimensions: one chain's gradient
  /// streams the whole N x N precision matrix through the cache; a gang's reads each element
  /// once for W chains (gauss100_ill: 1.3-1.5e6 gradients/s against 0.97e6, bench/RESULTS.md).
  bool nuts_gangs(const Data& d) const { return d.N >= 16; }

  /// g = -P r first, then log p = r.g / 2; O(N^2), no scratch beyond g. Four rows of P at a
  /// time: each r_j = q_j - mu_j is formed once per four rows, and the four sums are
  /// independent, so consecutive FMAs do not wait for each other (one accumulator would make
  /// the product latency-bound: 4 cycles per FMA instead of 2 FMAs per cycle).
  ///
  /// One chain in contiguous memory on the CPU (Dense views: the lane-local NUTS, host
  /// evaluation) takes dense_simd below instead: SIMD across the dimension.
  template <class V, class G>
  LS_HD LS_NO_LOOP_VECTORIZE auto log_density_and_grad(const Data& d, V q, G g) const -> typename V::value_type {
    using T = typename V::value_type;
#if !LOCKSTEP_GPU_SHAPE
    if constexpr (std::is_same<V, Dense<Real>>::value && std::is_same<G, Dense<Real>>::value) {
      return dense_simd(d, q.p, g.p);
    }
#endif
    const int n = d.N;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      const Real* r0 = d.P + static_cast<std::ptrdiff_t>(i) * n;
      const Real* r1 = r0 + n;
      const Real* r2 = r1 + n;
      const Real* r3 = r2 + n;
      T a0 = Real(0), a1 = Real(0), a2 = Real(0), a3 = Real(0);
      for (int j = 0; j < n; ++j) {
        const T r = q[j] - d.mu[j];
        a0 -= r0[j] * r;
        a1 -= r1[j] * r;
        a2 -= r2[j] * r;
        a3 -= r3[j] * r;
      }
      g[i] = a0;
      g[i + 1] = a1;
      g[i + 2] = a2;
      g[i + 3] = a3;
    }
    for (; i < n; ++i) {
      const Real* row = d.P + static_cast<std::ptrdiff_t>(i) * n;
      T gi = Real(0);
      for (int j = 0; j < n; ++j) gi -= row[j] * (q[j] - d.mu[j]);
      g[i] = gi;
    }
    T lp = Real(0);
    for (int k = 0; k < n; ++k) lp += (q[k] - d.mu[k]) * g[k];
    return Real(0.5) * lp;
  }

#if !LOCKSTEP_GPU_SHAPE
  /// One chain, contiguous q and g, on the CPU: the same g = -P r and log p = r.g / 2 with
  /// the dimension in SIMD (dim_simd::DimVec, explicit vectors of K = 8 Reals). Row i of P
  /// times r runs in chunks of K values with K partial sums, four rows at a time (each chunk
  /// of r formed once per four rows), and the K partial sums are added at the end in a fixed
  /// order: a reassociation of the one-chain sum above, so the value differs from it by
  /// rounding only (tests/models/gaussian_test.cpp compares the two). NUTS, whose chains
  /// cannot share instructions, runs the dense product in SIMD this way: 2.3x the gradients/s
  /// of the same loops written over Batch<8> (which g++ left scalar: LS_NO_LOOP_VECTORIZE);
  /// static HMC still reads P once per 8 chains where NUTS reads it once per chain
  /// (bench/nuts_ess and bench/hmc_throughput give the rates; RESULTS.md).
  static Real dense_simd(const Data& d, const Real* q, Real* g) {
    using dim_simd::DimVec;
    using dim_simd::load;
    constexpr int K = dim_simd::kDimSimd;
    const int n = d.N;
    if (d.U != nullptr && n <= gaussian_detail::kPackedMaxN) return packed_simd(d, q, g);
    const int n_vec = n - n % K;  // columns [0, n_vec) in SIMD chunks, the rest scalar
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      const Real* r0 = d.P + static_cast<std::ptrdiff_t>(i) * n;
      const Real* r1 = r0 + n;
      const Real* r2 = r1 + n;
      const Real* r3 = r2 + n;
      DimVec a0 = dim_simd::splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (int j = 0; j < n_vec; j += K) {
        const DimVec r = load(q + j) - load(d.mu + j);
        a0 -= load(r0 + j) * r;
        a1 -= load(r1 + j) * r;
        a2 -= load(r2 + j) * r;
        a3 -= load(r3 + j) * r;
      }
      Real t0 = Real(0), t1 = Real(0), t2 = Real(0), t3 = Real(0);
      for (int j = n_vec; j < n; ++j) {
        const Real r = q[j] - d.mu[j];
        t0 -= r0[j] * r;
        t1 -= r1[j] * r;
        t2 -= r2[j] * r;
        t3 -= r3[j] * r;
      }
      g[i] = dim_simd::sum_in_order(a0, t0);
      g[i + 1] = dim_simd::sum_in_order(a1, t1);
      g[i + 2] = dim_simd::sum_in_order(a2, t2);
      g[i + 3] = dim_simd::sum_in_order(a3, t3);
    }
    for (; i < n; ++i) {
      const Real* row = d.P + static_cast<std::ptrdiff_t>(i) * n;
      DimVec a = dim_simd::splat(0);
      for (int j = 0; j < n_vec; j += K) a -= load(row + j) * (load(q + j) - load(d.mu + j));
      Real t = Real(0);
      for (int j = n_vec; j < n; ++j) t -= row[j] * (q[j] - d.mu[j]);
      g[i] = dim_simd::sum_in_order(a, t);
    }
    DimVec lp = dim_simd::splat(0);
    for (int k = 0; k < n_vec; k += K) lp += (load(q + k) - load(d.mu + k)) * load(g + k);
    Real t = Real(0);
    for (int k = n_vec; k < n; ++k) t += (q[k] - d.mu[k]) * g[k];
    return Real(0.5) * dim_simd::sum_in_order(lp, t);
  }

  /// The same g = -P r and log p = r.g / 2 from the packed upper triangle U
  /// (gaussian_detail::packed_upper): row i of U adds its dot product with r to acc_i and
  /// r_i times itself to acc_j (j >= i), so every element of P is read once per product
  /// while P r needs it twice — half the bytes, which for N ~ 100 stay in L1. Rows go in
  /// groups of kPackedRows sharing their first column: the group's r and acc vectors are
  /// loaded once, and its dot products are independent sums. acc_i = (P r)_i as a sum in
  /// another order (the diagonal added as two exact halves): a reassociation of the row-major
  /// product (tests/models/gaussian_test.cpp).
  static Real packed_simd(const Data& d, const Real* q, Real* g) {
    using dim_simd::DimVec;
    using dim_simd::load;
    using dim_simd::Part;
    using dim_simd::store;
    constexpr int K = dim_simd::kDimSimd, G = gaussian_detail::kPackedRows;
    // Lanes per pass: the whole DimVec where it is one register, else one register's part of
    // it, the passes one after another (dim_simd::kNativeReals: on AVX2 the group below keeps
    // 28 registers of live values as whole DimVecs, 14 as parts). The lanes are independent,
    // so either way each does the same operations in the same order: the same bits.
    constexpr int H = dim_simd::kNativeReals;
    static_assert(K % G == 0, "a group of rows never straddles a block of K columns");
    const int n = d.N, w = gaussian_detail::packed_width(n);
    // acc: the axpy parts; dot: each row's dot product (apart, so that the scalar stores of
    // the dots never overlap the vector loads of acc: no store-forwarding stalls).
    alignas(64) Real r[gaussian_detail::kPackedMaxN + K], acc[gaussian_detail::kPackedMaxN + K],
        dot[gaussian_detail::kPackedMaxN + K];
    for (int j = 0; j < w; ++j) {
      r[j] = j < n ? q[j] - d.mu[j] : Real(0);
      acc[j] = Real(0);
    }
    const Real* u = d.U;
    int i = 0;
    for (; i + G <= n; i += G) {  // G rows i .. i+G-1, all starting at column c0
      const int c0 = i / K * K, len = w - c0;
      const Real* u0 = u;
      const Real* u1 = u0 + len;
      const Real* u2 = u1 + len;
      const Real* u3 = u2 + len;
      static_assert(G == 4, "the group below is written out for four rows");
      const Part s0 = dim_simd::splat<dim_simd::Part>(r[i]), s1 = dim_simd::splat<dim_simd::Part>(r[i + 1]),
                 s2 = dim_simd::splat<dim_simd::Part>(r[i + 2]), s3 = dim_simd::splat<dim_simd::Part>(r[i + 3]);
      alignas(64) Real lanes[G][K];  // each row's K partial sums
      for (int h = 0; h < K; h += H) {
        Part d0 = dim_simd::splat<dim_simd::Part>(0), d1 = d0, d2 = d0, d3 = d0;
        for (int j = h; j < len; j += K) {
          const Part rj = load<Part>(r + c0 + j);
          const Part a = load<Part>(u0 + j), b = load<Part>(u1 + j), c = load<Part>(u2 + j), e = load<Part>(u3 + j);
          d0 += a * rj;
          d1 += b * rj;
          d2 += c * rj;
          d3 += e * rj;
          store(acc + c0 + j, load<Part>(acc + c0 + j) + ((a * s0 + b * s1) + (c * s2 + e * s3)));
        }
        store(lanes[0] + h, d0);
        store(lanes[1] + h, d1);
        store(lanes[2] + h, d2);
        store(lanes[3] + h, d3);
      }
      for (int k = 0; k < G; ++k) dot[i + k] = dim_simd::sum_in_order(load(lanes[k]), Real(0));
      u += G * len;
    }
    for (; i < n; ++i) {  // the last n mod G rows, one at a time
      const int c0 = i / K * K, len = w - c0;
      const Part si = dim_simd::splat<dim_simd::Part>(r[i]);
      alignas(64) Real lanes[K];
      for (int h = 0; h < K; h += H) {
        Part di = dim_simd::splat<dim_simd::Part>(0);
        for (int j = h; j < len; j += K) {
          const Part a = load<Part>(u + j);
          di += a * load<Part>(r + c0 + j);
          store(acc + c0 + j, load<Part>(acc + c0 + j) + a * si);
        }
        store(lanes + h, di);
      }
      dot[i] = dim_simd::sum_in_order(load(lanes), Real(0));
      u += len;
    }
    for (int j = 0; j < n; ++j) g[j] = -(acc[j] + dot[j]);
    for (int j = n; j < w; ++j) dot[j] = Real(0);
    DimVec lp = dim_simd::splat(0);
    for (int j = 0; j < w; j += K) lp -= load(r + j) * (load(acc + j) + load(dot + j));
    return Real(0.5) * dim_simd::sum_in_order(lp, Real(0));
  }
#endif  // !LOCKSTEP_GPU_SHAPE

  /// Outputs x[1..N] (the parameters themselves).
  template <class V, class O>
  LS_HD void write_out(const Data& d, V q, O out) const {
    for (int i = 0; i < d.N; ++i) out[i] = q[i];
  }

  static ModelInfo info() {
    ModelInfo i;
    i.name = "gaussian";
    i.summary = "Multivariate normal x ~ N(mu, Sigma) with known mu and Sigma";
    i.data_fields = {{"N", "dimension (positive integer)"},
                     {"mu", "mean, length N"},
                     {"Sigma", "covariance, N x N nested arrays, symmetric positive definite"}};
    i.parameters = "x[1..N]";
    return i;
  }

  static Loaded<Gaussian> load(ModelArgs& args) {
    const DataSource& src = args.data();
    const long N = src.positive_int("N");
    const std::vector<double> mu = src.reals_of_size("mu", N);
    std::vector<double> Sigma = src.get_reals("Sigma");
    if (static_cast<long>(Sigma.size()) != N * N)
      src.fail("Sigma", "expected " + std::to_string(N * N) + " values (a " + std::to_string(N) +
                            " x " + std::to_string(N) + " matrix), found " +
                            std::to_string(Sigma.size()));
    const std::vector<double> P = gaussian_detail::precision_from_covariance(
        src, "Sigma", std::move(Sigma), static_cast<int>(N));
    Loaded<Gaussian> out;
    out.data.N = static_cast<int>(N);
    out.data.mu = args.upload(mu);
    out.data.P = args.upload(P);
    if (!kGpuShape && N <= gaussian_detail::kPackedMaxN)
      out.data.U = args.upload(gaussian_detail::packed_upper(P, static_cast<int>(N)));
    out.names = indexed_names("x", static_cast<int>(N));
    return out;
  }
};

}  // namespace models
}  // namespace lockstep
