"""The pending check-quality corpus (tests/check_corpus_pending/, see its README): every known-wrong answer is
rejected by its exercise's check and every known-right answer, written differently from the solution, passes.
Superseded by tests/test_check_quality.py once the corpus moves to tests/check_corpus/."""
from __future__ import annotations

import importlib.util

import pytest

from autograder import catalog
from autograder.learner import evaluate

from .conftest import ROOT, namespace_of, with_answer

PENDING = ROOT / "tests" / "check_corpus_pending"


def _entries():
    for path in sorted(PENDING.glob("[a-z]*.py")):
        ex_id = path.stem.replace("_", "-")
        spec = importlib.util.spec_from_file_location(f"corpus_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for kind, table in (("wrong", module.WRONG), ("right", module.RIGHT)):
            for description, source in table.items():
                yield pytest.param(ex_id, kind, source, id=f"{ex_id}-{kind}-{description[:40]}")


@pytest.mark.parametrize("ex_id, kind, source", list(_entries()))
def test_pending_corpus(ex_id, kind, source):
    catalog.get(ex_id)   # the file names a real exercise
    result = evaluate(ex_id, namespace_of(with_answer(ex_id, source)))
    if kind == "wrong":
        assert not result.passed, f"{ex_id}: a known-wrong answer passes the check"
    else:
        assert result.passed, f"{ex_id}: a known-right answer fails: {result.problems}"


def test_pending_corpus_is_large_enough():
    for path in sorted(PENDING.glob("[a-z]*.py")):
        spec = importlib.util.spec_from_file_location(f"corpus_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert len(module.WRONG) >= 3 and len(module.RIGHT) >= 2, path.name
