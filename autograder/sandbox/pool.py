"""Parent side of the sandbox: starts the jailed zygote, hands it jobs, and reads back results as untrusted data.

The grader keeps the queue (the zygote never holds more than the job it is forking). Each job gets a socket pair:
the task goes down it, the results come back on it (bounded in size and time), and the parent validates them;
the only file it reads from a job's folder is the printed output, opened without following links or blocking on
a FIFO, and only if it is a regular file.
"""
from __future__ import annotations

import io
import itertools
import json
import os
import pickle
import re
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import jail
from .child import FRAME_MAGIC, OUTPUT

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


# A number standing on its own (not part of a name such as ``casts-1`` or ``w2``).
_NUMBER = re.compile(r"(?<![\w.\-])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")
_LINE = re.compile(r"\(line \d{1,4}\)|>:\d{1,4}\b")


def safe_text(value, limit: int = 2000) -> str:
    """Any text from a child, made safe to store and show: valid UTF-8 (lone surrogates escaped), bounded, and
    without the numbers it may carry (an exception message can quote a hidden input; the line number of the
    failing answer line, the first ``(line N)``, stays)."""
    text = value if isinstance(value, str) else str(value)
    text = text[:limit].encode("utf-8", "backslashreplace").decode("utf-8")
    line = _LINE.search(text)
    if line is None:
        return _NUMBER.sub("…", text)
    return _NUMBER.sub("…", text[:line.start()]) + line.group(0) + _NUMBER.sub("…", text[line.end():])


def _str_list(value) -> list[str]:
    return [safe_text(v) for v in value[:100]] if isinstance(value, list) else []


def sanitize(report) -> dict | None:
    """A child's report, reduced to the shape the grader expects (it may have been forged)."""
    if not isinstance(report, dict):
        return None
    exercises = {}
    raw = report.get("exercises")
    for ex_id, entry in (raw.items() if isinstance(raw, dict) else ()):
        if not isinstance(entry, dict):
            continue
        none = entry.get("none")
        clean = {"none": [str(k)[:200] for k in none[:1000]] if isinstance(none, list) else [],
                 "timeout": entry.get("timeout") is True}
        if type(entry.get("cases")) is int and 0 <= entry["cases"] <= 1000:
            clean["cases"] = entry["cases"]
        if entry.get("error"):
            clean["error"] = safe_text(entry["error"])
        if isinstance(entry.get("diagnosis"), str):
            clean["diagnosis"] = safe_text(entry["diagnosis"], 500)
        exercises[str(ex_id)[:200]] = clean
    return {"exercises": exercises, "cell_errors": _str_list(report.get("cell_errors")),
            "tampered": _str_list(report.get("tampered")), "output_cut": report.get("output_cut") is True}


def _load_arrays(blob: bytes) -> dict[str, np.ndarray]:
    import zipfile
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        if sum(info.file_size for info in z.infolist()) > MAX_RESULT_BYTES:
            raise ValueError("result arrays too large")
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        arrays = {str(k): data[k] for k in data.files}
    # Only real numbers can be compared (see compare.py, which checks again against the reference's shape).
    return {k: a for k, a in arrays.items() if isinstance(a, np.ndarray) and a.dtype.kind in "fiu"}


def decode_frame(data: bytes) -> tuple[dict | None, dict[str, np.ndarray]]:
    """A child's answer (see child.encode_frame) as (sanitized report, arrays); (None, {}) if it is not one."""
    try:
        if not data.startswith(FRAME_MAGIC):
            raise ValueError("no frame")
        (n,) = struct.unpack(">Q", data[4:12])
        if n > MAX_RESULT_BYTES:
            raise ValueError("report too large")
        report = sanitize(json.loads(data[12:12 + n]))
        return report, (_load_arrays(data[12 + n:]) if report is not None else {})
    except Exception:  # noqa: BLE001 - untrusted bytes: anything unreadable means "no results"
        return None, {}


def read_untrusted_file(folder: Path, name: str, tail: int) -> tuple[bytes, int]:
    """The last ``tail`` bytes of ``folder/name`` and its size, or (b"", 0): never follows a link, never blocks on a
    FIFO or device, reads only a regular file."""
    try:
        dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return b"", 0
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY, dir_fd=dfd)
    except OSError:
        return b"", 0
    finally:
        os.close(dfd)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return b"", 0
        return os.pread(fd, tail, max(0, st.st_size - tail)), st.st_size
    except OSError:
        return b"", 0
    finally:
        os.close(fd)


class SandboxError(RuntimeError):
    """The grader itself failed (not a submission): grading cannot continue."""


class JailUnavailable(SandboxError):
    """No jail can be built on this machine (and the run did not accept an insecure sandbox)."""


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
    isolation: str = ""

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
    """A running jailed zygote. Use as a context manager; ``submit`` returns a Future of a JobResult.

    ``secure=True`` (grading untrusted work): refuse to start without a jail (bubblewrap) and per-job namespaces,
    unless ``insecure`` is also set; the learner's own ``check`` uses ``secure=False`` (best available)."""

    def __init__(self, parallel: int | None = None, limits: dict | None = None, hide: list[str] = (),
                 secure: bool = False, insecure: bool = False, courtesy: bool = True):
        self.limits = resolve_limits(limits)
        self.hide = [str(Path(p).resolve()) for p in hide]
        self.parallel = max(1, parallel or os.cpu_count() or 1)
        self.courtesy = courtesy   # the tamper check and the audit hook: messages only, nothing relies on them
        self._tmp = Path(tempfile.mkdtemp(prefix="autograder-"))    # mode 0700: this run's alone
        self._jobs = self._tmp / "jobs"
        self._jobs.mkdir(mode=0o700)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv = [sys.executable, "-m", "autograder.sandbox.zygote", str(theirs.fileno())]
        cmd = jail.command(self._jobs, self.hide, argv, self.parallel)
        problem = jail.check(self.parallel) if cmd is not None and (insecure or not secure) else None
        if problem:  # a learner's check: bwrap is there but cannot work here; use the best that does
            cmd = None
        if cmd is None and secure and not insecure:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise JailUnavailable(jail.check() or "no jail available")
        self.jailed = cmd is not None
        self._jobs_view = jail.JOBS_IN_JAIL if self.jailed else str(self._jobs)
        self._stderr = open(self._tmp / "zygote.log", "wb")
        self._proc = subprocess.Popen(cmd or argv, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=self._stderr,
                                      env=jail.minimal_env(self.parallel), cwd=str(self._tmp))
        theirs.close()
        self._control = ours
        self._send_lock = threading.Lock()
        self._exits: dict[str, dict] = {}
        self._exit_events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._ready = threading.Event()
        self._hello: dict = {}
        self._dead = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._workers = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="sandbox-job")
        self._ready.wait(600)
        if not self._hello.get("ready"):
            self.close()
            raise SandboxError(f"the sandbox did not start: {self._log_tail()}")
        self.namespaces = bool(self._hello.get("namespaces"))
        if secure and not insecure and not self.namespaces:
            self.close()
            raise JailUnavailable(f"the kernel refuses per-job namespaces here ({self._hello.get('why')})")

    def _log_tail(self) -> str:
        try:
            return (self._tmp / "zygote.log").read_bytes()[-1500:].decode(errors="replace").strip() or "no output"
        except OSError:
            return "no output"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read(self) -> None:
        while True:
            try:
                data = self._control.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            msg = json.loads(data)
            if msg.get("ready"):
                self._hello = msg
                self._ready.set()
                continue
            with self._lock:
                self._exits[msg["id"]] = msg
                event = self._exit_events.get(msg["id"])
            if event is not None:
                event.set()
        self._dead = True
        self._ready.set()
        with self._lock:
            for event in self._exit_events.values():
                event.set()

    def submit(self, make_payload, limits: dict | None = None) -> Future:
        """Run one job. ``make_payload()`` (called in a worker thread, so it may wait for references) returns
        {"tasks": [...], "cells": [(label, source), ...]}."""
        if self._dead or self._proc.poll() is not None:
            raise SandboxError("the sandbox process is not running")
        return self._workers.submit(self._run, make_payload, {**self.limits, **(limits or {})})

    def _run(self, make_payload, limits: dict) -> JobResult:
        payload = {**make_payload(), "limits": limits, "courtesy": self.courtesy}
        job_id = str(next(self._ids))
        workdir = self._jobs / f"job-{job_id}"
        workdir.mkdir(mode=0o700)
        event = threading.Event()
        with self._lock:
            self._exit_events[job_id] = event
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            msg = {"id": job_id, "workdir": f"{self._jobs_view}/job-{job_id}", "jobs_root": self._jobs_view,
                   "hide": self.hide, "limits": limits}
            with self._send_lock:
                socket.send_fds(self._control, [json.dumps(msg).encode()], [theirs.fileno()])
            theirs.close()
            wall = limits["wall_seconds"]
            budget = wall + max(2.0, 0.25 * wall) + 30
            data = self._exchange(ours, pickle.dumps(payload), time.monotonic() + budget)
        finally:
            ours.close()
            theirs.close()
        if not event.wait(budget + 30) or self._dead and job_id not in self._exits:
            raise SandboxError(f"the sandbox process died ({self._log_tail()})")
        with self._lock:
            info = self._exits.pop(job_id)
            self._exit_events.pop(job_id, None)
        return self._collect(info, data, workdir)

    @staticmethod
    def _exchange(sock: socket.socket, payload: bytes, deadline: float) -> bytes:
        """Send the task, then read the answer until EOF: at most MAX_RESULT_BYTES, never past ``deadline``."""
        chunks, size = [], 0
        try:
            sock.settimeout(max(1.0, deadline - time.monotonic()))
            sock.sendall(struct.pack(">Q", len(payload)) + payload)
            while size <= MAX_RESULT_BYTES + 64:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = sock.recv(1 << 20)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
                size += len(chunk)
        except OSError:  # timeout, reset: no (complete) answer
            pass
        return b""

    def _collect(self, info: dict, data: bytes, workdir: Path) -> JobResult:
        result = JobResult(exit=info.get("exit"), signal=info.get("signal"), timed_out=info.get("timed_out") is True,
                           seconds=float(info.get("seconds", 0.0)), max_rss_mb=float(info.get("max_rss_mb", 0.0)),
                           isolation=str(info.get("isolation", ""))[:300])
        tail, size = read_untrusted_file(workdir, OUTPUT, 4000)
        result.output = tail.decode("utf-8", "replace")
        result.output_truncated = size >= self.limits["output_bytes"]
        if result.exit == 0:
            result.report, result.arrays = decode_frame(data)
            result.output_truncated |= bool(result.report and result.report["output_cut"])
        _remove(workdir)
        return result

    def close(self) -> None:
        workers = getattr(self, "_workers", None)
        if workers is not None:
            workers.shutdown(wait=True, cancel_futures=True)
        try:
            self._control.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        if self._proc.poll() is None:
            try:
                self._proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._reader.join(timeout=5)
        self._control.close()
        self._stderr.close()
        _remove(self._tmp)


def _remove(path: Path) -> None:
    """Remove a folder a submission wrote into (it may have made parts of it unreadable)."""
    def fix(func, p, _exc):
        try:
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700, follow_symlinks=False) if not os.path.islink(p) else None
            func(p)
        except OSError:
            pass
    shutil.rmtree(path, onerror=fix)
