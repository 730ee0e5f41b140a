#!/usr/bin/env python3
"""The custom-model example's data and reference posterior (numpy only).

    python3 examples/custom_model/make_data.py            # writes both files below
    python3 examples/custom_model/make_data.py --check    # also a random-walk Metropolis cross-check

1. data/logistic.csv: N = 100 synthetic observations (numpy default_rng(20240612)),
     x1_n, x2_n ~ N(0, 1) independently,
     y_n ~ Bernoulli(inv_logit(alpha + beta1 x1_n + beta2 x2_n)),
   with the true coefficients TRUE below. The CSV stores x1, x2 with 6 decimals; everything
   afterwards (the reference) is computed from the values as written, not the unrounded ones.

2. data/logistic_reference.json: posterior mean and sd of alpha, beta[1], beta[2] under the
   model of logistic_regression.hpp (priors alpha, beta_k ~ N(0, 2.5)), with their own
   Monte Carlo standard errors ("mcse_mean", "mcse_sd") and "n_draws", the importance
   sampler's Kish effective sample size (its worth in independent draws). The file has the
   layout `lockstep study --reference` reads: {"param": {"mean": m, "sd": s, ...}, ...}.

   Method: self-normalized importance sampling. The proposal is a multivariate Student t
   (nu = 7 degrees of freedom) centred at the posterior mode, with scale matrix the inverse
   Hessian at the mode (the Laplace approximation). Its tails are heavier than the posterior's
   (a log-concave logistic posterior has tails at most Gaussian), so the weights are bounded
   and the estimator has finite variance. N_IS = 4,000,000 draws in B = 40 independent batches
   of 100,000; the reported value is the all-draws estimate, its MCSE the standard deviation
   of the B batch estimates / sqrt(B). The sd's MCSE is obtained the same way. The importance
   sampling efficiency (Kish ESS / draws) is printed: about 0.9, so the reference MCSE is
   about sd / 2000 (printed): negligible next to a sampler's MCSE with
   64 chains x 500 draws (about sd / 100), and scripts/test_install.sh adds it anyway.

   --check runs an independent random-walk Metropolis (proposal: 2.4^2 / 3 x the Laplace
   covariance, 8 chains x 250,000 steps) and prints its means and sds next to the reference.
"""
import argparse
import json
import os

import numpy as np

SEED = 20240612
N = 100
TRUE = {"alpha": -0.5, "beta1": 1.2, "beta2": -0.8}
PRIOR_SD = 2.5  # alpha, beta_k ~ N(0, PRIOR_SD): the model's default --set prior_sd=2.5
NAMES = ["alpha", "beta[1]", "beta[2]"]

HERE = os.path.dirname(os.path.abspath(__file__))
CSV = os.path.join(HERE, "data", "logistic.csv")
REF = os.path.join(HERE, "data", "logistic_reference.json")


def make_data():
    rng = np.random.default_rng(SEED)
    x1 = rng.standard_normal(N)
    x2 = rng.standard_normal(N)
    eta = TRUE["alpha"] + TRUE["beta1"] * x1 + TRUE["beta2"] * x2
    y = (rng.uniform(size=N) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    os.makedirs(os.path.dirname(CSV), exist_ok=True)
    with open(CSV, "w") as f:
        f.write("# Synthetic logistic regression data: examples/custom_model/make_data.py (seed %d)\n" % SEED)
        f.write("# y ~ Bernoulli(inv_logit(%g + %g x1 + %g x2)), x1, x2 ~ N(0, 1)\n"
                % (TRUE["alpha"], TRUE["beta1"], TRUE["beta2"]))
        f.write("x1,x2,y\n")
        for a, b, c in zip(x1, x2, y):
            f.write("%.6f,%.6f,%d\n" % (a, b, c))


def read_data():
    rows = [l for l in open(CSV) if l.strip() and not l.startswith("#")]
    assert rows[0].strip() == "x1,x2,y"
    d = np.array([[float(v) for v in r.split(",")] for r in rows[1:]])
    X = np.column_stack([np.ones(len(d)), d[:, 0], d[:, 1]])  # (1, x1, x2): theta = (alpha, beta1, beta2)
    return X, d[:, 2]


def log1p_exp(eta):
    return np.logaddexp(0.0, eta)


def log_post(theta, X, y):
    """log p(theta | y) up to a constant, for theta of shape (..., 3)."""
    eta = theta @ X.T
    return (y * eta - log1p_exp(eta)).sum(axis=-1) - 0.5 * (theta ** 2).sum(axis=-1) / PRIOR_SD ** 2


def mode_and_hessian(X, y):
    theta = np.zeros(3)
    for _ in range(100):  # Newton: the log posterior is strictly concave
        p = 1.0 / (1.0 + np.exp(-(X @ theta)))
        grad = X.T @ (y - p) - theta / PRIOR_SD ** 2
        H = -(X.T * (p * (1 - p))) @ X - np.eye(3) / PRIOR_SD ** 2
        step = np.linalg.solve(H, grad)
        theta = theta - step
        if np.max(np.abs(step)) < 1e-13:
            break
    return theta, H


def importance_sampling(X, y, rng, n_batches=40, batch=100_000, nu=7.0):
    mode, H = mode_and_hessian(X, y)
    cov = np.linalg.inv(-H)
    L = np.linalg.cholesky(cov)
    d = 3
    sums = []  # per batch: sum w, sum w theta, sum w theta^2
    all_logw = []
    for _ in range(n_batches):
        z = rng.standard_normal((batch, d))
        g = rng.chisquare(nu, size=batch)
        t = z * np.sqrt(nu / g)[:, None]
        theta = mode + t @ L.T
        # log proposal density up to a constant: -(nu + d)/2 log(1 + |z_t|^2 / nu), z_t = L^-1 (theta - mode)
        log_q = -0.5 * (nu + d) * np.log1p((t ** 2).sum(axis=1) / nu)
        log_w = log_post(theta, X, y) - log_q
        all_logw.append(log_w)
        sums.append((log_w, theta))
    shift = max(lw.max() for lw in all_logw)
    S0 = S1 = S2 = 0.0
    batch_mean, batch_sd = [], []
    kish_num = kish_den = 0.0
    for log_w, theta in sums:
        w = np.exp(log_w - shift)
        s0, s1, s2 = w.sum(), w @ theta, w @ theta ** 2
        S0, S1, S2 = S0 + s0, S1 + s1, S2 + s2
        m = s1 / s0
        batch_mean.append(m)
        batch_sd.append(np.sqrt(s2 / s0 - m ** 2))
        kish_num += s0
        kish_den += (w ** 2).sum()
    mean = S1 / S0
    sd = np.sqrt(S2 / S0 - mean ** 2)
    B = n_batches
    mcse_mean = np.std(batch_mean, axis=0, ddof=1) / np.sqrt(B)
    mcse_sd = np.std(batch_sd, axis=0, ddof=1) / np.sqrt(B)
    efficiency = kish_num ** 2 / kish_den / (B * batch)
    return mode, cov, mean, sd, mcse_mean, mcse_sd, efficiency


def rwm_check(X, y, mode, cov, rng, chains=8, steps=250_000):
    L = np.linalg.cholesky(cov * 2.4 ** 2 / 3)
    theta = mode + rng.standard_normal((chains, 3)) @ L.T
    lp = log_post(theta, X, y)
    keep = []
    for i in range(steps):
        prop = theta + rng.standard_normal((chains, 3)) @ L.T
        lp_prop = log_post(prop, X, y)
        acc = np.log(rng.uniform(size=chains)) < lp_prop - lp
        theta[acc], lp[acc] = prop[acc], lp_prop[acc]
        if i >= steps // 10:
            keep.append(theta.copy())
    draws = np.concatenate(keep)
    return draws.mean(axis=0), draws.std(axis=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="also run a random-walk Metropolis cross-check")
    args = ap.parse_args()
    make_data()
    X, y = read_data()
    print("data: %s (N = %d, %d ones)" % (CSV, len(y), int(y.sum())))
    rng = np.random.default_rng(SEED + 1)
    mode, cov, mean, sd, mcse_mean, mcse_sd, eff = importance_sampling(X, y, rng)
    print("mode:", np.round(mode, 4), " importance sampling efficiency: %.3f" % eff)
    ref = {}
    for i, name in enumerate(NAMES):
        ref[name] = {"mean": float(mean[i]), "sd": float(sd[i]),
                     "mcse_mean": float(mcse_mean[i]), "mcse_sd": float(mcse_sd[i]),
                     "n_draws": int(round(eff * 40 * 100_000))}
        print("%-8s mean %9.5f (mcse %.1e)  sd %8.5f (mcse %.1e)" % (name, mean[i], mcse_mean[i], sd[i], mcse_sd[i]))
    with open(REF, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print("reference:", REF)
    if args.check:
        m, s = rwm_check(X, y, mode, cov, np.random.default_rng(SEED + 2))
        for i, name in enumerate(NAMES):
            print("RWM check %-8s mean %9.5f (IS %9.5f)  sd %8.5f (IS %8.5f)" % (name, m[i], mean[i], s[i], sd[i]))


if __name__ == "__main__":
    main()
