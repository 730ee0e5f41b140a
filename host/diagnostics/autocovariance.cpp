#include "host/diagnostics/autocovariance.hpp"
#include "host/diagnostics/parallel_region.hpp"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <stdexcept>
#include <utility>
#if defined(__AVX__)
#include <immintrin.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

namespace lockstep::diagnostics {

int next_pow2(int n) {
  int m = 1;
  while (m < n) m <<= 1;
  return m;
}

void Fft::resize(int m) {
  if (m < 1 || (m & (m - 1)) != 0) throw std::invalid_argument("Fft: size must be a power of two");
  if (m == m_) return;
  m_ = m;
  int bits = 0;
  while ((1 << bits) < m) ++bits;
  bitrev_.assign(m, 0);
  for (int i = 0; i < m; ++i) {
    int r = 0;
    for (int b = 0; b < bits; ++b)
      if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    bitrev_[i] = r;
  }
  // Twiddles e^{−2πi j/(2h)} for j = 0..h−1, for every half-span h = 1, 2, 4, ..., m/2,
  // stored contiguously at offset h − 1. Computed directly (not by recurrence) for accuracy.
  tw_re_.assign(m > 1 ? m - 1 : 1, 1.0);
  tw_im_.assign(m > 1 ? m - 1 : 1, 0.0);
  const double pi = std::acos(-1.0);
  for (int h = 1; h < m; h <<= 1)
    for (int j = 0; j < h; ++j) {
      const double angle = -pi * j / h;
      tw_re_[h - 1 + j] = std::cos(angle);
      tw_im_[h - 1 + j] = std::sin(angle);
    }
}

void Fft::transform(double* re, double* im, bool inverse) const {
  const int m = m_;
  for (int i = 0; i < m; ++i) {
    const int j = bitrev_[i];
    if (j > i) {
      std::swap(re[i], re[j]);
      std::swap(im[i], im[j]);
    }
  }
  const double sign = inverse ? -1.0 : 1.0;  // conjugate twiddles for the inverse
  // Half-span 1: twiddle 1.
  for (int k = 0; k + 1 < m; k += 2) {
    const double ar = re[k], ai = im[k], br = re[k + 1], bi = im[k + 1];
    re[k] = ar + br; im[k] = ai + bi;
    re[k + 1] = ar - br; im[k + 1] = ai - bi;
  }
  for (int h = 2; h < m; h <<= 1) {
    const double* wr = tw_re_.data() + (h - 1);
    const double* wi = tw_im_.data() + (h - 1);
    for (int k = 0; k < m; k += 2 * h) {
      double* __restrict ar = re + k;
      double* __restrict ai = im + k;
      double* __restrict br = re + k + h;
      double* __restrict bi = im + k + h;
      for (int j = 0; j < h; ++j) {
        const double twr = wr[j], twi = sign * wi[j];
        const double tr = br[j] * twr - bi[j] * twi;
        const double ti = br[j] * twi + bi[j] * twr;
        br[j] = ar[j] - tr; bi[j] = ai[j] - ti;
        ar[j] += tr; ai[j] += ti;
      }
    }
  }
}

namespace {

// One radix-4 butterfly of decimation in frequency: stage h = 2q on the pairs (0, 2), (1, 3)
// with twiddles w1 = w_h^j and w3 = w_h^{j+q}, then stage q on the pairs (0, 1), (2, 3) with
// w2 = w_q^j. Written once, for the vectorized blocks and the tail alike (T = double, or a
// vector of 4 doubles from 4 blocks), so that all do the same operations in the same order.
template <class T>
struct Twiddles4 {
  T w1r, w1i, w3r, w3i, w2r, w2i;
};
template <class T>
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
inline void radix4_dif(T& r0, T& i0, T& r1, T& i1, T& r2, T& i2, T& r3, T& i3, const Twiddles4<T>& w) {
  const T a0r = r0 + r2, a0i = i0 + i2;
  const T d0r = r0 - r2, d0i = i0 - i2;
  const T a1r = r1 + r3, a1i = i1 + i3;
  const T d1r = r1 - r3, d1i = i1 - i3;
  const T b0r = d0r * w.w1r - d0i * w.w1i, b0i = d0r * w.w1i + d0i * w.w1r;
  const T b1r = d1r * w.w3r - d1i * w.w3i, b1i = d1r * w.w3i + d1i * w.w3r;
  const T e0r = a0r - a1r, e0i = a0i - a1i;
  const T e1r = b0r - b1r, e1i = b0i - b1i;
  r0 = a0r + a1r;
  i0 = a0i + a1i;
  r1 = e0r * w.w2r - e0i * w.w2i;
  i1 = e0r * w.w2i + e0i * w.w2r;
  r2 = b0r + b1r;
  i2 = b0i + b1i;
  r3 = e1r * w.w2r - e1i * w.w2i;
  i3 = e1r * w.w2i + e1i * w.w2r;
}

// The radix-2 butterfly of half-span 1 (twiddle 1) on a pair.
template <class T>
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
inline void radix2_unit(T& ar, T& ai, T& br, T& bi) {
  const T sr = ar + br, si = ai + bi, dr = ar - br, di = ai - bi;
  ar = sr;
  ai = si;
  br = dr;
  bi = di;
}

// The last three stages (4, 2 and 1) on one block of 8 neighbouring points (r, i); w0 and w1
// are the radix-4 twiddles of j = 0 and 1 (Fft::forward_bit_reversed).
template <class T>
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
inline void tail8(T* r, T* i, const Twiddles4<T>& w0, const Twiddles4<T>& w1) {
  radix4_dif(r[0], i[0], r[2], i[2], r[4], i[4], r[6], i[6], w0);
  radix4_dif(r[1], i[1], r[3], i[3], r[5], i[5], r[7], i[7], w1);
  for (int k = 0; k < 8; k += 2) radix2_unit(r[k], i[k], r[k + 1], i[k + 1]);
}

#if defined(__AVX__)
// 4 blocks of 8 at once, one block per vector lane: the 8 points of 4 consecutive blocks are
// transposed into 8 vectors (a 4 x 4 transpose of each half), run through tail8 on vectors,
// and transposed back. Each lane does exactly tail8's scalar operations. Vec4 is a plain GCC
// vector of 4 doubles (the same register as __m256d, without its may_alias attribute, which a
// template argument would drop).
typedef double Vec4 __attribute__((vector_size(32)));
inline void transpose4(__m256d& a, __m256d& b, __m256d& c, __m256d& d) {
  const __m256d t0 = _mm256_unpacklo_pd(a, b), t1 = _mm256_unpackhi_pd(a, b);
  const __m256d t2 = _mm256_unpacklo_pd(c, d), t3 = _mm256_unpackhi_pd(c, d);
  a = _mm256_permute2f128_pd(t0, t2, 0x20);
  b = _mm256_permute2f128_pd(t1, t3, 0x20);
  c = _mm256_permute2f128_pd(t0, t2, 0x31);
  d = _mm256_permute2f128_pd(t1, t3, 0x31);
}
// v[e] = point e of blocks 0..3 of p (4 blocks of 8), and back.
inline void load_blocks4(const double* p, Vec4* v) {
  for (int h = 0; h < 2; ++h) {
    __m256d a = _mm256_loadu_pd(p + 4 * h), b = _mm256_loadu_pd(p + 8 + 4 * h);
    __m256d c = _mm256_loadu_pd(p + 16 + 4 * h), d = _mm256_loadu_pd(p + 24 + 4 * h);
    transpose4(a, b, c, d);
    v[4 * h] = a;
    v[4 * h + 1] = b;
    v[4 * h + 2] = c;
    v[4 * h + 3] = d;
  }
}
inline void store_blocks4(double* p, const Vec4* v) {
  for (int h = 0; h < 2; ++h) {
    __m256d a = v[4 * h], b = v[4 * h + 1], c = v[4 * h + 2], d = v[4 * h + 3];
    transpose4(a, b, c, d);
    _mm256_storeu_pd(p + 4 * h, a);
    _mm256_storeu_pd(p + 8 + 4 * h, b);
    _mm256_storeu_pd(p + 16 + 4 * h, c);
    _mm256_storeu_pd(p + 24 + 4 * h, d);
  }
}
inline Twiddles4<Vec4> broadcast(const Twiddles4<double>& w) {
  const auto all = [](double x) { return Vec4{x, x, x, x}; };
  return {all(w.w1r), all(w.w1i), all(w.w3r), all(w.w3i), all(w.w2r), all(w.w2i)};
}
#endif

// Stages h = 2q and q on one block of 2h points, j = 0..q-1: the butterflies on (j, j + q,
// j + h, j + h + q) (Fft::forward_bit_reversed). A function of its own with restrict
// parameters, so that g++ vectorizes the j loop without run-time alias checks (which this
// build turns off).
#if defined(__GNUC__)
__attribute__((noinline))
#endif
void radix4_dif_block(double* __restrict r0, double* __restrict i0, double* __restrict r1, double* __restrict i1,
                      double* __restrict r2, double* __restrict i2, double* __restrict r3, double* __restrict i3,
                      const double* __restrict w1r, const double* __restrict w1i, const double* __restrict w3r,
                      const double* __restrict w3i, const double* __restrict w2r, const double* __restrict w2i,
                      int q) {
  for (int j = 0; j < q; ++j)
    radix4_dif(r0[j], i0[j], r1[j], i1[j], r2[j], i2[j], r3[j], i3[j],
               Twiddles4<double>{w1r[j], w1i[j], w3r[j], w3i[j], w2r[j], w2i[j]});
}

}  // namespace

void Fft::forward_bit_reversed(double* re, double* im) const {
  const int m = m_;
  // Decimation in frequency: the stage of half-span h maps a = x_j, b = x_{j+h} (j < h in each
  // block of 2h) to a + b, (a − b)·w_h^j with w_h^j = e^{−2πij/(2h)}. Stages h and h/2 are done
  // in one pass over each block of 2h (four inputs, the same arithmetic as two passes), which
  // halves the passes over memory.
  int h = m / 2;
  for (; h >= 8; h >>= 2) {
    const int q = h / 2;
    const double* w1r = tw_re_.data() + (h - 1);  // w_h^j and, at + q, w_h^{j+q}
    const double* w1i = tw_im_.data() + (h - 1);
    const double* w2r = tw_re_.data() + (q - 1);  // w_q^j
    const double* w2i = tw_im_.data() + (q - 1);
    for (int k = 0; k < m; k += 2 * h)
      radix4_dif_block(re + k, im + k, re + k + q, im + k + q, re + k + h, im + k + h, re + k + h + q, im + k + h + q,
                       w1r, w1i, w1r + q, w1i + q, w2r, w2i, q);
  }
  // The last stages work within blocks of 8 (or 4) neighbouring points, where a block call per
  // 2 (or 1) butterflies cost more than the arithmetic (a third of an 8192-point transform):
  // one loop over the blocks with the few twiddles held in registers, the same operations.
  const double* wr = tw_re_.data();
  const double* wi = tw_im_.data();
  if (h == 4) {
    // Stages 4 and 2 (q = 2: w1 = w_4^j at 3 + j, w3 = w_4^{j+2} at 5 + j, w2 = w_2^j at 1 + j),
    // then stage 1 (an odd number of stages).
    const Twiddles4<double> w0{wr[3], wi[3], wr[5], wi[5], wr[1], wi[1]};
    const Twiddles4<double> w1{wr[4], wi[4], wr[6], wi[6], wr[2], wi[2]};
    int k = 0;
#if defined(__AVX__)
    const Twiddles4<Vec4> v0 = broadcast(w0), v1 = broadcast(w1);
    for (; k + 32 <= m; k += 32) {
      Vec4 r[8], i[8];
      load_blocks4(re + k, r);
      load_blocks4(im + k, i);
      tail8(r, i, v0, v1);
      store_blocks4(re + k, r);
      store_blocks4(im + k, i);
    }
#endif
    for (; k < m; k += 8) tail8(re + k, im + k, w0, w1);
  } else if (h == 2) {
    // Stages 2 and 1 (q = 1: w1 = w_2^0 at 1, w3 = w_2^1 at 2, w2 = w_1^0 at 0).
    const Twiddles4<double> w{wr[1], wi[1], wr[2], wi[2], wr[0], wi[0]};
    for (int k = 0; k < m; k += 4) radix4_dif(re[k], im[k], re[k + 1], im[k + 1], re[k + 2], im[k + 2], re[k + 3], im[k + 3], w);
  } else if (h == 1) {
    radix2_unit(re[0], im[0], re[1], im[1]);  // m = 2: the one stage of half-span 1
  }
}

void AutocovarianceSum::reset(int n) {
  n_ = n;
  const int m = next_pow2(2 * n);
  fft_.resize(m);
  z_.resize(m);
  power_.assign(m, 0.0);
}

void AutocovarianceSum::add(const double* y0, const double* y1) {
  const int m = fft_.size(), n = n_;
  double* re = z_.re();
  double* im = z_.im();
  for (int i = 0; i < n; ++i) re[i] = y0[i];
  for (int i = 0; i < n; ++i) im[i] = y1 ? y1[i] : 0.0;
  for (int i = n; i < m; ++i) re[i] = im[i] = 0.0;
  fft_.forward(re, im);
  // |Y0_k|² + |Y1_k|² = (|Z_k|² + |Z_{m−k}|²)/2 (indices mod m).
  power_[0] += re[0] * re[0] + im[0] * im[0];
  for (int k = 1; k < m; ++k) {
    const int l = m - k;
    power_[k] += 0.5 * (re[k] * re[k] + im[k] * im[k] + re[l] * re[l] + im[l] * im[l]);
  }
}

void AutocovarianceSum::finish(std::vector<double>& out) {
  const int m = fft_.size(), n = n_;
  double* re = z_.re();
  double* im = z_.im();
  for (int k = 0; k < m; ++k) {
    re[k] = power_[k];
    im[k] = 0.0;
  }
  fft_.inverse(re, im);
  out.resize(n);
  const double scale = 1.0 / (static_cast<double>(m) * n);
  for (int t = 0; t < n; ++t) out[t] = re[t] * scale;
}

namespace {
// Series × length from which one LagSums block uses every thread (outside a parallel region).
constexpr std::size_t kParallelLagDraws = std::size_t{1} << 16;

}  // namespace

// Σ_{i < n − s} y_i y_{i+s} with 8 interleaved partial sums (a fixed order, so deterministic;
// the fixed-width inner loop is what lets the compiler use one vector FMA per step).
double LagSums::dot_lag(const double* y, int n, int s) {
  const int len = n - s;
  const double* w = y + s;
  double p[8] = {};
  int i = 0;
  for (; i + 8 <= len; i += 8)
    for (int k = 0; k < 8; ++k) p[k] += y[i + k] * w[i + k];
  double dot = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
  for (; i < len; ++i) dot += y[i] * w[i];
  return dot;
}

namespace {

// dot_lag for the C = kDirectBlock lags first..first+C-1 in one pass: lag c keeps its 8 partial
// sums (one vector, lane k = dot_lag's p[k]) and adds its products in dot_lag's order (blocks of
// 8 from i = 0, then the partial sums, then the tail), so every result is dot_lag's bits; the
// shared pass loads each block of y once for all C lags.
#if defined(__GNUC__) && !defined(__clang__)
// One vector of V's lanes from p (any alignment).
template <class V>
inline V load_lanes(const double* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Lag c's partial sums and the last block of the common part: shared by both passes below.
// q[k] holds lane k of lag c's sums after the blocks before i; adds the blocks from i that lag
// c still has whole, then the partial sums in dot_lag's order, then the tail.
inline double finish_lag(const double* y, int n, int first, int c, int i, double (&q)[8]) {
  const int len = n - (first + c);
  const double* w = y + first + c;
  int j = i;
  for (; j + 8 <= len; j += 8)
    for (int k = 0; k < 8; ++k) q[k] += y[j + k] * w[j + k];
  double dot = ((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]));
  for (; j < len; ++j) dot += y[j] * w[j];
  return dot;
}
#endif

#if defined(__GNUC__) && !defined(__clang__) && defined(__AVX512F__)
// AVX-512: each lag's 8 partial sums in one register, all C lags in one pass.
typedef double Lanes8 __attribute__((vector_size(64)));
void dot_lags_pass(const double* y, int n, int first, double* out) {
  constexpr int C = LagSums::kDirectBlock;
  Lanes8 p[C];
  for (int c = 0; c < C; ++c) p[c] = Lanes8{};
  const int common = std::max(0, n - (first + C - 1));  // every lag has these blocks whole
  int i = 0;
  for (; i + 8 <= common; i += 8) {
    const Lanes8 a = load_lanes<Lanes8>(y + i);
    for (int c = 0; c < C; ++c) p[c] += a * load_lanes<Lanes8>(y + first + c + i);
  }
  for (int c = 0; c < C; ++c) {
    double q[8];
    std::memcpy(q, &p[c], sizeof q);
    out[c] = finish_lag(y, n, first, c, i, q);
  }
}
#elif defined(__GNUC__) && !defined(__clang__)
// 256-bit vectors (AVX2 and older): a lag's 8 partial sums are two registers, lanes 0-3 and
// 4-7. All 8 lags at once would need 16 accumulators plus the operands, more than the 16
// registers (g++ then spills to the stack on every step: measured 3x slower than the pass it
// replaces, which was written for AVX-512), so the lags go 4 at a time, y read twice from L1.
// Each lane adds the same products in the same order as above: the same bits.
typedef double Lanes4 __attribute__((vector_size(32)));
void dot_lags_pass(const double* y, int n, int first, double* out) {
  constexpr int C = LagSums::kDirectBlock, G = 4;
  const int common = std::max(0, n - (first + C - 1));
  const int whole = common / 8 * 8;
  for (int c0 = 0; c0 < C; c0 += G) {
    Lanes4 lo[G], hi[G];
    for (int c = 0; c < G; ++c) lo[c] = hi[c] = Lanes4{};
    for (int i = 0; i < whole; i += 8) {
      const Lanes4 alo = load_lanes<Lanes4>(y + i), ahi = load_lanes<Lanes4>(y + i + 4);
      for (int c = 0; c < G; ++c) {
        const double* w = y + first + c0 + c + i;
        lo[c] += alo * load_lanes<Lanes4>(w);
        hi[c] += ahi * load_lanes<Lanes4>(w + 4);
      }
    }
    for (int c = 0; c < G; ++c) {
      double q[8];
      std::memcpy(q, &lo[c], sizeof lo[c]);
      std::memcpy(q + 4, &hi[c], sizeof hi[c]);
      out[c0 + c] = finish_lag(y, n, first, c0 + c, whole, q);
    }
  }
}
#endif

}  // namespace

void LagSums::dot_lags(const double* y, int n, int first, int count, double* out) {
#if defined(__GNUC__) && !defined(__clang__)
  if (count == kDirectBlock) {
    dot_lags_pass(y, n, first, out);
    return;
  }
#endif
  for (int c = 0; c < count; ++c) out[c] = dot_lag(y, n, first + c);
}

void LagSums::set_first_block(const double* dots) {
  const int hi = std::min(n_, kDirectBlock);
  double total[kDirectBlock] = {};
  for (int j = 0; j < K_; ++j)
    for (int s = 0; s < hi; ++s) total[s] += dots[static_cast<std::size_t>(j) * kDirectBlock + s];
  for (int s = 0; s < hi; ++s) sums_[s] = total[s] / n_;
  computed_ = hi;
}

void LagSums::reset(const double* data, int K, int n, bool force_fft) {
  data_ = data;
  K_ = K;
  n_ = n;
  computed_ = 0;
  used_fft_ = false;
  sums_.assign(n, 0.0);
  if (force_fft && n > 0) fft_all();
}

void LagSums::fft_all() {
  const int n = n_;
  fft_.reset(n);
  for (int j = 0; j < K_; j += 2)
    fft_.add(data_ + static_cast<std::size_t>(j) * n,
             j + 1 < K_ ? data_ + static_cast<std::size_t>(j + 1) * n : nullptr);
  fft_.finish(fft_out_);
  for (int s = 0; s < n; ++s) sums_[s] = fft_out_[s];
  computed_ = n;
  used_fft_ = true;
}

void LagSums::extend(int t) {
  if (t >= kDirectMaxLag) {
    fft_all();
    return;
  }
  const int n = n_;
  while (computed_ <= t) {
    const int lo = computed_, hi = std::min(n, computed_ + kDirectBlock);
    double total[kDirectBlock] = {};
    if (!in_parallel_region() && static_cast<std::size_t>(K_) * n >= kParallelLagDraws) {
      // Every thread computes the dot products of its series; they are added in series order
      // below, exactly as the serial loop adds them.
      chain_dots_.resize(static_cast<std::size_t>(K_) * kDirectBlock);
      double* dots = chain_dots_.data();
#pragma omp parallel for schedule(static)
      for (int j = 0; j < K_; ++j) {
        const double* y = data_ + static_cast<std::size_t>(j) * n;
        dot_lags(y, n, lo, hi - lo, dots + static_cast<std::size_t>(j) * kDirectBlock);
      }
      for (int j = 0; j < K_; ++j)
        for (int s = lo; s < hi; ++s) total[s - lo] += dots[static_cast<std::size_t>(j) * kDirectBlock + (s - lo)];
    } else {
      double dots[kDirectBlock];
      for (int j = 0; j < K_; ++j) {
        dot_lags(data_ + static_cast<std::size_t>(j) * n, n, lo, hi - lo, dots);
        for (int s = lo; s < hi; ++s) total[s - lo] += dots[s - lo];
      }
    }
    for (int s = lo; s < hi; ++s) sums_[s] = total[s - lo] / n;
    computed_ = hi;
  }
}

}  // namespace lockstep::diagnostics
