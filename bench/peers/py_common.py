"""Shared pieces of lockstep's Python peer benchmarks (NumPyro, BlackJAX): data, models, output.

Every peer samples exactly the posterior lockstep's models implement, on the same unconstrained
parameterization, in double precision (jax_enable_x64, as lockstep's CPU build uses double):

  eight_schools_noncentered (models/eight_schools.hpp, posteriordb priors):
      mu ~ N(0, 5), tau ~ half-Cauchy(0, 5), eta_j ~ N(0, 1), theta_j = mu + tau eta_j,
      y_j ~ N(theta_j, sigma_j);  unconstrained q = (mu, u = log tau, eta_1..eta_J), with the
      log-Jacobian u of tau = exp(u).
  gauss100_ill (models/gaussian.hpp): x ~ N(mu, Sigma), log p = -(x - mu)^T P (x - mu) / 2 with
      P = Sigma^{-1} (formed once on the host, as lockstep's loader does).

A peer script prints ONE JSON line of timings and counts and writes its post-warmup draws of the
model's outputs (mu, tau, theta[1..J] / x[1..N]) as an .npz of arrays shaped (chains, draws[, k]).
bench/run_all computes ESS, R-hat, means and sds of EVERY sampler (lockstep included) from such
draws with one function (bench/peers/diagnose.py), so all samplers share one ESS estimator.
"""
import json
import os
import sys
import time

import numpy as np

WORKLOADS = ("eight_schools", "gauss100_ill", "radon", "slopes")  # radon, slopes: PyMC/nutpie only (pymc_nuts.py)


def workload_arguments(ap):
    """The command-line arguments every JAX peer takes (bench/run_all passes them alike)."""
    ap.add_argument("--workload", required=True, choices=WORKLOADS)
    ap.add_argument("--data", required=True)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--draws-out", default="")
    return ap


def setup_jax(threads=None):
    """Double precision on the CPU; call before the first JAX computation."""
    if threads:
        os.environ.setdefault(
            "XLA_FLAGS", f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={threads}")
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platform_name", "cpu")
    return jax


def load_workload(name, data_path):
    """Returns (spec dict) with the data as numpy arrays and the output names."""
    with open(data_path) as f:
        d = json.load(f)
    if name == "eight_schools":
        y = np.asarray(d["y"], dtype=np.float64)
        sigma = np.asarray(d["sigma"], dtype=np.float64)
        J = int(d["J"])
        return {"name": name, "J": J, "y": y, "sigma": sigma, "dim": J + 2}
    if name == "gauss100_ill":
        N = int(d["N"])
        mu = np.asarray(d["mu"], dtype=np.float64)
        Sigma = np.asarray(d["Sigma"], dtype=np.float64).reshape(N, N)
        Sigma = 0.5 * (Sigma + Sigma.T)
        P = np.linalg.inv(Sigma)
        P = 0.5 * (P + P.T)
        return {"name": name, "N": N, "mu": mu, "P": P, "dim": N}
    if name == "radon":  # data/radon_mn.json: log_radon ~ 1 + floor + (1 | county), bench/glmm_radon.cpp
        return {"name": name, "N": int(d["N"]), "J": int(d["J"]),
                "county": np.asarray(d["county_idx"], dtype=np.int64) - 1,
                "floor": np.asarray(d["floor_measure"], dtype=np.float64),
                "y": np.asarray(d["log_radon"], dtype=np.float64), "dim": int(d["J"]) + 4}
    if name == "slopes":  # data/slopes_groups.json: the seed's hierarchical slopes (bench/peers/slopes.stan)
        return {"name": name, "N": int(d["N"]), "J": int(d["J"]),
                "group": np.asarray(d["group"], dtype=np.int64) - 1,
                "x": np.asarray(d["x"], dtype=np.float64),
                "y": np.asarray(d["y"], dtype=np.float64), "dim": int(d["J"]) + 3}
    raise SystemExit(f"unknown workload {name!r}; expected one of {WORKLOADS}")


def logdensity_fn(spec):
    """log p(q) on the unconstrained scale (up to a constant), as a JAX function of a flat q."""
    import jax.numpy as jnp

    if spec["name"] == "eight_schools":
        y = jnp.asarray(spec["y"])
        sigma = jnp.asarray(spec["sigma"])

        def lp(q):
            mu, u, eta = q[0], q[1], q[2:]
            tau = jnp.exp(u)
            t = tau / 5.0
            prior = -0.5 * (mu / 5.0) ** 2 - jnp.log1p(t * t) + u
            theta = mu + tau * eta
            lik = -0.5 * jnp.sum(eta * eta) - 0.5 * jnp.sum(((y - theta) / sigma) ** 2)
            return prior + lik

        return lp
    mu = jnp.asarray(spec["mu"])
    P = jnp.asarray(spec["P"])

    def lp(q):
        r = q - mu
        return -0.5 * r @ (P @ r)

    return lp


def outputs(spec, q):
    """Model outputs from unconstrained draws q (..., dim): dict name -> array (..., [k])."""
    q = np.asarray(q)
    if spec["name"] == "eight_schools":
        mu, tau = q[..., 0], np.exp(q[..., 1])
        return {"mu": mu, "tau": tau, "theta": mu[..., None] + tau[..., None] * q[..., 2:]}
    return {"x": q}


def save_draws(path, draws):
    """draws: dict name -> array (chains, draws[, k]); written as .npz (float64)."""
    if path:
        np.savez(path, **{k: np.asarray(v, dtype=np.float64) for k, v in draws.items()})


def emit(obj):
    print(json.dumps(obj), flush=True)


def fail(peer, exc):
    emit({"peer": peer, "error": f"{type(exc).__name__}: {exc}"})
    sys.exit(0)


class Clock:
    """Wall clock marks relative to process start (time.perf_counter at import)."""

    def __init__(self):
        self.t0 = time.perf_counter()

    def now(self):
        return time.perf_counter() - self.t0


def uniform_init(rng, chains, dim, radius=2.0):
    """Stan's default initialization: uniform(-2, 2) on the unconstrained scale."""
    return rng.uniform(-radius, radius, size=(chains, dim))
