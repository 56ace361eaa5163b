"""Turn a submitted notebook into graded outcomes: splice, run in the sandbox, compare with references.

Runs in the grader's own process, which never executes learner code: it computes the references itself (they
never leave this process), sends each notebook to the jailed sandbox as a task (cells, hidden inputs, probes),
and compares the numbers that come back, as untrusted data, with the references.
"""
from __future__ import annotations

import signal as _signal
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import answer_rules, catalog
from ..compare import compare
from ..notebook import NotebookError, read, splice
from ..sandbox.child import EXIT_INTERNAL, TIMED_OUT
from ..sandbox.pool import JobResult, Sandbox
from ..sandbox.task import build_task

GRADER_SEED = 20261122


@dataclass
class Outcome:
    student: str
    exercise: str
    notebook: str
    points: float
    max_points: int
    status: str                 # passed | failed | error | timeout
    reasons: list[str] = field(default_factory=list)   # why points were lost (empty when passed)
    notes: list[str] = field(default_factory=list)     # worth telling, cost nothing
    hint: str = ""
    seconds: float = 0.0

    def as_row(self) -> dict:
        return asdict(self)


_TF_LOCK = threading.Lock()


def start_tensorflow() -> None:
    """Import TensorFlow in the grader (for the references) without its start-up chatter; safe from any thread,
    so callers start it early, in the background, while the sandbox starts."""
    with _TF_LOCK:
        from ..quiet import quiet_start
        quiet_start()


def _reference_results(ex, seed: int) -> list[dict]:
    """The reference's probe results on every hidden case, as float64 arrays (None: no gradient)."""
    import numpy as np
    start_tensorflow()
    out = []
    for case in ex.cases(seed):
        out.append({k: None if v is None else np.asarray(v, dtype=np.float64)
                    for k, v in ex.probe(ex.reference, case).items()})
    return out


class Grader:
    """Grades notebooks against the released exercises, reusing one sandbox and one reference per exercise.

    References are computed here, in the grader's trusted process (one thread, so TensorFlow is imported once and
    off the main thread), and stay in its memory: no file, no child process ever holds an expected value."""

    def __init__(self, sandbox: Sandbox, seed: int = GRADER_SEED, releases: Path = catalog.EXERCISES_DIR):
        self.sandbox = sandbox
        self.seed = seed
        self.releases = Path(releases)
        self._references: dict[str, Future] = {}
        self._ref_lock = threading.Lock()
        self._ref_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="references")
        self.isolation: set[str] = set()   # how submissions were isolated, as each job's reaper described it

    def reference(self, ex_id: str) -> Future:
        with self._ref_lock:
            if ex_id not in self._references:
                self._references[ex_id] = self._ref_pool.submit(_reference_results, catalog.get(ex_id), self.seed)
            return self._references[ex_id]

    def _payload(self, exercises, cells) -> dict:
        tasks = []
        for ex in exercises:
            ref = self.reference(ex.id).result()
            grads = sorted({k[5:] for case in ref for k in case if k.startswith("grad/")})
            tasks.append(build_task(ex, self.seed, grads))
        return {"tasks": tasks, "cells": list(cells)}

    def start(self, student: str, path: Path, release_name: str) -> "Pending":
        """Start grading one notebook; the returned object's ``outcomes()`` blocks until done."""
        exercises = catalog.by_notebook(release_name)
        try:
            release = read(self.releases / release_name)
            submission = read(path)
            spliced = splice(release, submission)
            outside = answer_rules.in_submission(release, submission)
        except NotebookError as exc:
            return Pending(self, student, release_name, exercises, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - whatever else a malformed file trips on: that file only
            return Pending(self, student, release_name, exercises,
                           error=f"{Path(path).name} could not be read as a notebook ({type(exc).__name__})")
        for ex in exercises:
            self.reference(ex.id)
        # One job per notebook: its cells run once, then every exercise in it is probed.
        cells = spliced.cells
        job = self.sandbox.submit(lambda: self._payload(exercises, cells))
        return Pending(self, student, release_name, exercises, job=job, notes=spliced.notes, outside=outside)


@dataclass
class Pending:
    grader: Grader
    student: str
    notebook: str
    exercises: list
    job: Future | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    outside: dict[str, list[str]] = field(default_factory=dict)  # helpers defined outside the answer cells

    def outcomes(self) -> list[Outcome]:
        if self.error is not None:
            return [self._out(ex, "error", [self.error]) for ex in self.exercises]
        result: JobResult = self.job.result()
        notes = list(self.notes)
        if result.output_truncated:
            notes.append("the notebook printed more than the output limit; the rest was cut")
        fatal = _fatal_reason(result, self.grader.sandbox.limits)
        if fatal:
            status = "timeout" if result.timed_out else "error"
            return [self._out(ex, status, [fatal], notes, result.seconds) for ex in self.exercises]
        report = result.report
        limits = self.grader.sandbox.limits
        self.grader.isolation.add(result.isolation)
        for err in report["cell_errors"]:
            if not err.startswith("answer "):
                notes.append(f"a released cell failed after your answer ran: {_timeout_words(err, limits)}")
        tampered = report["tampered"]
        if tampered:  # a courtesy: the grade comes from the numbers alone, whatever the process did to itself
            shown = ", ".join(tampered[:5]) + (" ..." if len(tampered) > 5 else "")
            notes.append(f"the submission replaced functions the checks rely on ({shown}); the grade below "
                         "comes only from the numbers it returned")
        outs = []
        for ex in self.exercises:
            entry = report.get("exercises", {}).get(ex.id, {})
            if ex.id in self.outside:
                outs.append(self._out(ex, "failed", [answer_rules.outside_message(n) for n in self.outside[ex.id]],
                                      notes, result.seconds))
            elif entry.get("timeout"):
                why = (_timeout_words(entry["error"], limits) if entry.get("error", "").endswith(TIMED_OUT) else
                       f"calling `{ex.entry}` on the hidden inputs did not finish in time (limits: "
                       f"{limits['probe_seconds']:g} s per exercise, {limits['wall_seconds']:g} s per notebook): "
                       "an endless loop?")
                outs.append(self._out(ex, "timeout", [why], notes, result.seconds))
            elif entry.get("error"):
                outs.append(self._out(ex, "error", [_memory_hint(entry["error"], limits)], notes, result.seconds))
            else:
                ref = self.grader.reference(ex.id).result()
                if not ref:
                    raise RuntimeError(f"the reference for {ex.id} produced no results: the grader is broken")
                problems = compare(result.cases(ex.id), ref, ex.rtol, ex.atol)
                extra = [entry["diagnosis"]] if problems and entry.get("diagnosis") else []
                outs.append(self._out(ex, "failed" if problems else "passed", problems, notes + extra,
                                      result.seconds))
        return outs

    def _out(self, ex, status, reasons, notes=(), seconds=0.0) -> Outcome:
        passed = status == "passed"
        return Outcome(self.student, ex.id, self.notebook, float(ex.points if passed else 0), ex.points, status,
                       [] if passed else list(reasons), list(notes), "" if passed else ex.hints[0], seconds)


def _timeout_words(text: str, limits: dict) -> str:
    if text.endswith(TIMED_OUT):
        return (f"{text} (limits: {limits['cell_seconds']:g} s per cell, {limits['wall_seconds']:g} s per notebook): "
                "an endless loop?")
    return text


def _memory_hint(text: str, limits: dict) -> str:
    if "MemoryError" in text:
        return f"{text} (the memory limit is {limits['mem_mb']} MB)"
    if "File too large" in text or "EFBIG" in text:
        return f"{text} (the notebook printed more than {limits['output_bytes'] // 1024} KB)"
    return text


def _fatal_reason(result: JobResult, limits: dict) -> str | None:
    if result.timed_out:
        return (f"the notebook ran longer than {limits['wall_seconds']:g} s and was stopped "
                "(an endless loop, or a very slow cell?)")
    if result.signal is not None:
        try:
            name = _signal.Signals(result.signal).name
        except ValueError:
            name = f"signal {result.signal}"
        if result.signal == _signal.SIGXFSZ:
            return f"the notebook printed more than {limits['output_bytes'] // 1024} KB and was stopped"
        why = ""
        if result.signal in (_signal.SIGABRT, _signal.SIGSEGV, _signal.SIGBUS, _signal.SIGKILL):
            why = (f"; a native crash or abort is also how running out of the memory limit "
                   f"({limits['mem_mb']} MB) can end")
        return f"the Python process running the notebook crashed ({name}){why}"
    if result.exit == EXIT_INTERNAL:
        return ("the process checking the notebook failed while saving its results (did the notebook close "
                "its output streams or replace the modules the checks use?)")
    if result.exit != 0:
        return (f"the notebook ended its own process (exit code {result.exit}) before it could be checked: "
                "remove calls such as sys.exit() or os._exit()")
    if result.report is None:
        return "the notebook's process ended without leaving results (it may have deleted or replaced them)"
    return None
