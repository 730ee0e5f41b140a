"""The engine's draws (arrays of shape (quantity, chain, draw)) as an arviz.InferenceData.

The groups and names are those of ``lockstep sample --output run.nc`` (the netCDF writer,
host/io/netcdf_writer.hpp), so a run read with ``arviz.from_netcdf`` and the same run returned
by ``lockstep.sample`` look alike:

* posterior: ``theta[1]..theta[8]`` become one variable ``theta(chain, draw, school)`` when the
  model names the dimension (else ``theta_dim_0``); labels (the glmm's
  ``r_county[AITKIN,Intercept]``) become string coordinates in order of first appearance.
* sample_stats: Stan's names under ArviZ's (``lp__`` -> ``lp``, ``divergent__`` ->
  ``diverging`` as bool, ``treedepth__`` -> ``tree_depth``, ...), as ``arviz.from_cmdstan``.
* observed_data and posterior_predictive (``predict=True``): the observed data and its
  replications under the observed data's name.
* warmup_posterior and warmup_sample_stats with ``save_warmup=True``.

A variable whose members are consecutive quantities in index order is a view into the
engine's buffer (no copy); others are gathered.
"""
import re

import numpy as np

_STAT_NAMES = {"lp__": "lp", "accept_stat__": "acceptance_rate", "stepsize__": "step_size",
               "treedepth__": "tree_depth", "n_leapfrog__": "n_steps", "divergent__": "diverging",
               "energy__": "energy"}


def stat_name(stan_name):
    """ArviZ's sample_stats name for a Stan sampler statistic ("lp__" -> "lp")."""
    if stan_name in _STAT_NAMES:
        return _STAT_NAMES[stan_name]
    return stan_name[:-2] if stan_name.endswith("__") else stan_name


def _variables(values, names, dims_of, draws):
    """{base: (array (chain, draw, ...), dims, coords)} for quantities `names` of `values`
    (shape (len(names), chain, all draws)), draws `draws` (a slice). The grouping is the netCDF
    writer's (host/io/variable_groups.hpp, through the extension module)."""
    from . import _lockstep
    out = {}
    for group in _lockstep.variable_groups(list(names)):
        base, shape, members, offsets = group["name"], list(group["shape"]), group["members"], group["offsets"]
        rank = len(shape)
        if rank == 0:
            out[base] = (values[members[0], :, draws], [], {})
            continue
        labels = [list(level) if level else list(range(n)) for level, n in zip(group["labels"] or [[]] * rank, shape)]
        first = members[0]
        contiguous = (len(members) == int(np.prod(shape)) and
                      all(q == first + i and offsets[i] == i for i, q in enumerate(members)))
        if contiguous:  # a view: (n, chain, draw) -> (chain, draw, *shape)
            block = values[first:first + len(members), :, draws]
            array = np.moveaxis(block.reshape(shape + list(block.shape[1:])), [rank, rank + 1], [0, 1])
        else:  # gathered; positions no name gives stay NaN (as in the netCDF files)
            flat = np.full(values.shape[1:2] + values[0, 0, draws].shape + (int(np.prod(shape)),), np.nan)
            for q, offset in zip(members, offsets):
                flat[..., offset] = values[q, :, draws]
            array = flat.reshape(flat.shape[:2] + tuple(shape))
        names_k = dims_of.get(base, [])
        dims = [names_k[k] if k < len(names_k) else f"{base}_dim_{k}" for k in range(rank)]
        out[base] = (array, dims, dict(zip(dims, labels)))
    return out


def _dataset_parts(variables):
    data, dims, coords = {}, {}, {}
    for base, (array, var_dims, var_coords) in variables.items():
        data[base] = array
        dims[base] = var_dims
        for dim, labels in var_coords.items():
            if dim in coords and list(coords[dim]) != list(labels):
                raise ValueError(f"dimension '{dim}' has different coordinates in two variables")
            coords[dim] = labels
    return data, dims, coords


def _stats(result, draws):
    out = {}
    for s, name in enumerate(result["stat_names"]):
        series = result["stats"][s, :, draws]
        key = stat_name(name)
        if key == "diverging":
            series = series != 0
        elif key in ("tree_depth", "n_steps") and np.all(series == np.round(series)):
            series = series.astype(np.int64)
        out[key] = series
    return out


def _attrs(result):
    info = result["info"]
    attrs = {"inference_library": "lockstep", "model": info["model"], "algorithm": info["algorithm"],
             "seed": int(info["seed"]), "num_warmup": info["num_warmup"], "thin": info["thin"],
             "gradient_evaluations": int(info["gradient_evaluations"]), "divergences": int(info["divergences"]),
             "warmup_seconds": info["warmup_seconds"], "sampling_seconds": info["sampling_seconds"]}
    for key, value in info["config"]:
        attrs["config_" + re.sub(r"[^A-Za-z0-9_.-]", "_", key)] = value
    return attrs


def to_inference_data(result, version=""):
    """An arviz.InferenceData from the dict the extension module returns."""
    import arviz as az
    import xarray as xr

    names = result["names"]
    n_pred = result["n_predictive"]
    n_params = len(names) - n_pred
    values = result["values"]
    dims_of = {name: list(d) for name, d in result["dims"]}
    nw = result["n_warmup_saved"]
    chains = values.shape[1] if values.ndim == 3 else result["stats"].shape[1]
    attrs = _attrs(result)
    attrs["inference_library_version"] = version

    def dataset(data, dims, coords, n_draws):
        base = {"chain": np.arange(chains), "draw": np.arange(n_draws)}
        variables = {k: (["chain", "draw"] + dims[k], v) for k, v in data.items()}
        return xr.Dataset(variables, coords={**base, **{k: np.asarray(v) for k, v in coords.items()}}, attrs=attrs)

    groups = {}
    for prefix, draws in (("", slice(nw, None)), ("warmup_", slice(0, nw))):
        n_draws = len(range(*draws.indices(values.shape[2])))
        if prefix and n_draws == 0:
            continue
        data, dims, coords = _dataset_parts(_variables(values[:n_params], names[:n_params], dims_of, draws))
        groups[prefix + "posterior"] = dataset(data, dims, coords, n_draws)
        stats = _stats(result, draws)
        if stats:
            groups[prefix + "sample_stats"] = dataset(stats, {k: [] for k in stats}, {}, n_draws)
        if n_pred:
            obs = result["observed_name"]
            renamed = [obs + n[n.index("["):] for n in names[n_params:]]
            data, dims, coords = _dataset_parts(_variables(values[n_params:], renamed, dims_of, draws))
            groups[prefix + "posterior_predictive"] = dataset(data, dims, coords, n_draws)
    observed = np.asarray(result["observed"])
    if observed.size and result["observed_name"]:
        obs = result["observed_name"]
        dim = dims_of.get(obs, [f"{obs}_dim_0"])[0]
        groups["observed_data"] = xr.Dataset({obs: ([dim], observed)}, coords={dim: np.arange(observed.size)},
                                             attrs={"inference_library": "lockstep"})
    return az.InferenceData(**groups)
