#!/usr/bin/env python3
"""Writes data/reference/peak.json: the posterior of the `peak` model on data/peak.csv by a long
emcee 3 run (an implementation independent of lockstep), for bench/ensemble_throughput.cpp's
validation and for anyone comparing samplers on the peak-plus-background model (data/peak.csv).

Model (models/peak.hpp): y ~ N(l exp(-(m - x)^2 / (2 s^2)) + a + b x, y_err), box prior
l, m, a, b in (-2, 2), s in (0, 2). emcee's stretch move, 128 walkers started in a 1e-4 ball
around (0.5, 0.6, 0.2, -0.2, 0.1), 40000 steps, the first 4000 discarded.

Per parameter: mean and sd over all kept draws, and mcse_mean = sd sqrt(tau / (walkers * kept
steps)) with tau = emcee.autocorr.integrated_time of the kept chain (in steps).

Usage: python3 scripts/make_peak_reference.py   (about 2-3 minutes)
"""
import csv
import json
import pathlib

import emcee
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAMES = ["l", "m", "s", "a", "b"]
LO = np.array([-2.0, -2.0, 0.0, -2.0, -2.0])
HI = np.array([2.0, 2.0, 2.0, 2.0, 2.0])
WALKERS, STEPS, DISCARD, SEED = 128, 40000, 4000, 20240611


def main():
    with open(ROOT / "data" / "peak.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.array([float(r["x"]) for r in rows])
    y = np.array([float(r["y"]) for r in rows])
    w = 1.0 / np.array([float(r["y_err"]) for r in rows]) ** 2

    def log_prob(theta):
        inside = np.all((theta > LO) & (theta < HI), axis=1)
        l, m, s, a, b = (theta[:, i : i + 1] for i in range(5))
        with np.errstate(all="ignore"):
            f = l * np.exp(-((m - x) ** 2) / (2 * s * s)) + a + b * x
            lp = -0.5 * np.sum(w * (y - f) ** 2, axis=1)
        return np.where(inside, lp, -np.inf)

    rng = np.random.default_rng(SEED)
    p0 = np.array([0.5, 0.6, 0.2, -0.2, 0.1]) + 1e-4 * rng.standard_normal((WALKERS, 5))
    sampler = emcee.EnsembleSampler(WALKERS, 5, log_prob, vectorize=True)
    sampler.random_state = np.random.RandomState(SEED).get_state()
    sampler.run_mcmc(p0, STEPS, progress=False)
    chain = sampler.get_chain(discard=DISCARD)  # (steps, walkers, 5)
    tau = emcee.autocorr.integrated_time(chain, quiet=True)
    flat = chain.reshape(-1, 5)
    out = {}
    for i, name in enumerate(NAMES):
        sd = float(flat[:, i].std(ddof=1))
        out[name] = {
            "mean": float(flat[:, i].mean()),
            "sd": sd,
            "mcse_mean": sd * float(np.sqrt(tau[i] / flat.shape[0])),
            "tau_steps": float(tau[i]),
        }
    out["__source"] = (f"emcee {emcee.__version__} stretch move, {WALKERS} walkers, {STEPS} steps, "
                       f"discard {DISCARD}, seed {SEED}; scripts/make_peak_reference.py")
    path = ROOT / "data" / "reference" / "peak.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
