#pragma once
// Convergence diagnostics of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021),
// "Rank-normalization, folding, and localization: an improved R-hat for assessing convergence
// of MCMC", Bayesian Analysis 16(2), 667–718 — computed as ArviZ (arviz.stats.diagnostics,
// 0.23) and stan-dev/posterior (R/convergence.R) compute them.
//
// Notation: M chains of N draws; split chains are the first ⌊N/2⌋ and the last ⌊N/2⌋ draws of
// each chain (the middle draw is dropped when N is odd), giving K = 2M split chains of
// n = ⌊N/2⌋ draws and S = K·n pooled draws. All S_full = M·N draws enter means, sd and
// quantiles.
//
//   split R̂:           W = mean of the K within-chain variances (ddof 1), B = n·var(chain means),
//                       var⁺ = (n−1)/n·W + B/n, R̂ = sqrt(var⁺/W).
//   rank-normalized:    the pooled split draws replaced by z = Φ⁻¹((r − 3/8)/(S + 1/4)), r the
//                       average rank (posterior `z_scale`, ArviZ `_z_scale`).
//   rhat:               max(bulk R̂ on z(θ), tail R̂ on z(|θ − median θ|)), the median
//                       over all draws and folding done BEFORE splitting (posterior, az.summary).
//   ESS (§3.2):         ρ̂_t = 1 − (W − γ̄_t)/var⁺ with γ̄_t the mean over split chains of the
//                       biased autocovariance at lag t (autocovariance.hpp: direct sums for the
//                       first lags, FFT beyond) and W = γ̄_0·n/(n−1); Geyer's
//                       initial positive sequence on pairs ρ̂_{2k} + ρ̂_{2k+1}, then the
//                       initial monotone sequence; τ̂ = −1 + 2 Σ_{t≤2k'+1} ρ̂_t + ρ̂_{2k'+2}
//                       (the "improved" estimate that adds the last even lag when positive),
//                       τ̂ ≥ 1/log10(S); ESS = S/τ̂.
//   ess_bulk:           ESS of z(θ) (split, rank-normalized).
//   ess_tail:           min of the ESS of the indicators I(θ ≤ q_0.05) and I(θ ≤ q_0.95).
//   ess_mean:           ESS of θ itself (split, no ranks).
//   ess_sd:             ESS of (θ − θ̄)² (ArviZ `ess(method="sd")`).
//   ess_quantile(p):    ESS of I(θ ≤ q_p).
//   mcse_mean:          sd(θ)/sqrt(ess_mean).
//   mcse_sd:            with c = (θ − θ̄)², E = mean(c): sqrt((mean(c²) − E²)/ess_mean(c)/E/4)
//                       (delta method; ArviZ `_mcse_sd`, posterior 1.4 `mcse_sd`).
//   mcse_quantile(p):   with a = ESS_p·p + 1, b = ESS_p·(1 − p) + 1 and the Beta(a, b)
//                       quantiles u1, u2 at 0.1586553 and 0.8413447 (±1 sd of a normal),
//                       (θ_(⌈u2·S_full⌉) − θ_(max(⌊u1·S_full⌋, 1)))/2 on the sorted draws (§4.4).
//   quantile(p):        type 7 (R's default; ArviZ's mquantiles with alphap = betap = 1).
//
// Undefined cases return NaN (never throw, never crash): any non-finite draw; fewer than 4
// draws per chain (ArviZ's minimum); no chain; all draws equal within DBL_EPSILON (posterior's
// is_constant: NA for R̂, ESS and MCSE — ArviZ instead reports ESS = S and MCSE = 0 there).
// A single chain is fine: it is split into two.
//
// Known differences between the two reference implementations, and which one we follow:
//   * az.rhat(method="rank") folds the SPLIT draws around their own median; az.summary and
//     posterior fold all draws first. They differ only for odd N; we fold first (the paper's
//     definition and posterior's).
//   * az.rhat and az.summary return NaN for one chain; posterior (and we) split it in two.
//   * ess_sd: ArviZ uses (θ − θ̄)², posterior 1.4 |θ − θ̄|; we follow ArviZ.
//   * Geyer's positive-sequence loop: ArviZ may take one more pair at the very end of the lags
//     than posterior (matters only when the sequence never turns negative); we follow ArviZ.
//   * When a transformed series is constant (e.g. all indicators 1), ArviZ's ESS is S and
//     posterior's NA; we follow ArviZ (only the raw draws being constant gives NaN).
//   * Split chains shorter than 6 draws: posterior's `1:max_t` with max_t = 0 gives τ̂ = 2 where
//     ArviZ (and we) take the 1/log10(S) floor; fewer than 4 draws: posterior still computes,
//     ArviZ (and we) give NaN.
//   * Quantiles: we evaluate scipy's type 7 arithmetic operation by operation (no fused
//     multiply-add), so q and hence I(θ ≤ q) are bit-identical to ArviZ's. When (S − 1)p is an
//     integer R lands exactly on a draw while scipy may round a few ulps below it, and the
//     indicator (so ess_tail) can differ from posterior's in one draw (fixture
//     "quantile_near_draw"). When the two order statistics interpolated are equal we return
//     that value exactly (as R does).
//   * posterior's current documentation returns NA as soon as ANY chain is constant (1.4.0 only
//     when all draws are); the fixtures pin ArviZ 0.23.4 and posterior 1.4.0.
#include <vector>

#include "host/core/draw_set.hpp"

namespace lockstep::diagnostics {

/// One quantity's draws: chain[c] points to the n_draws draws of chain c (all chains the same
/// length). The pointers are borrowed; nothing is copied until a diagnostic runs.
struct Chains {
  std::vector<const double*> chain;
  int n_draws = 0;
  int n_chains() const { return static_cast<int>(chain.size()); }
};

/// The post-warmup draws of parameter p of a DrawSet (skips its n_warmup_saved first draws
/// unless include_warmup).
Chains chains_of(const DrawSet& draws, int p, bool include_warmup = false);

/// max(rank-normalized split R̂, rank-normalized folded split R̂); NaN when undefined.
double rhat(const Chains& x);
/// Classic split R̂ on the draws themselves (no ranks): az.rhat(method="split"),
/// posterior rhat_basic(split = TRUE).
double rhat_basic(const Chains& x);
/// Bulk ESS: ESS of the rank-normalized split draws.
double ess_bulk(const Chains& x);
/// Tail ESS: min(ess_quantile(0.05), ess_quantile(0.95)).
double ess_tail(const Chains& x);
/// ESS for the mean: split draws, no ranks.
double ess_mean(const Chains& x);
/// ESS for the sd: ESS of the split (θ − θ̄)² (ArviZ).
double ess_sd(const Chains& x);
/// ESS of the indicator I(θ ≤ quantile(prob)), prob in [0, 1].
double ess_quantile(const Chains& x, double prob);
/// sd(θ)/sqrt(ess_mean).
double mcse_mean(const Chains& x);
/// MCSE of the sd estimate (delta method on E(θ − θ̄)², see above).
double mcse_sd(const Chains& x);
/// MCSE of quantile(prob) from the Beta posterior of the exceedance probability.
double mcse_quantile(const Chains& x, double prob);
/// Type 7 quantile of all draws of all chains; NaN if any draw is NaN or there is none.
double quantile(const Chains& x, double prob);

}  // namespace lockstep::diagnostics
