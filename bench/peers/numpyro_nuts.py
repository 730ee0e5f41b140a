#!/usr/bin/env python3
"""NumPyro NUTS peer: non-centered Eight Schools or gauss100_ill, many chains.

Same posterior, parameterization and precision as lockstep (see py_common.py): Eight Schools as a
NumPyro model (mu ~ N(0,5), tau ~ HalfCauchy(5) mapped by exp, eta ~ N(0,1)); gauss100_ill as an
improper flat site plus a factor -(x-mu)^T P (x-mu)/2. NumPyro's defaults otherwise: NUTS with
Stan-style windowed adaptation of step size and diagonal mass matrix, target acceptance 0.8, max
tree depth 10, init uniform(-2, 2) on the unconstrained scale.

Usage (bench/peers/.venv/bin/python):
  numpyro_nuts.py --workload eight_schools|gauss100_ill --data FILE --chains C
                  [--chain-method vectorized|sequential] [--warmup 1000] [--draws 1000] [--seed 1]
                  [--draws-out FILE.npz]

Timing: `mcmc.warmup()` (tracing, XLA compilation, warmup) and `mcmc.run()` (compilation of the
sampling loop, sampling) are timed apart with results blocked on. time_to_first_draw_seconds =
warmup_seconds + sampling_seconds / draws (counted from the first sampler call; Python imports
and data loading are reported as setup_seconds).

Output: ONE JSON line {"peer": "numpyro", ...}; on failure {"peer": "numpyro", "error": ...}, exit 0.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import py_common as pc  # noqa: E402

T_START = time.perf_counter()


def main():
    ap = pc.workload_arguments(argparse.ArgumentParser())
    ap.add_argument("--chain-method", default="vectorized", choices=("vectorized", "sequential"))
    a = ap.parse_args()

    jax = pc.setup_jax()
    import jax.numpy as jnp
    import numpy as np
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS

    spec = pc.load_workload(a.workload, a.data)
    if a.workload == "eight_schools":
        y, sigma, J = jnp.asarray(spec["y"]), jnp.asarray(spec["sigma"]), spec["J"]

        def model():
            mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
            tau = numpyro.sample("tau", dist.HalfCauchy(5.0))
            with numpyro.plate("J", J):
                eta = numpyro.sample("eta", dist.Normal(0.0, 1.0))
                numpyro.sample("y", dist.Normal(mu + tau * eta, sigma), obs=y)
    else:
        mu_x, P, N = jnp.asarray(spec["mu"]), jnp.asarray(spec["P"]), spec["N"]

        def model():
            x = numpyro.sample("x", dist.ImproperUniform(dist.constraints.real, (), (N,)))
            r = x - mu_x
            numpyro.factor("lp", -0.5 * r @ (P @ r))

    kernel = NUTS(model, target_accept_prob=0.8, max_tree_depth=10)
    mcmc = MCMC(kernel, num_warmup=a.warmup, num_samples=a.draws, num_chains=a.chains,
                chain_method=a.chain_method, progress_bar=False)
    setup_seconds = time.perf_counter() - T_START
    key = jax.random.PRNGKey(a.seed)
    t0 = time.perf_counter()
    mcmc.warmup(key, extra_fields=("num_steps",), collect_warmup=True)
    warm_steps = np.asarray(mcmc.get_extra_fields(group_by_chain=True)["num_steps"])
    jax.block_until_ready(mcmc.last_state)
    t1 = time.perf_counter()
    mcmc.run(mcmc.post_warmup_state.rng_key, extra_fields=("num_steps", "diverging"))
    samples = mcmc.get_samples(group_by_chain=True)
    jax.block_until_ready(samples)
    t2 = time.perf_counter()
    extra = mcmc.get_extra_fields(group_by_chain=True)
    steps = np.asarray(extra["num_steps"])
    div = np.asarray(extra["diverging"])

    if a.workload == "eight_schools":
        mu, tau, eta = (np.asarray(samples[k]) for k in ("mu", "tau", "eta"))
        draws = {"mu": mu, "tau": tau, "theta": mu[..., None] + tau[..., None] * eta}
    else:
        draws = {"x": np.asarray(samples["x"])}
    pc.save_draws(a.draws_out, draws)
    warmup_seconds, sampling_seconds = t1 - t0, t2 - t1
    pc.emit({
        "peer": "numpyro", "algorithm": "nuts", "chain_method": a.chain_method,
        "versions": {"numpyro": numpyro.__version__, "jax": jax.__version__},
        "workload": a.workload, "chains": a.chains, "warmup": a.warmup, "draws": a.draws, "seed": a.seed,
        "setup_seconds": setup_seconds,
        "warmup_seconds": warmup_seconds, "sampling_seconds": sampling_seconds,
        "time_to_first_draw_seconds": warmup_seconds + sampling_seconds / a.draws,
        "gradient_evaluations": int(warm_steps.sum() + steps.sum()),
        "divergences": int(div.sum()),
        "draws_file": a.draws_out,
    })


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # report, never crash the harness
        pc.fail("numpyro", exc)
