"""The zygote: imports TensorFlow once, then forks a fresh child for every job. It runs inside the jail.

Importing TensorFlow costs seconds; forking a process that has imported it (but has run no op, so no thread
pools exist yet) costs a fraction of one. The zygote is the clean template of every job: it never runs learner
code, never imports a spec module (so no reference is in its memory), and never holds a job's data. The grader
sends it, for each job, a small control message (the job's folder and limits) and one end of a socket pair on
which the job receives its task and sends back its results; the zygote forks at once and closes its copy, so no
child ever inherits another job's socket or data. The grader keeps the queue, so the zygote never has one.

Protocol on the control socket (SOCK_SEQPACKET, fd given as argv[1]): grader -> zygote, one JSON message with one
file descriptor per job; zygote -> grader, {"ready": ...} once, then one JSON message per finished job.
"""
from __future__ import annotations

import gc
import json
import os
import select
import signal
import socket
import sys
import time


def _preload() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy  # noqa: F401
    import tensorflow
    import keras  # noqa: F401
    # Jobs run side by side, one per core: TensorFlow's own pools (a thread per core per job, by default) would only
    # fight over the same cores. Set before any op runs, so no thread exists yet when the zygote forks.
    share = max(1, (os.cpu_count() or 1) // max(1, int(os.environ.get("AUTOGRADER_PARALLEL", "1"))))
    tensorflow.config.threading.set_intra_op_parallelism_threads(share)
    tensorflow.config.threading.set_inter_op_parallelism_threads(share)
    from IPython.core.inputtransformer2 import TransformerManager  # noqa: F401
    from autograder import compare, probe  # noqa: F401
    from autograder.sandbox import child, isolation, task, tamper  # noqa: F401
    try:  # the gradient doctor explains failed gradient checks in the feedback; grading works without it
        import autograder.doctor.exercise  # noqa: F401
    except Exception:  # noqa: BLE001
        pass
    if any(name.startswith("autograder.specs.") for name in sys.modules):
        raise SystemExit("a spec module (with its reference) was imported into the jail: refusing to start")
    child.BEFORE = tamper.snapshot()  # once here, inherited by every child (see tamper.py)
    # Everything imported so far lives as long as the zygote: move it out of the collector's reach, so that a
    # collection in a child neither walks TensorFlow's million objects nor copies their pages (about 0.6 s).
    gc.collect()
    gc.freeze()


def _namespaces_work() -> str | None:
    """Can a job get its own namespaces here? None if so, else the kernel's reason."""
    from autograder.sandbox import isolation
    from autograder.sandbox import child
    pid = os.fork()
    if pid == 0:
        if isolation.unshare_job() is not None:
            os._exit(1)
        init = child._spawn_init()   # posix_spawn reports a failed exec itself
        if init is None:
            os._exit(0)
        os.kill(init, signal.SIGKILL)
        os.waitpid(init, 0)
        os._exit(2)
    _, status = os.waitpid(pid, 0)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1
    if code != 2:   # no init to exec here: each job is then its namespace's PID 1 itself
        child._SLEEP = None
    return None if code in (0, 2) else "unshare refused by the kernel"


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    os.dup2(2, 1)
    _preload()
    from autograder.sandbox import isolation
    isolation.no_dump()        # inherited: no process of the jail can read another's memory
    why = _namespaces_work()
    control.send(json.dumps({"ready": True, "namespaces": why is None, "why": why}).encode())

    running: dict[int, tuple[str, float, int]] = {}   # status pipe -> (job id, started, reaper pid)
    exiting: list[int] = []                            # reapers that reported: reaped when they are gone
    open_ = True
    while open_ or running:
        # No polling: a job's status pipe becomes readable when its reaper reports (or dies without a word).
        ready, _, _ = select.select(([control] if open_ else []) + list(running), [], [])
        for fd in ready:
            if fd is control:
                open_ = _fork_job(control, running, why is None)
                continue
            job_id, started, pid = running.pop(fd)
            try:
                info = json.loads(os.read(fd, 65536) or b"{}")
            except ValueError:
                info = {}
            os.close(fd)
            if not isinstance(info, dict) or not info:  # the reaper itself failed: say so rather than guess
                info = {"exit": 70, "signal": None, "timed_out": False, "isolation": "the job's reaper failed"}
            exiting.append(pid)   # it exits right after its report; tearing down its memory takes a while
            control.send(json.dumps({**info, "id": job_id,
                                     "seconds": round(time.monotonic() - started, 3)}).encode())
        exiting[:] = [pid for pid in exiting if os.waitpid(pid, os.WNOHANG)[0] == 0]
    for pid in exiting:
        os.waitpid(pid, 0)


def _fork_job(control: socket.socket, running: dict, namespaces: bool) -> bool:
    """Fork the reaper of the job the grader just sent; False once the grader has closed the control socket."""
    try:
        data, fds, _, _ = socket.recv_fds(control, 65536, 1)
    except OSError:
        data, fds = b"", []
    if not data:
        for fd in fds:
            os.close(fd)
        return False
    msg = json.loads(data)
    if not fds:
        return True
    status_r, status_w = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        from autograder.sandbox import child
        try:
            control.close()
            os.close(status_r)
            for fd in running:   # no reaper holds another job's status pipe
                os.close(fd)
            gc.enable()
            child.reaper(fds[0], status_w, msg, namespaces)
        finally:
            os._exit(70)
    os.close(fds[0])
    os.close(status_w)
    running[status_r] = (msg["id"], started, pid)
    return True


if __name__ == "__main__":
    main()
