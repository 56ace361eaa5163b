"""Run an answer-cell source through an exercise's check, in this process (same probe and comparison as the
learner's check and the grader: autograder.learner.evaluate -> autograder.compare.compare).

The answer runs after the released notebook's set-up-free code cells that come before it (its imports and given
code), in a fresh namespace, exactly as a learner's kernel would have run them top to bottom.
"""
from __future__ import annotations

import importlib

import nbformat

from autograder import catalog
from autograder.learner import evaluate
from autograder.notebook import answer_cells, exercise_of, role

_PRELUDES: dict[str, list] = {}


def prelude(ex_id: str) -> list:
    """Compiled given cells that precede the exercise's answer cell in its released notebook."""
    if ex_id not in _PRELUDES:
        nb = nbformat.read(catalog.EXERCISES_DIR / catalog.get(ex_id).notebook, as_version=4)
        code = []
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            if role(cell) == "answer" and exercise_of(cell) == ex_id:
                break
            if role(cell) == "given":
                code.append(compile(cell.source, "<given>", "exec"))
        _PRELUDES[ex_id] = code
    return _PRELUDES[ex_id]


def namespace_with(ex_id: str, source: str) -> dict:
    """The namespace after the prelude and ``source`` (the answer cell) ran. Errors in ``source`` propagate."""
    from autograder import quiet_start
    quiet_start()
    ns: dict = {"__name__": "__main__"}
    for code in prelude(ex_id):
        try:
            exec(code, ns)  # noqa: S102 - the course's own given cells
        except Exception:  # noqa: BLE001 - a given cell may use another exercise's (broken) answer
            pass
    exec(compile(source, "<answer>", "exec"), ns)  # noqa: S102 - trusted corpus / mutants of solutions
    return ns


def verdict(ex_id: str, source: str):
    """The check's Result for ``source`` (no gradient doctor: it explains, it does not decide)."""
    return evaluate(ex_id, namespace_with(ex_id, source), diagnose=False)


def corpus(ex_id: str):
    """The corpus module of an exercise: ``casts-1`` -> tests/check_corpus/casts_1.py."""
    return importlib.import_module(f"tests.check_corpus.{ex_id.replace('-', '_')}")


def solution_source(ex_id: str) -> str:
    nb = nbformat.read(catalog.SOLUTIONS_DIR / catalog.get(ex_id).notebook, as_version=4)
    return answer_cells(nb)[ex_id][0].source
