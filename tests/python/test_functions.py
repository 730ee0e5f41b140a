"""The package's other functions: models, ensemble, vi, abc, smc_abc, npe, study and sbc."""
import os

import numpy as np

import lockstep
from conftest import data_path


def test_models_lists_every_model_with_its_algorithms():
    models = {m["name"]: m for m in lockstep.models()}
    assert {"eight_schools_noncentered", "eight_schools_centered", "glmm", "peak"} <= set(models)
    es = models["eight_schools_noncentered"]
    assert "nuts" in es["algorithms"] and es["parameters"].startswith("mu")
    assert [f["name"] for f in es["data_fields"]] == ["J", "y", "sigma"]
    assert any(f["flag"] == "--formula" for f in models["glmm"]["flags"])
    assert isinstance(lockstep.backend(), str) and lockstep.__version__


PEAK = dict(data=data_path("peak.csv"), seed=3)


def test_ensemble_walkers_are_chains():
    idata = lockstep.ensemble("peak", walkers=32, steps=100, init_ball=[0.5, 0.6, 0.2, -0.2, 0.1], init_scale=1e-4,
                              **PEAK)
    assert idata.posterior.sizes["chain"] == 32
    assert "lp" in idata.sample_stats


def test_vi_abc_smc_abc_npe_return_draws(eight_schools):
    fit = lockstep.vi("eight_schools_noncentered", data=eight_schools, steps=300, draws=200, seed=1)
    assert fit.posterior["theta"].dims[-1] == "school" and fit.posterior.sizes["draw"] == 200
    kept = lockstep.abc("peak", sims=4000, keep=100, set={"prior": "sbi"}, **PEAK)
    assert kept.posterior.sizes["chain"] * kept.posterior.sizes["draw"] == 100
    smc = lockstep.smc_abc("peak", sims=6000, particles=200, set={"prior": "sbi"}, **PEAK)
    assert smc.posterior.sizes["chain"] * smc.posterior.sizes["draw"] == 200
    net = lockstep.npe("peak", data=data_path("peak.json"), set={"prior": "sbi"}, sims=2000, hidden=16, components=2,
                       max_epochs=5, draws=100, threads=2, seed=11)
    assert net.posterior.sizes["chain"] * net.posterior.sizes["draw"] == 100


def test_study_and_sbc_return_their_tables(tmp_path):
    table = lockstep.study("eight_schools_noncentered", data=data_path("eight_schools.json"),
                           reference=data_path("reference/eight_schools_noncentered.json"), output=tmp_path / "study",
                           chains=[4, 8], warmup=[20, 40], repeats=1, draws=20, seed=1)
    assert sorted(set(table["chains"])) == [4, 8] and sorted(set(table["warmup"])) == [20, 40]
    assert os.path.exists(tmp_path / "study" / "study.csv")
    ranks = lockstep.sbc("eight_schools_noncentered", data=data_path("eight_schools.json"),
                         replicates=4, chains=2, warmup=50, draws=50, ranks=20, seed=1)
    assert set(ranks.columns) >= {"replicate", "parameter", "rank"} and len(ranks) == 4 * 10
    assert np.all((ranks["rank"] >= 0) & (ranks["rank"] <= 20))
    # no_plot: the table alone (what a call without `output` asks for, its folder being temporary)
    lockstep.sbc("eight_schools_noncentered", data=data_path("eight_schools.json"), output=tmp_path / "sbc",
                 replicates=2, chains=2, warmup=20, draws=20, ranks=20, seed=1, no_plot=True)
    assert os.path.exists(tmp_path / "sbc" / "ranks.csv") and not os.path.exists(tmp_path / "sbc" / "sbc.svg")


def test_runs_from_two_threads_equal_runs_one_after_the_other(eight_schools):
    import threading
    args = dict(data=eight_schools, chains=4, warmup=80, draws=20)
    alone = [lockstep.sample("eight_schools_noncentered", seed=s, **args) for s in (1, 2)]
    together = [None, None]

    def run(i):
        together[i] = lockstep.sample("eight_schools_noncentered", seed=i + 1, **args)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(alone, together):
        np.testing.assert_array_equal(a.posterior["theta"].values, b.posterior["theta"].values)


def test_print_model_prints_and_returns_none(capfd, eight_schools):
    assert lockstep.sample("eight_schools_noncentered", data=eight_schools, print_model=True) is None
    assert "model eight_schools_noncentered" in capfd.readouterr().out


def test_reports_reach_a_python_stream_that_is_not_the_descriptor(eight_schools, capfd):
    """In a notebook (or under contextlib.redirect_stdout) sys.stdout is not descriptor 1: the
    engine's report must still reach it (lockstep/_console.py), and nothing is left on the
    descriptor itself."""
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        lockstep.sbc("eight_schools_noncentered", data=eight_schools, replicates=4, chains=2, warmup=50, draws=50,
                     ranks=20, seed=1)
    assert "lockstep sbc: model eight_schools_noncentered, 4 replicates" in out.getvalue()
    assert "Rank uniformity" in out.getvalue()
    assert "lockstep sbc" not in capfd.readouterr().out
