"""``python -m autograder watch [PATH]``: re-check a notebook every time it is saved, from one warm process.

TensorFlow is imported once, by the sandbox's zygote, and the references are computed once; each save then costs
one fork that runs the notebook's cells and probes the answers (well under a second for most notebooks). The
output is the one ``check`` prints, so the three ways to check (in the notebook, ``check``, ``watch``) agree.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

POLL_SECONDS = 0.25


def answer_sources(path: Path) -> dict[str, str]:
    """{exercise id: answer-cell source} of a learner's notebook ({} if it cannot be read)."""
    from .notebook import NotebookError, answer_cells, read
    try:
        return {ex: cells[0].source for ex, cells in answer_cells(read(path)).items() if cells}
    except NotebookError:
        return {}


def start_check(grader, path: Path):
    """Start checking one learner's notebook; returns a function that waits for its outcomes."""
    from . import catalog
    from .grading.outcome import Outcome
    from .notebook import NotebookError, exercises_in, read
    try:
        ids = exercises_in(read(path))
        release = catalog.get(ids[0]).notebook if ids and ids[0] != "?" else None
        if release is None:
            raise NotebookError(f"{path.name} has no answer cells from this course")
    except (NotebookError, catalog.CatalogError) as exc:
        failed = [Outcome("you", "?", path.name, 0, 0, "error", [str(exc)])]
        return lambda: failed
    return grader.start("you", path, release).outcomes


def print_outcomes(path: Path, outcomes, out=None) -> bool:
    """Print ``check``'s feedback for one notebook's outcomes; True when every exercise passed."""
    from . import catalog, hints
    from .learner import SYMPTOMS, shipped_words, symptom
    out = out or sys.stdout
    sources = answer_sources(path)
    ok = True
    for o in outcomes:
        if o.status == "passed":
            print(f"✅ {o.exercise} solved", file=out)
            continue
        ok = False
        print(f"❌ {o.exercise} {'not solved yet' if o.status == 'failed' else o.status}:", file=out)
        for r in o.reasons:
            print(f"  - {r}", file=out)
        for n in o.notes:
            print(f"  note: {n}", file=out)
        if o.exercise == "?":
            continue
        ex = catalog.get(o.exercise)
        now = symptom(o.reasons)
        shipped = getattr(ex.module, "SYMPTOM", None)
        if shipped and now != shipped and SYMPTOMS.get(now):
            print(f"Your change moved the problem (as shipped: {shipped_words(shipped)}); {SYMPTOMS[now]}. "
                  "The hints below were written for the bug as shipped.", file=out)
        staged = hints.after_failure(ex.id, sources.get(ex.id), now, crashed=now == "crash" or o.status != "failed")
        if staged:
            text, i, n = staged
            print(f"Hint {i}/{n}: {text}", file=out)
            if i < n:
                print(f"(more: `python -m autograder hint {ex.id}`)", file=out)
    return ok


def _stamp(path: Path):
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return None


def _targets(root: Path) -> list[Path]:
    from . import catalog
    if root.is_dir():
        return [root / n for n in catalog.notebooks() if (root / n).exists()]
    return [root]


def watch(root: Path, seed: int, hidden: list[Path]) -> int:
    """Check a notebook now and after every save; for a folder, each of the course's notebooks in it when it is
    saved. Runs until interrupted (Ctrl-C)."""
    from .grading.outcome import Grader
    from .sandbox.pool import Sandbox
    targets = _targets(root)
    if not targets or not all(p.exists() for p in targets):
        print(f"error: {root} is not a notebook or a folder with the course's notebooks", file=sys.stderr)
        return 2
    print(f"watching {len(targets)} notebook(s) under {root} (Ctrl-C to stop); starting TensorFlow once...",
          flush=True)
    with Sandbox(hide=hidden) as sandbox:
        grader = Grader(sandbox, seed=seed)

        def check(path: Path) -> None:
            t0 = time.perf_counter()
            outcomes = start_check(grader, path)()
            print(f"\n--- {path.name} ({time.strftime('%H:%M:%S')})", flush=True)
            print_outcomes(path, outcomes)
            print(f"(checked in {time.perf_counter() - t0:.2f} s; save the notebook to check again)", flush=True)

        stamps = {path: _stamp(path) for path in targets}
        if root.is_dir():
            print("ready: save a notebook to check it", flush=True)
        else:
            check(root)
        try:
            while True:
                time.sleep(POLL_SECONDS)
                for path in targets:
                    now = _stamp(path)
                    if now is None or now == stamps[path]:
                        continue
                    time.sleep(POLL_SECONDS)        # let the editor finish writing
                    stamps[path] = _stamp(path)
                    check(path)
        except KeyboardInterrupt:
            print("\nstopped watching", flush=True)
    return 0
