#!/usr/bin/env python3
"""The seed workflows end to end from Python, writing their figures to a folder.

    PYTHONPATH=build/python python3 examples/seeds.py --out out/seeds            # full budget
    PYTHONPATH=build/python python3 examples/seeds.py --out out/seeds --small    # CI's budget

1. Eight Schools, centered against non-centered: divergences, pair plots with the divergent
   draws marked, forest plot of both.
2. Three slope models on data/slopes_groups.csv (pooled, unpooled, hierarchical; the outlying
   group 7) side by side in one forest plot of the group slopes.
3. Radon (data/radon_mn.csv, 85 counties) by NUTS and by mean-field VI: the county effects
   +- 1 sd sorted by county size, and posterior sd against log count.
4. The peak model by the ensemble sampler, NUTS and neural posterior estimation: corner plots
   and the posterior predictive curves over the data.

Every number printed comes from the runs just made; the figures are PNG files in --out.
"""
import argparse
import os
import time

import numpy as np
import pandas as pd

import arviz as az
import lockstep

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")


def data(name):
    return os.path.join(DATA, name)


def eight_schools(out, budget):
    runs = {}
    for variant in ("centered", "noncentered"):
        runs[variant] = lockstep.sample(f"eight_schools_{variant}", data=data("eight_schools.json"),
                                        chains=budget["chains"], warmup=budget["warmup"], draws=budget["draws"],
                                        seed=1)
        div = int(runs[variant].sample_stats["diverging"].sum())
        n = runs[variant].posterior.sizes["chain"] * runs[variant].posterior.sizes["draw"]
        tau = az.summary(runs[variant], var_names=["tau"])
        print(f"eight schools {variant:12s}: {div} divergent of {n} draws; tau mean {tau['mean'].iloc[0]:.2f}, "
              f"ESS bulk {tau['ess_bulk'].iloc[0]:.0f}")
        lockstep.plot_pair(runs[variant], os.path.join(out, f"eight_schools_{variant}_pair.png"),
                           var_names=["mu", "tau"])
    lockstep.plot_forest([runs["centered"], runs["noncentered"]], os.path.join(out, "eight_schools_forest.png"),
                         var_names=["mu", "tau", "theta"], labels=["centered", "non-centered"])


SLOPES = {
    "pooled": dict(formula="y ~ 0 + x", prior=["b ~ normal(0, 20)", "sigma ~ exponential(0.1)"]),
    "unpooled": dict(formula="y ~ 0 + x:factor(group)", prior=["b ~ normal(0, 20)", "sigma ~ exponential(10)"]),
    "hierarchical": dict(formula="y ~ 0 + x + (0 + x | group)",
                         prior=["b ~ normal(0, 1)", "sd ~ exponential(13)", "sigma ~ exponential(10)"],
                         target_accept=0.995),
}


def group_slopes(idata, model):
    """The 8 group slopes as one variable slope(chain, draw, group), whatever the model."""
    post = idata.posterior
    if model == "pooled":
        s = np.repeat(post["b_x"].values[..., None], 8, axis=-1)
    elif model == "unpooled":
        s = np.stack([post[f"b_x:factorgroup{g}"].values for g in range(8)], axis=-1)
    else:
        r = post["r_group"].sel(group_term="x").values
        s = post["b_x"].values[..., None] + r
    return az.from_dict(posterior={"slope": s}, dims={"slope": ["group"]}, coords={"group": list(range(8))})


def slopes(out, budget):
    frame = pd.read_csv(data("slopes_groups.csv"))
    fits = {}
    for name, options in SLOPES.items():
        idata = lockstep.sample("glmm", data=frame, chains=budget["chains_small"], warmup=budget["warmup"],
                                draws=budget["draws"], seed=2, **options)
        fits[name] = group_slopes(idata, name)
        s7 = fits[name].posterior["slope"].sel(group=7).values
        print(f"slopes {name:12s}: group 7 slope {s7.mean():.2f} (sd {s7.std():.2f})")
    lockstep.plot_forest(list(fits.values()), os.path.join(out, "slopes_forest.png"), labels=list(fits))


RADON = dict(formula="log_radon ~ 1 + floor + (1 | county)",
             prior=["Intercept ~ normal(0, 1)", "b ~ normal(0, 1)", "sd ~ half_normal(0, 1)"])


def radon(out, budget):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = pd.read_csv(data("radon_mn.csv"))
    t0 = time.time()
    nuts = lockstep.sample("glmm", data=frame, chains=budget["chains_small"], warmup=budget["warmup"],
                           draws=budget["draws"], seed=3, **RADON)
    t_nuts = time.time() - t0
    t0 = time.time()
    fit = lockstep.vi("glmm", data=frame, approx="meanfield", steps=budget["vi_steps"], learning_rate=1e-2, seed=3,
                      **RADON)
    t_vi = time.time() - t0
    counts = frame["county"].astype(str).value_counts()  # the labels are the coordinates (strings)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for label, idata, colour in (("NUTS", nuts, "C0"), ("mean-field VI", fit, "C1")):
        r = idata.posterior["r_county"].sel(county_term="Intercept")
        mean = r.mean(("chain", "draw")).to_series()
        sd = r.std(("chain", "draw")).to_series()
        order = counts.reindex(mean.index).sort_values().index
        xs = np.arange(len(order)) + (0.2 if colour == "C1" else 0.0)
        axes[0].errorbar(xs, mean[order], yerr=sd[order], fmt="o", ms=2, color=colour, label=label, alpha=0.7)
        axes[1].scatter(np.log(counts.reindex(mean.index)), sd, s=8, color=colour, label=label)
        print(f"radon {label:14s}: b_floor {float(idata.posterior['b_floor'].mean()):.3f}, "
              f"sd_county {float(idata.posterior['sd_county__Intercept'].mean()):.3f}")
    axes[0].set_xlabel("county, by number of houses")
    axes[0].set_ylabel("county effect +- 1 sd")
    axes[1].set_xlabel("log houses in county")
    axes[1].set_ylabel("posterior sd of the county effect")
    for ax in axes:
        ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "radon_counties.png"), dpi=110)
    print(f"radon: NUTS {t_nuts:.1f} s, VI {t_vi:.1f} s")


def peak(out, budget):
    """One posterior (the sbi tutorial's prior box, --set prior=sbi) by three methods."""
    common = dict(data=data("peak.csv"), set={"prior": "sbi"}, seed=4)
    ens = lockstep.ensemble("peak", walkers=64, steps=budget["steps"], discard=budget["steps"] // 4,
                            init_ball="0.5,0.6,0.2,-0.2,0.1", **common)
    nuts = lockstep.sample("peak", chains=budget["chains"], warmup=budget["warmup"], draws=budget["draws"], **common)
    npe = lockstep.npe("peak", data=data("peak.json"), set={"prior": "sbi"}, sims=budget["sims"],
                       max_epochs=budget["epochs"], draws=2000, seed=4)
    for label, idata in (("ensemble", ens), ("nuts", nuts), ("npe", npe)):
        s = az.summary(idata, var_names=["l", "m", "s"], kind="stats")
        print(f"peak {label:9s}: " + ", ".join(f"{k} {v:.3f}" for k, v in s["mean"].items()))
        lockstep.plot_corner(idata, os.path.join(out, f"peak_{label}_corner.png"))
        lockstep.plot_peak(idata, data("peak.csv"), os.path.join(out, f"peak_{label}_curves.png"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/seeds")
    parser.add_argument("--small", action="store_true", help="a budget for CI (about a minute on 2 cores)")
    a = parser.parse_args()
    os.makedirs(a.out, exist_ok=True)
    budget = (dict(chains=16, chains_small=4, warmup=300, draws=200, vi_steps=1000, steps=1000, sims=5000, epochs=20)
              if a.small else
              dict(chains=1024, chains_small=4, warmup=1000, draws=1000, vi_steps=3000, steps=5000, sims=50000,
                   epochs=200))
    for section in (eight_schools, slopes, radon, peak):
        t0 = time.time()
        section(a.out, budget)
        print(f"-- {section.__name__}: {time.time() - t0:.1f} s")
    print(f"figures written to {a.out}")


if __name__ == "__main__":
    main()
