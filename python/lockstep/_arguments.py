"""Python arguments to lockstep's command-line words, and data to the engine's in-memory text.

The package has no argument parser of its own: ``lockstep.sample(model, chains=64,
target_accept=0.9, formula="y ~ x")`` becomes the command line ``sample MODEL --chains 64
--target-accept 0.9 --formula "y ~ x"``, parsed by the very code that parses the command's
flags, so names, defaults, checks and error messages are the command's.
"""
import json
import os

import numpy as np


def flag_words(options, repeatable=()):
    """``{"target_accept": 0.9, "save_warmup": True, "prior": [a, b], "chains": [16, 256]}`` ->
    ``["--target-accept", "0.9", "--save-warmup", "--prior", a, "--prior", b, "--chains", "16,256"]``.

    True gives a switch, False and None give nothing, a list or tuple repeats a flag named in
    `repeatable` (the glmm's --prior) and is one comma-separated value otherwise (study's
    --chains and --warmup, the ensemble's --init-ball), and ``set={"priors": "seed"}`` gives
    ``--set priors=seed`` (model options). Switches come last, so that True given to a flag that
    takes a value is reported as that flag's missing value, not as the next flag's text."""
    words, switches = [], []
    for name, value in options.items():
        if value is None or value is False or value is np.False_:
            continue
        flag = "--" + name.replace("_", "-")
        if name == "set" and isinstance(value, dict):
            for key, v in value.items():
                words += ["--set", f"{key}={_text(v)}"]
        elif value is True or value is np.True_:
            switches.append(flag)
        elif isinstance(value, (list, tuple, np.ndarray)) and flag in repeatable:
            for v in value:
                words += [flag, _text(v)]
        elif isinstance(value, (list, tuple, np.ndarray)):
            words += [flag, ",".join(_text(v) for v in value)]
        else:
            words += [flag, _text(value)]
    return words + switches


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def _json_value(value):
    """numpy arrays and scalars, pandas Series: plain lists and numbers for json.dumps."""
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"data: a value of type {type(value).__name__} cannot be given to lockstep")


def _check_finite(key, value, origin):
    """The JSON reader's message for a value that is not finite (JSON has no NaN)."""
    from . import InputError
    try:
        array = np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=float)
    except (TypeError, ValueError):
        return
    bad = np.flatnonzero(~np.isfinite(array.reshape(-1)))
    if bad.size:
        where = f"value {bad[0] + 1} " if array.ndim else ""
        raise InputError(f"{origin}: field '{key}': {where}is not finite ({array.reshape(-1)[bad[0]]})")


def data_arguments(data, flag="--data"):
    """(words, text, format) for ``data``: a path gives ``--data PATH``; a dict is sent as JSON
    text and a pandas DataFrame as CSV text, in memory (no file is written). `flag`: --data or
    --newdata."""
    if data is None:
        return [], "", ""
    if isinstance(data, (str, os.PathLike)):
        return [flag, os.fspath(data)], "", ""
    if hasattr(data, "to_csv") and hasattr(data, "columns"):
        return [], data.to_csv(index=False, na_rep="NA"), "csv"
    if isinstance(data, dict):
        for key, value in data.items():
            _check_finite(key, value, flag[2:])
        return [], json.dumps(data, default=_json_value), "json"
    raise TypeError(f"{flag[2:]}: give a dict, a pandas DataFrame or a path to a JSON or CSV file, "
                    f"not {type(data).__name__}")
