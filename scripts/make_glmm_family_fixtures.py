#!/usr/bin/env python3
"""Fixtures of the glmm's discrete families (tests/models/glmm_family_test.cpp):

  tests/fixtures/glmm/counts_data.csv   the covariates of design_data.csv (x, z, f, grp, site)
                                        with three simulated responses: count (Poisson, log
                                        link), succ out of n trials (binomial, logit), yes
                                        (Bernoulli, logit); each with a grp intercept
  tests/fixtures/glmm/counts_sim.csv    60 rows, 6 groups g1..g6, x ~ N(0, 1): count, succ / n, yes
  tests/fixtures/glmm/family_reference.json
      exact posterior means and sds (numerical integration, independent of lockstep's code) of
      b_Intercept, b_x and sd_g__Intercept for
        count ~ 1 + x + (1 | g)              poisson
        succ | trials(n) ~ 1 + x + (1 | g)   binomial
        yes ~ 1 + x + (1 | g)                bernoulli
      on counts_sim.csv, with priors Intercept ~ normal(0, 2), b ~ normal(0, 1),
      sd ~ half_normal(0, 1).

The integral: the group intercepts r_l are integrated out level by level, given (b0, b1, sd),
with 30-point adaptive Gauss-Hermite quadrature (nodes centred at the mode of the level's
integrand and scaled by its curvature: plain Gauss-Hermite on the prior is inaccurate when sd is
large and the data pin r_l down); the remaining 3-dimensional
posterior of (b0, b1, u = log sd) is evaluated on a regular grid (the Jacobian sd included) that
covers b0 and b1 to 8 posterior sds and u from -20 to 1.5 (the density of u falls only like
sd = e^u as sd -> 0: a cut at u = -7 drops 1e-3 of the mass), and its moments are sums over the
grid (the trapezoid rule on a smooth density that vanishes at the ends: errors far below the
samplers' Monte Carlo errors: a 51 x 51 x 300 grid to 9 sds with 16 nodes moves no Poisson
moment by more than 2e-4).

Run from the repository root: python3 scripts/make_glmm_family_fixtures.py
"""
import csv
import json

import numpy as np
from scipy.special import gammaln, log_expit, logsumexp

rng = np.random.default_rng(15)

# --- counts_data.csv: design_data.csv's covariates with discrete responses ---------------
with open("tests/fixtures/glmm/design_data.csv") as fh:
    rows = list(csv.DictReader(fh))
groups = sorted({r["grp"] for r in rows})
effect = {g: rng.normal(0, 0.5) for g in groups}
out = []
for r in rows:
    x = float(r["x"])
    eta_c = 0.3 + 0.5 * x + effect[r["grp"]]
    eta_b = -0.2 + 0.8 * x + effect[r["grp"]]
    n = int(rng.integers(1, 12))
    out.append({"count": int(rng.poisson(np.exp(eta_c))), "succ": int(rng.binomial(n, 1 / (1 + np.exp(-eta_b)))),
                "n": n, "yes": int(rng.random() < 1 / (1 + np.exp(-eta_b))), "x": r["x"], "z": r["z"], "f": r["f"],
                "grp": r["grp"], "site": r["site"]})
with open("tests/fixtures/glmm/counts_data.csv", "w", newline="") as fh:
    w = csv.DictWriter(fh, fieldnames=list(out[0].keys()))
    w.writeheader()
    w.writerows(out)

# --- counts_sim.csv ------------------------------------------------------------------------
G, per = 6, 10
g = np.repeat(np.arange(G), per)
x = np.round(rng.normal(0, 1, G * per), 4)
r_true = rng.normal(0, 0.6, G)
eta_c = 0.4 + 0.5 * x + r_true[g]
eta_b = -0.3 + 0.9 * x + r_true[g]
n = rng.integers(1, 16, G * per)
count = rng.poisson(np.exp(eta_c))
succ = rng.binomial(n, 1 / (1 + np.exp(-eta_b)))
yes = (rng.random(G * per) < 1 / (1 + np.exp(-eta_b))).astype(int)
with open("tests/fixtures/glmm/counts_sim.csv", "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["count", "succ", "n", "yes", "x", "g"])
    for i in range(G * per):
        w.writerow([count[i], succ[i], n[i], yes[i], x[i], f"g{g[i] + 1}"])


# --- the exact posterior moments -----------------------------------------------------------
t, wt = np.polynomial.hermite.hermgauss(30)


def level_terms(family, rows_l, eta0):
    """y, trials of the level's rows; eta0: [grid..., rows] the fixed part of eta."""
    if family == "poisson":
        return count[rows_l], None
    if family == "binomial":
        return succ[rows_l], n[rows_l]
    return yes[rows_l], np.ones(rows_l.sum())


def log_f(family, y, m, eta0, r):
    """sum over the level's rows i of log p(y_i | eta0_i + r) (eta0: [grid..., rows]; r: [grid..., node])."""
    total = np.zeros(r.shape)
    for i in range(len(y)):
        eta = eta0[..., i, None] + r
        if family == "poisson":
            total += y[i] * eta - np.exp(eta) - gammaln(y[i] + 1)
        else:  # log(1 - p) = log p - eta
            total += m[i] * log_expit(eta) - (m[i] - y[i]) * eta
    return total


def moments(family, b0s, b1s, us):
    B0, B1, U = np.meshgrid(b0s, b1s, us, indexing="ij")
    sd = np.exp(U)
    lp = -0.5 * (B0 / 2) ** 2 - 0.5 * B1 ** 2 - 0.5 * sd ** 2 + U  # priors and the Jacobian of u
    for level in range(G):
        rows_l = g == level
        y, m = level_terms(family, rows_l, None)
        eta0 = B0[..., None] + B1[..., None] * x[rows_l]
        # Adaptive Gauss-Hermite (Liu & Pierce 1994): centre the nodes at the mode of
        # h(r) = log f(r) - r^2 / (2 sd^2) (Newton; h is concave) and scale them by its curvature.
        r = np.zeros(B0.shape)
        for _ in range(30):
            e = eta0 + r[..., None]
            if family == "poisson":
                mu = np.exp(e)
                grad, hess = (y - mu).sum(-1), -mu.sum(-1)
            else:
                p = 1 / (1 + np.exp(-e))
                grad, hess = (y - m * p).sum(-1), -(m * p * (1 - p)).sum(-1)
            grad -= r / sd ** 2
            hess -= 1 / sd ** 2
            r = r - np.clip(grad / hess, -1, 1)
        s = 1 / np.sqrt(-hess)
        nodes = r[..., None] + np.sqrt(2) * s[..., None] * t  # [grid..., node]
        h = log_f(family, y, m, eta0, nodes) - 0.5 * (nodes / sd[..., None]) ** 2 \
            - np.log(sd[..., None]) - 0.5 * np.log(2 * np.pi)
        lp += logsumexp(h + t ** 2 + np.log(wt) + np.log(np.sqrt(2) * s[..., None]), axis=-1)
    w = np.exp(lp - lp.max())
    w /= w.sum()
    res = {}
    for name, v in (("b_Intercept", B0), ("b_x", B1), ("sd_g__Intercept", sd)):
        m = float((w * v).sum())
        res[name] = {"mean": m, "sd": float(np.sqrt((w * (v - m) ** 2).sum()))}
    return res


def fit(family):
    # A coarse pass finds the posterior's extent, the fine pass integrates.
    b0s, b1s, us = np.linspace(-3, 3, 25), np.linspace(-3, 3, 25), np.linspace(-6, 1.5, 25)
    for _ in range(2):
        m = moments(family, b0s, b1s, us)
        c0, s0 = m["b_Intercept"]["mean"], m["b_Intercept"]["sd"]
        c1, s1 = m["b_x"]["mean"], m["b_x"]["sd"]
        b0s = np.linspace(c0 - 8 * s0, c0 + 8 * s0, 41)
        b1s = np.linspace(c1 - 8 * s1, c1 + 8 * s1, 41)
        us = np.linspace(-20, 1.5, 216)
    return moments(family, b0s, b1s, us)


ref = {"data": "tests/fixtures/glmm/counts_sim.csv",
       "priors": ["Intercept ~ normal(0, 2)", "b ~ normal(0, 1)", "sd ~ half_normal(0, 1)"]}
for family, formula in (("poisson", "count ~ 1 + x + (1 | g)"), ("binomial", "succ | trials(n) ~ 1 + x + (1 | g)"),
                        ("bernoulli", "yes ~ 1 + x + (1 | g)")):
    ref[family] = {"formula": formula, "posterior": fit(family)}
    print(family, json.dumps(ref[family]["posterior"]))
with open("tests/fixtures/glmm/family_reference.json", "w") as fh:
    json.dump(ref, fh, indent=1)
    fh.write("\n")
