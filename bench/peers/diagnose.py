"""The ONE estimator every sampler in bench/run_all is judged by: ArviZ on the post-warmup draws.

  min_ess_bulk  min over every scalar output of arviz.ess(method="bulk"): rank-normalized bulk ESS
                of Vehtari, Gelman, Simpson, Carpenter & Buerkner (2021), "Rank-normalization,
                folding, and localization", Bayesian Analysis 16(2), section 3.
  max_rhat      max over the same outputs of arviz.rhat(method="rank") (max of rank-normalized split
                R-hat and folded split R-hat, ibid. section 4).
  means, sds    per output, over all chains and draws (for validation against the reference).

Draws come from an .npz (NumPyro, BlackJAX; arrays (chains, draws[, k])) or from lockstep's netCDF
InferenceData (--output run.nc; group posterior). Ensemble runs (lockstep ensemble, emcee) are
judged by emcee's integrated autocorrelation time instead (ensemble_tau), because walkers of one
ensemble are not independent chains.
"""
import numpy as np


def load_npz(path):
    with np.load(path) as z:
        return {k: np.asarray(z[k], dtype=np.float64) for k in z.files}


def load_lockstep_nc(path):
    """posterior group of lockstep's InferenceData -> dict name -> array (chains, draws[, k])."""
    import xarray as xr

    ds = xr.open_dataset(path, group="posterior", engine="h5netcdf")
    out = {name: np.asarray(ds[name].values, dtype=np.float64) for name in ds.data_vars}
    ds.close()
    return out


def scalars(draws):
    """dict name -> (chains, draws[, k]) arrays  ->  list of (label, (chains, draws) array)."""
    out = []
    for name, a in draws.items():
        if a.ndim == 2:
            out.append((name, a))
        else:
            flat = a.reshape(a.shape[0], a.shape[1], -1)
            for i in range(flat.shape[2]):
                out.append((f"{name}[{i + 1}]", flat[:, :, i]))
    return out


def diagnose(draws):
    """min bulk ESS, max R-hat, means and sds of every scalar output (ArviZ)."""
    import arviz as az

    ess, rhat, means, sds = {}, {}, {}, {}
    for label, a in scalars(draws):
        ess[label] = float(az.ess(a, method="bulk"))
        rhat[label] = float(az.rhat(a, method="rank")) if a.shape[1] >= 4 else float("nan")
        means[label] = float(a.mean())
        sds[label] = float(a.std(ddof=1))
    worst = min(ess, key=ess.get)
    return {"min_ess_bulk": ess[worst], "min_ess_bulk_variable": worst,
            "max_rhat": float(np.nanmax(list(rhat.values()))), "means": means, "sds": sds, "ess_bulk": ess,
            "n_chains": int(next(iter(draws.values())).shape[0]),
            "n_draws": int(next(iter(draws.values())).shape[1]), "estimator": f"arviz {az.__version__}"}


def ensemble_tau(chain):
    """emcee.autocorr.integrated_time of a (steps, walkers, dim) ensemble chain (emcee's
    get_autocorr_time applies exactly this to its stored chain), quiet=True."""
    import emcee

    return [float(t) for t in emcee.autocorr.integrated_time(chain, quiet=True)]
