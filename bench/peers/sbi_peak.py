#!/usr/bin/env python3
"""sbi peer benchmark: neural posterior estimation on the peak model with the sbi tutorial's box
prior, as `lockstep npe peak --set prior=sbi` runs it (models/peak.hpp, host/npe/):

    theta = (l, m, s, a, b) ~ BoxUniform, low (0, 0, 0, -1, 0), high (2, 1, 1, 1, 1);
    x_n = l exp(-(m - x_n)^2 / (2 s^2)) + a + b x_n + y_err_n z_n,   n = 1..40 (data/peak.csv).

sbi's default NPE (sbi.inference.NPE with its defaults: a masked autoregressive flow, 5
transforms of 50 hidden units, z-scored inputs and outputs, Adam 5e-4, batches of 200, 10%
validation, stop after 20 epochs without improvement) trained on N simulations, then D draws at
the observed data (sbi rejects draws outside the prior's support; its acceptance is printed). The
simulations are drawn with numpy (the same law as lockstep's simulator; they are not the same
numbers). torch runs on the CPU with all of the machine's cores unless --threads is given.

Usage: sbi_peak.py --sims N [--draws 10000] [--seed 1] [--data data/peak.csv] [--output draws.csv]
       [--threads T] [--model maf|mdn|nsf]
Writes the draws as a CSV with a header l,m,s,a,b (for bench/c2st.py) and prints ONE JSON line:
  {"peer": "sbi", "version": ..., "torch": ..., "sims": N, "simulate_seconds": ..,
   "train_seconds": .., "epochs": .., "best_validation_log_prob": .., "sample_seconds": ..,
   "threads": ..}
"""
import argparse
import contextlib
import csv
import json
import os
import sys
import tempfile
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sims", type=int, required=True)
    ap.add_argument("--draws", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "data", "peak.csv"))
    ap.add_argument("--output", default="")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--model", default="maf", help="sbi's density estimator (its default: maf)")
    o = ap.parse_args()
    o.data = os.path.abspath(o.data)
    o.output = os.path.abspath(o.output) if o.output else ""
    os.chdir(tempfile.mkdtemp(prefix="sbi_peak_"))  # sbi writes its TensorBoard logs (sbi-logs/) into the cwd
    import sbi
    import torch
    from sbi.inference import NPE
    from sbi.utils import BoxUniform

    if o.threads > 0:
        torch.set_num_threads(o.threads)
    torch.manual_seed(o.seed)
    rng = np.random.default_rng(o.seed)
    with open(o.data, newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.array([float(r["x"]) for r in rows])
    y = np.array([float(r["y"]) for r in rows])
    err = np.array([float(r["y_err"]) for r in rows])
    low = np.array([0.0, 0.0, 0.0, -1.0, 0.0])
    high = np.array([2.0, 1.0, 1.0, 1.0, 1.0])
    prior = BoxUniform(low=torch.tensor(low, dtype=torch.float32), high=torch.tensor(high, dtype=torch.float32))

    t0 = time.perf_counter()
    theta = low + (high - low) * rng.random((o.sims, 5))
    l, m, s, a, b = (theta[:, i : i + 1] for i in range(5))
    sim = l * np.exp(-((m - x) ** 2) / (2 * s**2)) + a + b * x + err * rng.standard_normal((o.sims, len(x)))
    t1 = time.perf_counter()

    with contextlib.redirect_stdout(sys.stderr):  # sbi prints its own lines; stdout is the JSON line
        inference = NPE(prior=prior, density_estimator=o.model, show_progress_bars=False)
        inference.append_simulations(torch.tensor(theta, dtype=torch.float32), torch.tensor(sim, dtype=torch.float32))
        estimator = inference.train()
        t2 = time.perf_counter()
        posterior = inference.build_posterior(estimator)
        draws = posterior.sample((o.draws,), x=torch.tensor(y, dtype=torch.float32), show_progress_bars=False).numpy()
        t3 = time.perf_counter()

    if o.output:
        with open(o.output, "w") as f:
            f.write("l,m,s,a,b\n")
            for r in draws:
                f.write(",".join(repr(float(v)) for v in r) + "\n")
    summary = inference.summary
    print(
        json.dumps(
            {
                "peer": "sbi",
                "version": sbi.__version__,
                "torch": torch.__version__,
                "model": o.model,
                "sims": o.sims,
                "simulate_seconds": t1 - t0,
                "train_seconds": t2 - t1,
                "epochs": int(summary["epochs_trained"][-1]),
                "best_validation_log_prob": float(summary["best_validation_loss"][-1])
                if "best_validation_loss" in summary
                else None,
                "sample_seconds": t3 - t2,
                "threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
