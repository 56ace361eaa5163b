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
