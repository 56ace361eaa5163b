"""The learner's loop: ``check("casts-1")`` in a notebook gives instant feedback with staged hints."""
from __future__ import annotations

import inspect
import traceback
from dataclasses import dataclass, field

from . import answer_rules, catalog, hints
from .compare import compare
from .lms.colab import where
from .messages import explain

# Learners see these inputs' effects, never the grader's (the grader uses its own seed).
LEARNER_SEED = 1234


@dataclass
class Result:
    exercise: catalog.Exercise
    problems: list[str] = field(default_factory=list)
    hint: str | None = None
    hint_stage: tuple[int, int] | None = None
    diagnosis: str | None = None
    note: str | None = None        # when the symptom is no longer the shipped bug's: what the current one means

    @property
    def passed(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        ex = self.exercise
        if self.passed:
            lines = [f"✅ {ex.id} solved: {ex.title}", f"Why this works: {ex.why}"]
            nxt = catalog.next_after(ex.id)
            lines.append(f"Next: {nxt.id} ({nxt.title}) in {where(nxt.notebook)}" if nxt
                         else "That was the last exercise: well done!")
            return "\n".join(lines)
        lines = [f"❌ {ex.id} not solved yet:"] + [f"  - {p}" for p in self.problems]
        if self.note:
            lines.append(self.note)
        if self.diagnosis:
            lines.append(self.diagnosis)
        if self.hint:
            i, n = self.hint_stage
            lines.append(f"Hint {i}/{n}: {self.hint}")
            if i < n:
                lines.append(f"(more: `python -m autograder hint {ex.id}`, or `autograder.hint(\"{ex.id}\")` here)")
        return "\n".join(lines)


# --- evaluation ----------------------------------------------------------------------------------------------

def run_entry(ex: catalog.Exercise, fn, seed: int) -> list[dict]:
    return [ex.probe(fn, case) for case in ex.cases(seed)]


_REFERENCES: dict[tuple[str, int], list[dict]] = {}


def references(ex: catalog.Exercise, seed: int) -> list[dict]:
    """The reference's probe results (computed once per process: a warm kernel or ``watch`` re-checks fast)."""
    key = (ex.id, seed)
    if key not in _REFERENCES:
        _REFERENCES[key] = run_entry(ex, ex.reference, seed)
    return _REFERENCES[key]


def evaluate(exercise_id: str, namespace: dict, seed: int = LEARNER_SEED, diagnose: bool = True) -> Result:
    """Run the learner's function and the reference on the same hidden inputs and compare (no hint).

    ``diagnose``: on failure, add the gradient doctor's explanation (slow-ish; the check-quality tests skip it).
    """
    ex = catalog.get(exercise_id)
    fn = namespace.get(ex.entry)
    if fn is None:
        return Result(ex, [f"`{ex.entry}` is not defined: run the answer cell (the one that defines it) first"])
    outside = answer_rules.in_kernel(ex, namespace)
    if outside:
        return Result(ex, [answer_rules.outside_message(n) for n in outside])
    try:
        students = run_entry(ex, fn, seed)
    except Exception as exc:  # the learner's code failing is feedback, not a crash
        frames = traceback.extract_tb(exc.__traceback__)
        where = next((f"line {f.lineno}" for f in reversed(frames) if f.filename.startswith("<")), "")
        return Result(ex, [f"calling `{ex.entry}` raised {type(exc).__name__}"
                           f"{' at ' + where if where else ''}: {explain(exc)}".rstrip(": ")])
    result = Result(ex, compare(students, references(ex, seed), ex.rtol, ex.atol))
    if not result.passed and diagnose:
        result.diagnosis = doctor_summary(ex, fn, seed)
    return result


def doctor_summary(ex: catalog.Exercise, fn, seed: int) -> str | None:
    """The gradient doctor's verdict, one sentence per problem, or None (it must never break a check)."""
    try:
        from .doctor.exercise import diagnose_entry
        report = diagnose_entry(ex, fn, ex.cases(seed)[0])
        return verdict_sentences(report) if report is not None else None
    except Exception:  # noqa: BLE001 - a diagnosis is a bonus; the check result stands without it
        return None


def verdict_sentences(report) -> str | None:
    """The doctor's findings as sentences from its catalogue of causes (never a bare code like `flat_region`)."""
    return report.sentences()


# How a failed check shows, in the order a learner should deal with them, and what each means now.
SYMPTOMS = {
    "crash": None,
    "structure": None,          # the requirement's own message says it all
    "none": "the gradient is None now: the tape found no path from the result to that input (a cast to an "
            "integer, NumPy, a stop_gradient, or code that ran outside the tape?)",
    "nan": "the gradient (or the value) contains inf or NaN now: some op on the path is infinite at some "
           "hidden input (a log or sqrt at 0, a division), in the forward or the backward pass",
    "zero": "the gradient is exactly zero now where it should not be: something on the path is flat (a clip, a "
            "saturated activation, or unconnected_gradients=ZERO turning a None into zeros?)",
    "wrong": "the gradient exists now, but the numbers are off: compare it with finite differences "
             "(tf.test.compute_gradient), and check that the value itself is the one the exercise defines",
}


def symptom(problems: list[str]) -> str:
    """The main symptom of a failed check, from the comparison's messages (autograder/compare.py)."""
    text = " ".join(problems)
    for kind, marks in (("crash", ("raised", "is not defined", "outside the answer cell")),
                        ("structure", ("the goal says", "is not in `layer.trainable_variables`")),
                        ("none", ("is None",)), ("nan", ("contains NaN", "contains inf")),
                        ("zero", ("exactly zero",))):
        if any(m in text for m in marks):
            return kind
    return "wrong"


def feedback(ex: catalog.Exercise, result: Result, source: str | None) -> Result:
    """Attach the hint (and, when the symptom changed from the shipped bug's, what the new one means)."""
    now = symptom(result.problems)
    shipped = getattr(ex.module, "SYMPTOM", None)
    if shipped and now != shipped and SYMPTOMS.get(now):
        result.note = (f"Your change moved the problem (as shipped: {shipped_words(shipped)}); "
                       f"{SYMPTOMS[now]}. The hints below were written for the bug as shipped.")
    staged = hints.after_failure(ex.id, source, now, crashed=now == "crash")
    if staged is not None:
        result.hint, i, n = staged
        result.hint_stage = (i, n)
    return result


def shipped_words(kind: str) -> str:
    return {"none": "the gradient was None", "nan": "the gradient was NaN", "zero": "the gradient was zero",
            "wrong": "the gradient was wrong", "crash": "the gradient raised an error",
            "structure": "the structure was wrong"}.get(kind, kind)


def answer_source(ex: catalog.Exercise, namespace: dict) -> str | None:
    """The learner's current answer, to tell a new attempt from a rerun: the latest executed cell that defines
    the entry (IPython's ``In``), else the entry's own source."""
    history = namespace.get("In")
    if isinstance(history, list):
        found = next((s for s in reversed(history) if isinstance(s, str) and ex.entry in answer_rules.bound(s)), None)
        if found is not None:
            return found
    try:
        return inspect.getsource(namespace[ex.entry])
    except (KeyError, OSError, TypeError):
        return None


def check(exercise_id: str, namespace: dict | None = None) -> None:
    """Check an exercise in the calling notebook and print feedback (use ``evaluate`` for a result object)."""
    if namespace is None:
        namespace = inspect.currentframe().f_back.f_globals
    result = evaluate(exercise_id, namespace)
    if not result.passed:
        ex = catalog.get(exercise_id)
        feedback(ex, result, answer_source(ex, namespace))
    print(result)


def hint(exercise_id: str, show_spoiler: bool = False) -> None:
    """Print the next hint for an exercise (the last one, the answer, only with ``show_spoiler=True``)."""
    text, i, n = hints.ask(exercise_id, show_spoiler)
    print(f"Hint {i}/{n} for {exercise_id}: {text}")
