"""Every solution notebook passes nbval with TensorFlow's oneDNN kernels off and on.

TF_ENABLE_ONEDNN_OPTS picks different CPU kernels (Intel machines default to on, AMD ones to off here), and they
round float32 results differently in the last digits. Running nbval under both settings on one machine makes a
stored output that depends on those digits fail here, not on a learner's or instructor's machine of the other kind.
The two runs are started together, since each is mostly one kernel at a time and the machine has two cores.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import ROOT

SETTINGS = ("0", "1")


@pytest.fixture(scope="module")
def nbval_runs(tmp_path_factory):
    runs = {}
    for value in SETTINGS:
        state = tmp_path_factory.mktemp(f"onednn{value}") / "hints.json"
        env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=value, GRADIENT_COURSE_STATE=str(state))
        for leaked in ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
            env.pop(leaked, None)  # nbval must load, and only the project's own options apply
        # pyproject's addopts supply --nbval and the sanitizer, exactly as for a developer's `pytest solutions`.
        runs[value] = subprocess.Popen([sys.executable, "-m", "pytest", "solutions", "-q", "-p", "no:cacheprovider"],
                                       cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        results = {}
        for value, proc in runs.items():
            output, _ = proc.communicate()
            results[value] = (proc.returncode, output)
        yield results
    finally:
        for proc in runs.values():
            if proc.poll() is None:
                proc.kill()


@pytest.mark.parametrize("value", SETTINGS)
def test_solutions_pass_nbval(nbval_runs, value):
    code, output = nbval_runs[value]
    assert code == 0, f"nbval failed with TF_ENABLE_ONEDNN_OPTS={value}:\n{output[-6000:]}"
    assert " passed" in output.splitlines()[-1], output[-2000:]  # it really ran the notebooks
