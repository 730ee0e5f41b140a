#!/usr/bin/env python3
"""Classifier two-sample test (C2ST; Lopez-Paz and Oquab 2017, as the sbi benchmark of Lueckmann
et al. 2021 reports it) between reference posterior draws and approximate ones.

The classifier: L2-regularized logistic regression (lambda = 1e-3 per sample) on quadratic
features -- every coordinate, standardized by the pooled mean and sd of both samples, and every product of
two of them (d + d(d+1)/2 features: 20 for d = 5) -- fitted by Newton's method (IRLS). Quadratic
features let a linear classifier see differences of means, scales and correlations, which is
what a Gaussian-like posterior error is. Accuracy: 5-fold stratified cross-validation on n draws
of each sample (n = the smaller sample, at most --max N, drawn without replacement with a fixed
seed). 0.5 means indistinguishable; the standard error of a perfect 0.5 is 0.5 / sqrt(2 n).

Also prints each parameter's mean and sd in both samples and the checks of issue 17: |mean
difference| <= 1 reference sd and sd ratio within a factor 1.5.

Usage: c2st.py --reference A_1.csv [A_2.csv ...] --approx B_1.csv [--max 5000] [--seed 0]
Stan CSV files (comment lines '#'; parameter columns are those of the reference not ending
in "__"). Prints one JSON line at the end: {"c2st": acc, "means_ok": bool, "sds_ok": bool, ...}.
"""
import argparse
import json
import sys

import numpy as np


def read_stan_csv(paths):
    names, rows = None, []
    for p in paths:
        with open(p) as f:
            lines = [l for l in f if l.strip() and not l.startswith("#")]
        header = lines[0].strip().split(",")
        if names is None:
            names = header
        elif header != names:
            sys.exit(f"c2st: {p}: columns differ from {paths[0]}")
        rows += [list(map(float, l.split(","))) for l in lines[1:]]
    return names, np.array(rows)


def features(x):
    d = x.shape[1]
    cols = [np.ones(len(x))] + [x[:, i] for i in range(d)]
    cols += [x[:, i] * x[:, j] for i in range(d) for j in range(i, d)]
    return np.column_stack(cols)


def fit_logistic(X, y, lam):
    """Penalized logistic regression by Newton's method with a backtracking line search: every
    step halves until the penalized negative log-likelihood decreases (it is convex, so this
    converges). Plain Newton steps diverge when the two samples are nearly separable -- exactly
    the case of a poor approximation -- and a diverged fit classifies at chance (0.5)."""
    w = np.zeros(X.shape[1])
    reg = lam * len(y) * np.eye(X.shape[1])
    reg[0, 0] = 0  # no penalty on the intercept
    s = 2 * y - 1  # labels +-1

    def objective(w):
        return np.sum(np.logaddexp(0, -s * (X @ w))) + 0.5 * w @ reg @ w

    f = objective(w)
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(X @ w, -500, 500)))
        g = X.T @ (p - y) + reg @ w
        H = (X * (p * (1 - p))[:, None]).T @ X + reg + 1e-10 * np.eye(X.shape[1])
        step = np.linalg.solve(H, g)
        t = 1.0
        while t > 1e-10:
            f_new = objective(w - t * step)
            if f_new <= f:
                break
            t /= 2
        w -= t * step
        done = f - f_new < 1e-12 * max(1.0, abs(f))
        f = f_new
        if done or np.max(np.abs(t * step)) < 1e-10:
            break
    return w


def c2st(a, b, seed=0, folds=5, lam=1e-3):
    rng = np.random.default_rng(seed)
    n = min(len(a), len(b))
    a = a[rng.choice(len(a), n, replace=False)]
    b = b[rng.choice(len(b), n, replace=False)]
    both = np.vstack([a, b])  # pooled standardization keeps the quadratic features O(1)
    mu, sd = both.mean(0), both.std(0)
    sd[sd == 0] = 1
    X = features(np.vstack([(a - mu) / sd, (b - mu) / sd]))
    y = np.concatenate([np.zeros(n), np.ones(n)])
    # Stratified folds: each fold has n / folds draws of each sample.
    fold = np.concatenate([rng.permutation(n) % folds, rng.permutation(n) % folds])
    correct = 0
    for k in range(folds):
        tr, te = fold != k, fold == k
        w = fit_logistic(X[tr], y[tr], lam)
        correct += np.sum(((X[te] @ w) > 0) == (y[te] == 1))
    return correct / (2 * n), n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", nargs="+", required=True)
    ap.add_argument("--approx", nargs="+", required=True)
    ap.add_argument("--max", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    o = ap.parse_args()
    rn, ref = read_stan_csv(o.reference)
    an, app = read_stan_csv(o.approx)
    params = [c for c in rn if not c.endswith("__")]
    A = ref[:, [rn.index(p) for p in params]]
    B = app[:, [an.index(p) for p in params]]
    if len(A) > o.max:
        A = A[np.random.default_rng(o.seed + 1).choice(len(A), o.max, replace=False)]
    means_ok, sds_ok = True, True
    print(f"{'param':>6} {'ref mean':>10} {'ref sd':>10} {'abc mean':>10} {'abc sd':>10} {'|dmean|/sd':>10} {'sd ratio':>9}")
    worst_mean, worst_ratio = 0.0, 1.0
    for i, p in enumerate(params):
        ma, sa, mb, sb = A[:, i].mean(), A[:, i].std(ddof=1), B[:, i].mean(), B[:, i].std(ddof=1)
        z, r = abs(mb - ma) / sa, sb / sa
        worst_mean = max(worst_mean, z)
        worst_ratio = max(worst_ratio, r, 1 / r)
        means_ok &= z <= 1
        sds_ok &= 1 / 1.5 <= r <= 1.5
        print(f"{p:>6} {ma:10.4f} {sa:10.4f} {mb:10.4f} {sb:10.4f} {z:10.3f} {r:9.3f}")
    acc, n = c2st(A, B, seed=o.seed)
    print(f"C2ST accuracy {acc:.4f} (n = {n} per sample; 0.5 is perfect, its sd {0.5 / np.sqrt(2 * n):.4f})")
    print(json.dumps({"c2st": round(float(acc), 4), "n": int(n), "worst_mean_over_sd": round(worst_mean, 4),
                      "worst_sd_factor": round(worst_ratio, 4), "means_ok": bool(means_ok), "sds_ok": bool(sds_ok)}))


if __name__ == "__main__":
    main()
