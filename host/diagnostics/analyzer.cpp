#include "host/diagnostics/analyzer.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <string>

#include "host/diagnostics/special_functions.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep::diagnostics::detail {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// ArviZ `_ess`: a series whose range is below numpy's float resolution counts as constant.
constexpr double kArvizResolution = 1e-15;
// The MCSE of a quantile uses the Beta quantiles at Φ(−1) and Φ(1) as printed in posterior and
// ArviZ (Vehtari et al. 2021, §4.4).
constexpr double kLowerTail = 0.1586553;
constexpr double kUpperTail = 0.8413447;

// Rounds v to double as a separate operation: keeps the compiler from fusing a*b + c into one
// FMA (GCC contracts by default under -march=native). Where a result is compared against the
// draws (a quantile threshold) or floored into an index, one ulp decides the outcome, and
// scipy/numpy round every operation separately.
inline double rounded(double v) {
  volatile double t = v;
  return t;
}

// NaN-propagating min/max (R's semantics; Python's min/max depend on argument order).
inline double nan_min(double a, double b) { return (std::isnan(a) || std::isnan(b)) ? kNaN : std::min(a, b); }
inline double nan_max(double a, double b) { return (std::isnan(a) || std::isnan(b)) ? kNaN : std::max(a, b); }

}  // namespace

Analyzer::Analyzer(const Chains& x, Workspace& ws) : ws_(ws) {
  M_ = x.n_chains();
  N_ = x.n_draws;
  if (N_ < 0) throw InputError("diagnostics: n_draws is negative (" + std::to_string(N_) + ")");
  S_full_ = static_cast<std::size_t>(M_) * static_cast<std::size_t>(N_);
  if (S_full_ >= (std::size_t{1} << 32))
    throw InputError("diagnostics: " + std::to_string(S_full_) + " draws of one quantity exceed 2^32 - 1");
  for (int c = 0; c < M_; ++c)
    if (N_ > 0 && x.chain[c] == nullptr)
      throw InputError("diagnostics: chain " + std::to_string(c) + " has a null draws pointer");
  half_ = N_ / 2;
  S_split_ = static_cast<std::size_t>(2) * M_ * half_;

  // Pool the draws at position c·N + i. Chains that already lie back to back (a DrawSet
  // parameter) are used in place; otherwise they are copied once.
  bool contiguous = M_ > 0;
  for (int c = 1; c < M_ && contiguous; ++c) contiguous = x.chain[c] == x.chain[0] + static_cast<std::size_t>(c) * N_;
  if (contiguous) {
    flat_ = x.chain[0];
  } else {
    ws_.flat.resize(S_full_);
    for (int c = 0; c < M_; ++c)
      std::copy(x.chain[c], x.chain[c] + N_, ws_.flat.data() + static_cast<std::size_t>(c) * N_);
    flat_ = ws_.flat.data();
  }
  double sum = 0.0, lo = HUGE_VAL, hi = -HUGE_VAL;
  for (int c = 0; c < M_; ++c) {
    const double* src = flat_ + static_cast<std::size_t>(c) * N_;
    double chain_sum = 0.0;
    for (int i = 0; i < N_; ++i) {
      const double v = src[i];
      chain_sum += v;
      if (std::isnan(v)) any_nan_ = true;
      if (!std::isfinite(v)) finite_ = false;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    sum += chain_sum;
  }
  if (S_full_ == 0) {
    mean_ = sd_ = kNaN;
    return;
  }
  mean_ = sum / static_cast<double>(S_full_);
  if (S_full_ >= 2) {
    double ss = 0.0;
    for (std::size_t i = 0; i < S_full_; ++i) ss += (flat_[i] - mean_) * (flat_[i] - mean_);
    sd_ = std::sqrt(ss / static_cast<double>(S_full_ - 1));
  } else {
    sd_ = kNaN;
  }
  const bool constant = finite_ && std::fabs(hi - lo) < DBL_EPSILON;  // posterior is_constant
  diagnosable_ = finite_ && M_ >= 1 && N_ >= 4 && !constant;
}

void Analyzer::ensure_sorted() {
  if (sorted_) return;
  // NaN never reaches here (quantile() checks any_nan_, the rest needs diagnosable_).
  sort_with_positions(flat_, S_full_, ws_.sorted, ws_.sorted_pos, ws_.sort_scratch);
  sorted_ = true;
}

double Analyzer::quantile(double prob) {
  if (any_nan_ || S_full_ == 0 || !(prob >= 0.0 && prob <= 1.0)) return kNaN;
  ensure_sorted();
  const std::vector<double>& s = ws_.sorted;
  const double n = static_cast<double>(S_full_);
  if (S_full_ == 1) return s[0];
  // scipy.stats.mstats.mquantiles(alphap=1, betap=1), i.e. R's type 7:
  // aleph = n·p + (1 − p), k = ⌊clip(aleph, 1, n − 1)⌋, γ = clip(aleph − k, 0, 1).
  const double aleph = rounded(n * prob) + (1.0 - prob);
  const double k = std::floor(std::min(std::max(aleph, 1.0), n - 1.0));
  const double gamma = std::min(std::max(aleph - k, 0.0), 1.0);
  const std::size_t ki = static_cast<std::size_t>(k);
  const double a = s[ki - 1], b = s[ki];
  if (a == b) return a;  // ties: exactly the tied value (R), not (1 − γ)a + γa
  return rounded((1.0 - gamma) * a) + rounded(gamma * b);
}

void Analyzer::split_subset(const std::vector<double>& vals, const std::vector<std::uint32_t>& pos,
                            const double*& out_vals, const std::uint32_t*& out_pos) {
  if (N_ % 2 == 0) {
    out_vals = vals.data();
    out_pos = pos.data();
    return;
  }
  // Odd N: drop each chain's middle draw (index half_) from the ranked set.
  ws_.tmp_vals2.resize(S_split_);
  ws_.tmp_pos2.resize(S_split_);
  std::size_t k = 0;
  const std::uint32_t N = static_cast<std::uint32_t>(N_), mid = static_cast<std::uint32_t>(half_);
  for (std::size_t j = 0; j < vals.size(); ++j) {
    if (pos[j] % N == mid) continue;
    ws_.tmp_vals2[k] = vals[j];
    ws_.tmp_pos2[k] = pos[j];
    ++k;
  }
  out_vals = ws_.tmp_vals2.data();
  out_pos = ws_.tmp_pos2.data();
}

void Analyzer::normal_scores_of_sorted(const std::vector<double>& vals,
                                       const std::vector<std::uint32_t>& pos) {
  const double* v;
  const std::uint32_t* p;
  split_subset(vals, pos, v, p);
  std::vector<double>& z = ws_.sort_scratch.a;  // free once sorted (Workspace)
  z.resize(S_full_);
  rank_normalize_sorted(v, p, S_split_, z.data(), ws_.scores);
}

// Split R̂ (Vehtari et al. 2021; ArviZ `_rhat`, posterior `.rhat` on split chains) of value(position).
template <class F>
double Analyzer::split_rhat(F value) {
  const int K = 2 * M_, n = half_;
  ws_.chain_means.resize(K);
  ws_.chain_vars.resize(K);
  for (int j = 0; j < K; ++j) {
    const std::size_t start =
        static_cast<std::size_t>(j / 2) * N_ + (j % 2 == 0 ? 0 : static_cast<std::size_t>(N_ - n));
    double s = 0.0;
    for (int i = 0; i < n; ++i) s += value(start + i);
    const double m = s / n;
    double ss = 0.0;
    for (int i = 0; i < n; ++i) {
      const double d = value(start + i) - m;
      ss += d * d;
    }
    ws_.chain_means[j] = m;
    ws_.chain_vars[j] = ss / (n - 1);
  }
  double mm = 0.0, w = 0.0;
  for (int j = 0; j < K; ++j) {
    mm += ws_.chain_means[j];
    w += ws_.chain_vars[j];
  }
  mm /= K;
  w /= K;
  double vb = 0.0;
  for (int j = 0; j < K; ++j) vb += (ws_.chain_means[j] - mm) * (ws_.chain_means[j] - mm);
  const double between = n * (vb / (K - 1));
  return std::sqrt((between / w + n - 1) / n);
}

// Split ESS (Vehtari et al. 2021, §3.2; ArviZ `_ess`, posterior `.ess` on split chains) of value(position).
template <class F>
double Analyzer::split_ess(F value) {
  const int n = half_, K = 2 * M_;
  std::vector<double>& series = ws_.sort_scratch.b;  // free once sorted (Workspace)
  series.resize(static_cast<std::size_t>(K) * n);
  ws_.chain_means.resize(K);
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  for (int j = 0; j < K; ++j) {
    // Split chain j: first (j even) or last (j odd) n draws of chain j/2.
    const std::size_t start =
        static_cast<std::size_t>(j / 2) * N_ + (j % 2 == 0 ? 0 : static_cast<std::size_t>(N_ - n));
    double* y = series.data() + static_cast<std::size_t>(j) * n;
    double s = 0.0;
    for (int i = 0; i < n; ++i) {
      const double v = value(start + i);
      y[i] = v;
      s += v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const double m = s / n;
    for (int i = 0; i < n; ++i) y[i] -= m;
    ws_.chain_means[j] = m;
  }
  const double S = static_cast<double>(S_split_);
  if (hi - lo < kArvizResolution) return S;
  LagSums& lags = ws_.lags;
  lags.reset(series.data(), K, n);
  // γ̄_t: the mean over split chains of the biased autocovariance at lag t.
  auto acov = [&lags, K](int t) { return lags.at(t) / K; };

  const double mean_var = acov(0) * n / (n - 1.0);
  double var_plus = mean_var * (n - 1.0) / n;
  if (K > 1) {
    double mm = 0.0;
    for (int j = 0; j < K; ++j) mm += ws_.chain_means[j];
    mm /= K;
    double vb = 0.0;
    for (int j = 0; j < K; ++j) vb += (ws_.chain_means[j] - mm) * (ws_.chain_means[j] - mm);
    var_plus += vb / (K - 1);
  }

  std::vector<double>& rho = ws_.rho;
  rho.assign(n, 0.0);
  double rho_even = 1.0;
  rho[0] = rho_even;
  double rho_odd = 1.0 - (mean_var - acov(1)) / var_plus;
  rho[1] = rho_odd;
  // Geyer's initial positive sequence (loop bounds as ArviZ).
  int t = 1;
  while (t < n - 3 && (rho_even + rho_odd) > 0.0) {
    rho_even = 1.0 - (mean_var - acov(t + 1)) / var_plus;
    rho_odd = 1.0 - (mean_var - acov(t + 2)) / var_plus;
    if ((rho_even + rho_odd) >= 0.0) {
      rho[t + 1] = rho_even;
      rho[t + 2] = rho_odd;
    }
    t += 2;
  }
  const int max_t = t - 2;
  // The improved estimate keeps the last even autocorrelation when it is positive.
  if (rho_even > 0.0) rho[max_t + 1] = rho_even;
  // Geyer's initial monotone sequence.
  t = 1;
  while (t <= max_t - 2) {
    if (rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]) {
      rho[t + 1] = 0.5 * (rho[t - 1] + rho[t]);
      rho[t + 2] = rho[t + 1];
    }
    t += 2;
  }
  double sum = 0.0;
  for (int i = 0; i <= max_t; ++i) sum += rho[i];
  double tau = -1.0 + 2.0 * sum + (max_t + 1 < n ? rho[max_t + 1] : 0.0);
  tau = std::max(tau, 1.0 / std::log10(S));
  for (double r : rho)
    if (std::isnan(r)) return kNaN;
  return S / tau;
}

const double* Analyzer::bulk_scores() {
  if (!z_is_bulk_) {
    ensure_sorted();
    normal_scores_of_sorted(ws_.sorted, ws_.sorted_pos);
    z_is_bulk_ = true;
  }
  return ws_.sort_scratch.a.data();
}

double Analyzer::folded_rhat() {
  ensure_sorted();
  // Fold around the median of ALL draws (posterior, az.summary), then split and rank.
  const std::vector<double>& s = ws_.sorted;
  const double median = 0.5 * (s[(S_full_ - 1) / 2] + s[S_full_ / 2]);
  // The folded values overwrite the bulk scores (Workspace): compute them again if asked.
  z_is_bulk_ = false;
  fold_sorted(s.data(), ws_.sorted_pos.data(), S_full_, median, ws_.sort_scratch.a, ws_.tmp_pos);
  const double* v;
  const std::uint32_t* p;
  split_subset(ws_.sort_scratch.a, ws_.tmp_pos, v, p);
  // All folded draws equal (e.g. chains constant at two values): the scores are constant and
  // R̂ is 0/0, NaN (ArviZ), NA (posterior).
  if (v[0] == v[S_split_ - 1]) return kNaN;
  const int K = 2 * M_, n = half_, N = N_;
  ws_.chain_means.resize(K);
  ws_.chain_sums.assign(K, 0.0);
  ws_.chain_sq_sums.assign(K, 0.0);
  double* s1 = ws_.chain_sums.data();
  double* s2 = ws_.chain_sq_sums.data();
  const double inv_N = 1.0 / N;
  // Position → split chain: chain c = ⌊pos/N⌋ (exact: (pos + ½)/N is ≥ ½/N from an integer and
  // its rounding error is below pos·2^-53), second half when the draw index ≥ N − n.
  for_each_normal_score(v, p, S_split_, ws_.scores, [=](std::uint32_t pos, double z) {
    const std::uint32_t c = static_cast<std::uint32_t>((pos + 0.5) * inv_N);
    const std::uint32_t i = pos - c * static_cast<std::uint32_t>(N);
    const std::uint32_t j = 2 * c + (i >= static_cast<std::uint32_t>(N - n) ? 1 : 0);
    s1[j] += z;
    s2[j] += z * z;
  });
  // Split R̂ from per-chain sums: var_j = (Σz² − n·m_j²)/(n − 1). The scores are O(1) with
  // means near 0, so the one-pass variance loses nothing noticeable (~1e-15 relative).
  double mm = 0.0, w = 0.0;
  for (int j = 0; j < K; ++j) {
    const double m = s1[j] / n;
    ws_.chain_means[j] = m;
    w += (s2[j] - n * m * m) / (n - 1);
    mm += m;
  }
  mm /= K;
  w /= K;
  double vb = 0.0;
  for (int j = 0; j < K; ++j) vb += (ws_.chain_means[j] - mm) * (ws_.chain_means[j] - mm);
  const double between = n * (vb / (K - 1));
  return std::sqrt((between / w + n - 1) / n);
}

double Analyzer::rhat() {
  if (!diagnosable_) return kNaN;
  const double* z = bulk_scores();
  const double bulk = split_rhat([z](std::size_t i) { return z[i]; });
  const double tail = folded_rhat();
  return nan_max(bulk, tail);
}

double Analyzer::rhat_basic() {
  if (!diagnosable_) return kNaN;
  const double* x = flat_;
  return split_rhat([x](std::size_t i) { return x[i]; });
}

double Analyzer::ess_bulk() {
  if (!diagnosable_) return kNaN;
  const double* z = bulk_scores();
  return split_ess([z](std::size_t i) { return z[i]; });
}

double Analyzer::ess_quantile(double prob) {
  if (!diagnosable_ || !(prob >= 0.0 && prob <= 1.0)) return kNaN;
  const double q = quantile(prob);
  const double* x = flat_;
  return split_ess([x, q](std::size_t i) { return x[i] <= q ? 1.0 : 0.0; });
}

double Analyzer::ess_tail() {
  if (!diagnosable_) return kNaN;
  return nan_min(ess_quantile(0.05), ess_quantile(0.95));
}

double Analyzer::ess_mean() {
  if (!diagnosable_) return kNaN;
  if (!have_ess_mean_) {
    const double* x = flat_;
    ess_mean_ = split_ess([x](std::size_t i) { return x[i]; });
    have_ess_mean_ = true;
  }
  return ess_mean_;
}

double Analyzer::ess_sd() {
  if (!diagnosable_) return kNaN;
  if (!have_ess_c2_) {
    const double* x = flat_;
    const double m = mean_;
    ess_c2_ = split_ess([x, m](std::size_t i) { return (x[i] - m) * (x[i] - m); });
    have_ess_c2_ = true;
  }
  return ess_c2_;
}

double Analyzer::mcse_mean() {
  if (!diagnosable_) return kNaN;
  return sd_ / std::sqrt(ess_mean());
}

double Analyzer::mcse_sd() {
  if (!diagnosable_) return kNaN;
  const double ess = ess_sd();  // ESS of (θ − θ̄)²
  double e = 0.0, e2 = 0.0;
  for (std::size_t i = 0; i < S_full_; ++i) {
    const double v = flat_[i];
    const double c2 = (v - mean_) * (v - mean_);
    e += c2;
    e2 += c2 * c2;
  }
  const double n = static_cast<double>(S_full_);
  e /= n;
  e2 /= n;
  const double varvar = (e2 - e * e) / ess;
  const double varsd = varvar / e / 4.0;
  return std::sqrt(varsd);
}

double Analyzer::mcse_quantile(double prob) {
  if (!diagnosable_ || !(prob >= 0.0 && prob <= 1.0)) return kNaN;
  const double ess = ess_quantile(prob);
  if (std::isnan(ess)) return kNaN;
  const double a = ess * prob + 1.0, b = ess * (1.0 - prob) + 1.0;
  const double u1 = beta_quantile(kLowerTail, a, b), u2 = beta_quantile(kUpperTail, a, b);
  if (std::isnan(u1) || std::isnan(u2)) return kNaN;
  ensure_sorted();
  const double n = static_cast<double>(S_full_);
  // ArviZ's 0-based form of posterior's sims[max(floor(u1·S), 1)] and sims[min(ceiling(u2·S), S)].
  const std::size_t i1 = static_cast<std::size_t>(std::floor(std::max(rounded(u1 * n) - 1.0, 0.0)));
  const std::size_t i2 = static_cast<std::size_t>(std::ceil(std::min(rounded(u2 * n) - 1.0, n - 1.0)));
  return 0.5 * (ws_.sorted[i2] - ws_.sorted[i1]);
}

}  // namespace lockstep::diagnostics::detail
