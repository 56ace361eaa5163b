"""The learner's loop: ``check("casts-1")`` in a notebook gives instant feedback with staged hints."""
from __future__ import annotations

import inspect
import json
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import catalog
from .compare import compare
from .lms.colab import where

# Learners see these inputs' effects, never the grader's (the grader uses its own seed).
LEARNER_SEED = 1234


@dataclass
class Result:
    exercise: catalog.Exercise
    problems: list[str] = field(default_factory=list)
    hint: str | None = None
    hint_stage: tuple[int, int] | None = None
    diagnosis: str | None = None

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
        if self.diagnosis:
            lines.append(self.diagnosis)
        if self.hint:
            i, n = self.hint_stage
            lines.append(f"Hint {i}/{n}: {self.hint}")
        return "\n".join(lines)


# --- staged hints: how many hints a learner has seen, kept outside the notebook -----------------------------

def _state_file() -> Path:
    return Path(os.environ.get("GRADIENT_COURSE_STATE", Path.home() / ".gradient-course" / "hints.json"))


def _load_state() -> dict:
    try:
        return json.loads(_state_file().read_text())
    except (OSError, ValueError):
        return {}


def next_hint(exercise_id: str) -> tuple[str, int, int]:
    """The next hint for an exercise (gentle first), advancing the learner's hint stage."""
    ex = catalog.get(exercise_id)
    state = _load_state()
    seen = int(state.get(exercise_id, 0))
    stage = min(seen, len(ex.hints) - 1)
    state[exercise_id] = seen + 1
    try:
        _state_file().parent.mkdir(parents=True, exist_ok=True)
        _state_file().write_text(json.dumps(state, indent=1))
    except OSError:
        pass  # read-only home (some hubs): hints still work, they just do not advance across sessions
    return ex.hints[stage], stage + 1, len(ex.hints)


# --- evaluation ----------------------------------------------------------------------------------------------

def run_entry(ex: catalog.Exercise, fn, seed: int) -> list[dict]:
    return [ex.probe(fn, case) for case in ex.cases(seed)]


def evaluate(exercise_id: str, namespace: dict, seed: int = LEARNER_SEED) -> Result:
    """Run the learner's function and the reference on the same hidden inputs and compare (no hint)."""
    ex = catalog.get(exercise_id)
    fn = namespace.get(ex.entry)
    if fn is None:
        return Result(ex, [f"`{ex.entry}` is not defined: run the answer cell (the one that defines it) first"])
    try:
        students = run_entry(ex, fn, seed)
    except Exception as exc:  # the learner's code failing is feedback, not a crash
        frames = traceback.extract_tb(exc.__traceback__)
        where = next((f"line {f.lineno}" for f in reversed(frames) if f.filename.startswith("<")), "")
        return Result(ex, [f"calling `{ex.entry}` raised {type(exc).__name__}"
                           f"{' at ' + where if where else ''}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"])
    references = run_entry(ex, ex.reference, seed)
    result = Result(ex, compare(students, references, ex.rtol, ex.atol))
    if not result.passed:
        result.diagnosis = doctor_summary(ex, fn, seed)
    return result


def doctor_summary(ex: catalog.Exercise, fn, seed: int) -> str | None:
    """The gradient doctor's one-line-per-problem explanation, or None (it must never break a check)."""
    try:
        from .doctor.exercise import diagnose_entry
        report = diagnose_entry(ex, fn, ex.cases(seed)[0])
        return (report.summary() or None) if report is not None else None
    except Exception:  # noqa: BLE001 - a diagnosis is a bonus; the check result stands without it
        return None


def check(exercise_id: str, namespace: dict | None = None) -> None:
    """Check an exercise in the calling notebook and print feedback (use ``evaluate`` for a result object)."""
    if namespace is None:
        namespace = inspect.currentframe().f_back.f_globals
    result = evaluate(exercise_id, namespace)
    if not result.passed:
        hint, i, n = next_hint(exercise_id)
        result.hint, result.hint_stage = hint, (i, n)
    print(result)
