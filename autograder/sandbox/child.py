"""What runs inside one forked child: a submission's cells, then the probes; or, for a trusted job, the
reference. Results go to files in the job's work folder; the parent treats them as untrusted data."""
from __future__ import annotations

import builtins
import json
import os
import signal
import sys
import traceback

import numpy as np

RESULT_JSON = "result.json"
RESULT_ARRAYS = "arrays.npz"
OUTPUT = "output.txt"


class ProbeTimeout(BaseException):
    """Raised by the alarm; a BaseException so a learner's bare ``except Exception`` cannot swallow it."""


def _alarm(signum, frame):
    raise ProbeTimeout()


def _short_error(exc: BaseException, label: str) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<")]
    where = f" (line {frames[-1].lineno})" if frames else ""
    text = str(exc).strip().splitlines()
    return f"{label} raised {type(exc).__name__}{where}: {text[0][:300] if text else ''}".rstrip(": ")


def _no_ipython():
    raise RuntimeError("IPython magics (%, !) are not available when grading: remove them from the answer cell")


def _compile(label: str, source: str):
    from IPython.core.inputtransformer2 import TransformerManager
    return compile(TransformerManager().transform_cell(source), f"<{label}>", "exec")


def _strip_references() -> None:
    # The zygote loaded every spec, references included; a submission must not be able to call them.
    for name, module in list(sys.modules.items()):
        if name.startswith("autograder.specs.") and module is not None:
            vars(module).pop("reference", None)
    import gc
    gc.collect()


def _probe_all(exercise_ids, seed, fn_for, timeout, arrays, report) -> None:
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
            signal.setitimer(signal.ITIMER_REAL, timeout)
            for i, case in enumerate(ex.cases(seed)):
                for key, value in ex.probe(fn, case).items():
                    if value is None:
                        none_keys.append(f"{i}/{key}")
                    else:
                        arrays[f"{ex_id}/{i}/{key}"] = np.asarray(value)
                entry["cases"] = i + 1
        except ProbeTimeout:
            entry["error"] = f"calling `{ex.entry}` took longer than {timeout:g} s (an endless loop?)"
        except BaseException as exc:  # noqa: BLE001 - any failure of learner code is a graded outcome
            entry["error"] = _short_error(exc, f"calling `{ex.entry}`")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        entry["none"] = none_keys


def run(job: dict) -> None:
    """Body of the forked child. Never returns: always ends in ``os._exit`` so no learner hook runs after."""
    from autograder.sandbox import isolation, tamper
    workdir = job["workdir"]
    os.setsid()
    os.chdir(workdir)
    fd = os.open(OUTPUT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    signal.signal(signal.SIGALRM, _alarm)
    limits = job["limits"]
    report: dict = {"exercises": {}, "cell_errors": [], "tampered": [], "isolation": "trusted"}
    arrays: dict[str, np.ndarray] = {}
    try:
        if job["kind"] == "submission":
            os.chmod(workdir, 0o777)
            report["isolation"] = isolation.enter_namespaces(job["hide"], workdir)
            isolation.set_limits(limits["mem_mb"], limits["output_bytes"])
            _strip_references()
            isolation.install_audit_hook(job["hide"], workdir)
            before = tamper.snapshot()
            ns = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": _no_ipython}
            for label, source in job["cells"]:
                errors_before = len(report["cell_errors"])
                try:
                    signal.setitimer(signal.ITIMER_REAL, limits["cell_seconds"])
                    exec(_compile(label, source), ns)  # noqa: S102 - this is the sandbox
                except ProbeTimeout:
                    msg = f"{label} took longer than {limits['cell_seconds']:g} s to run (an endless loop?)"
                    report["cell_errors"].append(msg)
                except BaseException as exc:  # noqa: BLE001 - includes SystemExit from sys.exit()
                    report["cell_errors"].append(_short_error(exc, label))
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                if len(report["cell_errors"]) > errors_before and label.startswith("answer "):
                    report["exercises"].setdefault(label.split(" ", 1)[1], {})["error"] = report["cell_errors"][-1]
            _probe_all(job["exercises"], job["seed"], lambda ex: ns.get(ex.entry), limits["probe_seconds"],
                       arrays, report)
            report["tampered"] = tamper.changed(before)
        else:  # trusted reference job: no learner code in this process
            from autograder import catalog
            _probe_all(job["exercises"], job["seed"], lambda ex: catalog.get(ex.id).reference, 600,
                       arrays, report)
        sys.stdout.flush()
        sys.stderr.flush()
        np.savez(RESULT_ARRAYS, **arrays)
        with open(RESULT_JSON, "w") as f:
            json.dump(report, f)
        os._exit(0)
    except BaseException:  # noqa: BLE001
        try:
            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(70)
