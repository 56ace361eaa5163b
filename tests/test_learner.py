"""The in-notebook check: what a learner sees, call after call."""
from __future__ import annotations

import nbformat

import autograder

from .conftest import ROOT, namespace_of, released


def test_check_on_a_solution_says_solved_and_why(capsys):
    ns = namespace_of(nbformat.read(ROOT / "solutions" / "casts-1.ipynb", as_version=4))
    capsys.readouterr()
    autograder.check("casts-1", ns)
    out = capsys.readouterr().out
    assert "✅ casts-1 solved" in out and "Why this works:" in out and "Next:" in out


def test_hints_get_more_specific_and_the_doctor_names_the_op(capsys):
    ns = namespace_of(released("casts-1"))
    capsys.readouterr()
    autograder.check("casts-1", ns)
    first = capsys.readouterr().out
    autograder.check("casts-1", ns)
    second = capsys.readouterr().out
    assert "not solved yet" in first and "Hint 1/3" in first and "Hint 2/3" in second
    assert "the gradient for `w` is None" in first
    assert "gradient doctor:" in first and "Cast to int32" in first


def test_check_finds_the_callers_globals(capsys):
    ns = namespace_of(nbformat.read(ROOT / "solutions" / "casts-1.ipynb", as_version=4))
    exec("import autograder\nautograder.check('casts-1')", ns)  # noqa: S102 - as a notebook cell would
    assert "solved" in capsys.readouterr().out
