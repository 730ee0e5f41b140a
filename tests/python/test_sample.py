"""lockstep.sample: the InferenceData's groups, dims and coords, agreement with the command
for the same seed, and the posterior against the reference (5 Monte Carlo standard errors)."""
import re

import numpy as np
import pandas as pd
import pytest

import arviz as az
import lockstep
from conftest import data_path, run_command

ES = "eight_schools_noncentered"


def test_groups_dims_and_stats(eight_schools):
    idata = lockstep.sample(ES, data=eight_schools, chains=16, warmup=200, draws=50, seed=3)
    assert set(idata.groups()) == {"posterior", "sample_stats", "observed_data"}
    post = idata.posterior
    assert post["theta"].dims == ("chain", "draw", "school")
    assert post.sizes["school"] == 8 and post.sizes["chain"] == 16 and post.sizes["draw"] == 50
    assert post["mu"].dims == ("chain", "draw") and post["tau"].dims == ("chain", "draw")
    assert list(post["school"].values) == list(range(8))
    stats = idata.sample_stats
    for name in ("lp", "acceptance_rate", "step_size", "tree_depth", "n_steps", "diverging", "energy"):
        assert name in stats, name
    assert stats["diverging"].dtype == bool
    assert np.issubdtype(stats["tree_depth"].dtype, np.integer)
    assert idata.observed_data["y"].dims == ("school",)
    np.testing.assert_array_equal(idata.observed_data["y"].values, eight_schools["y"])
    assert post.attrs["inference_library"] == "lockstep" and post.attrs["seed"] == 3
    assert (post["tau"].values > 0).all()


def test_draws_equal_the_command_for_the_same_seed(tmp_path, eight_schools):
    out = tmp_path / "run.nc"
    r = run_command(["sample", ES, "--data", data_path("eight_schools.json"), "--chains", "8", "--warmup", "150",
                     "--draws", "40", "--seed", "11", "--target-accept", "0.9", "--output", str(out)], tmp_path)
    assert r.returncode == 0, r.stderr
    from_file = az.from_netcdf(str(out))
    mine = lockstep.sample(ES, data=eight_schools, chains=8, warmup=150, draws=40, seed=11, target_accept=0.9)
    assert from_file.posterior["theta"].dims == ("chain", "draw", "school")
    for group in ("posterior", "sample_stats"):  # what made the draws, where ArviZ shows it
        attrs = from_file[group].attrs
        assert (attrs["model"], attrs["algorithm"], int(attrs["seed"])) == (ES, "nuts", 11), (group, attrs)
    for name in ("mu", "tau", "theta"):
        np.testing.assert_array_equal(mine.posterior[name].values, from_file.posterior[name].values, err_msg=name)
    for name in ("lp", "step_size", "n_steps", "diverging"):
        np.testing.assert_array_equal(mine.sample_stats[name].values, from_file.sample_stats[name].values,
                                      err_msg=name)
    # the same data as a path: the same draws
    by_path = lockstep.sample(ES, data=data_path("eight_schools.json"), chains=8, warmup=150, draws=40, seed=11,
                              target_accept=0.9)
    np.testing.assert_array_equal(by_path.posterior["theta"].values, mine.posterior["theta"].values)


def test_posterior_matches_the_reference(eight_schools, eight_schools_reference):
    idata = lockstep.sample(ES, data=eight_schools, chains=64, warmup=300, draws=200, seed=5)
    summary = az.summary(idata, var_names=["mu", "tau", "theta"], kind="all")
    assert len(summary) == 10
    for name, row in summary.iterrows():
        # az.summary labels theta[0]..theta[7] by the school coordinate; the reference is 1-based
        ref_name = re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + 1}]", name)
        ref = eight_schools_reference[ref_name]
        mcse = max(row["mcse_mean"], ref["mcse_mean"])
        assert abs(row["mean"] - ref["mean"]) < 5 * np.hypot(row["mcse_mean"], ref["mcse_mean"]), (
            f"{name}: mean {row['mean']:.4f} vs reference {ref['mean']:.4f}, 5 MCSE = {5 * mcse:.4f}")
        assert row["r_hat"] < 1.01, f"{name}: R-hat {row['r_hat']}"


def test_predict_and_save_warmup(eight_schools):
    idata = lockstep.sample(ES, data=eight_schools, chains=4, warmup=60, draws=30, seed=2, predict=True,
                            save_warmup=True)
    assert {"posterior_predictive", "warmup_posterior", "warmup_sample_stats"} <= set(idata.groups())
    assert idata.posterior_predictive["y"].dims == ("chain", "draw", "school")
    assert idata.posterior_predictive.sizes["draw"] == 30
    assert idata.warmup_posterior.sizes["draw"] == 60
    assert "y_rep" not in idata.posterior


def test_glmm_from_a_dataframe_equals_the_csv_file(tmp_path):
    frame = pd.read_csv(data_path("radon_mn.csv"))
    formula = "log_radon ~ 1 + floor + (1 | county)"
    opts = dict(chains=4, warmup=100, draws=20, seed=9, formula=formula)
    from_frame = lockstep.sample("glmm", data=frame, **opts)
    from_file = lockstep.sample("glmm", data=data_path("radon_mn.csv"), **opts)
    r = from_frame.posterior["r_county"]
    assert r.dims == ("chain", "draw", "county", "county_term")
    assert r.sizes["county"] == 85 and list(r["county"].values[:3]) == ["1", "2", "3"]  # labels as in the data
    assert list(r["county_term"].values) == ["Intercept"]
    assert "b_Intercept" in from_frame.posterior and "sigma" in from_frame.posterior
    np.testing.assert_array_equal(r.values, from_file.posterior["r_county"].values)


def test_other_algorithms(eight_schools):
    for algorithm in ("hmc", "chees"):
        idata = lockstep.sample(ES, data=eight_schools, chains=16, warmup=100, draws=20, seed=4, algorithm=algorithm)
        assert idata.posterior.sizes["chain"] == 16, algorithm
        assert idata.posterior.attrs["algorithm"] == algorithm


def test_predict_for_new_rows_from_a_dataframe(tmp_path):
    frame = pd.read_csv(data_path("radon_mn.csv"))
    new = pd.DataFrame({"floor": [0, 1, 0], "county": ["1", "1", "a new county"]})
    opts = dict(chains=4, warmup=100, draws=25, seed=5, formula="log_radon ~ 1 + floor + (1 | county)")
    idata = lockstep.predict("glmm", data=frame, newdata=new, **opts)
    pp = idata.posterior_predictive["log_radon"]
    assert pp.shape == (4, 25, 3)
    assert "observed_data" not in idata.groups()  # new rows without the response
    new.to_csv(tmp_path / "new.csv", index=False)
    by_path = lockstep.predict("glmm", data=frame, newdata=str(tmp_path / "new.csv"), **opts)
    np.testing.assert_array_equal(pp.values, by_path.posterior_predictive["log_radon"].values)
    # the new county's replications spread wider than the fitted county's (its effect is drawn anew)
    assert pp.values[:, :, 2].std() > pp.values[:, :, 0].std()
    with pytest.raises(lockstep.InputError, match="--newdata: give --predict too"):
        lockstep.sample("glmm", data=frame, newdata=new, **opts)


def test_summary_agrees_with_arviz(eight_schools):
    idata = lockstep.sample(ES, data=eight_schools, chains=16, warmup=200, draws=100, seed=8)
    mine = lockstep.summary(idata)
    theirs = az.summary(idata, round_to="none")
    assert list(mine.index) == list(theirs.index)  # mu, tau, theta[0] .. theta[7]
    for column, tolerance in (("mean", 1e-9), ("sd", 1e-9), ("mcse_mean", 1e-3), ("ess_bulk", 1e-3),
                              ("ess_tail", 1e-3), ("r_hat", 1e-4)):
        np.testing.assert_allclose(mine[column].values, theirs[column].values, rtol=tolerance, err_msg=column)
    radon = lockstep.sample("glmm", data=pd.read_csv(data_path("radon_mn.csv")), chains=4, warmup=100, draws=20,
                            seed=9, formula="log_radon ~ 1 + floor + (1 | county)")
    table = lockstep.summary(radon, var_names=["b_floor", "r_county"])
    assert table.index[0] == "b_floor" and table.index[1] == "r_county[1, Intercept]" and len(table) == 86
    # var_names as arviz.summary takes them: one name, "~name" to leave a variable out
    assert list(lockstep.summary(idata, var_names="mu").index) == ["mu"]
    assert list(lockstep.summary(idata, var_names=["~theta"]).index) == ["mu", "tau"]
    assert list(lockstep.summary(idata, var_names=["~theta"]).index) == list(
        az.summary(idata, var_names=["~theta"]).index)
    with pytest.raises(KeyError, match="'nope' is not in the posterior"):
        lockstep.summary(idata, var_names=["nope"])
