#!/usr/bin/env python3
"""Writes tests/fixtures/autocorr/*.json: chains and emcee's integrated autocorrelation times,
the reference for host/diagnostics/autocorr_time.cpp (tests/diagnostics/autocorr_time_test.cpp).

emcee 3 (pip) computes the expected values: emcee.autocorr.integrated_time(x, c, tol,
quiet=True) on x of shape (n_t, n_w, n_d) (draws, walkers, parameters), and
emcee.autocorr.function_1d on one series. Chains are rounded to 10 significant digits BEFORE
emcee sees them, so the committed numbers are exactly the input of both implementations.

Cases (numpy Generator(PCG64), fixed seeds):
  ar1.json        AR(1) walkers x_t = phi x_{t-1} + e_t, phi = 0.5, 0.9, 0.97 per parameter,
                  700 draws x 5 walkers; tau with c = 5 and with c = 2 (different windows)
  short_odd.json  129 draws (not a power of two) x 3 walkers, white noise and phi = 0.95 (too
                  short for tol = 50: flagged)
  emcee_peak.json a real emcee run (stretch move, 8 walkers x 400 steps) on the peak model of
                  the peak tutorial (emcee / NumPyro / sbi; data/peak.csv) from a 1e-4 ball: burn-in included, tau
                  large, flagged too short
  function_1d.json one AR(1) series of 300 draws and its normalized autocorrelation function

Usage: python3 scripts/make_autocorr_fixtures.py
"""
import csv
import json
import pathlib

import emcee
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "autocorr"


def rounded(a):
    return np.array([float(f"{v:.10g}") for v in np.ravel(a)]).reshape(np.shape(a))


def ar1(rng, n_t, n_w, phi):
    x = np.empty((n_t, n_w))
    x[0] = rng.standard_normal(n_w) / np.sqrt(max(1e-12, 1 - phi * phi))
    for t in range(1, n_t):
        x[t] = phi * x[t - 1] + rng.standard_normal(n_w)
    return x


def case(name, x, cs, tol=50):
    """x: (n_t, n_w, n_d). One entry per value of c."""
    n_t, n_w, n_d = x.shape
    out = {"name": name, "n_t": n_t, "n_w": n_w, "n_d": n_d, "tol": tol,
           # chains[d][w] = the series of parameter d in walker w
           "chains": [[list(map(float, x[:, w, d])) for w in range(n_w)] for d in range(n_d)],
           "results": []}
    for c in cs:
        tau = emcee.autocorr.integrated_time(x, c=c, tol=tol, quiet=True)
        out["results"].append({"c": c, "tau": [float(v) for v in tau],
                               "too_short": [bool(tol * v > n_t) for v in tau]})
    return out


def write(name, obj):
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_text(json.dumps(obj, separators=(",", ":")) + "\n")


def peak_chain():
    with open(ROOT / "data" / "peak.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    xs = np.array([float(r["x"]) for r in rows])
    ys = np.array([float(r["y"]) for r in rows])
    w = 1.0 / np.array([float(r["y_err"]) for r in rows]) ** 2
    lo = np.array([-2.0, -2.0, 0.0, -2.0, -2.0])
    hi = np.full(5, 2.0)

    def log_prob(theta):
        if not np.all((theta > lo) & (theta < hi)):
            return -np.inf
        l, m, s, a, b = theta
        f = l * np.exp(-((m - xs) ** 2) / (2 * s * s)) + a + b * xs
        return -0.5 * np.sum(w * (ys - f) ** 2)

    rng = np.random.default_rng(5)
    p0 = np.array([0.5, 0.6, 0.2, -0.2, 0.1]) + 1e-4 * rng.standard_normal((10, 5))
    sampler = emcee.EnsembleSampler(10, 5, log_prob)
    sampler.random_state = np.random.RandomState(5).get_state()
    sampler.run_mcmc(p0, 400, progress=False)
    return sampler.get_chain()  # (400, 10, 5)


def main():
    rng = np.random.default_rng(20240611)
    x = np.stack([ar1(rng, 700, 5, phi) for phi in (0.5, 0.9, 0.97)], axis=2)
    write("ar1.json", case("ar1", rounded(x), [5, 2]))
    x = np.stack([ar1(rng, 129, 3, phi) for phi in (0.0, 0.95)], axis=2)
    write("short_odd.json", case("short_odd", rounded(x), [5]))
    write("emcee_peak.json", case("emcee_peak", rounded(peak_chain()), [5]))
    s = rounded(ar1(rng, 300, 1, 0.8)[:, 0])
    write("function_1d.json", {"x": list(map(float, s)),
                               "acf": [float(v) for v in emcee.autocorr.function_1d(s)]})
    for p in sorted(OUT.glob("*.json")):
        print(p.relative_to(ROOT), p.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
