"""What runs inside the jail for one job: a reaper (namespaces, deadline) and the job itself, a submission's
cells, then the probes. The job never sees a spec module, a reference or another job: it gets a task (answer
names, hidden inputs, probe source) over its own socket and sends its results back on it, as untrusted data."""
from __future__ import annotations

import builtins
import io
import json
import os
import pickle
import signal
import socket
import struct
import sys
import time
import traceback

import numpy as np

from autograder.messages import explain as _explain
from autograder.sandbox.task import load_probe

OUTPUT = "output.txt"
EXIT_INTERNAL = 70          # the child's own code failed (not the learner's): reported as a grader problem
TIMED_OUT = "did not finish in time"
MARGIN_SECONDS = 0.5        # the last alarm fires this long before the notebook's time is up

# Bound at import (in the zygote), so that a submission replacing np.savez changes nothing here (not that it
# matters: what the child sends is untrusted data to the grader, which validates every array).
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


def _short_error(exc: BaseException, label: str) -> str:
    """One line for the report (the grader removes the numbers from it: see pool.safe_text)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<")]
    where = f" (line {frames[-1].lineno})" if frames else ""
    first = _explain(exc)       # the explanatory lines, not just a wrapper's first line (Keras's, say)
    return f"{label} raised {type(exc).__name__}{where}: {first}".rstrip(": ")


def _no_ipython(*args, **kwargs):
    raise RuntimeError("IPython magics (%, !) are not available when grading: remove them from the answer cell")


def _compile(label: str, source: str):
    try:   # plain Python (almost every cell) compiles as it is: IPython's transforms only rewrite invalid syntax
        return compile(source, f"<{label}>", "exec")
    except SyntaxError:   # magics, shell escapes, `x?`, an indented cell: IPython's own reading of the cell
        from IPython.core.inputtransformer2 import TransformerManager
        return compile(TransformerManager().transform_cell(source), f"<{label}>", "exec")


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


def _probe_all(tasks, fn_for, timeout, arrays, report, clock: _Clock) -> None:
    for task in tasks:
        ex_id = task["id"]
        entry = report["exercises"].setdefault(ex_id, {})
        if entry.get("error"):
            continue
        fn = fn_for(task)
        if fn is None:
            entry["error"] = f"`{task['entry']}` is not defined by the answer cell"
            continue
        none_keys = []
        try:
            clock.arm(timeout)
            for i, case in enumerate(task["cases"]):
                for key, value in task["probe"](fn, case).items():
                    if value is None:
                        none_keys.append(f"{i}/{key}")
                    else:
                        arrays[f"{ex_id}/{i}/{key}"] = np.asarray(value)
                entry["cases"] = i + 1
        except ProbeTimeout:
            entry["error"] = "timeout"     # the grader words it (this process's text is not trusted)
            entry["timeout"] = True
        except BaseException as exc:  # noqa: BLE001 - any failure of learner code is a graded outcome
            entry["error"] = _short_error(exc, f"calling `{task['entry']}`")
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


class _ExerciseView:
    """What the gradient doctor needs of an exercise (its probe and answer name), without its spec. The doctor asks
    for the reference's gradient names by probing ``reference``: here that returns the names, never values."""

    reference = object()

    def __init__(self, task: dict):
        self.entry, self._probe, self._grads = task["entry"], task["probe"], task["grad_names"]

    def probe(self, fn, case):
        if fn is self.reference:
            return {f"grad/{name}": None for name in self._grads}
        return self._probe(fn, case)


def _diagnose_all(tasks, fn_for, arrays, report, clock: _Clock, seconds: float) -> None:
    """The gradient doctor's one-line cause for each exercise whose gradient was None, zero or NaN, on the first
    hidden case. A bonus: it is bounded in time and nothing it does can change the grade or stop the child."""
    for task in tasks:
        entry = report["exercises"].get(task["id"], {})
        if entry.get("error") or not _gradient_suspicious(task["id"], entry, arrays):
            continue
        try:
            from autograder.doctor.exercise import diagnose_entry
            clock.arm(seconds)
            diagnosis = diagnose_entry(_ExerciseView(task), fn_for(task), task["cases"][0])
            text = (diagnosis.sentences() or "") if diagnosis is not None else ""
            if text:
                entry["diagnosis"] = "; ".join(text.splitlines())[:800]
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
            report["cell_errors"].append(f"{label} {TIMED_OUT}")
        except BaseException as exc:  # noqa: BLE001 - includes SystemExit from sys.exit()
            report["cell_errors"].append(_short_error(exc, label))
        finally:
            clock.disarm()
        if len(report["cell_errors"]) > errors_before and label.startswith("answer "):
            entry = report["exercises"].setdefault(label.split(" ", 1)[1], {})
            entry["error"] = report["cell_errors"][-1]
            entry["timeout"] = timed_out


FRAME_MAGIC = b"AGR1"


def encode_frame(report: dict, arrays: dict) -> bytes:
    """The child's whole answer: a JSON report and the probe arrays (npz), length-prefixed."""
    buf = io.BytesIO()
    _SAVE_ARRAYS(buf, **arrays)
    text = json.dumps(report).encode()
    return FRAME_MAGIC + struct.pack(">Q", len(text)) + text + buf.getvalue()


def _receive_job(sock: socket.socket) -> dict:
    head = _read_exactly(sock, 8)
    return pickle.loads(_read_exactly(sock, struct.unpack(">Q", head)[0]))  # noqa: S301 - from the trusted grader


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the grader closed the job socket early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def reaper(job_fd: int, status_fd: int, msg: dict, namespaces: bool) -> None:
    """Forked by the zygote for one job: creates the job's namespaces, starts their init, forks the job into
    them, enforces its deadline and reports how it ended. No learner code runs here.

    The init (PID 1) is a ``sleep`` started with posix_spawn: an exec'd program, so it costs a millisecond where a
    fork of this TensorFlow-sized process costs tens, and it holds no Python, no data and (exec'd as a non-root
    uid of the namespace) no capabilities. When the job ends, or is killed at the deadline, the init is killed,
    and the kernel then kills every process left in the namespace (double forks and pid changes included) before
    the init can be reaped. This process stays in the zygote's PID namespace: nothing inside the job's can name
    it, so nothing there can signal or trace it (and it is not dumpable); the init ignores every signal sent from
    inside, SIGKILL included."""
    from autograder.sandbox import isolation
    os.setsid()
    why = isolation.unshare_job() if namespaces else "not requested"
    # Without a ``sleep`` to exec, the job itself is the namespace's PID 1 (all else holds; only a job's own
    # abort() then ends in SIGSEGV, as an init ignores the signals it sends itself).
    init = _spawn_init(job_fd, status_fd) if why is None else None
    pid = os.fork()
    if pid == 0:
        try:
            os.close(status_fd)
            isolation.die_with_parent()
            view = isolation.private_view(msg["workdir"], msg["jobs_root"], msg["hide"]) if why is None else []
            isolation.no_dump()   # again: the new user namespace's credentials reset it
            job_main(job_fd, msg, why is None, view)
        finally:
            os._exit(EXIT_INTERNAL)
    os.close(job_fd)
    wall = msg["limits"]["wall_seconds"]
    status, usage, timed_out = _wait(pid, wall + max(2.0, 0.25 * wall))
    try:  # the init, then (the kernel's doing) every process left in the namespace; or the job's process group
        if init:
            os.kill(init, signal.SIGKILL)
        elif why is not None:
            os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if init:
        os.waitpid(init, 0)
    out = {"exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
           "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None, "timed_out": timed_out,
           "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
           "isolation": "per-job user, PID, mount and IPC namespaces" if why is None
           else f"no per-job namespaces ({why}): rlimits and the audit hook only"}
    os.write(status_fd, json.dumps(out).encode())
    os._exit(0)


_SLEEP = next((p for p in ("/usr/bin/sleep", "/bin/sleep") if os.access(p, os.X_OK)), None)


def _spawn_init(*close: int) -> int | None:
    """PID 1 of the job's new PID namespace (the first process this one starts after unsharing), or None."""
    if _SLEEP is None:
        return None
    actions = [(os.POSIX_SPAWN_CLOSE, fd) for fd in close]
    actions += [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0), (os.POSIX_SPAWN_DUP2, 0, 1),
                (os.POSIX_SPAWN_DUP2, 0, 2)]
    try:
        return os.posix_spawn(_SLEEP, [_SLEEP, "infinity"], {}, file_actions=actions)
    except OSError:
        return None


def _wait(pid: int, seconds: float):
    """Wait for the job without polling (a pidfd becomes readable when it ends); SIGKILL it at the deadline."""
    import select
    deadline, timed_out = time.monotonic() + seconds, False
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:   # a kernel before 5.3: poll
        pidfd = None
    while True:
        left = max(0.0, deadline - time.monotonic())
        if pidfd is not None:
            if select.select([pidfd], [], [], left)[0]:
                break
        else:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                return status, usage, timed_out
            time.sleep(min(0.01, left))
        if time.monotonic() >= deadline and not timed_out:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            deadline += 3600
    os.close(pidfd)
    _, status, usage = os.wait4(pid, 0)
    return status, usage, timed_out


def job_main(job_fd: int, msg: dict, namespaced: bool, view: list[str]) -> None:
    """The job (PID 2 of its namespace, after the init; PID 1 where no init could be exec'd). Never returns: always
    ends in ``os._exit`` so no learner hook runs after."""
    from autograder.sandbox import isolation, tamper
    workdir = msg["workdir"]
    report: dict = {"exercises": {}, "cell_errors": [], "tampered": [], "view": view}
    if not namespaced:
        os.setpgid(0, 0)
    sock = socket.socket(fileno=job_fd)
    job = _receive_job(sock)
    os.chdir(workdir)
    limits = job["limits"]
    clock = _Clock(limits["wall_seconds"])
    fd = os.open(OUTPUT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    signal.signal(signal.SIGALRM, _alarm)
    arrays: dict[str, np.ndarray] = {}
    try:
        tasks = job["tasks"]
        for task in tasks:
            task["probe"] = load_probe(task["probe"])
        isolation.set_limits(limits["mem_mb"], limits["output_bytes"])
        if namespaced:
            isolation.drop_privileges()
        else:
            isolation.no_dump()
        raw = _CappedOutput(1, limits["output_bytes"])
        sys.stdout = sys.__stdout__ = _text(raw)
        sys.stderr = sys.__stderr__ = _text(raw)
        courtesy = job.get("courtesy", True)
        if courtesy:
            isolation.install_audit_hook(msg["hide"], workdir)
        before = BEFORE if BEFORE is not None else tamper.snapshot()
        changed = tamper.changed
        ns = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": _no_ipython}
        _run_cells(job, ns, report, clock)
        fn_for = lambda task: ns.get(task["entry"])  # noqa: E731
        _probe_all(tasks, fn_for, limits["probe_seconds"], arrays, report, clock)
        # Copied now, so the doctor's further calls of the answer add nothing to what is sent (which the grader
        # treats as untrusted data in any case: only numbers matching the reference's count).
        frozen = dict(arrays)
        _diagnose_all(tasks, fn_for, frozen, report, clock, min(DOCTOR_SECONDS, limits["probe_seconds"]))
        if courtesy:
            report["tampered"] = changed(before)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - a learner may have closed or replaced them
                pass
        report["output_cut"] = raw.cut
        signal.setitimer(signal.ITIMER_REAL, 0)    # no alarm of the learner's may interrupt the sending
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        sock.sendall(encode_frame(report, frozen))
        sock.shutdown(socket.SHUT_WR)
        os._exit(0)
    except BaseException:  # noqa: BLE001
        try:
            traceback.print_exc(file=sys.__stderr__)
            sys.__stderr__.flush()
        finally:
            os._exit(EXIT_INTERNAL)
