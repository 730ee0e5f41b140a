#!/usr/bin/env python3
"""NumPyro SVI on the seeds' radon GLMM (a TensorFlow Probability notebook's model), the peer of
bench/vi_radon.cpp's lockstep vi:

  log_radon ~ N(intercept + floor_weight * floor + county_effect[county], 1)
  county_effect ~ N(0, county_scale), county_scale ~ HalfNormal(1), intercept, floor_weight ~ N(0, 1)

AutoNormal guide (mean-field Gaussian on the unconstrained space; NumPyro's default
init_to_uniform(radius=2), init_scale 0.1), Trace_ELBO(num_particles=2), Adam(1e-2), 3000 steps:
the seed's settings and lockstep's (lockstep's mean-field starts its sds at 1).

  python numpyro_svi_radon.py [--steps 3000] [--data data/radon_mn.csv]

Prints one JSON line: compile seconds (first call of the jitted update), run seconds (the 3000
steps, after compilation), steps/s, and the fitted means (intercept, floor, county scale as the
guide's median, exp(loc)).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "data", "radon_mn.csv"))
    a = ap.parse_args()
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import SVI, Trace_ELBO
    from numpyro.infer.autoguide import AutoNormal

    jax.config.update("jax_enable_x64", True)
    raw = np.genfromtxt(a.data, delimiter=",", names=True)
    y = jnp.asarray(raw["log_radon"])
    floor = jnp.asarray(raw["floor"])
    county = jnp.asarray(raw["county"].astype(int) - 1)
    J = int(raw["county"].max())

    def model():
        intercept = numpyro.sample("intercept", dist.Normal(0.0, 1.0))
        floor_w = numpyro.sample("floor_weight", dist.Normal(0.0, 1.0))
        scale = numpyro.sample("county_scale", dist.HalfNormal(1.0))
        with numpyro.plate("J", J):
            effect = numpyro.sample("county_effect", dist.Normal(0.0, scale))
        with numpyro.plate("N", y.shape[0]):
            numpyro.sample("y", dist.Normal(intercept + floor_w * floor + effect[county], 1.0), obs=y)

    guide = AutoNormal(model)
    svi = SVI(model, guide, numpyro.optim.Adam(1e-2), Trace_ELBO(num_particles=2))
    t0 = time.perf_counter()
    state = svi.init(jax.random.PRNGKey(a.seed))
    update = jax.jit(svi.update)
    state, loss = update(state)
    jax.block_until_ready(loss)
    compile_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    for _ in range(a.steps - 1):
        state, loss = update(state)
    jax.block_until_ready(loss)
    run_s = time.perf_counter() - t1
    # The whole loop in one compiled call (svi.run's lax.scan style), for the fairest timing.
    def body(s, _):
        s, l = svi.update(s)
        return s, l
    scan = jax.jit(lambda s: jax.lax.scan(body, s, None, length=a.steps))
    s2 = svi.init(jax.random.PRNGKey(a.seed))
    jax.block_until_ready(scan(s2)[1])  # compile
    t2 = time.perf_counter()
    s3, losses = scan(s2)
    jax.block_until_ready(losses)
    scan_s = time.perf_counter() - t2
    params = svi.get_params(state)
    med = guide.median(params)
    print(json.dumps({
        "peer": "numpyro_svi", "numpyro": numpyro.__version__, "jax": jax.__version__, "steps": a.steps,
        "compile_seconds": compile_s, "run_seconds": run_s, "steps_per_second": a.steps / run_s,
        "scan_run_seconds": scan_s, "scan_steps_per_second": a.steps / scan_s,
        "intercept": float(med["intercept"]), "floor": float(med["floor_weight"]),
        "county_scale": float(med["county_scale"]), "final_loss": float(loss)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
