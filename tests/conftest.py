"""Shared fixtures: a private hint state, and helpers to build submissions from the released notebooks."""
from __future__ import annotations

import copy
import os
from pathlib import Path

import nbformat
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from autograder import catalog  # noqa: E402
from autograder.notebook import answer_cells, role  # noqa: E402

ROOT = catalog.REPO_ROOT


@pytest.fixture(autouse=True)
def _private_hint_state(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIENT_COURSE_STATE", str(tmp_path / "hints.json"))


def released(ex_id: str):
    return nbformat.read(catalog.EXERCISES_DIR / catalog.get(ex_id).notebook, as_version=4)


def with_answer(ex_id: str, source: str, base=None):
    """The released notebook for ``ex_id`` with its answer cell replaced by ``source``."""
    nb = copy.deepcopy(base if base is not None else released(ex_id))
    answer_cells(nb)[ex_id][0].source = source
    return nb


def namespace_of(nb) -> dict:
    """Run a notebook's given and answer cells in-process (trusted: only course notebooks) and return globals."""
    from autograder import quiet_start
    quiet_start()
    ns: dict = {"__name__": "__main__"}
    for cell in nb.cells:
        if cell.cell_type == "code" and role(cell) in ("given", "answer"):
            exec(compile(cell.source, f"<{role(cell)}>", "exec"), ns)  # noqa: S102
    return ns


def write(nb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


# A right answer to casts-1 that relies on a helper; in the answer cell it passes, in an extra cell it must not.
HELPER = "def as_float(t):\n    return tf.cast(t, tf.float32)\n"
USES_HELPER = ("def mse_loss(w, x, labels):\n"
               "    return tf.reduce_mean(tf.square(tf.matmul(x, w) - as_float(labels)))\n")


def with_extra_cell(nb, source: str):
    """``nb`` with a plain code cell (no course metadata, as Jupyter's "insert cell" makes) before the answer."""
    nb = copy.deepcopy(nb)
    i = next(i for i, c in enumerate(nb.cells) if role(c) == "answer")
    nb.cells.insert(i, nbformat.v4.new_code_cell(source))
    return nb


def kernel_namespace(nb) -> dict:
    """Run every code cell but set-up and check cells as a Jupyter kernel would, with IPython's ``In`` history."""
    from autograder import quiet_start
    quiet_start()
    ns: dict = {"__name__": "__main__", "In": [""]}
    for cell in nb.cells:
        if cell.cell_type == "code" and role(cell) not in ("setup", "check"):
            ns["In"].append(cell.source)
            try:
                exec(compile(cell.source, "<cell>", "exec"), ns)  # noqa: S102 - course notebooks only
            except Exception:  # noqa: BLE001 - a cell that fails shows its error; the learner runs on
                pass
    return ns
