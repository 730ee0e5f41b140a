#!/usr/bin/env python3
"""BlackJAX peer: NUTS with window adaptation, or ChEES-HMC, over many chains under jax.vmap.

Same log density, unconstrained parameterization and precision as lockstep (py_common.py).

  --algorithm nuts : blackjax.window_adaptation(blackjax.nuts, logdensity) (Stan's windowed
                     adaptation of step size and diagonal inverse mass matrix, target acceptance
                     0.8), run per chain and vmapped over chains; then blackjax.nuts with each chain's
                     adapted parameters, a lax.scan of `draws` steps, vmapped over chains.
  --algorithm chees: blackjax.chees_adaptation (Hoffman, Radul & Sountsov 2021, "An adaptive MCMC
                     scheme for setting trajectory lengths in Hamiltonian Monte Carlo", AISTATS),
                     which adapts one step size, trajectory length and diagonal metric across all
                     chains (Adam, learning rate 0.05, target acceptance 0.651, initial step 0.1);
                     then blackjax.dynamic_hmc with the adapted parameters, vmapped over chains.

Usage (bench/peers/.venv/bin/python):
  blackjax_run.py --workload eight_schools|gauss100_ill --data FILE --chains C
                  [--algorithm nuts|chees] [--warmup 1000] [--draws 1000] [--seed 1] [--draws-out F.npz]

Timing: each phase is compiled ahead (jit(...).lower(...).compile(), timed as *_compile_seconds)
and then run with the result blocked on. warmup_seconds and sampling_seconds INCLUDE their
compilation (what a user waits for); time_to_first_draw_seconds = warmup_seconds (with compile)
+ sampling compile + one draw's share of the sampling run.

Output: ONE JSON line {"peer": "blackjax", ...}; on failure {"peer": "blackjax", "error": ...}, exit 0.
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
    ap.add_argument("--algorithm", default="nuts", choices=("nuts", "chees"))
    a = ap.parse_args()

    jax = pc.setup_jax()
    import jax.numpy as jnp
    import numpy as np
    import blackjax

    spec = pc.load_workload(a.workload, a.data)
    logdensity = pc.logdensity_fn(spec)
    rng = np.random.default_rng(a.seed)
    init = jnp.asarray(pc.uniform_init(rng, a.chains, spec["dim"]))
    key = jax.random.PRNGKey(a.seed)
    k_warm, k_samp = jax.random.split(key)
    setup_seconds = time.perf_counter() - T_START

    def timed(fn, *args):
        t0 = time.perf_counter()
        compiled = jax.jit(fn).lower(*args).compile()
        t1 = time.perf_counter()
        out = compiled(*args)
        jax.block_until_ready(out)
        return out, t1 - t0, time.perf_counter() - t1

    if a.algorithm == "nuts":
        adapt = blackjax.window_adaptation(blackjax.nuts, logdensity, target_acceptance_rate=0.8)

        def warm_one(k, x0):
            (state, params), info = adapt.run(k, x0, num_steps=a.warmup)
            return state, params, info.info.num_integration_steps.sum()

        def warm(keys, x0):
            return jax.vmap(warm_one)(keys, x0)

        (states, params, warm_grads), wc, wr = timed(warm, jax.random.split(k_warm, a.chains), init)

        def samp_one(k, state, p):
            kernel = blackjax.nuts(logdensity, step_size=p["step_size"],
                                   inverse_mass_matrix=p["inverse_mass_matrix"])

            def body(s, kk):
                s, info = kernel.step(kk, s)
                return s, (s.position, info.num_integration_steps, info.is_divergent)

            _, out = jax.lax.scan(body, state, jax.random.split(k, a.draws))
            return out

        def samp(keys, states, p):
            return jax.vmap(samp_one)(keys, states, p)

        (pos, nsteps, div), sc, sr = timed(samp, jax.random.split(k_samp, a.chains), states, params)
        extra = {}
    else:
        import optax

        adapt = blackjax.chees_adaptation(logdensity, a.chains, target_acceptance_rate=0.651)
        # adapt.run jits its own loop and returns closures among the parameters, so the warmup is
        # timed as one call (compilation included, not separable: warmup_compile_seconds = 0).
        t0 = time.perf_counter()
        (states, params), info = adapt.run(k_warm, init, 0.1, optax.adam(0.05), a.warmup)
        jax.block_until_ready(states)
        wc, wr = 0.0, time.perf_counter() - t0
        warm_grads = info.info.num_integration_steps.sum()
        kernel = blackjax.dynamic_hmc(logdensity, **params)

        def samp(keys, states):
            def one(k, state):
                def body(s, kk):
                    s, info = kernel.step(kk, s)
                    return s, (s.position, info.num_integration_steps, info.is_divergent)

                _, out = jax.lax.scan(body, state, jax.random.split(k, a.draws))
                return out

            return jax.vmap(one)(keys, states)

        (pos, nsteps, div), sc, sr = timed(samp, jax.random.split(k_samp, a.chains), states)
        extra = {"step_size": float(np.asarray(params["step_size"]))}

    pos = np.asarray(pos)  # (chains, draws, dim)
    pc.save_draws(a.draws_out, pc.outputs(spec, pos))
    warmup_seconds, sampling_seconds = wc + wr, sc + sr
    pc.emit(dict({
        "peer": "blackjax", "algorithm": a.algorithm,
        "versions": {"blackjax": blackjax.__version__, "jax": jax.__version__},
        "workload": a.workload, "chains": a.chains, "warmup": a.warmup, "draws": a.draws, "seed": a.seed,
        "setup_seconds": setup_seconds,
        "warmup_compile_seconds": wc, "sampling_compile_seconds": sc,
        "warmup_seconds": warmup_seconds, "sampling_seconds": sampling_seconds,
        "time_to_first_draw_seconds": warmup_seconds + sc + sr / a.draws,
        "gradient_evaluations": int(np.asarray(warm_grads).sum() + np.asarray(nsteps).sum()),
        "divergences": int(np.asarray(div).sum()),
        "draws_file": a.draws_out,
    }, **extra))


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # report, never crash the harness
        pc.fail("blackjax", exc)
