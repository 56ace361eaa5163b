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
import socket
import sys
import time


def _preload() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy  # noqa: F401
    import tensorflow  # noqa: F401
    import keras  # noqa: F401
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
    pid = os.fork()
    if pid == 0:
        why = isolation.unshare_job()
        os._exit(0 if why is None else 1)
    _, status = os.waitpid(pid, 0)
    return None if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else "unshare refused by the kernel"


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    os.dup2(2, 1)
    _preload()
    from autograder.sandbox import child, isolation
    isolation.no_dump()        # inherited: no process of the jail can read another's memory
    why = _namespaces_work()
    control.send(json.dumps({"ready": True, "namespaces": why is None, "why": why}).encode())

    running: dict[int, tuple[str, float, int]] = {}   # reaper pid -> (job id, started, status pipe)
    open_ = True
    while open_ or running:
        ready, _, _ = select.select([control] if open_ else [], [], [], 0.02)
        if ready:
            try:
                data, fds, _, _ = socket.recv_fds(control, 65536, 1)
            except OSError:
                data, fds = b"", []
            if not data:
                open_ = False
                for fd in fds:
                    os.close(fd)
            else:
                msg = json.loads(data)
                if not fds:
                    continue
                status_r, status_w = os.pipe()
                pid = os.fork()
                if pid == 0:
                    try:
                        control.close()
                        os.close(status_r)
                        gc.enable()
                        child.reaper(fds[0], status_w, msg, why is None)
                    finally:
                        os._exit(70)
                os.close(fds[0])
                os.close(status_w)
                running[pid] = (msg["id"], time.monotonic(), status_r)
        while running:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
            if pid == 0:
                break
            if pid not in running:
                continue
            job_id, started, status_r = running.pop(pid)
            try:
                info = json.loads(os.read(status_r, 65536) or b"{}")
            except ValueError:
                info = {}
            os.close(status_r)
            if not info:  # the reaper itself failed: say so rather than guess
                info = {"exit": 70, "signal": None, "timed_out": False, "isolation": "the job's reaper failed"}
            control.send(json.dumps({"id": job_id, **info, "seconds": round(time.monotonic() - started, 3),
                                     "max_rss_mb": round(usage.ru_maxrss / 1024, 1)}).encode())


if __name__ == "__main__":
    main()
