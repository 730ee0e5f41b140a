#include "host/diagnostics/autocovariance.hpp"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <stdexcept>
#include <utility>
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

// Stages h = 2q and q of decimation in frequency on one block of 2h points, j = j0..j1-1:
// pairs (j, j + h), (j + q, j + h + q) with twiddles w_h^j, w_h^{j+q}, then pairs (j, j + q) in
// both halves with w_q^j (Fft::forward_bit_reversed). A function of its own with restrict
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
  for (int j = 0; j < q; ++j) {
    const double a0r = r0[j] + r2[j], a0i = i0[j] + i2[j];
    const double d0r = r0[j] - r2[j], d0i = i0[j] - i2[j];
    const double a1r = r1[j] + r3[j], a1i = i1[j] + i3[j];
    const double d1r = r1[j] - r3[j], d1i = i1[j] - i3[j];
    const double b0r = d0r * w1r[j] - d0i * w1i[j], b0i = d0r * w1i[j] + d0i * w1r[j];
    const double b1r = d1r * w3r[j] - d1i * w3i[j], b1i = d1r * w3i[j] + d1i * w3r[j];
    const double e0r = a0r - a1r, e0i = a0i - a1i;
    const double e1r = b0r - b1r, e1i = b0i - b1i;
    r0[j] = a0r + a1r;
    i0[j] = a0i + a1i;
    r1[j] = e0r * w2r[j] - e0i * w2i[j];
    i1[j] = e0r * w2i[j] + e0i * w2r[j];
    r2[j] = b0r + b1r;
    i2[j] = b0i + b1i;
    r3[j] = e1r * w2r[j] - e1i * w2i[j];
    i3[j] = e1r * w2i[j] + e1i * w2r[j];
  }
}

}  // namespace

void Fft::forward_bit_reversed(double* re, double* im) const {
  const int m = m_;
  // Decimation in frequency: the stage of half-span h maps a = x_j, b = x_{j+h} (j < h in each
  // block of 2h) to a + b, (a − b)·w_h^j with w_h^j = e^{−2πij/(2h)}. Stages h and h/2 are done
  // in one pass over each block of 2h (four inputs, the same arithmetic as two passes), which
  // halves the passes over memory.
  int h = m / 2;
  for (; h >= 2; h >>= 2) {
    const int q = h / 2;
    const double* w1r = tw_re_.data() + (h - 1);  // w_h^j and, at + q, w_h^{j+q}
    const double* w1i = tw_im_.data() + (h - 1);
    const double* w2r = tw_re_.data() + (q - 1);  // w_q^j
    const double* w2i = tw_im_.data() + (q - 1);
    for (int k = 0; k < m; k += 2 * h)
      radix4_dif_block(re + k, im + k, re + k + q, im + k + q, re + k + h, im + k + h, re + k + h + q, im + k + h + q,
                       w1r, w1i, w1r + q, w1i + q, w2r, w2i, q);
  }
  if (h == 1) {
    // An odd number of stages: the last, of half-span 1 (twiddle 1), alone.
    for (int k = 0; k + 1 < m; k += 2) {
      const double ar = re[k], ai = im[k], br = re[k + 1], bi = im[k + 1];
      re[k] = ar + br; im[k] = ai + bi;
      re[k + 1] = ar - br; im[k + 1] = ai - bi;
    }
  }
}

void AutocovarianceSum::reset(int n) {
  n_ = n;
  const int m = next_pow2(2 * n);
  fft_.resize(m);
  re_.assign(m, 0.0);
  im_.assign(m, 0.0);
  power_.assign(m, 0.0);
}

void AutocovarianceSum::add(const double* y0, const double* y1) {
  const int m = fft_.size(), n = n_;
  for (int i = 0; i < n; ++i) re_[i] = y0[i];
  for (int i = 0; i < n; ++i) im_[i] = y1 ? y1[i] : 0.0;
  for (int i = n; i < m; ++i) re_[i] = im_[i] = 0.0;
  fft_.forward(re_.data(), im_.data());
  // |Y0_k|² + |Y1_k|² = (|Z_k|² + |Z_{m−k}|²)/2 (indices mod m).
  power_[0] += re_[0] * re_[0] + im_[0] * im_[0];
  for (int k = 1; k < m; ++k) {
    const int l = m - k;
    power_[k] += 0.5 * (re_[k] * re_[k] + im_[k] * im_[k] + re_[l] * re_[l] + im_[l] * im_[l]);
  }
}

void AutocovarianceSum::finish(std::vector<double>& out) {
  const int m = fft_.size(), n = n_;
  for (int k = 0; k < m; ++k) {
    re_[k] = power_[k];
    im_[k] = 0.0;
  }
  fft_.inverse(re_.data(), im_.data());
  out.resize(n);
  const double scale = 1.0 / (static_cast<double>(m) * n);
  for (int t = 0; t < n; ++t) out[t] = re_[t] * scale;
}

namespace {
// Series × length from which one LagSums block uses every thread (outside a parallel region).
constexpr std::size_t kParallelLagDraws = std::size_t{1} << 16;

bool in_parallel_region() {
#ifdef _OPENMP
  return omp_in_parallel() != 0;
#else
  return false;
#endif
}

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
