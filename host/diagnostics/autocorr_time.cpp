// emcee's integrated autocorrelation time (see autocorr_time.hpp).
#include "host/diagnostics/autocorr_time.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "host/diagnostics/autocovariance.hpp"

namespace lockstep::diagnostics {
namespace {

/// Series per block of the walker sum; blocks are summed in order (thread-count independent).
constexpr int kSeriesBlock = 32;

/// Centres y into out[0..n) and scales it to unit sum of squares. Returns the sum of squares
/// of the centred series: 0 for a constant series (out is then all zero), NaN for NaN input.
double centre_and_scale(const double* y, int n, double* out) {
  // Sums in four interleaved partial sums (a fixed order: deterministic), combined pairwise.
  double s[4] = {0, 0, 0, 0};
  int i = 0;
  for (; i + 4 <= n; i += 4)
    for (int u = 0; u < 4; ++u) s[u] += y[i + u];
  for (; i < n; ++i) s[0] += y[i];
  const double mean = ((s[0] + s[1]) + (s[2] + s[3])) / n;
  double q[4] = {0, 0, 0, 0};
  i = 0;
  for (; i + 4 <= n; i += 4)
    for (int u = 0; u < 4; ++u) {
      out[i + u] = y[i + u] - mean;
      q[u] += out[i + u] * out[i + u];
    }
  for (; i < n; ++i) {
    out[i] = y[i] - mean;
    q[0] += out[i] * out[i];
  }
  const double ss = (q[0] + q[1]) + (q[2] + q[3]);
  const double scale = ss > 0 ? 1.0 / std::sqrt(ss) : 0.0;
  for (int k = 0; k < n; ++k) out[k] *= scale;
  return ss;
}

/// Adds the normalized autocorrelation function of a scaled series (its FFT output `acov`,
/// unnormalized) to acc, or NaN everywhere if the series had NaN. Returns 1 if added.
int add_normalized(double ss, const double* acov, int n, double* acc) {
  if (ss > 0 && std::isfinite(ss)) {
    const double inv = 1.0 / acov[0];
    for (int t = 0; t < n; ++t) acc[t] += acov[t] * inv;
    return 1;
  }
  if (ss == 0) return 0;  // constant series: autocorrelation undefined, left out
  for (int t = 0; t < n; ++t) acc[t] = std::numeric_limits<double>::quiet_NaN();
  return 1;
}

/// Adds the normalized autocorrelation functions of up to two series (y1 may be null) to
/// acc[0..n), using one complex FFT of size fft.size() >= 2n. Returns how many series were
/// added (constant series are skipped). re, im: scratch of fft.size(). Each series is scaled
/// to unit power first, so that the rounding of one cannot swamp the other in the shared
/// transform, whatever their scales.
int add_acf_pair(const Fft& fft, const double* y0, const double* y1, int n, double* re, double* im,
                 double* acc) {
  const int m = fft.size();
  const double ss0 = centre_and_scale(y0, n, re);
  double ss1 = 0;
  if (y1) {
    ss1 = centre_and_scale(y1, n, im);
  } else {
    for (int i = 0; i < n; ++i) im[i] = 0.0;
  }
  for (int i = n; i < m; ++i) re[i] = im[i] = 0.0;
  fft.forward(re, im);
  // |Y0_k|^2 = |Z_k + conj(Z_{m-k})|^2 / 4, |Y1_k|^2 = |Z_k - conj(Z_{m-k})|^2 / 4. Both
  // power spectra are real and even, so one inverse transform of P0 + i P1 returns the two
  // (unnormalized) autocovariances as its real and imaginary parts.
  for (int k = 0; k <= m / 2; ++k) {
    const int j = (m - k) & (m - 1);
    const double ar = re[k], ai = im[k], br = re[j], bi = im[j];
    const double p0 = 0.25 * ((ar + br) * (ar + br) + (ai - bi) * (ai - bi));
    const double p1 = 0.25 * ((ar - br) * (ar - br) + (ai + bi) * (ai + bi));
    re[k] = p0;
    im[k] = p1;
    re[j] = p0;
    im[j] = p1;
  }
  fft.inverse(re, im);
  int added = add_normalized(ss0, re, n, acc);
  if (y1) added += add_normalized(ss1, im, n, acc);
  return added;
}

/// Adds |Z_k|^2 (k = 0..m-1) of Z = DFT(y0 + i y1), both series centred and scaled to unit
/// power, to acc; summed over pairs, (A_k + A_{m-k}) / 2 = sum_series |Y_k|^2 (the header).
/// Returns how many series count: constant ones do not; one with NaN or infinite draws does,
/// and sets `bad` (its autocorrelation is NaN).
int add_power_pair(const Fft& fft, const double* y0, const double* y1, int n, double* re, double* im,
                   double* acc, bool& bad) {
  const int m = fft.size();
  const double ss0 = centre_and_scale(y0, n, re);
  double ss1 = 0;
  if (y1) {
    ss1 = centre_and_scale(y1, n, im);
  } else {
    for (int i = 0; i < n; ++i) im[i] = 0.0;
  }
  const int counted = (ss0 != 0 ? 1 : 0) + (y1 && ss1 != 0 ? 1 : 0);
  if (!std::isfinite(ss0) || !std::isfinite(ss1)) {
    bad = true;
    return counted;
  }
  for (int i = n; i < m; ++i) re[i] = im[i] = 0.0;
  fft.forward_bit_reversed(re, im);  // acc is indexed by bitrev(k): integrated_time unscrambles it
  for (int k = 0; k < m; ++k) acc[k] += re[k] * re[k] + im[k] * im[k];
  return counted;
}

}  // namespace

std::vector<double> autocorr_function(const double* x, int n) {
  if (n < 1) return {};
  Fft fft(next_pow2(2 * n));
  SplitComplex z(fft.size());
  std::vector<double> acc(n, 0.0);
  if (add_acf_pair(fft, x, nullptr, n, z.re(), z.im(), acc.data()) == 0)
    acc.assign(n, std::numeric_limits<double>::quiet_NaN());
  return acc;
}

namespace {

/// The walker-averaged autocorrelation f(0..limit] from transforms of size m >= n + limit
/// (lags t <= m - n take no circular wrap-around, so they are exact; the header): f[0] = 1, or
/// all NaN if a walker had NaN or infinite draws. `used`: the walkers that count.
struct MeanAcf {
  std::vector<double> f;
  int used = 0;
};
MeanAcf mean_acf(const std::vector<const double*>& series, int n, int m, int limit) {
  const int K = static_cast<int>(series.size());
  Fft fft(m);
  const int n_blocks = (K + kSeriesBlock - 1) / kSeriesBlock;
  std::vector<double> partial(static_cast<std::size_t>(n_blocks) * m, 0.0);
  std::vector<int> used(n_blocks, 0);
  std::vector<char> poisoned(n_blocks, 0);
#pragma omp parallel
  {
    SplitComplex z(m);  // one buffer: see SplitComplex
#pragma omp for schedule(dynamic)
    for (int b = 0; b < n_blocks; ++b) {
      double* acc = partial.data() + static_cast<std::size_t>(b) * m;
      const int end = (b + 1) * kSeriesBlock < K ? (b + 1) * kSeriesBlock : K;
      for (int k = b * kSeriesBlock; k < end; k += 2) {
        bool bad = false;
        used[b] += add_power_pair(fft, series[k], k + 1 < end ? series[k + 1] : nullptr, n, z.re(), z.im(), acc,
                                  bad);
        if (bad) poisoned[b] = 1;
      }
    }
  }
  // Blocks added in order (thread-count independent); then P_k = (A_k + A_{m-k}) / 2.
  std::vector<double> sum(m, 0.0);
  SplitComplex z(m);
  double* re = z.re();
  double* im = z.im();
  MeanAcf out;
  bool poison = false;
  for (int b = 0; b < n_blocks; ++b) {
    out.used += used[b];
    poison = poison || poisoned[b] != 0;
    const double* acc = partial.data() + static_cast<std::size_t>(b) * m;
    for (int k = 0; k < m; ++k) sum[k] += acc[k];
  }
  for (int k = 0; k < m; ++k) re[k] = sum[fft.bitrev(k)];
  out.f.assign(static_cast<std::size_t>(limit) + 1, std::numeric_limits<double>::quiet_NaN());
  if (out.used == 0 || poison) return out;
  for (int k = 1; k < m / 2; ++k) {
    const double p = 0.5 * (re[k] + re[m - k]);
    re[k] = p;
    re[m - k] = p;
  }
  fft.inverse(re, im);
  const double inv0 = 1.0 / re[0];
  for (int t = 0; t <= limit; ++t) out.f[t] = re[t] * inv0;
  return out;
}

}  // namespace

AutocorrTime integrated_time(const std::vector<const double*>& series, int n, const AutocorrTimeOptions& options) {
  AutocorrTime r;
  const int K = static_cast<int>(series.size());
  if (n < 1 || K < 1) {
    r.tau = std::numeric_limits<double>::quiet_NaN();
    r.too_short = true;
    return r;
  }
  // f = mean_k rho_k = IDFT(sum_k |Y_k|^2) / IDFT(sum_k |Y_k|^2)_0 for the series scaled to unit
  // power (the header): one forward transform per PAIR of walkers, one inverse in all. The
  // window of a chain longer than tol tau ends near c tau, far below n, so the first try pads
  // only to next_pow2(n + n/8) (lags up to n/8 or more exact; half the full size for most n)
  // and the full 2n padding is used only when no window ends in the exact lags.
  const int full = next_pow2(2 * n);
  const int short_m = next_pow2(n + (n / 8 > 1 ? n / 8 : 1));
  for (int m = short_m < full ? short_m : full;; m = full) {
    const int limit = m < full ? m - n : n - 1;  // the lags this size gets exactly, up to n - 1
    const MeanAcf acf = mean_acf(series, n, m, limit < n - 1 ? limit : n - 1);
    r.constant_series = K - acf.used;
    if (acf.used == 0) {
      r.tau = std::numeric_limits<double>::quiet_NaN();
      r.too_short = true;
      return r;
    }
    // tau(M) = 2 cumsum(f)(M) - 1 with f the mean over walkers; window: first M >= c tau(M).
    double cum = 0, tau = 0;
    int window = -1;
    for (int t = 0; t < static_cast<int>(acf.f.size()); ++t) {
      cum += acf.f[t];
      tau = 2.0 * cum - 1.0;
      if (!(static_cast<double>(t) < options.c * tau)) {
        window = t;
        break;
      }
    }
    if (window < 0 && m < full && tau == tau) continue;  // no window in the exact lags: pad fully
    if (window < 0) {
      r.window = n - 1;  // no window (only n = 1, see the header) or NaN: tau(n - 1), flagged
      r.tau = tau;
      r.too_short = true;
    } else {
      r.window = window;
      r.tau = tau;
      // tau <= 0 (two or three draws: the window closes where tau(M) has fallen to 0) is no
      // estimate at all, whatever n / tol says.
      r.too_short = options.tol * tau > n || !(tau > 0);
    }
    return r;
  }
}

std::vector<AutocorrTime> autocorr_times(const DrawSet& draws, const AutocorrTimeOptions& options) {
  const int first = options.include_warmup ? 0 : draws.n_warmup_saved;
  const int n = draws.n_draws - first;
  std::vector<AutocorrTime> out;
  for (std::size_t p = 0; p < draws.names.size(); ++p) {
    std::vector<const double*> series;
    for (int c = 0; c < draws.n_chains; ++c) series.push_back(draws.series(static_cast<int>(p), c) + first);
    out.push_back(integrated_time(series, n, options));
  }
  return out;
}

std::vector<double> integrated_time(const DrawSet& draws, const AutocorrTimeOptions& options) {
  std::vector<double> tau;
  for (const AutocorrTime& t : autocorr_times(draws, options)) tau.push_back(t.tau);
  return tau;
}

std::string short_chain_warning(const std::vector<std::string>& names, const std::vector<AutocorrTime>& taus,
                                int n_draws, const AutocorrTimeOptions& options, double scale) {
  int flagged = 0;
  std::string list;
  char buf[64];
  for (std::size_t p = 0; p < taus.size(); ++p) {
    if (!taus[p].too_short) continue;
    ++flagged;
    std::snprintf(buf, sizeof buf, "%.4g", taus[p].tau * scale);
    list += (list.empty() ? "" : ", ") + (p < names.size() ? names[p] : "?") + ": tau = " + buf;
  }
  if (flagged == 0) return "";
  std::snprintf(buf, sizeof buf, "%.4g", n_draws * scale / options.tol);
  char tol[32];
  std::snprintf(tol, sizeof tol, "%g", options.tol);
  return std::string("the chain is shorter than ") + tol +
         " times the integrated autocorrelation time for " + std::to_string(flagged) + " parameter(s) (" +
         list + "); N/" + tol + " = " + buf + "; use this estimate with caution and run a longer chain";
}

}  // namespace lockstep::diagnostics
