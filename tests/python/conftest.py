"""Shared fixtures of the Python package's tests: the repository's data and the `lockstep`
command built beside the package (CMakeLists.txt sets LOCKSTEP_SOURCE_DIR and LOCKSTEP_BIN)."""
import json
import os
import subprocess

import pytest

SOURCE_DIR = os.environ.get("LOCKSTEP_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
LOCKSTEP_BIN = os.environ.get("LOCKSTEP_BIN", os.path.join(SOURCE_DIR, "build", "lockstep"))


def data_path(name):
    return os.path.join(SOURCE_DIR, "data", name)


def run_command(args, cwd):
    """Runs the `lockstep` command; returns the CompletedProcess (text)."""
    return subprocess.run([LOCKSTEP_BIN] + args, cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def eight_schools():
    with open(data_path("eight_schools.json")) as f:
        return json.load(f)


@pytest.fixture(scope="session")
def eight_schools_reference():
    with open(data_path("reference/eight_schools_noncentered.json")) as f:
        return json.load(f)
