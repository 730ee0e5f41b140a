#!/usr/bin/env python3
"""pyABC peer benchmark: SMC-ABC on the peak model with the sbi tutorial's box prior, as
`lockstep smc-abc peak --set prior=sbi` runs it (models/peak.hpp, host/algorithms/smc_abc/):

    theta = (l, m, s, a, b) ~ uniform box, low (0, 0, 0, -1, 0), high (2, 1, 1, 1, 1);
    x_n = l exp(-(m - x_n)^2 / (2 s^2)) + a + b x_n + y_err_n z_n,   n = 1..40 (data/peak.csv);
    distance sqrt(sum_n ((x_n - y_n) / y_err_n)^2)  (PNormDistance, p = 2, fixed weights 1/y_err);
    tolerance: the 0.5-quantile of the previous population's distances (QuantileEpsilon);
    perturbation: Gaussian with F x the weighted covariance (MultivariateNormalTransition,
      scaling F, bandwidth factor 1; F = --kernel-scale, 0.5 as lockstep's default; Beaumont
      et al. 2009 take 2);
    no regression adjustment (pyABC has none: compare with lockstep's --adjust none);
    population size P, stopped at a total simulation budget.
pyABC's sampler is its default (multicore evaluation over the machine's cores; --single-core: its
SingleCoreSampler); its database is
an SQLite file in a temporary directory.

Usage: pyabc_peak.py --sims N [--particles 1000] [--seed 1] [--data data/peak.csv] [--output draws.csv]
Writes the final population resampled to P equally weighted draws (a CSV with a Stan-like
header, for bench/c2st.py) and prints ONE JSON line:
  {"peer": "pyabc", "version": ..., "sims": simulations actually run, "seconds": wall of abc.run,
   "simulations_per_second": ..., "generations": ..., "final_epsilon": ...}
"""
import argparse
import csv
import json
import os
import tempfile
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sims", type=int, required=True)
    ap.add_argument("--particles", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "data", "peak.csv"))
    ap.add_argument("--output", default="")
    ap.add_argument("--kernel-scale", type=float, default=0.5)
    ap.add_argument("--single-core", action="store_true", help="pyABC's SingleCoreSampler instead of its default")
    o = ap.parse_args()
    import pyabc

    with open(o.data, newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.array([float(r["x"]) for r in rows])
    y = np.array([float(r["y"]) for r in rows])
    err = np.array([float(r["y_err"]) for r in rows])
    names = ["l", "m", "s", "a", "b"]
    low = {"l": 0.0, "m": 0.0, "s": 0.0, "a": -1.0, "b": 0.0}
    high = {"l": 2.0, "m": 1.0, "s": 1.0, "a": 1.0, "b": 1.0}
    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", low[k], high[k] - low[k]) for k in names})
    keys = [f"y{n}" for n in range(len(x))]

    def model(p):
        f = p["l"] * np.exp(-((p["m"] - x) ** 2) / (2 * p["s"] ** 2)) + p["a"] + p["b"] * x
        sim = f + err * np.random.normal(size=len(x))
        return dict(zip(keys, sim))

    observed = dict(zip(keys, y))
    distance = pyabc.PNormDistance(p=2, fixed_weights={0: {k: 1 / e for k, e in zip(keys, err)}})
    transition = pyabc.MultivariateNormalTransition(scaling=o.kernel_scale, bandwidth_selector=lambda n, d: 1.0)
    np.random.seed(o.seed)
    abc = pyabc.ABCSMC(model, prior, distance, population_size=o.particles, transitions=transition,
                       eps=pyabc.QuantileEpsilon(alpha=0.5),
                       sampler=pyabc.sampler.SingleCoreSampler() if o.single_core else None)
    tmp = tempfile.mkdtemp()
    abc.new("sqlite:///" + os.path.join(tmp, "pyabc.db"), observed)
    t0 = time.time()
    history = abc.run(minimum_epsilon=0.0, max_total_nr_simulations=o.sims, max_nr_populations=1000)
    seconds = time.time() - t0
    df, w = history.get_distribution(m=0, t=history.max_t)
    w = np.asarray(w) / np.sum(w)
    rng = np.random.default_rng(o.seed)
    u = (np.arange(o.particles) + rng.uniform()) / o.particles
    idx = np.minimum(np.searchsorted(np.cumsum(w), u), len(w) - 1)
    draws = df[names].to_numpy()[idx]
    if o.output:
        with open(o.output, "w") as f:
            f.write("# pyabc " + pyabc.__version__ + "\n" + ",".join(names) + "\n")
            for r in draws:
                f.write(",".join(f"{v:.10g}" for v in r) + "\n")
    pops = history.get_all_populations()
    total = int(history.total_nr_simulations)
    print(json.dumps({"peer": "pyabc", "version": pyabc.__version__, "sims": total, "seconds": round(seconds, 3),
                      "simulations_per_second": round(total / seconds, 1), "generations": int(history.max_t + 1),
                      "final_epsilon": float(pops["epsilon"].iloc[-1])}))


if __name__ == "__main__":
    main()
