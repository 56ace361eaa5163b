"""The zygote: imports TensorFlow once, then forks a fresh child for every job.

Importing TensorFlow costs seconds; forking a process that has imported it (but has run no op, so no thread
pools exist yet) costs a fraction of one. Each child is a separate process with its own limits, so isolation is
per submission. The zygote itself never runs learner code.

Protocol: one JSON job per line on stdin; one JSON line per finished job on the protocol pipe (the original
stdout; fd 1 is pointed at stderr so library chatter cannot corrupt it).
"""
from __future__ import annotations

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


def _describe(status: int) -> dict:
    if os.WIFSIGNALED(status):
        return {"exit": None, "signal": os.WTERMSIG(status)}
    return {"exit": os.WEXITSTATUS(status), "signal": None}


def main() -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    _preload()
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
                protocol.close()
                from autograder.sandbox.child import run
                run(job)
            now = time.monotonic()
            running[pid] = (job, now, now + job["limits"]["wall_seconds"])

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
            protocol.write(json.dumps({
                "id": job["id"], **_describe(status), "timed_out": pid in timed_out,
                "seconds": round(time.monotonic() - started, 3), "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
            }) + "\n")
            timed_out.discard(pid)


if __name__ == "__main__":
    main()
