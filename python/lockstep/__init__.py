"""lockstep from Python: thousands of MCMC chains, ensemble walkers and simulation-based
inference in lanes, returning arviz.InferenceData.

Every function mirrors a ``lockstep`` command with the same argument names (a flag
``--target-accept`` is the keyword ``target_accept``; ``set={"priors": "seed"}`` is
``--set priors=seed``; a model's own flags, such as the glmm's ``formula`` and ``family``, are
keywords too). Arguments left out take the command's defaults. The engine runs in this
process: no subprocess and no temporary files; the GIL is released while the lanes run and
Ctrl-C stops a run at its next segment (KeyboardInterrupt). Bad input raises
``lockstep.InputError`` (a ValueError) with the command's one-line message.

    import lockstep
    idata = lockstep.sample("eight_schools_noncentered",
                            data={"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12],
                                  "sigma": [15, 10, 16, 11, 9, 11, 10, 18]},
                            chains=1024, seed=1)
    idata.posterior["theta"].dims   # ('chain', 'draw', 'school')

``data`` is a dict (sent as JSON), a pandas DataFrame (sent as CSV; what the glmm formulas
read), or the path of a JSON or CSV file.

Plots (``lockstep.plot_trace(idata, "trace.png")``, ...; ``lockstep plot KIND`` on the command
line) are ArviZ's where ArviZ draws them: trace, rank, forest (94% HDI, several runs side by
side), pair/corner (divergences marked), ppc, energy; and elbo (a VI trace CSV), sbc (ranks.csv)
and the peak model's posterior predictive curves. Each returns the matplotlib figure and writes
it when given a file name. Plot errors raise lockstep.PlotExit with a one-line message.
"""
import functools
import os

# `study` and `sbc` draw their plots with the scripts kept beside this file (plot_study.py, ...).
os.environ.setdefault("LOCKSTEP_SCRIPTS_DIR", os.path.dirname(os.path.abspath(__file__)))

from . import _lockstep  # noqa: E402
from ._arguments import data_arguments, flag_words
from ._console import engine_output
from ._inference_data import stat_name, to_inference_data
from .plots import (PlotExit, plot_corner, plot_elbo, plot_energy, plot_forest, plot_pair, plot_peak, plot_ppc,
                    plot_rank, plot_sbc, plot_trace)

InputError = _lockstep.InputError
__version__ = _lockstep.version()
__all__ = ["sample", "predict", "summary", "ensemble", "vi", "abc", "smc_abc", "npe", "study", "sbc", "models", "backend",
           "InputError", "PlotExit", "stat_name", "plot_trace", "plot_rank", "plot_forest", "plot_pair", "plot_corner",
           "plot_ppc", "plot_energy", "plot_elbo", "plot_sbc", "plot_peak"]


@functools.lru_cache(maxsize=None)
def _repeatable_flags():
    """The flags that may be given more than once (the models' own, such as the glmm's --prior)."""
    return frozenset(f["flag"] for m in _lockstep.models() for f in m["flags"] if f["repeatable"])


def _run(command, model, data, options):
    if not isinstance(model, (str, os.PathLike)):
        raise TypeError(f"model: a model's name (a str; lockstep.models() lists them), not {type(model).__name__}")
    words, text, fmt = data_arguments(data)
    newdata = options.pop("newdata", None)
    new_words, new_text, new_fmt = data_arguments(newdata, "--newdata")
    args = [command, model] + words + new_words + flag_words(options, _repeatable_flags())
    try:
        with engine_output():
            return _lockstep.run(args, text, fmt, new_text, new_fmt)
    except InputError as e:
        # The parser's words for a keyword that is no flag of the command, in Python's terms.
        unknown = [k for k in options if options[k] is not None and "--" + k.replace("_", "-") in str(e) and
                   "not expected" in str(e)]
        if unknown:
            raise InputError(f"{unknown[0]}: not an argument of lockstep.{command.replace('-', '_')} "
                             f"(`lockstep {command}` has no flag --{unknown[0].replace('_', '-')})") from None
        # True given to a flag that takes a value: the parser read the next switch as its value
        # ("--chains: takes a whole number, found '--quiet'"), or found none after it ("--target-accept:
        # needs a value, and none was given").
        message = str(e)
        if message.startswith("--") and (": takes " in message or ": needs a value" in message):
            key = message[2:].split(":", 1)[0].replace("-", "_")
            if options.get(key) is True:
                raise InputError(f"{key}: takes a value, not True") from None
        # A value given to a switch (predict="yes") is left over as an unexpected word.
        stray = str(e).rsplit("not expected: ", 1)[-1].strip() if "not expected: " in str(e) else None
        switch = [k for k, v in options.items() if stray is not None and not isinstance(v, (bool, dict, list, tuple))
                  and v is not None and str(v) == stray]
        if switch:
            raise InputError(f"{switch[0]}: a switch of `lockstep {command}`: give True or False, not "
                             f"{options[switch[0]]!r}") from None
        raise


def _draws(command, model, data, options):
    result = _run(command, model, data, options)
    # None: the command kept no draws (print_model=True prints the resolved model and stops).
    return None if result is None else to_inference_data(result, __version__)


def sample(model, data=None, *, chains=None, warmup=None, draws=None, algorithm=None, seed=None, **options):
    """`lockstep sample`: the posterior of `model` by `algorithm` (nuts, hmc, chees, ...) over
    `chains` chains. Other keywords are the command's flags (thin, save_warmup, init,
    superchains, predict, newdata, threads, backend, target_accept, metric, ...) and the model's
    (formula, family, prior, ...). Returns an arviz.InferenceData with posterior,
    sample_stats, observed_data (when the model has observed data) and, with predict=True,
    posterior_predictive."""
    given = dict(chains=chains, warmup=warmup, draws=draws, algorithm=algorithm, seed=seed, quiet=True)
    return _draws("sample", model, data, {**given, **options})


def predict(model, data=None, *, newdata=None, **options):
    """Posterior predictive draws: `lockstep.sample(..., predict=True)`, for the observed rows or,
    with `newdata` (a DataFrame, dict or path: `--newdata`), for new rows (the glmm: a new level
    of a grouping factor draws new group effects). The InferenceData's posterior_predictive group
    holds the replications, under the observed data's name."""
    return sample(model, data, predict=True, newdata=newdata, **options)


def ensemble(model, data=None, *, seed=None, **options):
    """`lockstep ensemble`: affine-invariant ensemble sampling (walkers, steps, move, discard,
    thin, ...); chain is the walker."""
    return _draws("ensemble", model, data, {"seed": seed, **options})


def vi(model, data=None, *, seed=None, **options):
    """`lockstep vi`: ADVI (approx="meanfield" or "fullrank", steps, samples, learning_rate,
    draws, ...); the draws of the fitted approximation as a posterior of one chain."""
    return _draws("vi", model, data, {"seed": seed, "quiet": True, **options})


def abc(model, data=None, *, seed=None, **options):
    """`lockstep abc`: rejection ABC (sims, keep or epsilon, ...)."""
    return _draws("abc", model, data, {"seed": seed, **options})


def smc_abc(model, data=None, *, seed=None, **options):
    """`lockstep smc-abc`: population Monte Carlo ABC (particles, ...)."""
    return _draws("smc-abc", model, data, {"seed": seed, **options})


def npe(model, data=None, *, seed=None, **options):
    """`lockstep npe`: neural posterior estimation (sims, draws, save_net, load_net, ...)."""
    return _draws("npe", model, data, {"seed": seed, "quiet": True, **options})


def _table(path):
    import pandas as pd
    return pd.read_csv(path)


def _tables(command, model, data, output, table, options):
    """Runs a command that writes a directory of results and returns its CSV `table`; without
    `output`, in a temporary directory removed afterwards."""
    import tempfile
    if output is not None:
        _run(command, model, data, {"output": os.fspath(output), **options})
        return _table(os.path.join(output, table))
    # The folder goes when the table is read: no plot to draw and throw away (its report
    # still names the folder's files, which are gone once this returns).
    with tempfile.TemporaryDirectory(prefix="lockstep-") as tmp:
        _run(command, model, data, {"output": tmp, "no_plot": True, **options})
        return _table(os.path.join(tmp, table))


def study(model, data=None, *, reference, output=None, seed=None, **options):
    """`lockstep study`: a convergence study against `reference` (a JSON file of posterior means
    and sds); returns study.csv as a pandas DataFrame. Its options are the command's, with the
    command's defaults when left out (chains=[16, 256, 4096], warmup=[25, 50, 100, 200, 500],
    5 repeats: a long study; pass smaller lists, e.g. chains=[16, 256], warmup=[25, 50], to try
    it). With `output`, study.csv and study.svg are also kept there."""
    return _tables("study", model, data, output, "study.csv",
                   {"reference": os.fspath(reference), "seed": seed, **options})


def sbc(model, data=None, *, output=None, seed=None, **options):
    """`lockstep sbc`: simulation-based calibration (replicates, chains, warmup, draws, ranks,
    ...); returns ranks.csv as a DataFrame (and keeps ranks.csv and sbc.svg in `output` if given)."""
    return _tables("sbc", model, data, output, "ranks.csv", {"seed": seed, "quiet": True, **options})


def _selected_variables(post, var_names):
    """The posterior's variables that var_names selects, as arviz.summary reads it: None (all),
    one name or a list of names, where names starting with "~" are left out instead (all of
    them "~": every other variable). A name the posterior lacks raises KeyError naming it and
    the posterior's variables."""
    every = list(post.data_vars)
    if var_names is None:
        return every
    wanted = [var_names] if isinstance(var_names, str) else list(var_names)
    dropped = [v[1:] for v in wanted if v.startswith("~")]
    kept = [v for v in wanted if not v.startswith("~")]
    for v in dropped + kept:
        if v not in every:
            raise KeyError(f"var_names: {v!r} is not in the posterior (its variables: {', '.join(every)})")
    return [v for v in (kept or every) if v not in dropped]


def summary(idata, var_names=None):
    """The posterior summary `lockstep sample` prints (mean, sd, 5/50/95% quantiles, MCSE,
    bulk and tail ESS, rank-normalized R-hat; Vehtari et al. 2021) of an InferenceData's
    posterior, as a pandas DataFrame indexed like arviz.summary ("theta[0]", "r_county[3,
    Intercept]"). The engine's code, several times faster than arviz.summary on many chains.
    var_names as arviz.summary's: a name, a list, "~name" to leave a variable out."""
    import numpy as np
    import pandas as pd

    post = idata.posterior
    names, blocks = [], []
    for var in _selected_variables(post, var_names):
        da = post[var]
        extra = [d for d in da.dims if d not in ("chain", "draw")]
        values = np.moveaxis(da.transpose("chain", "draw", *extra).values, [0, 1], [-2, -1])
        shape = values.shape[:-2]
        blocks.append(values.reshape((-1,) + values.shape[-2:]))
        if not extra:
            names.append(var)
            continue
        labels = [list(map(str, da[d].values)) if d in da.coords else list(map(str, range(da.sizes[d])))
                  for d in extra]
        for index in np.ndindex(*shape):
            names.append(f"{var}[{', '.join(labels[k][i] for k, i in enumerate(index))}]")
    values = np.ascontiguousarray(np.concatenate(blocks), dtype=np.float64)
    columns = _lockstep.summarize(values, names)
    index = columns.pop("name")
    return pd.DataFrame(columns, index=index)


def models():
    """Every model: a list of dicts with name, summary, parameters, options, data_fields,
    flags, algorithms and capabilities (what `lockstep models` prints)."""
    return _lockstep.models()


def backend():
    """Where the lanes run, in words (the CPU's threads and SIMD width, or the GPU)."""
    return _lockstep.backend()
