"""Check quality, proven the way mutation testing proves a test suite: every known-wrong answer in
tests/check_corpus/ is rejected, every right-but-different answer passes, and mechanical mutants of each solution
either die or are listed as equivalent (with the reason) in tests/check_corpus/mutate.py.

Most of it runs in this process (TensorFlow imported once; the same probe + comparison as the check and the
grader); a sample also goes through the real grader (sandboxed child processes), so the two cannot drift apart.
"""
from __future__ import annotations

import pytest

from autograder import catalog

from .check_corpus import mutate
from .check_corpus.run import corpus, verdict

EXERCISES = [ex.id for ex in catalog.all_exercises()]


def _answers(kind: str):
    return [pytest.param(ex_id, name, id=f"{ex_id}: {name[:50]}")
            for ex_id in EXERCISES for name in getattr(corpus(ex_id), kind)]


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_corpus_is_big_enough(ex_id):
    c = corpus(ex_id)
    assert len(c.WRONG) >= 3, f"{ex_id}: at least three known-wrong answers"
    assert len(c.RIGHT) >= 2, f"{ex_id}: at least two right answers written differently from the solution"


@pytest.mark.parametrize("ex_id, name", _answers("WRONG"))
def test_wrong_answer_is_rejected(ex_id, name):
    result = verdict(ex_id, corpus(ex_id).WRONG[name])
    assert not result.passed, f"{ex_id} accepts a wrong answer: {name}"
    assert all(len(p) > 15 for p in result.problems), result.problems


@pytest.mark.parametrize("ex_id, name", _answers("RIGHT"))
def test_right_answer_passes(ex_id, name):
    result = verdict(ex_id, corpus(ex_id).RIGHT[name])
    assert result.passed, f"{ex_id} rejects a right answer ({name}): {result.problems}"


def test_mutants_die_or_are_known_equivalents():
    tallies = mutate.survey()
    print("\n" + mutate.table(tallies))       # the survival table (shown with -s, and in the log on failure)
    unexplained = {t.exercise: t.unexplained for t in tallies if t.unexplained}
    assert not unexplained, ("mutants of the solutions that the checks accept; either a hidden case must reach "
                             f"the regime where they differ, or they are equivalent (add them, with the reason, "
                             f"to EQUIVALENT in tests/check_corpus/mutate.py):\n{mutate.table(tallies)}")
    stale = [k for k in mutate.EQUIVALENT if k[0] in EXERCISES and k[1] not in
             {s for t in tallies if t.exercise == k[0] for s in t.survivors}]
    assert not stale, f"EQUIVALENT lists mutants that no longer survive (remove them): {stale}"
    assert sum(t.total for t in tallies) >= 5 * len(EXERCISES), "the mutator found too few mutation points"


# The real grader (sandbox, separate processes), on a sample of the corpus: same verdicts as in-process.
GRADER_SAMPLE = [
    ("no-grad-ops-2", "WRONG", "the naive log(Phi(z)) with erfc: -inf in the tail"),
    ("no-grad-ops-2", "WRONG", "the naive form floored at 1e-30: finite, but wrong in the tail"),
    ("custom-gradient-1", "WRONG", "@tf.custom_gradient removed: autodiff of the forward formula (right numbers, "
                                   "goal broken)"),
    ("capstone-1", "RIGHT", "add_weight(shape=(1,)) for the scalar"),
    ("nan-2", "RIGHT", "sqrt(sq + 1) - 1 where sq == 0"),
]


def test_the_grader_agrees_on_a_sample(tmp_path):
    from autograder.__main__ import _hidden_paths
    from autograder.grading.outcome import Grader
    from autograder.sandbox.pool import Sandbox

    from .conftest import with_answer, write
    paths = {}
    for i, (ex_id, kind, name) in enumerate(GRADER_SAMPLE):
        source = getattr(corpus(ex_id), kind)[name]
        paths[i] = write(with_answer(ex_id, source), tmp_path / f"s{i}" / catalog.get(ex_id).notebook)
    with Sandbox(hide=_hidden_paths()) as sandbox:
        grader = Grader(sandbox, seed=4321)
        pending = {i: grader.start(f"s{i}", p, catalog.get(GRADER_SAMPLE[i][0]).notebook) for i, p in paths.items()}
        for i, p in pending.items():
            ex_id, kind, name = GRADER_SAMPLE[i]
            outcome = next(o for o in p.outcomes() if o.exercise == ex_id)
            assert (outcome.status == "passed") == (kind == "RIGHT"), (ex_id, name, outcome.reasons)
            if ex_id == "custom-gradient-1":
                assert any("keep the custom gradient" in r for r in outcome.reasons), outcome.reasons
