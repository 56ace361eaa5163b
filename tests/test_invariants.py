"""The course's dev check (as rustlings' has): every exercise fails as shipped, every solution passes, and the
catalog, notebooks, book and table of contents agree with one another."""
from __future__ import annotations

import re

import nbformat
import pytest
import yaml

from autograder import catalog
from autograder.learner import evaluate, symptom
from autograder.notebook import answer_cells, role

from .conftest import ROOT, namespace_of

EXERCISES = [ex.id for ex in catalog.all_exercises()]
CAUSES = {"not_watched", "untracked_variable", "outside_tape", "non_differentiable_op", "stop_gradient",
          "left_tensorflow", "stateful_op", "no_gradient_registered", "underflow", "saturation", "nan_forward",
          "nan_backward", "wrong_custom_gradient", "unknown", "integer_input"}


def _nb(folder, ex_id):
    return nbformat.read(ROOT / folder / catalog.get(ex_id).notebook, as_version=4)


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_exercise_fails_as_shipped(ex_id):
    result = evaluate(ex_id, namespace_of(_nb("exercises", ex_id)))
    assert not result.passed, f"{ex_id} passes its check as shipped: the exercise teaches nothing"
    assert all(len(p) > 15 for p in result.problems), result.problems  # specific messages, not just "failed"
    shipped = getattr(catalog.get(ex_id).module, "SYMPTOM", None)
    if shipped is not None:   # the learner's feedback compares the current symptom with this one
        assert symptom(result.problems) == shipped, (ex_id, result.problems)


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_solution_passes(ex_id):
    result = evaluate(ex_id, namespace_of(_nb("solutions", ex_id)))
    assert result.passed, result.problems


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_spec_metadata_is_complete(ex_id):
    ex = catalog.get(ex_id)
    assert re.fullmatch(r"[a-z0-9-]+", ex.id)
    assert ex.points > 0 and len(ex.hints) >= 2 and ex.why and ex.title
    # CAUSE "" is allowed only with a stated reason: bugs the doctor cannot see (a wrong-by-a-factor gradient).
    assert ex.cause in CAUSES or (ex.cause == "" and getattr(ex.module, "DOCTOR_BLIND", "")), \
        f"{ex_id}: CAUSE {ex.cause!r} is not one of the doctor's causes"
    assert len(ex.cases(1)) >= 2, "at least two hidden cases"
    a, b = ex.cases(1), ex.cases(1)
    assert all((a[i][k] == b[i][k]).all() for i in range(len(a)) for k in a[i]), "cases must depend only on the seed"


def test_solutions_mirror_exercises():
    ex_files = sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
    sol_files = sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb"))
    assert ex_files == sol_files
    assert sorted(catalog.notebooks()) == ex_files, "every released notebook belongs to a catalog exercise"


@pytest.mark.parametrize("name", catalog.notebooks())
def test_notebook_structure(name):
    ex = nbformat.read(ROOT / "exercises" / name, as_version=4)
    sol = nbformat.read(ROOT / "solutions" / name, as_version=4)
    ids = sorted(e.id for e in catalog.by_notebook(name))
    for nb in (ex, sol):
        answers = answer_cells(nb)
        assert sorted(answers) == ids and all(len(v) == 1 for v in answers.values())
        checks = [c.source for c in nb.cells if role(c) == "check"]
        assert sorted(checks) == sorted(f'check("{i}")' for i in ids)
        assert role(next(c for c in nb.cells if c.cell_type == "code")) == "setup"
    # Everything but the answers is identical, so a solution is the exercise plus a fix.
    same = [(c.cell_type, role(c), c.source) for c in ex.cells if role(c) != "answer"]
    assert same == [(c.cell_type, role(c), c.source) for c in sol.cells if role(c) != "answer"]
    assert not any(c.get("outputs") for c in ex.cells if c.cell_type == "code"), "ship exercises without outputs"


def _toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [ch["file"] for ch in part.get("chapters", []) if "file" in ch]
    return files


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_chapter_exists_and_links_exercise(ex_id):
    ex = catalog.get(ex_id)
    page = ROOT / "book" / f"{ex.chapter}.md"
    assert page.exists(), f"{ex_id}: chapter book/{ex.chapter}.md is missing"
    assert f"book/{ex.chapter}" in _toc_files(), f"book/{ex.chapter} is not in _toc.yml"
    assert f"exercises/{ex.notebook}" in page.read_text(), f"book/{ex.chapter}.md does not link {ex.notebook}"
