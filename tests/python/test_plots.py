"""`lockstep plot KIND FILES -o OUT` and lockstep.plot_*: every kind writes a non-empty image,
and a file without the group a kind needs fails with exit status 2 and one line."""
import os

import pytest

import lockstep
from conftest import data_path, run_command

ES = ["eight_schools_noncentered", "--data", data_path("eight_schools.json"), "--chains", "4", "--warmup", "100",
      "--draws", "50", "--seed", "1"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("plots")
    made = {}
    for name, args in {
        "nuts": ["sample"] + ES + ["--predict", "--output", str(d / "nuts.nc")],
        "centered": ["sample", "eight_schools_centered"] + ES[1:] + ["--output", str(d / "centered.nc")],
        "csv": ["sample"] + ES + ["--output", str(d / "csv.csv")],
        "peak": ["ensemble", "peak", "--data", data_path("peak.csv"), "--walkers", "32", "--steps", "200",
                 "--seed", "2", "--output", str(d / "peak.nc")],
        "vi": ["vi", "eight_schools_noncentered", "--data", data_path("eight_schools.json"), "--steps", "200",
               "--elbo", str(d / "elbo.csv"), "--seed", "1", "--output", str(d / "vi.nc")],
        # glmm: labelled indices (r_g.a.Intercept), which arviz.from_cmdstan cannot read.
        "glmm": ["sample", "glmm", "--data", data_path("radon_mn.csv"), "--formula",
                 "log_radon ~ 1 + floor + (1 | county)", "--chains", "2", "--warmup", "100", "--draws", "50",
                 "--seed", "1", "--output", str(d / "glmm.csv")],
        "sbc": ["sbc", "eight_schools_noncentered", "--data", data_path("eight_schools.json"), "--replicates", "4",
                "--chains", "2", "--warmup", "50", "--draws", "50", "--ranks", "20", "--seed", "1",
                "--output", str(d / "sbc")],
    }.items():
        r = run_command(args, d)
        assert r.returncode == 0, f"{name}: {r.stderr}"
        made[name] = d
    return d


def plot(d, *args):
    return run_command(["plot"] + [str(a) for a in args], d)


@pytest.mark.parametrize("kind,files", [
    ("trace", ["nuts.nc"]), ("rank", ["nuts.nc"]), ("forest", ["nuts.nc", "centered.nc"]),
    ("pair", ["centered.nc"]), ("corner", ["nuts.nc"]), ("ppc", ["nuts.nc"]), ("energy", ["nuts.nc"]),
    ("elbo", ["elbo.csv"]), ("sbc", ["sbc/ranks.csv"]), ("peak", ["peak.nc", data_path("peak.csv")]),
    ("trace", ["csv_1.csv", "csv_2.csv", "csv_3.csv", "csv_4.csv"]), ("rank", ["csv.csv"]),
    ("forest", ["glmm.csv"]),
])
def test_every_kind_writes_an_image(runs, kind, files):
    out = runs / f"{kind}-{len(files)}.png"
    extra = ["--var-names", "mu,tau"] if kind == "pair" else []
    r = plot(runs, kind, *[runs / f if not os.path.isabs(f) else f for f in files], "-o", out, *extra)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 5000, f"{kind}: {out.stat().st_size} bytes"
    assert r.stdout.strip() == f"Plot written to {out}"


def test_a_file_without_the_needed_group_fails_cleanly(runs):
    for kind, f, says in [("ppc", "centered.nc", "has no posterior_predictive group"),
                          ("energy", "peak.nc", "has no sample_stats energy"),
                          ("peak", "nuts.nc", "not a peak-model run")]:
        extra = [data_path("peak.csv")] if kind == "peak" else []
        out = runs / f"bad-{kind}.png"
        r = plot(runs, kind, runs / f, *extra, "-o", out)
        assert r.returncode == 2, f"{kind}: {r.returncode} {r.stdout} {r.stderr}"
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and says in lines[0], r.stderr
        assert not out.exists()
    r = plot(runs, "histogram", runs / "nuts.nc", "-o", runs / "x.png")
    assert r.returncode == 2 and "unknown kind 'histogram'" in r.stderr
    r = plot(runs, "trace", runs / "nuts.nc", "-o", runs / "x.gif")
    assert r.returncode == 2 and "must end in .svg, .png or .pdf" in r.stderr
    r = plot(runs, "trace", runs / "missing.nc", "-o", runs / "x.png")
    assert r.returncode == 2 and "missing.nc: cannot open file" in r.stderr


def test_python_plot_functions(runs, eight_schools, tmp_path):
    idata = lockstep.sample("eight_schools_centered", data=eight_schools, chains=4, warmup=100, draws=50, seed=1,
                            predict=True)
    for name, fn in [("trace", lockstep.plot_trace), ("rank", lockstep.plot_rank), ("pair", lockstep.plot_pair),
                     ("ppc", lockstep.plot_ppc), ("energy", lockstep.plot_energy)]:
        out = tmp_path / f"{name}.png"
        kwargs = {"var_names": ["mu", "tau"]} if name == "pair" else {}
        fig = fn(idata, out, **kwargs)
        assert fig is not None and out.stat().st_size > 5000, name
    lockstep.plot_forest([idata, str(runs / "nuts.nc")], tmp_path / "forest.svg", labels="centered,noncentered")
    assert (tmp_path / "forest.svg").stat().st_size > 5000
    with pytest.raises(ValueError, match="posterior_predictive"):
        lockstep.plot_ppc(lockstep.sample("eight_schools_noncentered", data=eight_schools, chains=2, warmup=50,
                                          draws=20, seed=1))


def test_pair_plots_every_variable_or_refuses_clearly(runs, tmp_path):
    """ArviZ keeps the first variables past its plot.max_subplots (40 panels: 8 of the centered
    Eight Schools' 10) without a word; lockstep draws all of them, and refuses too many."""
    fig = lockstep.plot_pair(str(runs / "centered.nc"))
    labels = {ax.get_ylabel().replace("\n", " ") for ax in fig.axes if ax.get_ylabel()}
    assert "theta 7" in labels and len(labels) == 10, labels
    r = plot(runs, "pair", runs / "glmm.csv", "-o", tmp_path / "p.png")
    assert r.returncode == 2 and "choose at most 16 with --var-names" in r.stderr, r.stderr
    r = plot(runs, "trace", runs / "nuts.nc", "--var-names", "nope,mu", "-o", tmp_path / "t.png")
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == "lockstep: error: --var-names: nope: not in the run's posterior (its variables: " \
                               "mu, tau, theta)", r.stderr


def test_csv_plots_return_their_figure_without_a_file(runs, tmp_path):
    for fn, f in [(lockstep.plot_elbo, "elbo.csv"), (lockstep.plot_sbc, "sbc/ranks.csv")]:
        fig = fn(str(runs / f))
        assert fig is not None and len(fig.axes) >= 1, f
    assert not list(tmp_path.iterdir())


def test_stan_csv_with_labelled_indices_reads_with_its_labels(runs):
    """The glmm's r_county.<level>.Intercept columns: one variable r_county with the levels and
    the term as coordinates, the draws of each column in place."""
    import numpy as np
    from lockstep import plots
    files = [str(runs / "glmm_1.csv"), str(runs / "glmm_2.csv")]
    idata = plots.load(files)
    r = idata.posterior["r_county"]
    assert r.shape == (2, 50, 85, 1)
    assert list(r.coords["r_county_dim_1"].values) == ["Intercept"]
    assert r.coords["r_county_dim_0"].values[2] == 3
    lines = [line for line in open(files[1]) if line.strip() and not line.startswith("#")]
    header = lines[0].strip().split(",")
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    assert np.array_equal(r.values[1, :, 2, 0], rows[:, header.index("r_county.3.Intercept")])
    assert np.array_equal(idata.posterior["b_floor"].values[1], rows[:, header.index("b_floor")])
    assert idata.sample_stats["diverging"].dtype == bool


def test_files_of_another_kind_fail_cleanly(runs):
    """A data CSV is no run; a netCDF file is no ELBO trace or ranks.csv: one line, status 2."""
    for kind, f, says in [("trace", data_path("peak.csv"), "not a Stan CSV file of a run"),
                          ("elbo", runs / "nuts.nc", "not a `vi --elbo` trace CSV"),
                          ("sbc", runs / "nuts.nc", "not an `sbc` ranks.csv")]:
        r = plot(runs, kind, f, "-o", runs / f"other-{kind}.png")
        assert r.returncode == 2, f"{kind}: {r.stderr}"
        assert says in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_ppc_of_stan_csv_says_the_observed_data_is_in_the_netcdf_output(runs):
    r = plot(runs, "ppc", runs / "csv_1.csv", "-o", runs / "ppc-csv.png")
    assert r.returncode == 2
    assert "Stan CSV files hold no observed data" in r.stderr and r.stderr.count("\n") == 1


def test_the_package_leaves_sys_path_alone_and_exports_plot_exit(tmp_path):
    """A user's own plots.py or plot_common.py beside their script stays theirs: importing lockstep
    and drawing a plot from a CSV (which loads the sibling plot scripts) never puts the package's
    folder on sys.path."""
    import subprocess
    import sys
    (tmp_path / "plots.py").write_text("MINE = True\n")
    (tmp_path / "plot_common.py").write_text("MINE = True\n")
    code = ("import sys; before = list(sys.path); import lockstep\n"
            "assert issubclass(lockstep.PlotExit, ValueError)\n"
            "try:\n    lockstep.plot_elbo('missing.csv')\nexcept lockstep.PlotExit:\n    pass\n"
            "assert sys.path == before, sys.path[:3]\n"
            "import plots, plot_common; assert plots.MINE and plot_common.MINE\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(lockstep.__file__))))
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_forest_of_runs_in_memory_names_them_by_their_models():
    """Runs in memory have no file name: the legend names their models, and two runs of one model
    are told apart by a number."""
    es = data_path("eight_schools.json")
    a = lockstep.sample("eight_schools_centered", data=es, chains=2, warmup=50, draws=30, seed=1)
    b = lockstep.sample("eight_schools_noncentered", data=es, chains=2, warmup=50, draws=30, seed=1)

    def legend(fig):
        return sorted(t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts())

    assert legend(lockstep.plot_forest([a, b])) == ["eight_schools_centered", "eight_schools_noncentered"]
    assert legend(lockstep.plot_forest([a, a])) == ["eight_schools_centered (1)", "eight_schools_centered (2)"]
