"""What runs inside one forked child: a submission's cells, then the probes; or, for a trusted job, the
reference. Results go to files in the job's work folder; the parent treats them as untrusted data."""
from __future__ import annotations

import builtins
import io
import json
import os
import re
import signal
import sys
import time
import traceback

import numpy as np

from autograder.messages import explain as _explain

RESULT_JSON = "result.json"
RESULT_ARRAYS = "arrays.npz"
OUTPUT = "output.txt"
EXIT_INTERNAL = 70          # the child's own code failed (not the learner's): reported as a grader problem
MARGIN_SECONDS = 0.5        # the last alarm fires this long before the notebook's time is up

# Bound at import (in the zygote), so that a submission replacing json.dump or np.savez changes nothing here
# (and is reported by the tamper check, which watches them too).
_SAVE_JSON = json.dump
_SAVE_ARRAYS = np.savez

# Set by the zygote before it forks: the tamper snapshot of the pristine process (see tamper.py).
BEFORE: dict | None = None


class ProbeTimeout(BaseException):
    """Raised by the alarm; a BaseException so a learner's bare ``except Exception`` cannot swallow it."""


def _alarm(signum, frame):
    raise ProbeTimeout()


class _CappedOutput(io.RawIOBase):
    """stdout/stderr of the learner's code: written to the output file up to a budget, the rest dropped.

    Printing too much is not an error worth points: the output is cut and the grade says so.
    """

    def __init__(self, fd: int, budget: int):
        self.fd, self.left, self.cut = fd, budget, False

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        n = len(b)
        if n > self.left:
            self.cut = True
        data = bytes(b[: max(self.left, 0)])
        while data:
            try:
                written = os.write(self.fd, data)
            except OSError:
                self.left, self.cut = 0, True
                break
            data = data[written:]
            self.left -= written
        return n


def _text(raw: _CappedOutput) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", errors="replace", line_buffering=True)


_DECIMALS = re.compile(r"[-+]?\d*\.\d{2,}(?:[eE][-+]?\d+)?|[-+]?\d+(?:\.\d*)?[eE][-+]?\d+")


def _short_error(exc: BaseException, label: str, redact: bool = False) -> str:
    """One line for the report. ``redact`` (errors raised on the hidden inputs): decimal numbers become "…", so
    an exception message cannot carry the hidden inputs out to the learner; shapes and small integers stay."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<")]
    where = f" (line {frames[-1].lineno})" if frames else ""
    first = _explain(exc)       # the explanatory lines, not just a wrapper's first line (Keras's, say)
    if redact:
        first = _DECIMALS.sub("…", first)
    return f"{label} raised {type(exc).__name__}{where}: {first}".rstrip(": ")


def _no_ipython(*args, **kwargs):
    raise RuntimeError("IPython magics (%, !) are not available when grading: remove them from the answer cell")


def _compile(label: str, source: str):
    from IPython.core.inputtransformer2 import TransformerManager
    return compile(TransformerManager().transform_cell(source), f"<{label}>", "exec")


def _strip_references() -> None:
    # The zygote loaded every spec, references included; a submission must not be able to call them. Dropping
    # the last reference frees the function at once (no cycle holds it), so no collection pass is needed.
    for name, module in list(sys.modules.items()):
        if name.startswith("autograder.specs.") and module is not None:
            vars(module).pop("reference", None)


class _Clock:
    """Alarms for one cell or one exercise, never running past the notebook's own deadline."""

    def __init__(self, wall_seconds: float):
        self.wall = wall_seconds
        self.deadline = time.monotonic() + wall_seconds - MARGIN_SECONDS

    def arm(self, seconds: float) -> None:
        budget = min(seconds, self.deadline - time.monotonic())
        if budget <= 0.05:
            raise ProbeTimeout()
        # The learner's code may have replaced, ignored or blocked the alarm: take it back every time.
        signal.signal(signal.SIGALRM, _alarm)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
        signal.setitimer(signal.ITIMER_REAL, budget)

    @staticmethod
    def disarm() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _probe_all(exercise_ids, seed, fn_for, timeout, arrays, report, clock: _Clock) -> None:
    from autograder import catalog
    for ex_id in exercise_ids:
        ex = catalog.get(ex_id)
        entry = report["exercises"].setdefault(ex_id, {})
        if entry.get("error"):
            continue
        fn = fn_for(ex)
        if fn is None:
            entry["error"] = f"`{ex.entry}` is not defined by the answer cell"
            continue
        none_keys = []
        try:
            clock.arm(timeout)
            for i, case in enumerate(ex.cases(seed)):
                for key, value in ex.probe(fn, case).items():
                    if value is None:
                        none_keys.append(f"{i}/{key}")
                    else:
                        arrays[f"{ex_id}/{i}/{key}"] = np.asarray(value)
                entry["cases"] = i + 1
        except ProbeTimeout:
            entry["error"] = (f"calling `{ex.entry}` on the hidden inputs did not finish in time (limits: "
                              f"{timeout:g} s per exercise, {clock.wall:g} s per notebook): an endless loop?")
            entry["timeout"] = True
        except BaseException as exc:  # noqa: BLE001 - any failure of learner code is a graded outcome
            entry["error"] = _short_error(exc, f"calling `{ex.entry}`", redact=True)
        finally:
            clock.disarm()
        entry["none"] = none_keys


DOCTOR_SECONDS = 15.0       # at most this long for the gradient doctor, per exercise (and never past the deadline)


def _gradient_suspicious(ex_id: str, entry: dict, arrays: dict) -> bool:
    """Did the probe see a None, all-zero or non-finite gradient (what the gradient doctor explains)?"""
    if any(str(k).split("/", 1)[-1].startswith("grad/") for k in entry.get("none", [])):
        return True
    for key, value in arrays.items():
        if key.startswith(f"{ex_id}/") and "/grad/" in key and np.issubdtype(value.dtype, np.number):
            if value.size and (not np.all(np.isfinite(value)) or not np.any(value)):
                return True
    return False


def _diagnose_all(exercise_ids, seed, fn_for, arrays, report, clock: _Clock, seconds: float) -> None:
    """The gradient doctor's one-line cause for each exercise whose gradient was None, zero or NaN, on the first
    hidden case. A bonus: it is bounded in time and nothing it does can change the grade or stop the child."""
    for ex_id in exercise_ids:
        entry = report["exercises"].get(ex_id, {})
        if entry.get("error") or not _gradient_suspicious(ex_id, entry, arrays):
            continue
        try:
            from autograder import catalog
            from autograder.learner import doctor_summary
            ex = catalog.get(ex_id)
            clock.arm(seconds)
            text = doctor_summary(ex, fn_for(ex), seed)
            if text:
                entry["diagnosis"] = _DECIMALS.sub("…", "; ".join(text.splitlines()))[:500]
        except BaseException:  # noqa: BLE001 - including a timeout: no diagnosis, nothing else changes
            pass
        finally:
            clock.disarm()


def _run_cells(job, ns, report, clock: _Clock) -> None:
    limits = job["limits"]
    for label, source in job["cells"]:
        errors_before = len(report["cell_errors"])
        timed_out = False
        try:
            clock.arm(limits["cell_seconds"])
            exec(_compile(label, source), ns)  # noqa: S102 - this is the sandbox
        except ProbeTimeout:
            timed_out = True
            report["cell_errors"].append(f"{label} did not finish in time (limits: {limits['cell_seconds']:g} s "
                                         f"per cell, {clock.wall:g} s per notebook): an endless loop?")
        except BaseException as exc:  # noqa: BLE001 - includes SystemExit from sys.exit()
            report["cell_errors"].append(_short_error(exc, label, redact=label.startswith("answer ")))
        finally:
            clock.disarm()
        if len(report["cell_errors"]) > errors_before and label.startswith("answer "):
            entry = report["exercises"].setdefault(label.split(" ", 1)[1], {})
            entry["error"] = report["cell_errors"][-1]
            entry["timeout"] = timed_out


def run(job: dict) -> None:
    """Body of the forked child. Never returns: always ends in ``os._exit`` so no learner hook runs after."""
    from autograder.sandbox import isolation, tamper
    workdir = job["workdir"]
    os.setsid()
    os.chdir(workdir)
    limits = job["limits"]
    clock = _Clock(limits["wall_seconds"])
    fd = os.open(OUTPUT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    signal.signal(signal.SIGALRM, _alarm)
    report: dict = {"exercises": {}, "cell_errors": [], "tampered": [], "isolation": "trusted"}
    arrays: dict[str, np.ndarray] = {}
    try:
        if job["kind"] == "submission":
            report["isolation"] = isolation.enter_namespaces(job["hide"], workdir, isolation.job_uid(job["id"]))
            isolation.set_limits(limits["mem_mb"], limits["output_bytes"])
            raw = _CappedOutput(1, limits["output_bytes"])
            sys.stdout = sys.__stdout__ = _text(raw)
            sys.stderr = sys.__stderr__ = _text(raw)
            _strip_references()
            isolation.install_audit_hook(job["hide"], workdir)
            before = BEFORE if BEFORE is not None else tamper.snapshot()
            changed = tamper.changed
            ns = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": _no_ipython}
            _run_cells(job, ns, report, clock)
            _probe_all(job["exercises"], job["seed"], lambda ex: ns.get(ex.entry), limits["probe_seconds"],
                       arrays, report, clock)
            report["tampered"] = changed(before)
            if not report["tampered"]:
                _diagnose_all(job["exercises"], job["seed"], lambda ex: ns.get(ex.entry), arrays, report, clock,
                              min(DOCTOR_SECONDS, limits["probe_seconds"]))
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:  # noqa: BLE001 - a learner may have closed or replaced them
                    pass
            report["output_cut"] = raw.cut
            signal.setitimer(signal.ITIMER_REAL, 0)    # no alarm of the learner's may interrupt the saving
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            isolation.allow_result_files()
        else:  # trusted reference job: no learner code in this process
            from autograder import catalog
            _probe_all(job["exercises"], job["seed"], lambda ex: catalog.get(ex.id).reference, 600,
                       arrays, report, _Clock(10**6))
        _SAVE_ARRAYS(RESULT_ARRAYS, **arrays)
        with open(RESULT_JSON, "w") as f:
            _SAVE_JSON(report, f)
        os._exit(0)
    except BaseException:  # noqa: BLE001
        try:
            traceback.print_exc(file=sys.__stderr__)
            sys.__stderr__.flush()
        finally:
            os._exit(EXIT_INTERNAL)
