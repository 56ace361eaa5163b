"""Staged hints that teach instead of giving the answer away.

A hint stage advances only when the learner asks (``python -m autograder hint ID``, ``autograder.hint("ID")``),
or after a real, distinct failed attempt: the answer changed *and* it fails differently from the last attempt. A
rerun of the same code, a crash (a typo) or the same failure again does not advance it, and checking one notebook
only touches the exercises whose answers changed. The last stage is the answer itself: it is marked as a spoiler
and shown only when asked for explicitly. State lives outside the notebook (``GRADIENT_COURSE_STATE``, default
~/.gradient-course/hints.json), per exercise.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from . import catalog


def _state_file() -> Path:
    return Path(os.environ.get("GRADIENT_COURSE_STATE", Path.home() / ".gradient-course" / "hints.json"))


def _load() -> dict:
    try:
        data = json.loads(_state_file().read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    # Older state files held a bare count per exercise.
    return {k: (v if isinstance(v, dict) else {"stage": int(v) if isinstance(v, int) else 0})
            for k, v in data.items()}


def _save(state: dict) -> None:
    try:
        path = _state_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(state, indent=1))
        tmp.replace(path)          # two checks at once never leave a half-written file
    except OSError:
        pass  # read-only home (some hubs): hints still work, they just do not advance across sessions


def stage(exercise_id: str) -> int:
    """How many hints the learner has unlocked (0 = none yet; the first failed check shows hint 1)."""
    return int(_load().get(exercise_id, {}).get("stage", 0))


def _unlock(state: dict, exercise_id: str, n: int) -> None:
    state.setdefault(exercise_id, {})["stage"] = n


def is_spoiler(ex: catalog.Exercise, number: int) -> bool:
    return number == len(ex.hints) and len(ex.hints) > 1


def ask(exercise_id: str, show_spoiler: bool = False) -> tuple[str, int, int]:
    """The next hint, as asked for: (text, number, count). The last one needs ``show_spoiler``; without it the
    text says how to see it and the stage does not move."""
    ex = catalog.get(exercise_id)
    state = _load()
    seen = int(state.get(exercise_id, {}).get("stage", 0))
    number = min(seen + 1, len(ex.hints))
    if is_spoiler(ex, number) and not show_spoiler:
        return spoiler_notice(ex), number, len(ex.hints)
    _unlock(state, exercise_id, number)
    _save(state)
    return ex.hints[number - 1], number, len(ex.hints)


def spoiler_notice(ex: catalog.Exercise) -> str:
    return (f"the last hint gives the answer away. To see it anyway: `python -m autograder hint {ex.id} "
            f"--show-spoiler` (in the notebook: `autograder.hint(\"{ex.id}\", show_spoiler=True)`)")


def reset(exercise_id: str | None = None) -> None:
    """Forget hints and attempts for one exercise, or for all."""
    state = _load()
    if exercise_id is None:
        state = {}
    else:
        catalog.get(exercise_id)           # an unknown id is an error, not a silent no-op
        state.pop(exercise_id, None)
    _save(state)


def fingerprint(source: str) -> str:
    """An answer's identity, ignoring blank lines, trailing spaces and comments-only edits' whitespace."""
    lines = [ln.rstrip() for ln in source.splitlines() if ln.strip()]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def after_failure(exercise_id: str, source: str | None, failure: str, crashed: bool) -> tuple[str, int, int] | None:
    """Record a failed check and return the hint to show with it: (text, number, count), or None.

    ``failure`` names how it failed (its kind, not its numbers); ``crashed``: the answer raised (a typo, most
    often), which never counts as an attempt. The stage advances when the answer changed and fails differently.
    """
    ex = catalog.get(exercise_id)
    state = _load()
    entry = state.setdefault(exercise_id, {})
    seen = int(entry.get("stage", 0))
    if not crashed and source is not None:
        fp = fingerprint(source)
        if seen == 0:
            seen = 1                                    # the first failed check shows the gentlest hint
        elif fp != entry.get("last_answer") and failure != entry.get("last_failure"):
            seen = min(seen + 1, len(ex.hints) - 1) if len(ex.hints) > 1 else 1   # never the spoiler by itself
        entry.update(last_answer=fp, last_failure=failure)
    elif seen == 0:
        seen = 1
    entry["stage"] = max(int(entry.get("stage", 0)), seen)
    _save(state)
    number = entry["stage"]
    if is_spoiler(ex, number):                          # unlocked by asking: keep showing the one before
        number -= 1
    return ex.hints[number - 1], number, len(ex.hints)
