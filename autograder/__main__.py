"""Command line: ``python -m autograder {grade,check,watch,progress,hint,merge,doctor,bench,release,gradescope,canvas,
similarity} ...``"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _limits(args) -> dict | None:
    """The sandbox limits from the flags, or None (after saying why) when one is not positive."""
    from .grading.flags import limits_from_args
    limits = limits_from_args(args)
    bad = [k for k, v in limits.items() if v <= 0]
    if bad:
        print(f"error: limits must be positive: {', '.join(bad)}", file=sys.stderr)
        return None
    return limits


def _hidden_paths(*extra: Path) -> list[Path]:
    """What a submission must not see: solutions, tests, the specs' source, git history, reports, other students."""
    from . import catalog
    root = catalog.REPO_ROOT
    return [root / "solutions", root / "tests", root / ".git", catalog.SPECS_DIR, *extra]


def cmd_grade(args) -> int:
    import pytest
    from .grading.plugin import GradingPlugin
    from .grading.report import summary
    subs, out = Path(args.submissions).resolve(), Path(args.out).resolve()
    if not subs.is_dir():
        print(f"error: {subs} is not a folder of submissions", file=sys.stderr)
        return 2
    shard = None
    if args.shard:
        try:
            i, n = (int(x) for x in args.shard.split("/"))
            assert 1 <= i <= n
        except (ValueError, AssertionError):
            print(f"error: --shard takes I/N with 1 <= I <= N, got {args.shard!r}", file=sys.stderr)
            return 2
        shard = (i, n)
    limits = _limits(args)
    if limits is None:
        return 2
    from .sandbox.jail import check as jail_problem
    why = None if args.insecure else jail_problem()
    if why:
        print(f"error: refusing to run untrusted submissions without a jail: {why}.\n"
              "Pass --insecure to grade anyway (only for submissions you trust).", file=sys.stderr)
        return 2
    if args.canvas_csv and not (args.roster and Path(args.roster).is_file()):
        print("error: --canvas-csv needs --roster ROSTER.csv, an existing file (the gradebook CSV Canvas exports)",
              file=sys.stderr)
        return 2
    plugin = GradingPlugin(subs, out, args.seed, shard, limits, args.parallel,
                           _hidden_paths(subs, out), progress=not args.no_progress, insecure=args.insecure,
                           # Tests switch the courtesy layers (tamper check, audit hook) off to show the jail holds alone.
                           courtesy=os.environ.get("AUTOGRADER_COURTESY_LAYERS") != "off")
    out.mkdir(parents=True, exist_ok=True)
    ini = Path(__file__).parent / "grading" / "pytest-grader.ini"
    # A clean pytest: no plugins from the environment, no conftest, no cache, no ini files from the class folder.
    # The environment is restored afterwards, so a caller in the same process (a test, say) keeps its plugins.
    saved = {k: os.environ.get(k) for k in ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_ADDOPTS")}
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    os.environ.pop("PYTEST_ADDOPTS", None)
    try:
        code = pytest.main(["-c", str(ini), "--rootdir", str(out), "--noconftest", "-p", "no:cacheprovider",
                            "-p", "no:terminal", "-p", "no:doctest", "-p", "no:pastebin",
                            f"--junitxml={out / 'junit.xml'}", "-o", "junit_family=xunit2",
                            "-o", "junit_suite_name=autograder"], plugins=[plugin])
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if (out / "junit.xml").exists():  # the same layout `merge` writes (one suite, cases in order)
        from .grading.merge import _merge_junit
        _merge_junit([out / "junit.xml"], out / "junit.xml")
    if not plugin.report_written:
        print(f"error: the grader failed before writing a report (pytest exit code {code})", file=sys.stderr)
        return 3
    rows = sorted(plugin.outcomes.values(), key=lambda o: (o.student, o.exercise))
    print(summary(rows))
    print(f"\n{len(rows)} rows written to {out / 'grades.csv'} (and grades.json, junit.xml, feedback/)")
    if plugin.internal_errors:
        print("error: the grader itself failed on:\n  " + "\n  ".join(plugin.internal_errors), file=sys.stderr)
        return 3
    if args.canvas_csv:
        from .lms.canvas import main as canvas
        canvas(str(out), args.roster, args.canvas_csv, "Why is my gradient None? exercises")
    # Only failures of the grader count: failing students are the grader doing its job.
    return 0 if code in (0, 1) else 3


def _run_notebooks(paths: list[Path], seed: int) -> dict[Path, list]:
    """Check learners' notebooks in the sandbox: {path: outcomes}."""
    from . import catalog
    import threading
    from .grading.outcome import Grader, Outcome, start_tensorflow
    from .notebook import NotebookError, exercises_in, read
    from .sandbox.pool import Sandbox
    from .lms.colab import own_releases
    results: dict[Path, list] = {}
    releases: dict[Path, str] = {}
    for path in paths:
        try:
            ids = exercises_in(read(path))
            release = catalog.get(ids[0]).notebook if ids and ids[0] != "?" else None
            if release is None:
                raise NotebookError(f"{path.name} has no answer cells from this course")
            releases[path] = release
        except (NotebookError, catalog.CatalogError) as exc:
            results[path] = [Outcome("you", "?", path.name, 0, 0, "error", [str(exc)])]
    own = own_releases(releases)   # a pip install has no exercises/: each notebook is its own release
    threading.Thread(target=start_tensorflow, daemon=True).start()  # the references' TensorFlow, meanwhile
    try:
        with Sandbox(hide=_hidden_paths()) as sandbox:
            grader = Grader(sandbox, seed=seed, **({"releases": own} if own else {}))
            pending = {path: grader.start("you", path, release) for path, release in releases.items()}
            for path, p in pending.items():
                results[path] = p.outcomes()
    finally:
        if own:
            shutil.rmtree(own, ignore_errors=True)
    return {path: results[path] for path in paths}


def cmd_check(args) -> int:
    from .learner import LEARNER_SEED
    from .watch import print_outcomes
    path = Path(args.notebook)
    return 0 if print_outcomes(path, _run_notebooks([path], LEARNER_SEED)[path]) else 1


def cmd_watch(args) -> int:
    from .learner import LEARNER_SEED
    from .watch import watch
    return watch(Path(args.path), LEARNER_SEED, _hidden_paths())


def cmd_progress(args) -> int:
    from . import catalog
    from .learner import LEARNER_SEED
    folder = Path(args.folder)
    from .hints import fingerprint
    from .watch import answer_sources
    names = catalog.notebooks()
    present = [folder / n for n in names if (folder / n).exists()]
    # An answer still as released has not been started: no need to run it (and its shipped bug is no "error").
    shipped = {n: answer_sources(catalog.EXERCISES_DIR / n) for n in names}
    untouched = {ex.id for ex in catalog.all_exercises() if (folder / ex.notebook).exists()
                 and (src := answer_sources(folder / ex.notebook).get(ex.id)) is not None
                 and fingerprint(src) == fingerprint(shipped[ex.notebook].get(ex.id, ""))}
    started = [p for p in present if any(e.id not in untouched for e in catalog.by_notebook(p.name))]
    results = _run_notebooks(started, LEARNER_SEED) if started else {}
    rows, solved, total, suggestion = [], 0, 0, None
    for ex in catalog.all_exercises():
        path = folder / ex.notebook
        outs = {o.exercise: o for o in results.get(path, [])}
        o = outs.get(ex.id)
        state = ("missing" if not path.exists() else "not started" if ex.id in untouched else
                 "solved" if o and o.status == "passed" else
                 "error" if o and o.status in ("error", "timeout") else "not yet")
        total += 1
        solved += state == "solved"
        if state != "solved" and suggestion is None:
            suggestion = ex
        rows.append((ex.id, state, ex.title))
    icons = {"solved": "✅", "not yet": "·", "not started": " ", "error": "❌", "missing": "?"}
    for ex_id, state, title in rows:
        print(f"{icons[state]} {ex_id:<18} {state:<11} {title}")
    width = 30
    filled = round(width * solved / total) if total else 0
    print(f"\n[{'#' * filled}{'-' * (width - filled)}] {solved}/{total} solved")
    if suggestion:
        print(f"Next: {suggestion.id} ({suggestion.title}) in {folder / suggestion.notebook}")
    else:
        print("Everything solved. Well done!")
    return 0


def cmd_hint(args) -> int:
    from . import catalog, hints
    try:
        if args.reset:
            hints.reset(args.exercise)
            print(f"hints reset for {args.exercise or 'every exercise'}")
            return 0
        if args.exercise is None:
            print("error: name the exercise, e.g. `python -m autograder hint casts-1`", file=sys.stderr)
            return 2
        ex = catalog.get(args.exercise)
        show = args.show_spoiler
        if not show and hints.is_spoiler(ex, min(hints.stage(ex.id) + 1, len(ex.hints))) and sys.stdin.isatty():
            show = input("The last hint gives the answer away. Show it? [y/N] ").strip().lower() in ("y", "yes")
        text, i, n = hints.ask(ex.id, show)
    except catalog.CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Hint {i}/{n} for {args.exercise}{' (spoiler)' if show and i == n else ''}: {text}")
    return 0


def cmd_merge(args) -> int:
    from .grading.merge import merge
    return merge([Path(p) for p in args.reports], Path(args.out))


def cmd_bench(args) -> int:
    from .grading.bench import from_args
    return from_args(args)


def cmd_doctor(args) -> int:
    from .doctor.cli import main
    return main([args.script])


def main(argv: list[str] | None = None) -> int:
    from .grading.flags import add_limit_flags
    from .grading.outcome import GRADER_SEED
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="grade a folder of submissions (instructors)")
    g.add_argument("submissions", help="one sub-folder per student, or flat student_exercise.ipynb files")
    g.add_argument("--out", required=True, help="report folder (grades.csv, grades.json, junit.xml, feedback/)")
    g.add_argument("--seed", type=int, default=GRADER_SEED, help="seed of the hidden inputs (same seed, same grades)")
    g.add_argument("--shard", help="grade only slice I of N (e.g. 2/4); combine with `merge`")
    g.add_argument("--parallel", type=int, help="notebooks run at once (default: number of cores)")
    add_limit_flags(g)
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.add_argument("--insecure", action="store_true",
                   help="grade even where no jail (bubblewrap, namespaces) can be built: only for trusted work")
    g.add_argument("--canvas-csv", help="also write a Canvas gradebook import CSV (needs --roster)")
    g.add_argument("--roster", help="the gradebook CSV Canvas exports, for --canvas-csv")
    g.set_defaults(func=cmd_grade)

    c = sub.add_parser("check", help="check one notebook; exit 0 only if every exercise in it passes")
    c.add_argument("notebook")
    c.set_defaults(func=cmd_check)

    p = sub.add_parser("progress", help="which exercises are solved, and what to do next")
    p.add_argument("folder", nargs="?", default="exercises", help="where your notebooks are (default: exercises)")
    p.set_defaults(func=cmd_progress)

    h = sub.add_parser("hint", help="show the next hint for an exercise (the last one is the answer: a spoiler)")
    h.add_argument("exercise", nargs="?")
    h.add_argument("--show-spoiler", action="store_true", help="also show the last hint, which gives the answer")
    h.add_argument("--reset", action="store_true", help="forget the hints seen (for EXERCISE, or for all)")
    h.set_defaults(func=cmd_hint)

    w = sub.add_parser("watch", help="re-check notebooks every time they are saved (one warm process)")
    w.add_argument("path", nargs="?", default="exercises", help="a notebook, or a folder of them (default: exercises)")
    w.set_defaults(func=cmd_watch)

    m = sub.add_parser("merge", help="combine shard reports into one")
    m.add_argument("reports", nargs="+", help="report folders written by `grade --shard`")
    m.add_argument("--out", required=True)
    m.set_defaults(func=cmd_merge)

    d = sub.add_parser("doctor", help="explain why gradients are None, zero or NaN in SCRIPT.py "
                                      "(which defines loss_fn and variables)")
    d.add_argument("script")
    d.set_defaults(func=cmd_doctor)

    from .grading.bench import add_arguments as bench_arguments
    b = sub.add_parser("bench", help="benchmark the grader against running each notebook in a fresh kernel")
    bench_arguments(b)
    b.set_defaults(func=cmd_bench)

    from .lms.cli import add_commands   # release, gradescope, canvas, similarity
    add_commands(sub)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
