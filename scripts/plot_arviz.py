#!/usr/bin/env python3
"""lockstep's plots: `lockstep plot KIND FILES... -o OUT.svg|png|pdf`, and the package's
`lockstep.plot_KIND(...)` functions (python/lockstep/ holds a copy of this file as plots.py).

Kinds, and what each reads (FILES: InferenceData .nc files or Stan CSV files of one run):
  trace    posterior                     arviz.plot_trace
  rank     posterior                     arviz.plot_rank (rank histograms per chain)
  forest   posterior, one or more runs   arviz.plot_forest, 94% HDI, runs side by side
                                         (SEEDS' pooled / unpooled / hierarchical)
  pair     posterior (+ sample_stats)    arviz.plot_pair with marginals, divergent draws marked
  corner   the same as pair
  ppc      posterior_predictive, observed_data   arviz.plot_ppc (`sample --predict`)
  energy   sample_stats.energy           arviz.plot_energy (NUTS/HMC)
  elbo     a `vi --elbo` trace CSV       the ELBO against the step (plot_elbo.py)
  sbc      an `sbc` ranks.csv            rank histograms with the 99% band (plot_sbc.py)
  peak     a peak-model run and its data file (CSV or JSON with x, y, y_err): the data with
           error bars and the curves f(x) = l exp(-(m - x)^2 / (2 s^2)) + a + b x of 100
           posterior draws (SEEDS section 4's posterior predictive curves)
Options: --var-names a,b (trace, rank, forest, pair), --labels A,B (forest: a name per run).

The plotting is ArviZ's where ArviZ draws the plot; this file only reads the files, checks that
the needed group is there, and saves. Exit status 2 with one line naming the file and what is
missing for bad input; 3 if ArviZ or matplotlib is missing. The figure is written to a
temporary file and renamed (no partial plot).
"""
import argparse
import json
import os
import sys

# Its sibling scripts: as a script (`lockstep plot` runs it) Python puts this folder first on
# sys.path by itself; imported as the package's lockstep.plots they are the package's modules.
# sys.path is never changed: a user's own plots.py or plot_common.py stays theirs.
if __package__:
    from . import plot_common  # noqa: E402
else:
    import plot_common  # noqa: E402
PlotExit = plot_common.PlotExit


def _sibling(name):
    """The sibling script `name` (plot_elbo, plot_sbc) as a module, in either mode."""
    import importlib
    return importlib.import_module(("." + name) if __package__ else name, __package__ or None)

KINDS = ("trace", "rank", "forest", "pair", "corner", "ppc", "energy", "elbo", "sbc", "peak")


def _arviz():
    plot_common.pyplot()
    try:
        import arviz as az
    except ImportError:
        raise PlotExit(3, "ArviZ is not installed (pip install arviz)")
    return az


def chain_files(path):
    """`lockstep sample --output run.csv` writes run_1.csv, run_2.csv, ...: the name it was given
    stands for those files when it does not exist itself."""
    if os.path.exists(path) or not path.endswith(".csv"):
        return [path]
    stem, found = path[:-4], []
    while os.path.isfile(f"{stem}_{len(found) + 1}.csv"):
        found.append(f"{stem}_{len(found) + 1}.csv")
    return found or [path]


# Stan's sampler statistics under ArviZ's names (as arviz.from_cmdstan gives them).
_STAT_NAMES = {"lp__": "lp", "accept_stat__": "acceptance_rate", "stepsize__": "step_size",
               "treedepth__": "tree_depth", "n_leapfrog__": "n_steps", "divergent__": "diverging",
               "energy__": "energy"}


def _index(label):
    """A column's index label: an int when it is one, else the text (a glmm level or term)."""
    try:
        return int(label)
    except ValueError:
        return label


def read_stan_csv(files):
    """Stan CSV files of one run (one per chain) as InferenceData, for the files that
    arviz.from_cmdstan cannot read: lockstep writes labelled indices (the glmm's
    r_county.3.Intercept, brms's r_county[3,Intercept]) where CmdStan writes integers only.
    Columns name.i.j become one variable name(chain, draw, name_dim_0, name_dim_1) whose
    coordinates are the labels in order of appearance; y_rep goes to posterior_predictive and
    the sampler statistics (ending in __) to sample_stats. Saved warmup draws are left out."""
    import numpy as np
    az = _arviz()
    chains, header = [], None
    for f in files:
        with open(f) as fh:
            lines = fh.read().splitlines()
        config = {}
        body = []
        for line in lines:
            if line.startswith("#"):
                key, _, value = line.lstrip("# ").partition(" = ")
                config.setdefault(key.strip(), value.strip())
            elif line.strip():
                body.append(line)
        if not body:
            raise ValueError("no header line")
        names = body[0].split(",")
        if header is not None and names != header:
            raise ValueError("its columns differ from the first file's")
        header = names
        values = np.array([[float(v) for v in row.split(",")] for row in body[1:]], dtype=float).reshape(-1, len(names))
        if config.get("save_warmup") in ("1", "true"):
            warm = int(config.get("num_warmup", "0")) // max(1, int(config.get("thin", "1")))
            values = values[warm:]
        chains.append(values)
    draws = min(len(c) for c in chains)
    data = np.stack([c[:draws] for c in chains])  # (chain, draw, column)
    groups = {"posterior": {}, "posterior_predictive": {}, "sample_stats": {}}
    dims, coords = {}, {}
    bases = {}
    for j, name in enumerate(header):
        base, *index = name.split(".")
        bases.setdefault(base, []).append((j, [_index(i) for i in index]))
    for base, columns in bases.items():
        if base.endswith("__"):
            values = data[:, :, columns[0][0]]
            groups["sample_stats"][_STAT_NAMES.get(base, base.rstrip("_"))] = (
                values.astype(bool) if base == "divergent__" else values)
            continue
        group = "posterior_predictive" if base == "y_rep" else "posterior"
        rank = len(columns[0][1])
        if rank == 0:
            groups[group][base] = data[:, :, columns[0][0]]
            continue
        labels = [list(dict.fromkeys(index[k] for _, index in columns)) for k in range(rank)]
        array = np.full((data.shape[0], draws) + tuple(len(l) for l in labels), np.nan)
        for j, index in columns:
            array[(slice(None), slice(None)) + tuple(labels[k].index(index[k]) for k in range(rank))] = data[:, :, j]
        groups[group][base] = array
        dims[base] = [f"{base}_dim_{k}" for k in range(rank)]
        for k in range(rank):
            coords[f"{base}_dim_{k}"] = labels[k]
    return az.from_dict(posterior=groups["posterior"], posterior_predictive=groups["posterior_predictive"] or None,
                        sample_stats=groups["sample_stats"] or None, coords=coords, dims=dims)


def _has_sampler_columns(path):
    """Whether a CSV file's header names a sampler column (lp__, distance__, ...): Stan CSV."""
    with open(path, errors="replace") as fh:
        for line in fh:
            if not line.startswith("#") and line.strip():
                return any(name.endswith("__") for name in line.strip().split(","))
    return False


def _integer_indices_only(path):
    """Whether every indexed column of a Stan CSV file has integer indices (CmdStan's own files,
    which arviz.from_cmdstan reads)."""
    with open(path) as fh:
        for line in fh:
            if not line.startswith("#") and line.strip():
                return all(all(i.isdigit() for i in name.split(".")[1:]) for name in line.strip().split(","))
    return True


def load(source):
    """An InferenceData from an InferenceData (returned as is), a .nc file or Stan CSV file(s)."""
    az = _arviz()
    if hasattr(source, "groups"):
        return source
    files = [os.fspath(s) for s in source] if isinstance(source, (list, tuple)) else [os.fspath(source)]
    files = [g for f in files for g in chain_files(f)]
    for f in files:
        if not os.path.isfile(f):
            raise PlotExit(2, f"{f}: cannot open file")
        if f.endswith(".csv") and not _has_sampler_columns(f):
            raise PlotExit(2, f"{f}: not a Stan CSV file of a run (no sampler columns such as lp__; a data file?)")
    try:
        if all(f.endswith(".nc") for f in files) and len(files) == 1:
            return az.from_netcdf(files[0])
        if all(f.endswith(".csv") for f in files):
            if all(_integer_indices_only(f) for f in files):
                return az.from_cmdstan(files)
            return read_stan_csv(files)
    except Exception as e:  # an unreadable file: one line, status 2
        raise PlotExit(2, f"{files[0]}: cannot read it as {'netCDF' if files[0].endswith('.nc') else 'Stan CSV'} "
                          f"({str(e).splitlines()[0] if str(e) else type(e).__name__})")
    raise PlotExit(2, f"{files[0]}: give one .nc file or Stan CSV (.csv) files of one run")


def _need(idata, group, name, what):
    if group not in idata.groups():
        raise PlotExit(2, f"{name}: has no {group} group ({what})")


def _names(var_names):
    if var_names is None or isinstance(var_names, (list, tuple)):
        return var_names
    return [v for v in var_names.split(",") if v]


def _figure(axes):
    import numpy as np
    first = np.ravel(np.asarray(axes, dtype=object))[0]
    return first.get_figure()


def _finish(axes, out, tight=False):
    fig = _figure(axes)
    if tight:  # titles clear of the tick labels above them, labels inside the figure
        import warnings
        with warnings.catch_warnings():  # a pair plot's marginals: tight_layout still trims the margins
            warnings.simplefilter("ignore", UserWarning)
            fig.tight_layout()
    if out is not None:
        plot_common.save_atomically(fig, os.fspath(out))
    return fig


def _label(source):
    """A file's name, or for an InferenceData in memory the model that made it (its attrs)."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    post = getattr(source, "posterior", None)
    model = post.attrs.get("model") if post is not None and hasattr(post, "attrs") else None
    return model or getattr(source, "name", "run")


def _run_names(sources):
    """A name per run for a legend: the file names, or the models' names; repeated names get
    " (2)", " (3)", ... so that no two runs share one."""
    names = [os.path.splitext(os.path.basename(_label(s)))[0] if isinstance(s, (str, os.PathLike)) else _label(s)
             for s in sources]
    out = []
    for i, n in enumerate(names):
        k = names[:i].count(n)
        out.append(n if names.count(n) == 1 else f"{n} ({k + 1})")
    return out


def plot_trace(source, out=None, var_names=None):
    idata = load(source)
    _need(idata, "posterior", _label(source), "draws of a run")
    _scalar_variables(idata, var_names)  # names that are not in the run: one line, status 2
    return _finish(_arviz().plot_trace(idata, var_names=_names(var_names), compact=True), out, tight=True)


def plot_rank(source, out=None, var_names=None):
    idata = load(source)
    _need(idata, "posterior", _label(source), "draws of a run")
    _scalar_variables(idata, var_names)
    return _finish(_arviz().plot_rank(idata, var_names=_names(var_names)), out, tight=True)


def plot_forest(sources, out=None, var_names=None, labels=None):
    """94% HDIs of one run, or of several side by side (labels: a name per run; default the
    file names)."""
    if not isinstance(sources, (list, tuple)):
        sources = [sources]
    runs = [load(s) for s in sources]
    for s, r in zip(sources, runs):
        _need(r, "posterior", _label(s), "draws of a run")
    names = _names(labels) or _run_names(sources)
    if len(names) != len(runs):
        raise PlotExit(2, f"--labels: {len(names)} labels for {len(runs)} runs")
    axes = _arviz().plot_forest(runs, model_names=names, var_names=_names(var_names), combined=True, hdi_prob=0.94)
    return _finish(axes, out, tight=True)


PAIR_MAX_VARIABLES = 16  # a 16 x 16 grid of panels is about what can still be read


def _scalar_variables(idata, var_names):
    """How many scalar quantities (theta[0], ...) the posterior's var_names select."""
    import numpy as np
    names = _names(var_names)
    try:
        chosen = _arviz().utils._var_names(names, idata.posterior) if names else None
    except KeyError:
        known = list(idata.posterior.data_vars)
        missing = [v for v in names if v.lstrip("~") not in known]
        raise PlotExit(2, f"--var-names: {', '.join(missing) or ', '.join(names)}: not in the run's posterior "
                          f"(its variables: {', '.join(known)})")
    chosen = list(idata.posterior.data_vars) if chosen is None else chosen
    return sum(int(np.prod([n for d, n in idata.posterior[v].sizes.items() if d not in ("chain", "draw")]))
               for v in chosen)


def plot_pair(source, out=None, var_names=None):
    """Pairs of parameters with their marginals; divergent draws (sample_stats.diverging) in
    a colour of their own. Every selected quantity is drawn (ArviZ would silently keep the
    first ones past its plot.max_subplots); more than PAIR_MAX_VARIABLES is refused."""
    idata = load(source)
    _need(idata, "posterior", _label(source), "draws of a run")
    n = _scalar_variables(idata, var_names)
    if n > PAIR_MAX_VARIABLES:
        raise PlotExit(2, f"{_label(source)}: {n} quantities would make a {n} x {n} grid; choose at most "
                          f"{PAIR_MAX_VARIABLES} with --var-names (Python: var_names=[...])")
    divergences = "sample_stats" in idata.groups() and "diverging" in idata.sample_stats
    az = _arviz()
    side = max(4.0, 2.0 * n)
    with az.rc_context({"plot.max_subplots": max(n * n, 1)}):
        axes = az.plot_pair(idata, var_names=_names(var_names), kind="scatter", marginals=True,
                            divergences=divergences, scatter_kwargs={"alpha": 0.4, "s": 10},
                            figsize=(side, side))
    return _finish(axes, out, tight=True)


plot_corner = plot_pair


def plot_ppc(source, out=None, num_pp_samples=100):
    files = source if isinstance(source, (list, tuple)) else [source]
    label = _label(files[0]) if files else _label(source)
    if all(isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".csv") for f in files):
        raise PlotExit(2, f"{label}: Stan CSV files hold no observed data to compare with; plot the netCDF "
                          "output (--output PATH.nc) of a --predict run")
    idata = load(source)
    _need(idata, "posterior_predictive", label, "run `lockstep sample` with --predict (in Python: predict=True)")
    _need(idata, "observed_data", label, "the observed data the draws replicate")
    return _finish(_arviz().plot_ppc(idata, num_pp_samples=num_pp_samples, random_seed=1), out)


def plot_energy(source, out=None):
    idata = load(source)
    if "sample_stats" not in idata.groups() or "energy" not in idata.sample_stats:
        raise PlotExit(2, f"{_label(source)}: has no sample_stats energy (an HMC or NUTS run has it)")
    return _finish(_arviz().plot_energy(idata), out)


def _csv_figure(module, src, out):
    """The figure of a CSV plot script (plot_sbc, plot_elbo) for src, written to out when given;
    a file that is not such a CSV (binary, other columns) is one line, status 2."""
    what = {"plot_elbo": "a `vi --elbo` trace CSV (step, elbo, rel_change, fit)",
            "plot_sbc": "an `sbc` ranks.csv (parameter, rank, max_rank)"}.get(module.__name__, "the expected CSV")
    if not isinstance(src, (str, os.PathLike)):
        raise PlotExit(2, f"give the path of {what}")
    if not os.path.isfile(src):
        raise PlotExit(2, f"{src}: cannot open file")
    try:
        fig = module.figure(os.fspath(src))
    except (UnicodeDecodeError, KeyError, ValueError, TypeError) as e:
        raise PlotExit(2, f"{src}: not {what} ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})")
    if fig is None:
        raise PlotExit(2, f"{src}: no rows, no plot made")
    return _finish(fig.axes, out)


def plot_elbo(trace_csv, out=None):
    return _csv_figure(_sibling("plot_elbo"), trace_csv, out)


def plot_sbc(ranks_csv, out=None):
    return _csv_figure(_sibling("plot_sbc"), ranks_csv, out)


def _peak_data(path):
    """x, y, y_err from a CSV (header x,y,y_err) or JSON file."""
    import numpy as np
    try:
        if path.endswith(".json"):
            with open(path) as f:
                d = json.load(f)
        else:
            d = {}
            rows = np.genfromtxt(path, delimiter=",", names=True, comments="#")
            for key in rows.dtype.names:
                d[key] = rows[key]
        return np.asarray(d["x"], float), np.asarray(d["y"], float), np.asarray(d["y_err"], float)
    except (OSError, KeyError, ValueError) as e:
        raise PlotExit(2, f"{path}: not the peak model's data (x, y, y_err): {e}")


def plot_peak(source, data, out=None, curves=100):
    """The data with error bars and the peak model's curves f(x) at `curves` posterior draws."""
    import numpy as np
    plt = plot_common.pyplot()
    idata = load(source)
    _need(idata, "posterior", _label(source), "draws of a run")
    post = idata.posterior
    missing = [v for v in "lmsab" if v not in post]
    if missing:
        raise PlotExit(2, f"{_label(source)}: not a peak-model run (no {', '.join(missing)} in posterior)")
    x, y, y_err = _peak_data(os.fspath(data))
    draws = {v: post[v].values.reshape(-1) for v in "lmsab"}
    pick = np.random.default_rng(1).choice(draws["l"].size, size=min(curves, draws["l"].size), replace=False)
    grid = np.linspace(x.min(), x.max(), 300)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i in pick:
        f = (draws["l"][i] * np.exp(-(draws["m"][i] - grid) ** 2 / (2 * draws["s"][i] ** 2)) +
             draws["a"][i] + draws["b"][i] * grid)
        ax.plot(grid, f, color="C0", alpha=0.08, lw=1)
    ax.errorbar(x, y, yerr=y_err, fmt="o", color="k", ms=3, capsize=2, label="data")
    ax.plot([], [], color="C0", label=f"f(x) at {len(pick)} posterior draws")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(frameon=False)
    fig.tight_layout()
    return _finish(ax, out)


def main():
    parser = argparse.ArgumentParser(prog="lockstep plot", description="Plot lockstep runs (ArviZ, matplotlib)")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("files", nargs="+")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--var-names")
    parser.add_argument("--labels")
    try:
        a = parser.parse_args()
    except SystemExit as e:
        return 2 if e.code else 0
    files, out = a.files, a.output
    if os.path.splitext(out)[1].lower() not in (".svg", ".png", ".pdf"):
        raise PlotExit(2, f"-o {out}: the name must end in .svg, .png or .pdf")
    stan_csv = all(f.endswith(".csv") for f in files)
    if a.kind == "forest":
        plot_forest([files] if stan_csv else files, out, a.var_names, a.labels)
    elif a.kind == "peak":
        if len(files) != 2:
            raise PlotExit(2, "peak: give the run's file and the data file (lockstep plot peak RUN.nc DATA.csv -o OUT)")
        plot_peak(files[0], files[1], out)
    elif a.kind in ("elbo", "sbc"):
        if len(files) != 1:
            raise PlotExit(2, f"{a.kind}: give one CSV file")
        {"elbo": plot_elbo, "sbc": plot_sbc}[a.kind](files[0], out)
    else:
        if len(files) != 1 and not stan_csv:
            raise PlotExit(2, f"{a.kind}: give one .nc file or the Stan CSV files of one run")
        run = files if stan_csv else files[0]
        if a.kind in ("ppc", "energy"):
            {"ppc": plot_ppc, "energy": plot_energy}[a.kind](run, out)
        else:
            {"trace": plot_trace, "rank": plot_rank, "pair": plot_pair, "corner": plot_pair}[a.kind](run, out,
                                                                                                   a.var_names)
    print(f"Plot written to {out}")
    return 0


if __name__ == "__main__":
    plot_common.run(main)
