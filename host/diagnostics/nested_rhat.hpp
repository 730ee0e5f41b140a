#pragma once
// Nested R̂ of Margossian, Hoffman, Sountsov, Riou-Durand, Vehtari & Gelman (2024), "Nested
// R-hat: assessing the convergence of Markov chain Monte Carlo when running many short
// chains", Bayesian Analysis (doi:10.1214/24-BA1453), section 3 (the nested design and the
// estimator, equations for B̂_ν, Ŵ_ν and nR̂).
//
// Design: K superchains of M chains each (all chains of a superchain start from one point),
// N draws per chain; θ^{(nmk)} is draw n of chain m of superchain k. Means:
//   chain        θ̄^{(·mk)} = (1/N) Σ_n θ^{(nmk)}
//   superchain   θ̄^{(··k)} = (1/M) Σ_m θ̄^{(·mk)}
//   overall      θ̄^{(···)} = (1/K) Σ_k θ̄^{(··k)}
// Between-superchain variance:
//   B̂_ν = 1/(K−1) Σ_k (θ̄^{(··k)} − θ̄^{(···)})²
// Within-superchain variance, which includes the between-chain term of each superchain:
//   B̃_k = 1/(M−1) Σ_m (θ̄^{(·mk)} − θ̄^{(··k)})²               (0 when M = 1)
//   W̃_k = 1/M Σ_m 1/(N−1) Σ_n (θ^{(nmk)} − θ̄^{(·mk)})²         (0 when N = 1)
//   Ŵ_ν = 1/K Σ_k (B̃_k + W̃_k)
// and
//   nR̂ = sqrt(1 + B̂_ν / Ŵ_ν).
// nR̂ ≥ 1 always (unlike classic R̂, which has the (N−1)/N factor; the paper's footnote 1).
// With M = 1 it is a non-split R̂ without that factor; with N = 1 (one draw per chain, the
// many-short-chains limit) the variance within a superchain is the spread of its chains.
// The draws are used as they are: no splitting, no rank normalization (the paper's basic
// definition).
//
// Undefined cases return NaN (never throw): fewer than 2 superchains, superchains of unequal
// size, an id outside 0..K−1, any non-finite draw, no draws, or Ŵ_ν = 0 with all draws equal
// or M = 1 and N = 1. Ŵ_ν = 0 with superchains at different values (chains that never moved,
// each superchain's from its own start) is +inf, as R-hat says of such chains.
#include <vector>

#include "host/diagnostics/convergence.hpp"

namespace lockstep::diagnostics {

/// nR̂ of one quantity. `superchain[c]` is the superchain (0-based) of chain c of `x`; it must
/// have x.n_chains() entries, and every id 0..K−1 must hold the same number of chains.
double nested_rhat(const Chains& x, const std::vector<int>& superchain);

/// The usual assignment of C chains to K superchains: chains [c·K/C ...] in consecutive
/// blocks of C/K, i.e. superchain(c) = c / (C/K). Requires K ≥ 1 dividing C (else empty).
std::vector<int> consecutive_superchains(int n_chains, int n_superchains);

}  // namespace lockstep::diagnostics
