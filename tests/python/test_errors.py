"""Bad input raises lockstep.InputError (a ValueError) with the command's one-line message;
Ctrl-C stops a run with KeyboardInterrupt."""
import os
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

import lockstep
from conftest import data_path


def raises(match, *args, **kwargs):
    with pytest.raises(lockstep.InputError, match=match) as e:
        lockstep.sample(*args, **kwargs)
    assert "\n" not in str(e.value)
    return e


def test_bad_arguments_and_data(eight_schools):
    assert issubclass(lockstep.InputError, ValueError)
    raises("--chains: must be at least 1, found 0", "eight_schools_noncentered", data=eight_schools, chains=0)
    raises("model .no_such_model. is unknown", "no_such_model", data=eight_schools)
    raises("no_such_flag: not an argument of lockstep.sample", "eight_schools_noncentered", data=eight_schools,
           no_such_flag=3)
    raises("data: field .y.: value 2 is not finite", "eight_schools_noncentered",
           data=dict(eight_schools, y=[1.0, float("nan")] + [0.0] * 6))
    raises("data: field 'sigma': expected 8 values, found 7", "eight_schools_noncentered",
           data=dict(eight_schools, sigma=[1.0] * 7))
    raises("data: field 'sigma': missing", "eight_schools_noncentered", data={"J": 8, "y": eight_schools["y"]})
    raises("nope.json: cannot open file", "eight_schools_noncentered", data=data_path("nope.json"))
    frame = pd.DataFrame({"log_radon": [1.0, 2.0], "floor": [0, 1], "county": ["a", "b"]})
    raises("--formula", "glmm", data=frame)
    with pytest.raises(TypeError, match="data"):
        lockstep.sample("eight_schools_noncentered", data=42)
    raises("--output", "eight_schools_noncentered", data=eight_schools, output="x.nc")


def test_file_flags_are_refused_in_process_not_ignored(eight_schools, tmp_path):
    """The functions return the draws: a file flag they would not write is an error, except the
    VI trace, which is written beside the returned draws."""
    es = dict(data=eight_schools, seed=1)
    for call, kwargs, flag in [
        (lockstep.vi, dict(steps=200, output=str(tmp_path / "v.csv")), "--output"),
        (lockstep.vi, dict(steps=200, summary=str(tmp_path / "v.json")), "--summary"),
        (lockstep.ensemble, dict(walkers=32, steps=50, output=str(tmp_path / "e.nc")), "--output"),
        (lockstep.abc, dict(sims=2000, keep=50, schedule=str(tmp_path / "s.csv")), "--schedule"),
    ]:
        model = "peak" if call is lockstep.ensemble else "eight_schools_noncentered"
        args = dict(data=data_path("peak.csv"), seed=1) if model == "peak" else es
        with pytest.raises(lockstep.InputError, match=flag + ": not available in process"):
            call(model, **args, **kwargs)
    assert not any(tmp_path.iterdir())
    idata = lockstep.vi("eight_schools_noncentered", **es, steps=200, elbo=str(tmp_path / "trace.csv"))
    assert "posterior" in idata.groups()
    assert (tmp_path / "trace.csv").read_text().startswith("step,elbo,rel_change,fit\n")


def test_wrong_types_and_switches_are_one_line_errors(eight_schools):
    with pytest.raises(TypeError, match="model: a model's name") as e:
        lockstep.sample(5, data=eight_schools)
    assert "\n" not in str(e.value)
    raises("chains: takes a value, not True", "eight_schools_noncentered", data=eight_schools, chains=True)
    raises("target_accept: takes a value, not True", "eight_schools_noncentered", data=eight_schools,
           target_accept=True)
    raises("predict: a switch of `lockstep sample`: give True or False, not 'yes'", "eight_schools_noncentered",
           data=eight_schools, predict="yes")


INTERRUPTED_CALLS = {
    "sample": 'lockstep.sample("eight_schools_noncentered", data=DATA, chains=64, warmup=100000, draws=100000, '
              'seed=1)',
    # study and sbc run their fits through the same progress callback as sample
    "study": 'lockstep.study("eight_schools_noncentered", data=DATA, reference=REF, chains=[16], '
             'warmup=[100000], repeats=3, seed=1)',
    "sbc": 'lockstep.sbc("eight_schools_noncentered", data=DATA, replicates=10000, chains=4, warmup=200, '
           'draws=200, seed=1)',
}


@pytest.mark.parametrize("call", sorted(INTERRUPTED_CALLS))
def test_ctrl_c_interrupts_a_run(call):
    script = textwrap.dedent(f"""
        import os, signal, threading, time, lockstep
        DATA = {data_path("eight_schools.json")!r}
        REF = {data_path("reference/eight_schools_noncentered.json")!r}
        threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        t0 = time.time()
        try:
            {INTERRUPTED_CALLS[call]}
        except KeyboardInterrupt:
            print("interrupted after %.1f s" % (time.time() - t0))
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ))
    assert "interrupted after" in r.stdout, r.stdout + r.stderr
    line = [s for s in r.stdout.splitlines() if s.startswith("interrupted after")][0]
    assert float(line.split()[2]) < 20, r.stdout
