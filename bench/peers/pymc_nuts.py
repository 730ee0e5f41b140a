#!/usr/bin/env python3
"""PyMC and nutpie peers: non-centered Eight Schools, gauss100_ill, radon or the seed's hierarchical
slopes with PyMC's own NUTS
(`pm.sample`) or nutpie's Rust NUTS on the same PyMC model (numba backend).

The model is the posterior lockstep samples (py_common.py): Eight Schools with posteriordb's priors,
mu ~ N(0, 5), tau ~ HalfCauchy(5) (PyMC maps it by log, as lockstep), eta ~ N(0, 1),
theta = mu + tau eta, y ~ N(theta, sigma); gauss100_ill as a flat x with the potential
-(x - mu)^T P (x - mu) / 2; radon (bench/glmm_radon.cpp, bench/peers/radon.stan) non-centered with
b_Intercept, b_floor ~ N(0, 10), sd_county, sigma ~ half-normal(0, 1), z ~ N(0, 1),
log_radon ~ N(b_Intercept + b_floor floor + sd_county z[county], sigma); slopes (bench/peers/slopes.stan,
PyMC's tutorial model non-centered, under lockstep's glmm names) with b_x ~ N(0, 1),
sd_group__x ~ Exponential(13), sigma ~ Exponential(10), z ~ N(0, 1), r_group = sd_group__x z,
y ~ N((b_x + r_group[group]) x, sigma). Both samplers keep their defaults: Stan-style windowed
adaptation (PyMC: jitter+adapt_diag; nutpie: its own diagonal mass-matrix adaptation from gradients
and draws), max tree depth 10, target acceptance 0.8 (--target-accept; the slopes seed asks 0.995).

Usage (bench/peers/.venv/bin/python):
  pymc_nuts.py --sampler pymc|nutpie --workload eight_schools|gauss100_ill|radon|slopes --data FILE --chains C
               [--warmup 1000] [--draws 1000] [--seed 1] [--cores 2] [--target-accept 0.8]
               [--draws-out FILE.npz] [--diagnose]

--diagnose adds the diagnostics of bench/peers/diagnose.py (ArviZ bulk ESS and rank R-hat of every
output, means and MCSEs) to the JSON line, for callers without Python of their own (bench/glmm_radon).

Timing. pymc: `pm.sample` as a whole (it compiles the log density, forks `--cores` worker processes,
tunes and samples; PyMC does not time warmup apart): warmup_seconds = 0, sampling_seconds = its wall
time, compile_seconds = the time of `model.compile_logp()` + `compile_dlogp()` measured before
(indicative: pm.sample compiles again inside). nutpie: `nutpie.compile_pymc_model` (numba compile) is
compile_seconds, reported apart; `nutpie.sample` (warmup and draws, `--cores` threads) is
sampling_seconds. time_to_first_draw_seconds is the whole sampler call (neither returns a draw before
it ends). Gradient evaluations: sum of n_steps over warmup and sampling draws.

Output: ONE JSON line {"peer": "pymc"|"nutpie", ...}; on failure {"peer": ..., "error": ...}, exit 0.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import py_common as pc  # noqa: E402

T_START = time.perf_counter()


def build_model(spec):
    import numpy as np
    import pymc as pm

    with pm.Model() as model:
        if spec["name"] == "radon":
            b0 = pm.Normal("b_Intercept", 0.0, 10.0)
            b1 = pm.Normal("b_floor", 0.0, 10.0)
            sd = pm.HalfNormal("sd_county__Intercept", 1.0)
            sigma = pm.HalfNormal("sigma", 1.0)
            z = pm.Normal("z", 0.0, 1.0, shape=spec["J"])
            pm.Normal("y", b0 + b1 * spec["floor"] + sd * z[spec["county"]], sigma, observed=spec["y"])
        elif spec["name"] == "slopes":
            b = pm.Normal("b_x", 0.0, 1.0)
            sd = pm.Exponential("sd_group__x", 13.0)
            sigma = pm.Exponential("sigma", 10.0)
            z = pm.Normal("z", 0.0, 1.0, shape=spec["J"])
            pm.Normal("y", (b + sd * z[spec["group"]]) * spec["x"], sigma, observed=spec["y"])
        elif spec["name"] == "eight_schools":
            mu = pm.Normal("mu", 0.0, 5.0)
            tau = pm.HalfCauchy("tau", 5.0)
            eta = pm.Normal("eta", 0.0, 1.0, shape=spec["J"])
            pm.Normal("y", mu + tau * eta, np.asarray(spec["sigma"]), observed=np.asarray(spec["y"]))
        else:
            x = pm.Flat("x", shape=spec["N"])
            r = x - np.asarray(spec["mu"])
            pm.Potential("lp", -0.5 * (r @ (np.asarray(spec["P"]) @ r)))
    return model


def total_steps(idata):
    """(gradient evaluations over warmup and sampling, post-warmup divergences)."""
    import numpy as np

    grads = 0
    for group in ("warmup_sample_stats", "sample_stats"):
        if hasattr(idata, group):
            st = getattr(idata, group)
            key = "n_steps" if "n_steps" in st else "tree_size"
            grads += int(np.asarray(st[key]).sum())
    div = int(np.asarray(idata.sample_stats["diverging"]).sum())
    return grads, div


def draws_of(spec, idata):
    import numpy as np

    post = idata.posterior
    if spec["name"] == "radon":
        out = {k: np.asarray(post[k]) for k in ("b_Intercept", "b_floor", "sd_county__Intercept", "sigma")}
        out["r_county"] = out["sd_county__Intercept"][..., None] * np.asarray(post["z"])
        return out
    if spec["name"] == "slopes":
        out = {k: np.asarray(post[k]) for k in ("b_x", "sd_group__x", "sigma")}
        out["r_group"] = out["sd_group__x"][..., None] * np.asarray(post["z"])
        return out
    if spec["name"] == "eight_schools":
        mu, tau, eta = (np.asarray(post[k]) for k in ("mu", "tau", "eta"))
        return {"mu": mu, "tau": tau, "theta": mu[..., None] + tau[..., None] * eta}
    return {"x": np.asarray(post["x"])}


def main():
    ap = pc.workload_arguments(argparse.ArgumentParser())
    ap.add_argument("--sampler", required=True, choices=("pymc", "nutpie"))
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--diagnose", action="store_true")
    ap.add_argument("--target-accept", type=float, default=0.8)
    a = ap.parse_args()
    peer = a.sampler
    try:
        import pymc as pm

        spec = pc.load_workload(a.workload, a.data)
        model = build_model(spec)
        versions = {"pymc": pm.__version__}
        setup_seconds = time.perf_counter() - T_START
        if peer == "pymc":
            t0 = time.perf_counter()
            model.compile_logp()
            model.compile_dlogp()
            t1 = time.perf_counter()
            with model:
                idata = pm.sample(draws=a.draws, tune=a.warmup, chains=a.chains, cores=a.cores,
                                  random_seed=a.seed, progressbar=False, discard_tuned_samples=False,
                                  compute_convergence_checks=False, target_accept=a.target_accept)
            t2 = time.perf_counter()
            compile_seconds, sampling_seconds = t1 - t0, t2 - t1
            # discard_tuned_samples=False puts the warmup in warmup_posterior / warmup_sample_stats.
        else:
            import nutpie

            versions["nutpie"] = nutpie.__version__
            t0 = time.perf_counter()
            compiled = nutpie.compile_pymc_model(model, backend="numba")
            t1 = time.perf_counter()
            idata = nutpie.sample(compiled, draws=a.draws, tune=a.warmup, chains=a.chains, cores=a.cores,
                                  seed=a.seed, progress_bar=False, save_warmup=True, target_accept=a.target_accept)
            t2 = time.perf_counter()
            compile_seconds, sampling_seconds = t1 - t0, t2 - t1
        grads, div = total_steps(idata)
        draws = draws_of(spec, idata)
        pc.save_draws(a.draws_out, draws)
        diag = {}
        if a.diagnose:
            import diagnose as dg

            d = dg.diagnose(draws)
            seconds = sampling_seconds
            diag = {"min_ess_bulk": d["min_ess_bulk"], "min_ess_bulk_variable": d["min_ess_bulk_variable"],
                    "max_rhat": d["max_rhat"], "means": d["means"],
                    "mcse": {n: d["sds"][n] / max(d["ess_bulk"][n], 1.0) ** 0.5 for n in d["means"]},
                    "ess_bulk_per_second": d["min_ess_bulk"] / seconds,
                    "grad_evals_per_second": grads / seconds}
        pc.emit({**diag,
            "peer": peer, "algorithm": "nuts", "versions": versions,
            "workload": a.workload, "chains": a.chains, "warmup": a.warmup, "draws": a.draws, "seed": a.seed,
            "cores": a.cores, "target_accept": a.target_accept, "setup_seconds": setup_seconds, "compile_seconds": compile_seconds,
            "warmup_seconds": 0.0, "sampling_seconds": sampling_seconds,
            "time_to_first_draw_seconds": sampling_seconds,
            "gradient_evaluations": grads, "divergences": div, "draws_file": a.draws_out,
        })
    except Exception as exc:  # report, never crash the harness
        pc.fail(peer, exc)


if __name__ == "__main__":
    main()
