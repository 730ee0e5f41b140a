#!/usr/bin/env python3
"""Reference values of nested R-hat for tests/diagnostics/nested_rhat_test.cpp.

A direct numpy transcription of the definition in Margossian, Hoffman, Sountsov,
Riou-Durand, Vehtari & Gelman (2024), "Nested R-hat: assessing the convergence of Markov
chain Monte Carlo when running many short chains", Bayesian Analysis, section 3:
K superchains of M chains of N draws,
    B_nu = 1/(K-1) sum_k (mean_k - mean)^2                         between superchains
    Btilde_k = 1/(M-1) sum_m (mean_mk - mean_k)^2   (0 if M = 1)    between chains of k
    Wtilde_k = 1/M sum_m 1/(N-1) sum_n (x_nmk - mean_mk)^2 (0 if N = 1)
    W_nu = 1/K sum_k (Btilde_k + Wtilde_k)
    nRhat = sqrt(1 + B_nu / W_nu)
on fixed seeded draws. Run once; the numbers are committed as
tests/fixtures/nested_rhat/nested_rhat.json (draws and ids included, so the test needs no
Python):  python3 scripts/make_nested_rhat_fixture.py
"""
import json
import os

import numpy as np


def nested_rhat(draws, superchain):
    """draws: array [chain, draw]; superchain: int id per chain (0-based)."""
    draws = np.asarray(draws, dtype=float)
    superchain = np.asarray(superchain)
    ids = np.unique(superchain)
    K = len(ids)
    N = draws.shape[1]
    sizes = [np.sum(superchain == k) for k in ids]
    if K < 2 or len(set(sizes)) != 1 or not np.all(np.isfinite(draws)):
        return None
    M = sizes[0]
    chain_mean = draws.mean(axis=1)
    chain_var = draws.var(axis=1, ddof=1) if N > 1 else np.zeros(draws.shape[0])
    super_mean = np.array([chain_mean[superchain == k].mean() for k in ids])
    overall = super_mean.mean()
    b_nu = np.sum((super_mean - overall) ** 2) / (K - 1)
    b_tilde = np.array([np.var(chain_mean[superchain == k], ddof=1) if M > 1 else 0.0 for k in ids])
    w_tilde = np.array([chain_var[superchain == k].mean() for k in ids])
    w_nu = np.mean(b_tilde + w_tilde)
    if not w_nu > 0:
        return None
    return float(np.sqrt(1.0 + b_nu / w_nu))


def blocks(K, M):
    return [c // M for c in range(K * M)]


def main():
    rng = np.random.default_rng(20240505)
    cases = []

    def add(name, draws, superchain):
        cases.append({"name": name, "superchain": [int(s) for s in superchain],
                      "draws": np.asarray(draws).tolist(), "nested_rhat": nested_rhat(draws, superchain)})

    K, M, N = 4, 8, 20
    add("converged", rng.standard_normal((K * M, N)), blocks(K, M))
    K, M, N = 4, 4, 10
    shift = np.repeat(np.arange(K) * 1.5, M)[:, None]
    add("superchains_shifted", rng.standard_normal((K * M, N)) + shift, blocks(K, M))
    # Chains of a superchain that share a start and have not forgotten it: correlated within
    # each superchain, so the between-superchain variance is inflated.
    K, M, N = 5, 6, 8
    start = np.repeat(rng.normal(0, 3, K), M)[:, None]
    add("shared_start_not_forgotten", 0.8 * start + rng.standard_normal((K * M, N)), blocks(K, M))
    K, M, N = 6, 1, 50
    add("one_chain_per_superchain", rng.standard_normal((K * M, N)) * 2 + 1, blocks(K, M))
    K, M, N = 8, 16, 1
    add("one_draw_per_chain", rng.standard_normal((K * M, N)), blocks(K, M))
    K, M, N = 8, 16, 1
    add("one_draw_shifted", rng.standard_normal((K * M, N)) + np.repeat(np.arange(K) * 0.5, M)[:, None],
        blocks(K, M))
    K, M, N = 3, 4, 12
    add("interleaved_ids", rng.gamma(2.0, 1.5, (K * M, N)), [c % K for c in range(K * M)])
    add("one_superchain", rng.standard_normal((4, 10)), [0, 0, 0, 0])
    add("unequal_superchains", rng.standard_normal((5, 10)), [0, 0, 0, 1, 1])
    add("one_chain_one_draw", rng.standard_normal((4, 1)), [0, 1, 2, 3])
    add("constant", np.full((4, 5), 2.5), [0, 0, 1, 1])

    out = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "nested_rhat", "nested_rhat.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"source": "scripts/make_nested_rhat_fixture.py (numpy " + np.__version__ + ")",
                   "definition": "Margossian et al. (2024), Bayesian Analysis, section 3",
                   "cases": cases}, f, indent=1)
        f.write("\n")
    for c in cases:
        print(c["name"], c["nested_rhat"])


if __name__ == "__main__":
    main()
