#!/usr/bin/env python3
"""Check a `lockstep sample --predict` netCDF file in ArviZ: check_ppc_load.py RUN.nc NAME N OUT.png

Loads RUN.nc with arviz.from_netcdf, checks that the posterior_predictive group has variable NAME
with dims (chain, draw, D) (D: the model's name for it, or NAME_dim_0) and N values per draw, that
observed_data has NAME over the same D with N
values and no chain or draw dimension, that the posterior group does not hold the replications,
that a file with warmup_posterior (--save-warmup) has warmup_posterior_predictive of finite values,
and draws az.plot_ppc(idata) (matplotlib, Agg) into OUT.png. One line per check; exit status 1
on a failure (tests/cli/predict_command_test.cpp runs it).
"""
import sys

failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def main():
    path, name, n, png = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    import matplotlib
    matplotlib.use("Agg")
    import arviz as az
    import numpy as np
    idata = az.from_netcdf(path)
    groups = set(idata.groups())
    check({"posterior", "posterior_predictive", "observed_data"} <= groups, f"groups {sorted(groups)}")
    pp = idata.posterior_predictive[name]
    check(pp.dims[:2] == ("chain", "draw") and len(pp.dims) == 3, f"posterior_predictive {name} dims {pp.dims}")
    check(pp.shape[2] == n, f"posterior_predictive {name} has {pp.shape[2]} values per draw")
    check(bool(np.isfinite(pp.values).all()), "posterior_predictive values are finite")
    obs = idata.observed_data[name]
    check(obs.dims == pp.dims[2:] and obs.shape == (n,), f"observed_data {name} dims {obs.dims}")
    check("y_rep" not in idata.posterior and name not in idata.posterior, "posterior holds the parameters only")
    if "warmup_posterior" in groups:  # --save-warmup: the warmup draws' replications beside them
        check("warmup_posterior_predictive" in groups, "warmup_posterior_predictive is there with warmup_posterior")
        if "warmup_posterior_predictive" in groups:
            wp = idata.warmup_posterior_predictive[name]
            check(wp.dims == pp.dims and wp.shape[2] == n
                  and wp.shape[1] == idata.warmup_posterior.sizes["draw"], f"warmup_posterior_predictive {name} shape {wp.shape}")
            check(bool(np.isfinite(wp.values).all()), "warmup_posterior_predictive values are finite")
    az.plot_ppc(idata, num_pp_samples=50)
    import matplotlib.pyplot as plt
    plt.savefig(png)
    check(True, "az.plot_ppc drew " + png)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
