#!/usr/bin/env python3
"""Check that lockstep's output files load in the Python tools and hold the expected draws.

Usage:
  check_arviz_load.py --expect EXPECT.json [--netcdf RUN.nc] [--csv RUN_1.csv RUN_2.csv ...]

EXPECT.json (written by tests/io/arviz_roundtrip_test.cpp) gives, per InferenceData group
("posterior", "sample_stats", "warmup_posterior", "warmup_sample_stats") and variable, the
shape (chain, draw, ...) and the values flattened in C order, and for some variables the
expected dtype ("bool" or "int"); "csv_rtol" is the relative tolerance of the CSV's printed
precision; "attrs" are root attributes the netCDF file must carry; optional "step_size"
(per chain) and "inv_metric" (per chain, diagonal) are the adaptation results.

Loads the netCDF file with arviz.from_netcdf and the CSV files with arviz.from_cmdstan
(save_warmup=True when warmup is expected) and, if cmdstanpy is importable, with
cmdstanpy.from_csv. Checks groups, dims, coordinates, shapes, dtypes and values: exactly
for netCDF, to csv_rtol for CSV. Prints one line per check; exits 1 on any failure.
"""
import argparse
import json
import sys

import numpy as np

failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def compare(label, data_array, spec, rtol):
    """Compare one xarray DataArray with its expected shape/values/dtype."""
    shape = tuple(spec["shape"])
    got = np.asarray(data_array.values)
    check(got.shape == shape, f"{label}: shape {got.shape} == {shape}")
    if got.shape != shape:
        return
    want = np.asarray(spec["values"], dtype=np.float64).reshape(shape)
    if spec.get("dtype") == "bool":
        check(got.dtype == np.bool_, f"{label}: dtype {got.dtype} is bool")
    elif spec.get("dtype") == "int":
        check(np.issubdtype(got.dtype, np.integer), f"{label}: dtype {got.dtype} is an integer type")
    g = got.astype(np.float64)
    if rtol == 0:
        ok = np.array_equal(g, want, equal_nan=True)
    else:
        ok = np.allclose(g, want, rtol=rtol, atol=0, equal_nan=True)
    worst = float(np.nanmax(np.abs(g - want) / np.maximum(np.abs(want), 1e-300))) if g.size else 0.0
    check(ok, f"{label}: values match (rtol {rtol:g}; largest relative gap {worst:.3g})")


def check_idata(source, idata, expect, rtol, dims_checked):
    groups = set(idata.groups())
    for group, variables in expect["groups"].items():
        check(group in groups, f"{source}: group {group} present (groups: {sorted(groups)})")
        if group not in groups:
            continue
        ds = getattr(idata, group)
        n_draws = expect["warmup"] if group.startswith("warmup") else expect["draws"]
        check(list(ds["chain"].values) == list(range(expect["chains"])), f"{source}: {group}.chain = 0..C-1")
        check(list(ds["draw"].values) == list(range(n_draws)), f"{source}: {group}.draw = 0..{n_draws - 1}")
        for name, spec in variables.items():
            check(name in ds.data_vars, f"{source}: {group}.{name} present")
            if name not in ds.data_vars:
                continue
            da = ds[name]
            if dims_checked:
                want_dims = ["chain", "draw"] + [f"{name}_dim_{k}" for k in range(len(spec["shape"]) - 2)]
                check(list(da.dims) == want_dims, f"{source}: {group}.{name} dims {list(da.dims)} == {want_dims}")
            compare(f"{source}: {group}.{name}", da, spec, rtol)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--expect", required=True)
    ap.add_argument("--netcdf")
    ap.add_argument("--csv", nargs="+", default=[])
    args = ap.parse_args()
    with open(args.expect) as f:
        expect = json.load(f)

    import arviz as az

    print(f"arviz {az.__version__}")
    if args.netcdf:
        idata = az.from_netcdf(args.netcdf)
        check_idata("netcdf", idata, expect, 0.0, dims_checked=True)
        for key, value in expect.get("attrs", {}).items():
            got = idata.attrs.get(key) if hasattr(idata, "attrs") else None
            check(got == value, f"netcdf: root attribute {key} = {got!r} == {value!r}")
        check("created_at" in idata.posterior.attrs, "netcdf: posterior.created_at present")
        if "step_size" in expect:
            got = np.asarray(idata.attrs.get("step_size_adapted", []), dtype=np.float64)
            check(np.array_equal(got, expect["step_size"]), f"netcdf: step_size_adapted {got} == {expect['step_size']}")

    if args.csv:
        warmup = expect["warmup"] > 0
        idata = az.from_cmdstan(posterior=args.csv, save_warmup=warmup)
        check_idata("from_cmdstan", idata, expect, expect["csv_rtol"], dims_checked=True)

        try:
            import cmdstanpy
        except ImportError:
            print("skip  cmdstanpy is not installed")
        else:
            fit = cmdstanpy.from_csv(args.csv)
            n_cols = sum(int(np.prod(s["shape"][2:])) for s in expect["groups"]["posterior"].values())
            n_stats = len(expect["groups"]["sample_stats"])
            shape = fit.draws().shape
            want = (expect["draws"], expect["chains"], n_cols + n_stats)
            check(shape == want, f"cmdstanpy {cmdstanpy.__version__}: draws() shape {shape} == {want}")
            if "step_size" in expect:
                ok = np.allclose(fit.step_size, expect["step_size"], rtol=expect["csv_rtol"], atol=0)
                check(ok, f"cmdstanpy: step_size {fit.step_size} == {expect['step_size']}")
                metric = fit.inv_metric if hasattr(type(fit), "inv_metric") else fit.metric
                ok = np.allclose(metric, expect["inv_metric"], rtol=expect["csv_rtol"], atol=0)
                check(ok, f"cmdstanpy: inverse metric {np.asarray(metric).tolist()} == {expect['inv_metric']}")
            for name, spec in expect["groups"]["posterior"].items():
                got = fit.stan_variable(name)
                want_shape = (expect["chains"] * expect["draws"],) + tuple(spec["shape"][2:])
                check(got.shape == want_shape, f"cmdstanpy: stan_variable({name}) shape {got.shape} == {want_shape}")
                if got.shape == want_shape:
                    # cmdstanpy stacks chains: draw index runs fastest within a chain.
                    want_vals = np.asarray(spec["values"], dtype=np.float64).reshape(spec["shape"])
                    want_vals = want_vals.reshape((want_shape[0],) + want_shape[1:])
                    ok = np.allclose(got, want_vals, rtol=expect["csv_rtol"], atol=0, equal_nan=True)
                    check(ok, f"cmdstanpy: stan_variable({name}) values match")

    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
