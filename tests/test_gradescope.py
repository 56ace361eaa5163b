"""The Gradescope bundle: built by ``python -m autograder gradescope OUT.zip``, its run_autograder run against a
sample submission laid out as Gradescope lays it out, and results.json validated against the documented format
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, written down below as a JSON schema)."""
from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest

from autograder import catalog
from autograder.lms.gradescope import BundleError, build_bundle, redact

from .conftest import ROOT, with_answer

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
RESULTS_SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "score": {"type": "number"}, "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"}, "number": {"type": "string"},
                "output": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": VISIBILITY, "extra_data": {"type": "object"},
            },
            "required": ["score", "max_score", "name", "output", "visibility"],
            "additionalProperties": False,
        }},
    },
    "required": ["tests"],
    "additionalProperties": False,
}
NOTEBOOKS = ["casts-1.ipynb", "casts-2.ipynb", "out-of-tape-1.ipynb"]
SEED = 777


def _hostile_answer() -> str:
    """Puts every hidden input it receives into an exception message and onto stdout."""
    return ("import numpy as np\n"
            "def rating_loss(*args, **kwargs):\n"
            "    values = [np.asarray(v).tolist() for v in list(args) + list(kwargs.values())]\n"
            "    print('LEAK', values)\n"
            "    raise ValueError('LEAK ' + repr(values))\n")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("autograder")
    bundle = root / "bundle.zip"
    config = build_bundle(bundle, NOTEBOOKS, "after_due_date", seed=SEED)
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        zf.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(modes[script])
    sub = root / "submission" / "nested"   # Gradescope keeps the folders a student uploads
    sub.mkdir(parents=True)
    nbformat.write(nbformat.read(ROOT / "solutions" / "casts-1.ipynb", as_version=4), sub / "casts-1.ipynb")
    nbformat.write(with_answer("casts-2", _hostile_answer()), sub / "casts-2.ipynb")
    # out-of-tape-1 not handed in
    env = dict(os.environ, GRADESCOPE_ROOT=str(root), GRADESCOPE_PYTHON=sys.executable, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([str(root / "source" / "run_autograder")], cwd=root, env=env, capture_output=True,
                          text=True, timeout=900)
    return {"root": root, "names": names, "modes": modes, "config": config, "proc": proc}


def test_bundle_layout(graded):
    names = graded["names"]
    assert {"setup.sh", "run_autograder", "course/gradescope.json", "course/requirements.txt"} <= set(names)
    assert all(graded["modes"][s] & stat.S_IXUSR for s in ("setup.sh", "run_autograder"))
    assert any(n.startswith("course/autograder/specs/") for n in names), "the grader needs its references"
    assert not any(n.startswith(("course/solutions/", "course/tests/")) for n in names)
    assert sorted(n for n in names if n.startswith("course/exercises/")) == sorted(
        f"course/exercises/{n}" for n in catalog.notebooks())


def test_results_json_follows_gradescope_format(graded):
    proc, root = graded["proc"], graded["root"]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    doc = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(doc, RESULTS_SCHEMA)
    tests = {t["name"].split(":")[0]: t for t in doc["tests"]}
    assert list(tests) == ["casts-1", "casts-2", "out-of-tape-1"]
    assert (tests["casts-1"]["score"], tests["casts-1"]["max_score"]) == (2, 2)
    assert tests["casts-2"]["score"] == 0 and "ValueError" in tests["casts-2"]["output"]
    assert tests["out-of-tape-1"]["score"] == 0 and "not in your submission" in tests["out-of-tape-1"]["output"]
    assert doc["score"] == 2 and doc["stdout_visibility"] == "hidden"
    assert all(t["visibility"] == "after_due_date" for t in doc["tests"])


def test_hidden_inputs_never_appear_in_results(graded):
    text = (graded["root"] / "results" / "results.json").read_text()
    assert "LEAK" in text  # the hostile message did arrive, so the check below means something
    assert not re.findall(r"\d\.\d{3,}", text), "a number with 3+ decimals in results.json"
    hidden = catalog.get("casts-2").cases(SEED)
    for case in hidden:
        for value in case.values():
            for v in value.ravel()[:20]:
                if value.dtype.kind == "f":
                    assert f"{float(v):.3f}" not in text


def test_redact_keeps_the_course_messages():
    msg = "the gradient for `w` has wrong values (off by up to 0.12 from the correct gradient), shape (3, 1)"
    assert redact(msg) == msg
    assert redact("raised ValueError: [0.12345, -1.5e-07, 3.0]") == "raised ValueError: […, …, 3.0]"


def test_bundle_rejects_bad_arguments(tmp_path):
    with pytest.raises(BundleError, match="not released"):
        build_bundle(tmp_path / "b.zip", ["nope.ipynb"])
    with pytest.raises(BundleError, match="visibility"):
        build_bundle(tmp_path / "b.zip", None, "sometimes")
    assert not (tmp_path / "b.zip").exists()
