#!/usr/bin/env python3
"""emcee peer benchmark: the peak-plus-background model of the emcee / NumPyro / sbi tutorial (data/peak.csv).

Runs emcee 3 (pip) on exactly the model lockstep's `peak` implements (models/peak.hpp):
    f(x) = l exp(-(m - x)^2 / (2 s^2)) + a + b x,   y ~ N(f(x), y_err),
    box prior l, m, a, b in (-2, 2), s in (0, 2),
from a 1e-4 ball around (0.5, 0.6, 0.2, -0.2, 0.1), stretch move (emcee's default), and
reports the same figures as bench/ensemble_throughput.cpp.

Usage:
    python3 bench/peers/emcee_peak.py [--data data/peak.csv] [--walkers 32] [--steps 5000]
                                      [--seed 1] [--scalar]
--scalar evaluates the log density one walker at a time (emcee's default, a Python call per
walker); without it the log density is vectorized over the half-ensemble (vectorize=True),
which is the fastest way to use emcee.

Output: ONE JSON object on stdout:
    {"peer": "emcee", "emcee_version": ..., "walkers": N, "steps": S, "vectorize": bool,
     "seconds": wall clock of run_mcmc, "walker_updates_per_second": N S / seconds,
     "tau": [emcee get_autocorr_time(quiet=True), per parameter, in steps; null if NaN],
     "independent_samples_per_second": N S / max(tau) / seconds (null if a tau is NaN),
     "acceptance_fraction": mean over walkers, "mean": [...]}
On failure: {"peer": "emcee", "error": "..."} and exit status 0.
"""
import argparse
import csv
import json
import sys
import time

try:
    import numpy as np
except ImportError as exc:  # a Python without the peers' packages: say so, as any other failure
    print(json.dumps({"peer": "emcee", "error": f"ImportError: {exc} (bench/peers/install_python_peers.sh)"}))
    sys.exit(0)

LO = np.array([-2.0, -2.0, 0.0, -2.0, -2.0])
HI = np.array([2.0, 2.0, 2.0, 2.0, 2.0])
THETA0 = np.array([0.5, 0.6, 0.2, -0.2, 0.1])


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.array([float(r["x"]) for r in rows])
    y = np.array([float(r["y"]) for r in rows])
    e = np.array([float(r["y_err"]) for r in rows])
    return x, y, e


def make_log_prob(x, y, yerr, vectorized):
    w = 1.0 / yerr**2

    def one(theta):
        if not np.all((theta > LO) & (theta < HI)):
            return -np.inf
        l, m, s, a, b = theta
        f = l * np.exp(-((m - x) ** 2) / (2 * s * s)) + a + b * x
        return -0.5 * np.sum(w * (y - f) ** 2)

    def many(theta):  # theta: (walkers, 5)
        inside = np.all((theta > LO) & (theta < HI), axis=1)
        l, m, s, a, b = (theta[:, i : i + 1] for i in range(5))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            f = l * np.exp(-((m - x) ** 2) / (2 * s * s)) + a + b * x
            lp = -0.5 * np.sum(w * (y - f) ** 2, axis=1)
        return np.where(inside, lp, -np.inf)

    return many if vectorized else one


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/peak.csv")
    ap.add_argument("--walkers", type=int, default=32)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scalar", action="store_true")
    args = ap.parse_args()
    import emcee

    x, y, yerr = read_csv(args.data)
    vectorized = not args.scalar
    log_prob = make_log_prob(x, y, yerr, vectorized)
    rng = np.random.default_rng(args.seed)
    p0 = THETA0 + 1e-4 * rng.standard_normal((args.walkers, 5))
    sampler = emcee.EnsembleSampler(args.walkers, 5, log_prob, vectorize=vectorized)
    sampler.random_state = np.random.RandomState(args.seed).get_state()
    t0 = time.perf_counter()
    sampler.run_mcmc(p0, args.steps, progress=False)
    seconds = time.perf_counter() - t0
    tau = sampler.get_autocorr_time(quiet=True)
    # tau is NaN when the run is far too short (a few steps): JSON null, never a bare NaN
    tau_list = [float(t) if np.isfinite(t) else None for t in tau]
    tau_max = float(np.max(tau)) if np.all(np.isfinite(tau)) else None
    updates = args.walkers * args.steps
    chain = sampler.get_chain(discard=args.steps // 5, flat=True)
    print(json.dumps({
        "peer": "emcee",
        "emcee_version": emcee.__version__,
        "walkers": args.walkers,
        "steps": args.steps,
        "vectorize": vectorized,
        "seconds": seconds,
        "walker_updates_per_second": updates / seconds,
        "tau": tau_list,
        "independent_samples_per_second": updates / tau_max / seconds if tau_max else None,
        "acceptance_fraction": float(np.mean(sampler.acceptance_fraction)),
        "mean": [float(v) for v in chain.mean(axis=0)],
    }))


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # report, never crash the harness
        print(json.dumps({"peer": "emcee", "error": f"{type(exc).__name__}: {exc}"}))
    sys.exit(0)
