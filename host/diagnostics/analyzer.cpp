#include "host/diagnostics/analyzer.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "host/diagnostics/special_functions.hpp"
#include "models/contract/input_error.hpp"
#include "host/diagnostics/parallel_region.hpp"

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

// One quantity with at least this many draws is analysed with every thread when the caller is
// not already parallel (over quantities).
constexpr std::size_t kParallelDraws = std::size_t{1} << 16;

// NaN-propagating min/max (R's semantics; Python's min/max depend on argument order).
inline double nan_min(double a, double b) { return (std::isnan(a) || std::isnan(b)) ? kNaN : std::min(a, b); }
inline double nan_max(double a, double b) { return (std::isnan(a) || std::isnan(b)) ? kNaN : std::max(a, b); }

// Calls f(j0, std::integral_constant<int, G>) for the chains j0..j0+G-1 of 0..K-1, in groups
// of kChainGroup and a last smaller group: loops over G chains at once run G independent
// dependency chains of additions, which is what bounds a per-chain sum's speed. Outside an
// OpenMP parallel region (one quantity analysed by all threads) the groups are spread over
// the threads; f writes only its own chains' results, which the caller combines in chain
// order, so the bits never depend on the thread count.
constexpr int kChainGroup = 4;
template <class F>
void for_chain_groups(int K, std::size_t draws_per_chain, F f) {
  const int groups = K / kChainGroup;
  const bool parallel = !in_parallel_region() && static_cast<std::size_t>(K) * draws_per_chain >= kParallelDraws;
#pragma omp parallel for schedule(static) if (parallel)
  for (int g = 0; g < groups; ++g) f(g * kChainGroup, std::integral_constant<int, kChainGroup>{});
  int j = groups * kChainGroup;
  for (; j + 2 <= K; j += 2) f(j, std::integral_constant<int, 2>{});
  for (; j < K; ++j) f(j, std::integral_constant<int, 1>{});
}

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
  // Per chain (kChainGroup at a time, each in draw order): its sum, range and flags; then
  // combined in chain order.
  ws_.chain_sums.resize(M_);
  ws_.chain_lo.resize(M_);
  ws_.chain_hi.resize(M_);
  ws_.chain_flags.resize(M_);
  for_chain_groups(M_, static_cast<std::size_t>(N_), [&](int c0, auto group) {
    constexpr int G = decltype(group)::value;
    const double* src[G];
    double chain_sum[G], lo[G], hi[G];
    bool nan[G], finite[G];
    for (int u = 0; u < G; ++u) {
      src[u] = flat_ + static_cast<std::size_t>(c0 + u) * N_;
      chain_sum[u] = 0.0;
      lo[u] = HUGE_VAL;
      hi[u] = -HUGE_VAL;
      nan[u] = false;
      finite[u] = true;
    }
    for (int i = 0; i < N_; ++i)
      for (int u = 0; u < G; ++u) {
        const double v = src[u][i];
        chain_sum[u] += v;
        nan[u] = nan[u] || std::isnan(v);
        finite[u] = finite[u] && std::isfinite(v);
        lo[u] = std::min(lo[u], v);
        hi[u] = std::max(hi[u], v);
      }
    for (int u = 0; u < G; ++u) {
      ws_.chain_sums[c0 + u] = chain_sum[u];
      ws_.chain_lo[c0 + u] = lo[u];
      ws_.chain_hi[c0 + u] = hi[u];
      ws_.chain_flags[c0 + u] = static_cast<unsigned char>((nan[u] ? 1 : 0) | (finite[u] ? 0 : 2));
    }
  });
  double sum = 0.0, lo = HUGE_VAL, hi = -HUGE_VAL;
  for (int c = 0; c < M_; ++c) {
    sum += ws_.chain_sums[c];
    lo = std::min(lo, ws_.chain_lo[c]);
    hi = std::max(hi, ws_.chain_hi[c]);
    any_nan_ = any_nan_ || (ws_.chain_flags[c] & 1) != 0;
    finite_ = finite_ && (ws_.chain_flags[c] & 2) == 0;
  }
  if (S_full_ == 0) {
    mean_ = sd_ = kNaN;
    return;
  }
  mean_ = sum / static_cast<double>(S_full_);
  const bool constant = finite_ && std::fabs(hi - lo) < DBL_EPSILON;  // posterior is_constant
  diagnosable_ = finite_ && M_ >= 1 && N_ >= 4 && !constant;
}

double Analyzer::sd() {
  if (!have_sd_) {
    // A pass of its own, made only when asked (R-hat alone never needs it).
    if (S_full_ >= 2) {
      double ss = 0.0;
      for (std::size_t i = 0; i < S_full_; ++i) ss += (flat_[i] - mean_) * (flat_[i] - mean_);
      sd_ = std::sqrt(ss / static_cast<double>(S_full_ - 1));
    } else {
      sd_ = kNaN;
    }
    have_sd_ = true;
  }
  return sd_;
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
  // Split chains kChainGroup at a time: each chain's sums run over its draws in order (the
  // same bits as one chain after the other), the interleaving only overlaps their latencies.
  for_chain_groups(K, static_cast<std::size_t>(n), [&](int j0, auto group) {
    constexpr int G = decltype(group)::value;
    std::size_t start[G];
    double s[G], ss[G], m[G];
    for (int u = 0; u < G; ++u) {
      start[u] = split_start(j0 + u);
      s[u] = 0.0;
      ss[u] = 0.0;
    }
    for (int i = 0; i < n; ++i)
      for (int u = 0; u < G; ++u) s[u] += value(start[u] + i);
    for (int u = 0; u < G; ++u) m[u] = s[u] / n;
    for (int i = 0; i < n; ++i)
      for (int u = 0; u < G; ++u) {
        const double d = value(start[u] + i) - m[u];
        ss[u] += d * d;
      }
    for (int u = 0; u < G; ++u) {
      ws_.chain_means[j0 + u] = m[u];
      ws_.chain_vars[j0 + u] = ss[u] / (n - 1);
    }
  });
  return rhat_of_split_chains();
}

// R̂ from the split chains' means and variances in ws_.chain_means/chain_vars.
double Analyzer::rhat_of_split_chains(double within_floor) const {
  const int K = 2 * M_, n = half_;
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
  return rhat_from_variances(between, w, within_floor, n);
}

// sqrt((B / W + n - 1) / n), with W at or below within_floor read as split chains that did not
// move: R̂ = +inf when their means differ (B > 0; posterior's rhat gives Inf there, ArviZ a
// number of 1e15 or so from rounding), NaN when they agree too. within_floor is 0 for raw
// values (two-pass variances: a constant chain's is exactly 0) and 1e-12 for normal scores,
// whose one-pass variances leave ~1e-15 of rounding where the chains are constant.
double Analyzer::rhat_from_variances(double between, double within, double within_floor, int n) {
  if (!(within > within_floor)) return between > 0 ? std::numeric_limits<double>::infinity() : kNaN;
  return std::sqrt((between / within + n - 1) / n);
}

// Split ESS (Vehtari et al. 2021, §3.2; ArviZ `_ess`, posterior `.ess` on split chains) of value(position).
//
// The centred split chains are needed whole only when Geyer's sequence reads lags beyond the
// first block (LagSums::kDirectBlock), which chains that mix well never do. So the first pass
// keeps each group of chains in a small buffer, long enough to take its means, ranges and first
// block of lag products, and writes nothing of size S; only a sequence that runs further makes a
// second pass write the series (the same values: the same means, the same subtraction), after
// which the lag sums go on as before. Either way the numbers are the same bits.
// chain_ss (optional): per split chain, the sum of squared deviations from its mean in draw
// order, the arithmetic of split_rhat (so a caller gets that R̂ from the same pass).
template <class F>
double Analyzer::split_ess(F value, std::vector<double>* chain_ss) {
  const int n = half_, K = 2 * M_;
  ws_.chain_means.resize(K);
  ws_.chain_lo.resize(K);
  ws_.chain_hi.resize(K);
  if (chain_ss) chain_ss->resize(K);
  const int first_lags = std::min(n, LagSums::kDirectBlock);
  ws_.lag_dots.resize(static_cast<std::size_t>(K) * LagSums::kDirectBlock);
  // Split chain j: first (j even) or last (j odd) n draws of chain j/2; kChainGroup chains at a
  // time, each summed in draw order (split_rhat).
  for_chain_groups(K, static_cast<std::size_t>(n), [&](int j0, auto group) {
    constexpr int G = decltype(group)::value;
    thread_local std::vector<double> local;  // this group's centred series, in cache
    local.resize(static_cast<std::size_t>(G) * n);
    std::size_t start[G];
    double* y[G];
    double s[G], lo[G], hi[G];
    for (int u = 0; u < G; ++u) {
      start[u] = split_start(j0 + u);
      y[u] = local.data() + static_cast<std::size_t>(u) * n;
      s[u] = 0.0;
      lo[u] = HUGE_VAL;
      hi[u] = -HUGE_VAL;
    }
    for (int i = 0; i < n; ++i)
      for (int u = 0; u < G; ++u) {
        const double v = value(start[u] + i);
        y[u][i] = v;
        s[u] += v;
        lo[u] = std::min(lo[u], v);
        hi[u] = std::max(hi[u], v);
      }
    for (int u = 0; u < G; ++u) {
      const double m = s[u] / n;
      if (chain_ss) {
        double ss = 0.0;
        for (int i = 0; i < n; ++i) {
          y[u][i] -= m;
          ss += y[u][i] * y[u][i];
        }
        (*chain_ss)[j0 + u] = ss;
      } else {
        for (int i = 0; i < n; ++i) y[u][i] -= m;
      }
      ws_.chain_means[j0 + u] = m;
      ws_.chain_lo[j0 + u] = lo[u];
      ws_.chain_hi[j0 + u] = hi[u];
      // The first block of lag products while the chain is in cache (LagSums::set_first_block).
      double* dots = ws_.lag_dots.data() + static_cast<std::size_t>(j0 + u) * LagSums::kDirectBlock;
      LagSums::dot_lags(y[u], n, 0, first_lags, dots);
    }
  });
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  for (int j = 0; j < K; ++j) {
    lo = std::min(lo, ws_.chain_lo[j]);
    hi = std::max(hi, ws_.chain_hi[j]);
  }
  const double S = static_cast<double>(S_split_);
  if (hi - lo < kArvizResolution) return S;
  LagSums& lags = ws_.lags;
  lags.reset(nullptr, K, n);
  lags.set_first_block(ws_.lag_dots.data());
  bool have_series = false;
  // The whole centred series (split chain j at series + j·n), written on the first need.
  auto write_series = [&]() {
    std::vector<double>& series = ws_.sort_scratch.b;  // free once sorted (Workspace)
    series.resize(static_cast<std::size_t>(K) * n);
    for_chain_groups(K, static_cast<std::size_t>(n), [&](int j0, auto group) {
      constexpr int G = decltype(group)::value;
      for (int u = 0; u < G; ++u) {
        const std::size_t start = split_start(j0 + u);
        double* y = series.data() + static_cast<std::size_t>(j0 + u) * n;
        const double m = ws_.chain_means[j0 + u];
        for (int i = 0; i < n; ++i) y[i] = value(start + i);
        for (int i = 0; i < n; ++i) y[i] -= m;
      }
    });
    lags.reset(series.data(), K, n);
    lags.set_first_block(ws_.lag_dots.data());
    have_series = true;
  };
  // γ̄_t: the mean over split chains of the biased autocovariance at lag t.
  auto acov = [&](int t) {
    if (t >= first_lags && !have_series) write_series();
    return lags.at(t) / K;
  };

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
  // Fold around the median of ALL draws (posterior, az.summary), then split and rank. The
  // folded draws are never stored: the merge of fold_sorted (same comparisons, same order)
  // streams them in ascending order, the split subset drops each chain's middle draw for odd
  // N, and ties are grouped as in for_each_normal_score, so every score is the same and is
  // added to its split chain's sums in the same order as sorting, folding and ranking would.
  const std::vector<double>& sv = ws_.sorted;
  const std::uint32_t* sp = ws_.sorted_pos.data();
  const std::size_t S = S_full_;
  const double median = 0.5 * (sv[(S - 1) / 2] + sv[S / 2]);
  const int K = 2 * M_, n = half_, N = N_;
  ws_.chain_means.resize(K);
  // Per split chain j: Σz at sums[2j] and Σz² at sums[2j + 1], side by side (one cache line
  // per draw's update, the draws' chains being in random order).
  ws_.chain_sums.assign(2 * static_cast<std::size_t>(K), 0.0);
  double* sums = ws_.chain_sums.data();
  const double inv_N = 1.0 / N;
  const std::vector<double>& table = ws_.scores.table(S_split_);
  // Position → split chain: chain c = ⌊pos/N⌋ (exact: (pos + ½)/N is ≥ ½/N from an integer and
  // its rounding error is below pos·2^-53), second half when the draw index ≥ N − n.
  auto add = [=](std::uint32_t pos, double z) {
    const std::uint32_t c = static_cast<std::uint32_t>((pos + 0.5) * inv_N);
    const std::uint32_t i = pos - c * static_cast<std::uint32_t>(N);
    const std::uint32_t j = 2 * c + (i >= static_cast<std::uint32_t>(N - n) ? 1 : 0);
    sums[2 * j] += z;
    sums[2 * j + 1] += z * z;
  };
  // The current tie group of equal folded values: its first draw's position in `single` (most
  // groups are that one draw, and then nothing else is stored), the others' in `more`.
  std::vector<std::uint32_t>& more = ws_.tmp_pos;
  more.clear();
  std::uint32_t single = 0;
  std::size_t group_size = 0;
  double group_value = 0, first = 0, last = 0;
  std::size_t rank0 = 0;  // 0-based rank of the group's first draw among the split subset
  auto flush = [&]() {
    if (group_size == 1) {
      add(single, table[rank0]);
    } else {
      // Ranks rank0+1..rank0+g (1-based) share their average.
      const double z = NormalScores::score(0.5 * static_cast<double>(rank0 + 1 + (rank0 + group_size)), S_split_);
      add(single, z);
      for (std::uint32_t pos : more) add(pos, z);
      more.clear();
    }
    rank0 += group_size;
  };
  const bool odd = N % 2 != 0;
  const std::uint32_t Nu = static_cast<std::uint32_t>(N), mid = static_cast<std::uint32_t>(half_);
  // values[0..split) < m ≤ values[split..S): fold_sorted's merge.
  const std::size_t split = static_cast<std::size_t>(std::lower_bound(sv.begin(), sv.end(), median) - sv.begin());
  std::size_t lo = split, hi = split;
  for (std::size_t k = 0; k < S; ++k) {
    const std::size_t il = lo > 0 ? lo - 1 : 0, ih = hi < S ? hi : S - 1;
    const double fl = lo > 0 ? std::fabs(sv[il] - median) : HUGE_VAL;
    const double fh = hi < S ? std::fabs(sv[ih] - median) : HUGE_VAL;
    const bool take_hi = hi < S && (lo == 0 || fh <= fl);
    const double v = take_hi ? fh : fl;
    const std::uint32_t pos = take_hi ? sp[ih] : sp[il];
    hi += take_hi ? 1 : 0;
    lo -= take_hi ? 0 : 1;
    if (odd && pos % Nu == mid) continue;
    if (group_size == 0) {
      first = v;
      group_value = v;
      single = pos;
      group_size = 1;
    } else if (v != group_value) {
      flush();
      group_value = v;
      single = pos;
      group_size = 1;
    } else {
      more.push_back(pos);
      ++group_size;
    }
    last = v;
  }
  if (group_size > 0) flush();
  // All folded draws equal (e.g. chains constant at two values): the scores are constant and
  // R̂ is 0/0, NaN (ArviZ), NA (posterior).
  if (first == last) return kNaN;
  // Split R̂ from per-chain sums: var_j = (Σz² − n·m_j²)/(n − 1). The scores are O(1) with
  // means near 0, so the one-pass variance loses nothing noticeable (~1e-15 relative).
  double mm = 0.0, w = 0.0;
  for (int j = 0; j < K; ++j) {
    const double m = sums[2 * j] / n;
    ws_.chain_means[j] = m;
    w += (sums[2 * j + 1] - n * m * m) / (n - 1);
    mm += m;
  }
  mm /= K;
  w /= K;
  double vb = 0.0;
  for (int j = 0; j < K; ++j) vb += (ws_.chain_means[j] - mm) * (ws_.chain_means[j] - mm);
  const double between = n * (vb / (K - 1));
  return rhat_from_variances(between, w, kScoreWithinFloor, n);
}

double Analyzer::rhat() {
  if (!diagnosable_) return kNaN;
  (void)ess_bulk();  // its pass over the bulk scores also gives their split R̂
  const double tail = folded_rhat();
  // The folded draws all equal (chains stuck at values symmetric about the median, e.g. two
  // chains that never moved): their R̂ is 0/0, and the bulk R̂ alone speaks (+inf for chains
  // that did not move apart from each other's values; Stan's R̂ is inf there too, posterior's NA).
  if (std::isnan(tail)) return bulk_rhat_;
  return nan_max(bulk_rhat_, tail);
}

double Analyzer::rhat_basic() {
  if (!diagnosable_) return kNaN;
  const double* x = flat_;
  return split_rhat([x](std::size_t i) { return x[i]; });
}

double Analyzer::ess_bulk() {
  if (!diagnosable_) return kNaN;
  if (!have_ess_bulk_) {
    const double* z = bulk_scores();
    // One pass: the ESS of the scores and, from the same per-chain sums (split_rhat's
    // arithmetic), their split R̂, kept for rhat().
    std::vector<double>& ss = ws_.chain_vars;
    ess_bulk_ = split_ess([z](std::size_t i) { return z[i]; }, &ss);
    for (double& v : ss) v /= (half_ - 1);
    bulk_rhat_ = rhat_of_split_chains(kScoreWithinFloor);
    have_ess_bulk_ = true;
  }
  return ess_bulk_;
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
  return sd() / std::sqrt(ess_mean());
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
