"""The zygote: imports TensorFlow once, then forks a fresh child for every job.

Importing TensorFlow costs seconds; forking a process that has imported it (but has run no op, so no thread
pools exist yet) costs a fraction of one. Each child is a separate process with its own limits, so isolation is
per submission. The zygote itself never runs learner code.

Protocol: one JSON job per line on stdin; one JSON line per finished job on the protocol pipe (the original
stdout; fd 1 is pointed at stderr so library chatter cannot corrupt it).
"""
from __future__ import annotations

import gc
import json
import os
import select
import signal
import sys
import time


def _preload() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy  # noqa: F401
    import tensorflow  # noqa: F401
    import keras  # noqa: F401
    from IPython.core.inputtransformer2 import TransformerManager  # noqa: F401
    from autograder import catalog, compare, probe  # noqa: F401
    from autograder.sandbox import child, isolation, tamper  # noqa: F401
    catalog.all_exercises()  # import every spec now, so children need not read the source tree
    try:  # the gradient doctor explains failed gradient checks in the feedback; grading works without it
        from autograder import doctor, learner  # noqa: F401
        import autograder.doctor.exercise  # noqa: F401
    except Exception:  # noqa: BLE001
        pass
    child.BEFORE = tamper.snapshot()  # once here, inherited by every child (see tamper.py)
    # Everything imported so far lives as long as the zygote: move it out of the collector's reach, so that a
    # collection in a child neither walks TensorFlow's million objects nor copies their pages (about 0.6 s).
    gc.collect()
    gc.freeze()


def _kill_leftovers(uid: int) -> None:
    """Kill every process still running as a finished job's uid (e.g. one that left its process group)."""
    for _ in range(3):
        found = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    found = True
                    os.kill(int(entry), signal.SIGKILL)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
        if not found:
            return


def _describe(status: int) -> dict:
    if os.WIFSIGNALED(status):
        return {"exit": None, "signal": os.WTERMSIG(status)}
    return {"exit": os.WEXITSTATUS(status), "signal": None}


def main() -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    _preload()
    from autograder.sandbox import isolation
    parallel = max(1, int(os.environ.get("AUTOGRADER_PARALLEL", os.cpu_count() or 1)))
    protocol.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")

    queue: list[dict] = []
    running: dict[int, tuple[dict, float, float]] = {}   # pid -> (job, started, deadline)
    timed_out: set[int] = set()
    stdin_open = True
    buffer = b""
    while stdin_open or queue or running:
        while queue and len(running) < parallel:
            job = queue.pop(0)
            pid = os.fork()
            if pid == 0:
                try:
                    protocol.close()
                    gc.enable()
                    from autograder.sandbox.child import run
                    run(job)
                finally:
                    os._exit(70)
            now = time.monotonic()
            wall = job["limits"]["wall_seconds"]
            # The child stops itself at ``wall`` (its alarms); this kill is the backstop for code that blocks or
            # ignores them, with a grace period so that a child merely saving its results is never cut short.
            running[pid] = (job, now, now + wall + max(2.0, 0.25 * wall))

        if stdin_open:
            ready, _, _ = select.select([0], [], [], 0.02)
            if ready:
                chunk = os.read(0, 65536)
                if not chunk:
                    stdin_open = False
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        queue.append(json.loads(line))
        else:
            time.sleep(0.02)

        now = time.monotonic()
        for pid, (job, started, deadline) in list(running.items()):
            if now > deadline and pid not in timed_out:
                timed_out.add(pid)
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        while running:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
            if pid == 0:
                break
            if pid not in running:
                continue
            job, started, _ = running.pop(pid)
            try:
                os.killpg(pid, signal.SIGKILL)  # anything the learner's code left running in its group
            except (ProcessLookupError, PermissionError):
                pass
            if job["kind"] == "submission" and os.geteuid() == 0:
                _kill_leftovers(isolation.job_uid(job["id"]))
            protocol.write(json.dumps({
                "id": job["id"], **_describe(status), "timed_out": pid in timed_out,
                "seconds": round(time.monotonic() - started, 3), "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
            }) + "\n")
            timed_out.discard(pid)


if __name__ == "__main__":
    main()
