#!/usr/bin/env python3
"""Generate tests/fixtures/diagnostics/*.json: draws plus ArviZ's (and, when R's posterior
package is installed, posterior's) convergence diagnostics for them.

Run once; the JSON is committed and the C++ tests (tests/diagnostics/) never call Python.

    python3 scripts/make_diagnostics_fixtures.py [--out tests/fixtures/diagnostics] [--no-r]

The draws are generated with numpy's default_rng and a fixed seed and stored with full
precision (json writes the shortest repr that round-trips). NaN is written as null.

Reference values:
  * ArviZ public API: az.rhat(method="rank"|"split"), az.ess(method="bulk"|"tail"|"mean"|"sd"|
    "quantile"), az.mcse(method="mean"|"sd"|"quantile"), az.summary(kind="all").
  * "rhat_fold_first": max(_rhat(_z_scale(_split_chains(x))),
    _rhat(_z_scale(_split_chains(|x - median(x)|)))) with ArviZ's own helpers: the formula of
    az.summary and posterior, which folds around the median of ALL draws before splitting
    (az.rhat folds the split draws instead; they differ for odd draw counts), evaluated also for
    a single chain (az.rhat/az.summary return NaN there, posterior does not).
  * "rhat_basic_any_chains": _rhat(_split_chains(x)) for the same reason.
  * quantiles: arviz.stats.stats_utils.quantile (scipy mquantiles, type 7).
  * special functions: scipy.special.ndtri, scipy.stats.beta.ppf / beta.cdf.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import arviz as az  # noqa: E402
import scipy  # noqa: E402
from arviz.stats.diagnostics import _rhat, _split_chains, _z_scale  # noqa: E402
from arviz.stats.stats_utils import quantile as az_quantile  # noqa: E402
from scipy import special, stats  # noqa: E402

SEED = 20240611
PROBS = [0.05, 0.25, 0.5, 0.95]


def ar1(rng, chains, draws, rho, scale=1.0, loc=0.0):
    """Stationary AR(1): x_t = rho x_{t-1} + sqrt(1 - rho^2) e_t."""
    x = np.empty((chains, draws))
    x[:, 0] = rng.normal(size=chains)
    s = np.sqrt(1.0 - rho * rho)
    for t in range(1, draws):
        x[:, t] = rho * x[:, t - 1] + s * rng.normal(size=chains)
    return loc + scale * x


def make_cases():
    rng = np.random.default_rng(SEED)
    cases = []

    def add(name, x, note):
        cases.append((name, np.asarray(x, dtype=float), note))

    add("iid_normal", 1.0 + 2.0 * rng.normal(size=(4, 200)), "4 chains x 200 iid N(1, 2^2)")
    add("ar1_rho09", ar1(rng, 4, 500, 0.9), "4 chains x 500 stationary AR(1), rho = 0.9")
    add("cauchy", rng.standard_cauchy(size=(4, 300)), "4 chains x 300 iid standard Cauchy")
    add("shifted", rng.normal(size=(4, 200)) + 1.5 * np.arange(4)[:, None],
        "4 chains x 200 N(1.5 c, 1): chains apart, R-hat large")
    add("odd_draws", ar1(rng, 4, 101, 0.5), "4 chains x 101 (odd) AR(1), rho = 0.5")
    add("single_chain", ar1(rng, 1, 400, 0.3), "1 chain x 400 AR(1), rho = 0.3")
    add("antithetic", ar1(rng, 4, 250, -0.7), "4 chains x 250 AR(1), rho = -0.7 (ESS > S)")
    add("ties_poisson", rng.poisson(2.5, size=(4, 150)).astype(float),
        "4 chains x 150 iid Poisson(2.5): many ties (average ranks)")
    add("many_short_odd", ar1(rng, 16, 7, 0.2), "16 chains x 7 draws (odd, short)")
    add("heavy_autocorr", ar1(rng, 2, 300, 0.995), "2 chains x 300 AR(1), rho = 0.995 (ESS tiny)")
    # Its own seed, found by search: here a fused multiply-add in (1 - g) a + g b moves q95
    # across a draw, so the case catches FMA contraction in the quantile.
    add("quantile_near_draw", np.random.default_rng(17).standard_t(3, size=(3, 267)),
        "3 chains x 267 iid Student-t(3): S = 801, so (S - 1) p is an integer for p = 0.05, 0.95 "
        "and the type 7 weight is 1e-13 off 0 or 1 (one-ulp effects decide I(x <= q))")
    add("constant", np.full((4, 100), 1.5), "4 chains x 100 draws all 1.5: undefined (NaN)")
    add("too_few_draws", rng.normal(size=(3, 3)), "3 chains x 3 draws: fewer than 4, NaN")
    return cases


def nan_to_none(v):
    v = float(v)
    return None if np.isnan(v) else v


def arviz_reference(x):
    ref = {}
    ref["rhat"] = nan_to_none(az.rhat(x, method="rank"))
    ref["rhat_basic"] = nan_to_none(az.rhat(x, method="split"))
    ref["ess_bulk"] = nan_to_none(az.ess(x, method="bulk"))
    ref["ess_tail"] = nan_to_none(az.ess(x, method="tail"))
    ref["ess_mean"] = nan_to_none(az.ess(x, method="mean"))
    ref["ess_sd"] = nan_to_none(az.ess(x, method="sd"))
    ref["mcse_mean"] = nan_to_none(az.mcse(x, method="mean"))
    ref["mcse_sd"] = nan_to_none(az.mcse(x, method="sd"))
    ref["probs"] = PROBS
    ref["quantile"] = [nan_to_none(v) for v in az_quantile(x.ravel(), PROBS)]
    ref["ess_quantile"] = [nan_to_none(az.ess(x, method="quantile", prob=p)) for p in PROBS]
    ref["mcse_quantile"] = [nan_to_none(az.mcse(x, method="quantile", prob=p)) for p in PROBS]
    if x.shape[1] >= 4 and not np.isnan(x).any():
        folded = np.abs(x - np.median(x))
        ref["rhat_fold_first"] = nan_to_none(
            max(_rhat(_z_scale(_split_chains(x))), _rhat(_z_scale(_split_chains(folded)))))
        ref["rhat_basic_any_chains"] = nan_to_none(_rhat(_split_chains(x)))
    else:
        ref["rhat_fold_first"] = None
        ref["rhat_basic_any_chains"] = None
    summ = az.summary(x, kind="all", round_to="none")
    row = summ.iloc[0]
    ref["summary"] = {k: nan_to_none(row[k]) for k in
                      ["mean", "sd", "mcse_mean", "mcse_sd", "ess_bulk", "ess_tail", "r_hat"]}
    return ref


R_SCRIPT = r"""
suppressMessages(library(posterior))
args <- commandArgs(trailingOnly = TRUE)
d <- jsonlite::fromJSON(args[1])
probs <- c(0.05, 0.25, 0.5, 0.95)
# Full precision: numbers travel as "%.17g" strings (jsonlite prints at most 15 digits).
num <- function(v) { v <- as.numeric(v); ifelse(is.na(v), NA, sprintf("%.17g", v)) }
out <- list(version = as.character(packageVersion("posterior")), cases = list())
for (name in names(d)) {
  x <- as.matrix(d[[name]])            # chains x draws
  m <- t(x)                            # posterior wants iterations x chains
  r <- list()
  r$rhat <- num(suppressWarnings(rhat(m)))
  r$rhat_basic <- num(suppressWarnings(rhat_basic(m)))
  r$ess_bulk <- num(suppressWarnings(ess_bulk(m)))
  r$ess_tail <- num(suppressWarnings(ess_tail(m)))
  r$ess_mean <- num(suppressWarnings(ess_mean(m)))
  r$ess_sd <- num(suppressWarnings(ess_sd(m)))
  r$mcse_mean <- num(suppressWarnings(mcse_mean(m)))
  r$mcse_sd <- num(suppressWarnings(mcse_sd(m)))
  r$quantile <- num(quantile2(m, probs, names = FALSE))
  r$ess_quantile <- num(suppressWarnings(ess_quantile(m, probs, names = FALSE)))
  r$mcse_quantile <- num(suppressWarnings(mcse_quantile(m, probs, names = FALSE)))
  out$cases[[name]] <- r
}
cat(jsonlite::toJSON(out, na = "null", auto_unbox = TRUE))
"""


def posterior_reference(cases):
    """posterior's values via Rscript, or None when R/posterior/jsonlite are missing."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "draws.json")
        script = os.path.join(tmp, "ref.R")
        with open(data, "w") as f:
            json.dump({name: x.tolist() for name, x, _ in cases}, f)
        with open(script, "w") as f:
            f.write(R_SCRIPT)
        try:
            res = subprocess.run(["Rscript", script, data], capture_output=True, text=True,
                                 check=True, timeout=600)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
            print("posterior cross-check skipped:", getattr(e, "stderr", e), file=sys.stderr)
            return None
    out = json.loads(res.stdout)

    def to_float(v):
        if isinstance(v, list):
            return [to_float(u) for u in v]
        return None if v is None else float(v)

    for case in out["cases"].values():
        for k in list(case):
            case[k] = to_float(case[k])
    return out


def special_function_reference():
    ps = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 1e-3, 0.01, 0.02425, 0.05, 0.0749, 0.075, 0.0751,
          0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 0.925, 0.95, 0.975, 0.99,
          0.999, 1 - 1e-5, 1 - 1e-10, 1 - 1e-15]
    S = 2000
    ps += [(r - 0.375) / (S + 0.25) for r in (1, 2, 3, 10, 100, 999, 1000, 1001, 1500, 1999, 2000)]
    ndtri = [{"p": p, "z": float(special.ndtri(p))} for p in ps]
    beta = []
    for a, b in [(1.05, 1.95), (2.0, 3.0), (10.5, 190.5), (100.0, 1900.0), (1000.5, 19.5),
                 (21.0, 381.0), (5001.0, 5001.0), (1e5, 1.9e6), (3e6, 5.7e7), (1.0, 1.0),
                 (0.5, 0.5)]:
        for p in [0.1586553, 0.8413447, 0.5, 0.01]:
            x = float(stats.beta.ppf(p, a, b))
            beta.append({"p": p, "a": a, "b": b, "x": x})
    cdf = []
    for a, b, x in [(2.0, 3.0, 0.4), (10.5, 190.5, 0.05), (100.0, 1900.0, 0.051),
                    (5001.0, 5001.0, 0.499), (0.5, 0.5, 0.1), (1e5, 1.9e6, 0.05)]:
        cdf.append({"x": x, "a": a, "b": b, "I": float(stats.beta.cdf(x, a, b))})
    return {"ndtri": ndtri, "beta_ppf": beta, "beta_cdf": cdf}


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "tests", "fixtures", "diagnostics"))
    ap.add_argument("--no-r", action="store_true", help="skip the posterior (R) cross-check")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    cases = make_cases()
    post = None if args.no_r else posterior_reference(cases)
    doc = {
        "generator": "scripts/make_diagnostics_fixtures.py",
        "seed": SEED,
        "arviz_version": az.__version__,
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "posterior_version": post["version"] if post else None,
        "cases": [],
    }
    for name, x, note in cases:
        entry = {
            "name": name,
            "note": note,
            "n_chains": int(x.shape[0]),
            "n_draws": int(x.shape[1]),
            "draws": x.tolist(),  # [chain][draw]
            "arviz": arviz_reference(x),
        }
        if post:
            entry["posterior"] = post["cases"][name]
        doc["cases"].append(entry)
    with open(os.path.join(args.out, "convergence.json"), "w") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    with open(os.path.join(args.out, "special_functions.json"), "w") as f:
        json.dump({"generator": doc["generator"], "scipy_version": scipy.__version__,
                   **special_function_reference()}, f, indent=1, allow_nan=False)
        f.write("\n")
    print("wrote", os.path.normpath(args.out), "arviz", az.__version__,
          "posterior", doc["posterior_version"])


if __name__ == "__main__":
    main()
