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


def test_hint_advances(tmp_path):
    first, second = run("hint", "casts-1"), run("hint", "casts-1")
    assert "Hint 1/" in first.stdout and "Hint 2/" in second.stdout
    assert run("hint", "no-such-exercise").returncode == 2


def test_progress_reads_state_from_the_notebooks(tmp_path):
    shutil.copy(ROOT / "solutions" / "casts-1.ipynb", tmp_path / "casts-1.ipynb")
    out = run("progress", str(tmp_path)).stdout
    assert "casts-1" in out and "solved" in out
    assert f"1/{len(catalog.all_exercises())} solved" in out


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
