"""The instructor's grader end to end: one class folder graded once, then each row checked."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

import pytest

from autograder import catalog
from autograder.learner import evaluate

from .conftest import ROOT, namespace_of, with_answer, write
from .test_adversarial import JAIL_PROBLEM

CASTS_WRONG_FIXES = {
    # A gradient that exists but is wrong, and a forward value that changed.
    "sum_not_mean": ('''def mse_loss(w, x, labels):
    predictions = tf.matmul(x, w)
    return tf.reduce_sum(tf.square(predictions - tf.cast(labels, tf.float32)))''',
                     ["the value your function returns is not the intended result", "the gradient for `w` has wrong values"]),
    # A "fix" that changes the loss so a gradient appears.
    "dropped_labels": ('''def mse_loss(w, x, labels):
    return tf.reduce_mean(tf.square(tf.matmul(x, w)))''', ["the value your function returns is not the intended result"]),
    # Hard-coding the value seen in the notebook.
    "hard_coded": ('''def mse_loss(w, x, labels):
    return tf.constant(0.5274999737739563)''', ["the gradient for `w` is None"]),
    # Keeps the broken forward pass and adds a zero path so the gradient is "not None".
    "zero_path": ('''def mse_loss(w, x, labels):
    p = tf.cast(tf.matmul(x, w), tf.int32)
    return tf.reduce_mean(tf.cast(tf.square(p - labels), tf.float32)) + 0.0 * tf.reduce_sum(w)''',
                  ["the gradient for `w` is exactly zero everywhere"]),
}


# Tries to smuggle the hidden inputs out through its error message (and prints them). Grader only: its given
# cell fails too, which the in-process learner test helper does not allow.
LEAKS_INPUTS = '''def mse_loss(w, x, labels):
    print("hidden inputs:", w.numpy().tolist(), x.numpy().tolist())
    raise ValueError(f"w={w.numpy().tolist()} x={x.numpy().tolist()}")'''


@pytest.mark.parametrize("name", sorted(CASTS_WRONG_FIXES))
def test_learner_check_rejects_wrong_fix(name):
    source, expected = CASTS_WRONG_FIXES[name]
    result = evaluate("casts-1", namespace_of(with_answer("casts-1", source)))
    assert not result.passed
    for fragment in expected:
        assert any(fragment in p for p in result.problems), (fragment, result.problems)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade a class holding every solution, every untouched exercise, broken files and wrong fixes."""
    if JAIL_PROBLEM:
        pytest.skip(f"no jail on this machine: {JAIL_PROBLEM}")
    subs = tmp_path_factory.mktemp("class")
    out = tmp_path_factory.mktemp("report")
    for name in catalog.notebooks():
        for student, folder in (("solved", "solutions"), ("shipped", "exercises")):
            (subs / student).mkdir(exist_ok=True)
            shutil.copy(ROOT / folder / name, subs / student / name)
    (subs / "empty").mkdir()
    (subs / "empty" / "casts-1.ipynb").write_bytes(b"")
    (subs / "invalid").mkdir()
    (subs / "invalid" / "casts-1.ipynb").write_text('{"cells": [')
    for name, (source, _) in CASTS_WRONG_FIXES.items():
        write(with_answer("casts-1", source), subs / f"wrong-{name}" / "casts-1.ipynb")
    write(with_answer("casts-1", LEAKS_INPUTS), subs / "wrong-leaks_inputs" / "casts-1.ipynb")
    # The flat layout of LMS downloads sits beside the folders.
    shutil.copy(ROOT / "solutions" / "casts-1.ipynb", subs / "flat_casts-1.ipynb")
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out),
                           "--no-progress"], capture_output=True, text=True, timeout=1200)
    rows = json.loads((out / "grades.json").read_text())
    return proc, out, {(r["student"], r["exercise"]): r for r in rows}


def test_grade_exits_zero_and_writes_all_reports(graded):
    proc, out, rows = graded
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("grades.csv", "grades.json", "junit.xml"):
        assert (out / name).stat().st_size > 0
    with open(out / "grades.csv") as f:
        assert len(list(csv.DictReader(f))) == len(rows)
    assert "pass rate" in proc.stdout


def test_solutions_get_full_marks(graded):
    _, _, rows = graded
    for ex in catalog.all_exercises():
        r = rows[("solved", ex.id)]
        assert (r["status"], r["points"]) == ("passed", ex.points), r


def test_shipped_exercises_get_zero_with_reasons(graded):
    _, _, rows = graded
    for ex in catalog.all_exercises():
        r = rows[("shipped", ex.id)]
        assert r["points"] == 0 and r["status"] in ("failed", "error") and r["reasons"], r


def test_broken_files_get_an_error_row(graded):
    _, _, rows = graded
    assert rows[("empty", "casts-1")]["status"] == "error"
    assert "empty" in rows[("empty", "casts-1")]["reasons"][0]
    assert "not valid notebook JSON" in rows[("invalid", "casts-1")]["reasons"][0]


def test_wrong_fixes_lose_points_with_reasons(graded):
    _, _, rows = graded
    for name, (_, expected) in CASTS_WRONG_FIXES.items():
        r = rows[(f"wrong-{name}", "casts-1")]
        assert r["points"] == 0, r
        for fragment in expected:
            assert any(fragment in reason for reason in r["reasons"]), (fragment, r["reasons"])


def test_flat_layout_names_the_student(graded):
    _, _, rows = graded
    assert rows[("flat", "casts-1")]["status"] == "passed"


def _hidden_numbers(seed: int) -> set[str]:
    """Every hidden input and expected value of every exercise, as the strings a leak would show them."""
    import numpy as np
    from autograder.learner import run_entry
    texts = set()
    for ex in catalog.all_exercises():
        arrays = [a for case in ex.cases(seed) for a in case.values()]
        for result in run_entry(ex, ex.reference, seed):
            arrays += [a for a in result.values() if a is not None]
        for a in arrays:
            for v in np.asarray(a, dtype=np.float64).ravel()[:200]:
                if abs(v) > 1e-3 and v != round(v):   # integers (labels, counts) are too common to test
                    # at least 4 decimals: a leak, never a common string such as "0.5"
                    texts |= {t for t in (f"{v:.6f}", repr(float(np.float32(v)))) if len(t.split(".")[-1]) >= 4}
    return texts


def test_feedback_explains_every_lost_point_with_hint(graded):
    _, out, rows = graded
    for (student, ex_id), r in rows.items():
        if r["status"] == "passed":
            continue
        text = (out / "feedback" / f"{student}.md").read_text()
        assert r["reasons"], r
        for reason in r["reasons"]:
            assert f"- Lost points: {reason}" in text, (student, reason)
        if ex_id != "?":
            assert f"- Hint: {catalog.get(ex_id).hints[0]}" in text, student


def test_feedback_never_reveals_hidden_values(graded):
    from autograder.grading.outcome import GRADER_SEED
    _, out, rows = graded
    hidden = _hidden_numbers(GRADER_SEED)
    assert len(hidden) > 50
    for path in sorted((out / "feedback").glob("*.md")):
        text = path.read_text()
        leaked = sorted(h for h in hidden if h in text)
        assert not leaked, (path.name, leaked[:5])
    # The leaking submission still gets its reason, with the numbers cut out.
    reason = rows[("wrong-leaks_inputs", "casts-1")]["reasons"][0]
    assert "calling `mse_loss` raised ValueError" in reason and "…" in reason


def test_failed_gradient_check_carries_the_doctors_diagnosis(graded):
    """When a gradient is None, zero or NaN, the sandboxed child asks the gradient doctor why (on the first hidden
    case) and the feedback carries its one-line cause; a passing row never does."""
    _, out, rows = graded
    r = rows[("shipped", "casts-1")]
    diagnosis = [n for n in r["notes"] if n.startswith("gradient doctor:")]
    from autograder.doctor.causes import CAUSES
    # The verdict as the doctor's sentence for the cause (a learner cannot act on a bare code).
    assert diagnosis and CAUSES[catalog.get("casts-1").cause].meaning in diagnosis[0], r["notes"]
    assert "Cast to int32" in diagnosis[0]
    assert diagnosis[0] in (out / "feedback" / "shipped.md").read_text()
    assert not any("gradient doctor" in n for n in rows[("solved", "casts-1")]["notes"])


def test_grading_runs_the_notebook_up_to_its_last_check_cell():
    """check() sees the state at its own cell; the grader runs the same cells, not a closing demo after it."""
    from autograder.notebook import new_notebook, splice
    release = new_notebook([("setup", "import autograder", None), ("given", "x = 1", None),
                            ("answer", "def f(): pass", "ex-1"), ("given", "y = f()", None),
                            ("check", 'check("ex-1")', None), ("given", "train_for_an_hour()", None)])
    labels = [label for label, _ in splice(release, release).cells]
    assert labels == ["given cell 2", "answer ex-1", "given cell 4"], labels
    release.cells.append(new_notebook([("answer", "def g(): pass", "ex-2")]).cells[0])   # an answer, no check
    assert [label for label, _ in splice(release, release).cells][-2:] == ["given cell 6", "answer ex-2"]
