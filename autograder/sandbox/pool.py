"""Parent side of the sandbox: starts the zygote, hands it jobs, and reads back results as untrusted data."""
from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .child import OUTPUT, RESULT_ARRAYS, RESULT_JSON

DEFAULT_LIMITS = {
    "wall_seconds": 120.0,    # whole submission notebook
    "cell_seconds": 60.0,     # one cell of it
    "probe_seconds": 60.0,    # all hidden cases of one exercise
    "mem_mb": 2048,           # on top of what TensorFlow maps
    "output_bytes": 1 << 20,  # everything the submission prints
}
MAX_RESULT_BYTES = 64 << 20   # a child's arrays, uncompressed; more is not a probe result but an attack


def resolve_limits(limits: dict | None) -> dict:
    """Defaults, overridden by ``limits``; a cell's and an exercise's time limit default to half the notebook's
    (when that is lower than their own default), so that they, with their clearer message, fire first."""
    given = {k: v for k, v in (limits or {}).items() if v is not None}
    unknown = set(given) - set(DEFAULT_LIMITS)
    if unknown:
        raise ValueError(f"unknown limits: {', '.join(sorted(unknown))}")
    out = {**DEFAULT_LIMITS, **given}
    for key in ("cell_seconds", "probe_seconds"):
        if key not in given:
            out[key] = min(DEFAULT_LIMITS[key], out["wall_seconds"] / 2)
    bad = [k for k, v in out.items() if not v > 0]
    if bad:
        raise ValueError(f"limits must be positive: {', '.join(bad)}")
    return out


def _str_list(value) -> list[str]:
    return [str(v)[:2000] for v in value[:100]] if isinstance(value, list) else []


def sanitize(report) -> dict | None:
    """A child's result.json, reduced to the shape the grader expects (it may have been forged)."""
    if not isinstance(report, dict):
        return None
    exercises = {}
    raw = report.get("exercises")
    for ex_id, entry in (raw.items() if isinstance(raw, dict) else ()):
        if not isinstance(entry, dict):
            continue
        clean = {"none": _str_list(entry.get("none")), "timeout": entry.get("timeout") is True}
        if isinstance(entry.get("cases"), int) and 0 <= entry["cases"] <= 1000:
            clean["cases"] = entry["cases"]
        if entry.get("error"):
            clean["error"] = str(entry["error"])[:2000]
        for key in ("diagnosis",):
            if isinstance(entry.get(key), str):
                clean[key] = entry[key][:500]
        exercises[str(ex_id)] = clean
    return {"exercises": exercises, "cell_errors": _str_list(report.get("cell_errors")),
            "tampered": _str_list(report.get("tampered")), "isolation": str(report.get("isolation", ""))[:300],
            "output_cut": report.get("output_cut") is True}


def _load_arrays(path: Path) -> dict[str, np.ndarray]:
    import zipfile
    with zipfile.ZipFile(path) as z:
        if sum(info.file_size for info in z.infolist()) > MAX_RESULT_BYTES:
            raise ValueError("result arrays too large")
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    # Only numbers can be compared; anything else counts as "not produced".
    return {k: a for k, a in arrays.items() if np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_}


class SandboxError(RuntimeError):
    """The grader itself failed (not a submission): grading cannot continue."""


@dataclass
class JobResult:
    exit: int | None
    signal: int | None
    timed_out: bool
    seconds: float
    max_rss_mb: float
    report: dict | None = None                       # None when the child died before writing one
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    output: str = ""
    output_truncated: bool = False

    def cases(self, exercise_id: str) -> list[dict]:
        """Per-case probe results of one exercise, with absent gradients as None."""
        entry = (self.report or {}).get("exercises", {}).get(exercise_id, {})
        n = int(entry.get("cases", 0)) if isinstance(entry.get("cases", 0), int) else 0
        out = [dict() for _ in range(n)]
        prefix = f"{exercise_id}/"
        for key, value in self.arrays.items():
            if key.startswith(prefix):
                i, _, name = key[len(prefix):].partition("/")
                if i.isdigit() and int(i) < n:
                    out[int(i)][name] = value
        for key in entry.get("none", []) if isinstance(entry.get("none"), list) else []:
            i, _, name = str(key).partition("/")
            if i.isdigit() and int(i) < n:
                out[int(i)][name] = None
        return out


class Sandbox:
    """A running zygote. Use as a context manager; ``submit`` returns a Future of a JobResult."""

    def __init__(self, parallel: int | None = None, limits: dict | None = None, hide: list[str] = ()):
        self.limits = resolve_limits(limits)
        self.hide = [str(Path(p).resolve()) for p in hide]
        self._tmp = Path(tempfile.mkdtemp(prefix="autograder-"))
        self._tmp.chmod(0o711)  # children drop to an unprivileged user but must reach their own work folder
        env = {**os.environ, "AUTOGRADER_PARALLEL": str(parallel or os.cpu_count() or 1),
               "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONNOUSERSITE": "1"}
        package_parent = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = package_parent + os.pathsep + env.get("PYTHONPATH", "")
        self._proc = subprocess.Popen([sys.executable, "-m", "autograder.sandbox.zygote"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      env=env, cwd=str(self._tmp))
        self._pending: dict[str, tuple[Future, Path]] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read(self) -> None:
        for line in self._proc.stdout:
            msg = json.loads(line)
            if msg.get("ready"):
                self._ready.set()
                continue
            with self._lock:
                future, workdir = self._pending.pop(msg["id"])
            try:
                future.set_result(self._collect(msg, workdir))
            except Exception as exc:  # noqa: BLE001 - never let one job stop the reader (others would hang)
                future.set_exception(SandboxError(f"reading the results of a job failed: {exc!r}"))
        # The zygote is gone: fail whatever is still waiting, so nobody blocks forever.
        self._ready.set()
        with self._lock:
            for future, _ in self._pending.values():
                future.set_exception(SandboxError("the sandbox process died"))
            self._pending.clear()

    def _collect(self, msg: dict, workdir: Path) -> JobResult:
        result = JobResult(exit=msg["exit"], signal=msg["signal"], timed_out=msg["timed_out"],
                           seconds=msg["seconds"], max_rss_mb=msg["max_rss_mb"])
        try:
            with open(workdir / OUTPUT, "rb") as f:
                size = f.seek(0, os.SEEK_END)
                f.seek(max(0, size - 4000))
                result.output = f.read(4000).decode("utf-8", "replace")
            result.output_truncated = size >= self.limits["output_bytes"]
        except OSError:
            pass
        if msg["exit"] == 0:
            try:
                if (workdir / RESULT_JSON).stat().st_size > MAX_RESULT_BYTES:
                    raise ValueError("result.json too large")
                result.report = sanitize(json.loads((workdir / RESULT_JSON).read_text()))
                result.arrays = _load_arrays(workdir / RESULT_ARRAYS)
                result.output_truncated |= bool(result.report and result.report["output_cut"])
            except Exception:  # noqa: BLE001 - untrusted files: anything unreadable means "no results"
                result.report, result.arrays = None, {}
        shutil.rmtree(workdir, ignore_errors=True)
        return result

    def submit(self, kind: str, exercises: list[str], seed: int, cells: list[tuple[str, str]] = (),
               limits: dict | None = None) -> Future:
        if self._proc.poll() is not None:
            raise SandboxError("the sandbox process is not running")
        job_id = str(next(self._ids))
        workdir = self._tmp / f"job-{job_id}"
        workdir.mkdir()
        job = {"id": job_id, "kind": kind, "exercises": list(exercises), "seed": seed, "cells": list(cells),
               "workdir": str(workdir), "hide": self.hide, "limits": {**self.limits, **(limits or {})}}
        if kind == "reference":  # trusted and needed by every submission: never cut short by a class's limits
            job["limits"]["wall_seconds"] = max(job["limits"]["wall_seconds"], 900.0)
        future: Future = Future()
        with self._lock:
            self._pending[job_id] = (future, workdir)
        self._proc.stdin.write((json.dumps(job) + "\n").encode())
        self._proc.stdin.flush()
        return future

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
            try:
                self._proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._reader.join(timeout=5)
        shutil.rmtree(self._tmp, ignore_errors=True)
