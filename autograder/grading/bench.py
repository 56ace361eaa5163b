"""Grading benchmark (``python -m autograder bench`` and ``benchmarks/grading_bench.py``: the same code).

1. Generates a class of N submissions over every released exercise: a realistic mix of solved, unsolved (as
   shipped), half-solved (a "fix" that changes the result), broken (syntax error, truncated file) and hanging
   (an endless loop) notebooks.
2. Grades it with the real grader, in-process, through the same code path as ``python -m autograder grade``, and
   reports throughput, seconds per notebook and the peak memory of the whole process tree.
3. Runs a sample of the same notebooks the way nbgrader does (each in a fresh Jupyter kernel, one after the
   other, with nbclient) and reports the ratio of throughputs.
4. Measures the latency of a learner's ``check(...)`` in a warm kernel.

The last line is exactly ``speedup vs kernel-per-notebook: X.Yx``.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

MIX = (("solved", 0.55), ("unsolved", 0.20), ("half-solved", 0.13), ("broken", 0.10), ("hanging", 0.02))


# --- the class --------------------------------------------------------------------------------------------------

def _released() -> list[str]:
    from .. import catalog
    return [n for n in catalog.notebooks()
            if (catalog.EXERCISES_DIR / n).exists() and (catalog.SOLUTIONS_DIR / n).exists()]


def _kinds(n: int, rng: random.Random) -> list[str]:
    kinds: list[str] = []
    for kind, share in MIX:
        kinds += [kind] * round(n * share)
    kinds = (kinds + ["solved"] * n)[:n]
    rng.shuffle(kinds)
    return kinds


# Appended to a solved answer: every number the answer returns (in tuples, lists and dicts too), or every output
# of a Keras layer it defines, is 1.5 times too large; types and structure stay, so the checks fail, not crash.
HALF_SOLVED = """

def _wrong_{entry}(value):
    if isinstance(value, (tuple, list)):
        return type(value)(_wrong_{entry}(v) for v in value)
    if isinstance(value, dict):
        return {{k: _wrong_{entry}(v) for k, v in value.items()}}
    if value is None or isinstance(value, (bool, str)) or not hasattr(value, "__mul__"):
        return value
    return value * 1.5

if isinstance({entry}, type) and hasattr({entry}, "call"):
    class {entry}({entry}):
        def call(self, *args, **kwargs):
            return _wrong_{entry}(super().call(*args, **kwargs))
else:
    _fixed_{entry} = {entry}

    def {entry}(*args, **kwargs):
        return _wrong_{entry}(_fixed_{entry}(*args, **kwargs))
"""


def _variant(kind: str, name: str, rng: random.Random):
    """The notebook a student of this kind hands in for release ``name`` (None: raw bytes instead)."""
    import nbformat
    from .. import catalog
    from ..notebook import answer_cells
    base = catalog.SOLUTIONS_DIR if kind in ("solved", "half-solved", "broken", "hanging") else catalog.EXERCISES_DIR
    nb = nbformat.read(base / name, as_version=4)
    for ex in catalog.by_notebook(name):
        cell = answer_cells(nb)[ex.id][0]
        if kind == "half-solved":   # the gradient flows now, but the "fix" changed what the function computes
            cell.source += HALF_SOLVED.format(entry=ex.entry)
        elif kind == "broken":
            cell.source += "\nprint('unfinished'\n"  # a syntax error
        elif kind == "hanging":
            cell.source = "while True:\n    pass\n" + cell.source
    for cell in nb.cells:  # learners hand in executed notebooks, but outputs play no role in grading
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def make_class(folder: Path, n: int, seed: int = 0) -> dict[str, str]:
    """``n`` submissions in ``folder/studentNNN/NAME.ipynb``; returns {student: kind}."""
    import nbformat
    rng = random.Random(seed)
    names = _released()
    kinds = _kinds(n, rng)
    out = {}
    for i, kind in enumerate(kinds):
        student, name = f"student{i:04d}", names[i % len(names)]
        path = folder / student / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nb = _variant(kind, name, rng)
        if kind == "broken" and i % 2:      # half of the broken ones: a truncated upload
            path.write_text(nbformat.writes(nb)[: 200])
        else:
            nbformat.write(nb, path)
        out[student] = kind
    return out


# --- memory of the process tree -----------------------------------------------------------------------------------

def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """Samples the proportional set size (PSS: shared pages split between the processes sharing them, so forked
    children are not counted N times) of this process and all its descendants, every ``interval`` seconds."""

    def __init__(self, interval: float = 0.25):
        self.interval, self.peak_kb, self.peak_processes = interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            pids = _descendants(os.getpid())
            total = sum(_pss_kb(p) for p in pids)
            if total > self.peak_kb:
                self.peak_kb, self.peak_processes = total, len(pids)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# --- the baseline: one fresh kernel per notebook, serially ------------------------------------------------------

def run_in_fresh_kernel(path: Path, timeout: float) -> float:
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except Exception:  # noqa: BLE001 - a cell timeout or a dead kernel still costs the time spent
        pass
    return time.perf_counter() - start


def check_latency(name: str = "casts-1.ipynb", repeats: int = 5) -> tuple[float, float]:
    """(first, median of the next ``repeats``) seconds of a ``check(...)`` cell in a warm kernel that has run a
    solution's set-up, given and answer cells."""
    import nbformat
    from nbclient import NotebookClient
    from .. import catalog
    from ..notebook import role
    nb = nbformat.read(catalog.SOLUTIONS_DIR / name, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": tempfile.gettempdir()}})
    times = []
    with client.setup_kernel():
        checks = []
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if role(cell) == "check":
                checks.append((i, cell))
            else:
                client.execute_cell(cell, i)
        i, cell = checks[0]
        for _ in range(1 + repeats):
            start = time.perf_counter()
            client.execute_cell(cell, i)
            times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:])


# --- the benchmark ------------------------------------------------------------------------------------------------

def _readable(path: Path) -> bool:
    import nbformat
    try:
        nbformat.read(path, as_version=4)
        return True
    except Exception:  # noqa: BLE001
        return False


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def machine() -> str:
    model = "unknown CPU"
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem_gb = float("nan")
    return f"{os.cpu_count()} cores ({model}), {mem_gb:.0f} GB RAM"


def run(n: int = 200, baseline: int = 10, wall_seconds: float = 5.0, parallel: int | None = None,
        seed: int = 0, check: bool = True, keep: Path | None = None) -> float:
    from .. import __main__ as cli
    work = Path(tempfile.mkdtemp(prefix="autograder-bench-"))
    try:
        subs, out = work / "class", work / "report"
        kinds = make_class(subs, n, seed)
        counts = {k: sum(v == k for v in kinds.values()) for k, _ in MIX}
        print(f"machine: {machine()}")
        print(f"class: {n} submission notebooks over {len(_released())} released notebooks: "
              + ", ".join(f"{counts[k]} {k}" for k, _ in MIX))
        print(f"limits: {wall_seconds:g} s per notebook (hanging ones cost all of it), parallel "
              f"{parallel or os.cpu_count()}")

        args = ["grade", str(subs), "--out", str(out), "--no-progress", "--wall-seconds", str(wall_seconds)]
        if parallel:
            args += ["--parallel", str(parallel)]
        load_before = os.getloadavg()[0]
        with TreeMemory() as memory, contextlib.redirect_stdout(io.StringIO()):
            start = time.perf_counter()
            code = cli.main(args)
            total = time.perf_counter() - start
        load_after = os.getloadavg()[0]
        if code != 0:
            raise SystemExit(f"bench: the grader exited with {code}")
        rows = json.loads((out / "grades.json").read_text())
        per_notebook = {(r["student"], r["notebook"]): r["seconds"] for r in rows if r["seconds"]}
        secs = list(per_notebook.values())
        statuses = {}
        for r in rows:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        ours = total / n
        print(f"graded {n} notebooks ({len(rows)} rows: "
              + ", ".join(f"{v} {k}" for k, v in sorted(statuses.items())) + f") in {total:.1f} s ("
              f"including start-up (TensorFlow import in the sandbox) and references; load average "
              f"{load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} cores)")
        print(f"throughput: {n / total * 60:.0f} submissions per minute")
        print(f"seconds per submission notebook: {ours:.3f} amortized (wall time / notebooks); in its sandboxed "
              f"child: median {statistics.median(secs):.3f}, p95 {_percentile(secs, 0.95):.3f}")
        print(f"peak memory of the process tree: {memory.peak_kb / 1024:.0f} MB PSS "
              f"({memory.peak_processes} processes at the peak; sampled from /proc every 0.25 s)")

        sample = [p for p in sorted(subs.rglob("*.ipynb")) if kinds[p.parent.name] != "hanging" and _readable(p)]
        sample = sample[:: max(1, len(sample) // max(1, baseline))][:baseline]
        base_times = [run_in_fresh_kernel(p, timeout=max(60.0, wall_seconds)) for p in sample]
        base = statistics.mean(base_times)
        print(f"baseline (nbgrader-style, a fresh kernel per notebook, serially, nbclient): {len(sample)} of the "
              f"same notebooks (hanging and unreadable ones left out), mean {base:.2f} s per notebook "
              f"({60 / base:.1f} per minute)")
        if check:
            first, warm = check_latency()
            print(f"learner check(...) in a warm kernel (casts-1 solution): first call {first:.3f} s, "
                  f"then median {warm:.3f} s")
        speedup = base / ours
        if keep:
            shutil.copytree(work, keep, dirs_exist_ok=True)
        print(f"speedup vs kernel-per-notebook: {speedup:.1f}x")
        return speedup
    finally:
        shutil.rmtree(work, ignore_errors=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=200, help="submission notebooks in the generated class")
    parser.add_argument("--baseline", type=int, default=10, help="notebooks run in fresh kernels for the baseline")
    parser.add_argument("--wall-seconds", type=float, default=5.0, help="time limit per notebook in the bench")
    parser.add_argument("--parallel", type=int, help="notebooks at once (default: number of cores)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated class")
    parser.add_argument("--no-check", action="store_true", help="skip the warm-kernel check latency")
    parser.add_argument("--keep", type=Path, help="copy the generated class and its report here")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grading_bench", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    return from_args(args)


def from_args(args) -> int:
    run(args.n, args.baseline, args.wall_seconds, args.parallel, args.seed, not args.no_check, args.keep)
    return 0
