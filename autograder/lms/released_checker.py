"""The course's checker, student release: ``check("casts-1")`` compares what your answer computes with values
stored in ``expected/`` (computed by the course's references on the learner's inputs). This release contains no
reference implementation and no solution; grading for credit happens with the full course, on other inputs.

Copied into a release as ``autograder/__init__.py`` by ``python -m autograder release`` (it is not imported from
the full course, whose own checker is ``autograder.learner``)."""
from __future__ import annotations

import importlib
import inspect
import json
import os
import traceback
from functools import lru_cache
from pathlib import Path

import numpy as np

from .compare import compare
from .quiet import quiet_start

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def _manifest() -> dict:
    return json.loads((HERE / "expected" / "manifest.json").read_text(encoding="utf-8"))


def _exercise(exercise_id: str) -> dict:
    exercises = _manifest()["exercises"]
    if exercise_id not in exercises:
        raise ValueError(f"unknown exercise {exercise_id!r}; known exercises: {', '.join(exercises)}")
    return exercises[exercise_id]


def _unpack(arrays, prefix: str, keys: list[str], absent: list[str]) -> dict:
    out = {k: arrays[f"{prefix}/{k}"] for k in keys}
    out.update({k: None for k in absent})
    return out


def _cases_and_expected(meta: dict) -> tuple[list[dict], list[dict]]:
    with np.load(HERE / "expected" / f"{meta['id']}.npz", allow_pickle=False) as arrays:
        cases = [_unpack(arrays, f"case{i}", c["inputs"], []) for i, c in enumerate(meta["cases"])]
        expected = [_unpack(arrays, f"expected{i}", c["expected"], c["absent"]) for i, c in enumerate(meta["cases"])]
    return cases, expected


def _probe(meta: dict):
    if meta["probe"] is None:
        from .probe import generic_probe
        return generic_probe(meta["wrt"])
    return importlib.import_module(f"{__name__}.probes.{meta['probe']}").probe


def evaluate(exercise_id: str, namespace: dict) -> list[str]:
    """What is wrong with the answer (an empty list when it is solved)."""
    meta = _exercise(exercise_id)
    fn = namespace.get(meta["entry"])
    if fn is None:
        return [f"`{meta['entry']}` is not defined: run the answer cell (the one that defines it) first"]
    cases, expected = _cases_and_expected(meta)
    probe = _probe(meta)
    try:
        got = [probe(fn, case) for case in cases]
    except Exception as exc:  # the learner's code failing is feedback, not a crash
        frames = traceback.extract_tb(exc.__traceback__)
        where = next((f" at line {f.lineno}" for f in reversed(frames) if f.filename.startswith("<")), "")
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return [f"calling `{meta['entry']}` raised {type(exc).__name__}{where}: {first}"]
    return compare(got, expected, meta["rtol"], meta["atol"])


def _state_file() -> Path:
    return Path(os.environ.get("GRADIENT_COURSE_STATE", Path.home() / ".gradient-course" / "hints.json"))


def next_hint(exercise_id: str) -> tuple[str, int, int]:
    """The next staged hint (gentle first), remembered outside the notebook."""
    hints = _exercise(exercise_id)["hints"]
    try:
        state = json.loads(_state_file().read_text())
    except (OSError, ValueError):
        state = {}
    seen = int(state.get(exercise_id, 0))
    state[exercise_id] = seen + 1
    try:
        _state_file().parent.mkdir(parents=True, exist_ok=True)
        _state_file().write_text(json.dumps(state, indent=1))
    except OSError:
        pass  # a read-only home: hints still work, they just do not advance across sessions
    stage = min(seen, len(hints) - 1)
    return hints[stage], stage + 1, len(hints)


def check(exercise_id: str, namespace: dict | None = None) -> None:
    """Check an exercise in the calling notebook and print feedback."""
    if namespace is None:
        namespace = inspect.currentframe().f_back.f_globals
    meta = _exercise(exercise_id)
    problems = evaluate(exercise_id, namespace)
    if not problems:
        lines = [f"✅ {exercise_id} solved: {meta['title']}", f"Why this works: {meta['why']}"]
        nxt = meta["next"]
        lines.append(f"Next: {nxt} in {_exercise(nxt)['notebook']}" if nxt else "That was the last exercise: well done!")
    else:
        hint, i, n = next_hint(exercise_id)
        lines = [f"❌ {exercise_id} not solved yet:", *(f"  - {p}" for p in problems), f"Hint {i}/{n}: {hint}"]
    print("\n".join(lines))


__all__ = ["check", "evaluate", "quiet_start"]
