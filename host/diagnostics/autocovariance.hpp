#pragma once
// Autocovariance by FFT, summed over many series.
//
// For a centred series y_0..y_{n−1} the (biased, Geyer 1992) autocovariance at lag t is
//     γ̂_t = (1/n) Σ_{i=0}^{n−1−t} y_i y_{i+t},
// the estimate stan-dev/posterior (`autocovariance`) and ArviZ (`stats_utils.autocov`) use.
// With Y = DFT(y zero-padded to m ≥ 2n), Σ_i y_i y_{i+t} = IDFT(|Y|²)_t exactly (the padding
// removes circular wrap-around). The ESS of Vehtari et al. (2021, §3.2) only needs the
// mean over chains of γ̂_t, and the DFT is linear, so the power spectra of all chains are
// summed first and ONE inverse transform gives Σ_chains γ̂_t. Two real series share one
// complex transform: with Z = DFT(y0 + i·y1), |Y0_k|² + |Y1_k|² = (|Z_k|² + |Z_{m−k}|²)/2.
//
// LagSums serves the ESS loop, which reads γ̄_t for increasing t and usually stops after a
// few lags (Geyer's initial positive sequence ends when a pair of autocorrelations sums to a
// negative number): it computes the lag sums directly in blocks of kDirectBlock lags while
// t < kDirectMaxLag (O(K·n) per block, vectorized, cache-resident per series) and switches to
// the FFT above (O(K·m log m) once, whatever the lag). Both give the same numbers up to
// rounding (tested); the direct path is ~10x cheaper when chains mix well. Outside an OpenMP
// parallel region a direct block spreads its series over the threads and adds their dot
// products in series order: the same bits whatever the thread count.
//
// Fft is a plain iterative radix-2 complex FFT (Cooley–Tukey, decimation in time) on split
// real/imaginary arrays with per-stage contiguous twiddles, so the inner loops vectorize.
#include <cstddef>
#include <vector>

namespace lockstep::diagnostics {

/// Radix-2 complex FFT of a fixed power-of-two size m. forward: X_k = Σ_j x_j e^{−2πijk/m};
/// inverse: the same with e^{+2πijk/m} and NO 1/m factor. In place on split arrays.
class Fft {
 public:
  Fft() = default;
  explicit Fft(int m) { resize(m); }
  /// m must be a power of two ≥ 1.
  void resize(int m);
  int size() const { return m_; }
  void forward(double* re, double* im) const { transform(re, im, false); }
  void inverse(double* re, double* im) const { transform(re, im, true); }
  /// The forward transform in bit-reversed order, X_k at index bitrev(k) (decimation in
  /// frequency, Gentleman–Sande: no permutation pass), for sums over k that do not care where
  /// each X_k lies, such as power spectra added over many series.
  void forward_bit_reversed(double* re, double* im) const;
  /// The bit-reversal permutation of the size: X_k of forward_bit_reversed is at bitrev(k).
  int bitrev(int k) const { return bitrev_[k]; }

 private:
  void transform(double* re, double* im, bool inverse) const;
  int m_ = 0;
  std::vector<int> bitrev_;        // bit-reversal permutation
  std::vector<double> tw_re_, tw_im_;  // stage with half-span h uses entries [h − 1, 2h − 1)
};

/// Smallest power of two ≥ n (n ≥ 1).
int next_pow2(int n);

/// The real and imaginary arrays of one transform in ONE allocation, im right after re.
///
/// Why not two std::vectors: two heap blocks of a power-of-two size lie a multiple of 4 KB
/// plus malloc's 16-byte header apart, so re[j] and im[j] share their low 12 address bits but
/// for 16 bytes. The core's memory disambiguation compares only those bits between a store
/// and a later load ("4K aliasing"), and a vector store to one array can then stall the loads
/// from the other that follow it. Measured on an AMD EPYC (AVX2): one forward transform of
/// 8192 points on two such vectors 112 us, on one buffer 60-65 us; in emcee's tau of 1024
/// series of 5000 (where the arrays meet other allocations too) 37.5-39.7 ms -> 35.3-36.9 ms.
class SplitComplex {
 public:
  SplitComplex() = default;
  explicit SplitComplex(int m) { resize(m); }
  /// m entries each, all zero.
  void resize(int m) {
    m_ = m;
    buf_.assign(2 * static_cast<std::size_t>(m), 0.0);
  }
  double* re() { return buf_.data(); }
  double* im() { return buf_.data() + m_; }
  const double* re() const { return buf_.data(); }
  const double* im() const { return buf_.data() + m_; }
  int size() const { return m_; }

 private:
  std::vector<double> buf_;
  int m_ = 0;
};

/// Accumulates Σ_series γ̂_t (t = 0..n−1) over any number of series of length n.
class AutocovarianceSum {
 public:
  /// Start a new sum for series of length n ≥ 1 (FFT size: the power of two ≥ 2n).
  void reset(int n);
  /// Add one or two CENTRED series of length n (y1 may be null).
  void add(const double* y0, const double* y1);
  /// Write Σ_series γ̂_t for t = 0..n−1 to out (resized to n).
  void finish(std::vector<double>& out);
  int length() const { return n_; }

 private:
  int n_ = 0;
  Fft fft_;
  SplitComplex z_;
  std::vector<double> power_;
};

/// Σ_series γ̂_t over K centred series of length n stored contiguously (series j at
/// data + j·n), computed lazily: directly for small lags, by FFT when a large lag is needed.
class LagSums {
 public:
  static constexpr int kDirectBlock = 8;    // lags per direct pass over the series
  static constexpr int kDirectMaxLag = 64;  // beyond this, one FFT computes every lag
  /// data must stay valid until the next reset. force_fft computes everything by FFT.
  void reset(const double* data, int K, int n, bool force_fft = false);
  /// Σ_i y_i y_{i+s} of one series (i < n − s), the direct path's dot product, with its fixed
  /// order of 8 interleaved partial sums. Out of line: whoever calls it gets the same bits.
  static double dot_lag(const double* y, int n, int s);
  /// out[c] = dot_lag(y, n, first + c) for c < count <= kDirectBlock, the same bits, a whole
  /// block of lags in one pass over y.
  static void dot_lags(const double* y, int n, int first, int count, double* out);
  /// After reset: the first block of lags (0..kDirectBlock−1, fewer if n is smaller) from
  /// dots[j·kDirectBlock + s] = dot_lag(series j, n, s), computed by the caller while series j
  /// was in cache; added in series order, as extend() would.
  void set_first_block(const double* dots);
  /// Σ_series γ̂_t for 0 ≤ t < n.
  double at(int t) {
    if (t >= computed_) extend(t);
    return sums_[t];
  }
  bool used_fft() const { return used_fft_; }

 private:
  void extend(int t);
  void fft_all();
  const double* data_ = nullptr;
  int K_ = 0, n_ = 0, computed_ = 0;
  bool used_fft_ = false;
  std::vector<double> sums_, fft_out_, chain_dots_;
  AutocovarianceSum fft_;
};

}  // namespace lockstep::diagnostics
