"""Colab and Binder: every notebook's set-up cell is the one template's (autograder/lms/setup_cell.py), the
release it installs is named in one place (autograder/_release.py), the cell fails with the course's message when
it cannot install and warns in one line about another TensorFlow, Binder installs the repository it checked out,
and the CLI works after a Colab-style (non-editable) install, run next to nothing but the notebook."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder import _release, catalog
from autograder.lms import setup_cell
from autograder.lms.colab import where

from .test_package import wheel  # noqa: F401 - the wheel built from the sources, offline

ROOT = catalog.REPO_ROOT
NOTEBOOKS = sorted((ROOT / "exercises").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_set_up_cell_is_the_template(path):
    cell = setup_cell.setup_cell_of(nbformat.read(path, as_version=4))
    assert cell is not None and cell.source == setup_cell.course_cell(), (
        f"{path.name}: its set-up cell is not the template's; run `python -m autograder.lms.setup_cell`")
    assert not cell.get("outputs")


def test_one_place_names_the_release():
    pins = dict(line.strip().split("==") for line in (ROOT / "requirements.txt").read_text().splitlines()
                if "==" in line)
    assert pins["tensorflow"] == _release.TENSORFLOW, "autograder/_release.py TENSORFLOW != requirements.txt"
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"]["url"] == _release.REPO_URL, "_config.yml repository.url != _release.REPO_URL"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and 'attr = "autograder._release.VERSION"' in pyproject
    assert re.search(r'dependencies = \[[^\]]*"scipy"', pyproject), "no-grad-ops-2 needs scipy"
    # The install names a tag, never the moving default branch.
    assert _release.install_spec().endswith(f"@v{_release.VERSION}")
    assert setup_cell.main(["--check"]) == 0


def _clean_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))}
    unreachable = "http://127.0.0.1:9"   # the discard port: connection refused at once, no DNS, no wait
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=f"{unreachable}/simple", PIP_RETRIES="0",
               PIP_TIMEOUT="2", PIP_DISABLE_PIP_VERSION_CHECK="1", http_proxy=unreachable, https_proxy=unreachable,
               HTTP_PROXY=unreachable, HTTPS_PROXY=unreachable, ALL_PROXY=unreachable, GIT_TERMINAL_PROMPT="0",
               HOME=str(tmp_path))
    return env


def test_set_up_cell_offline_without_the_course_gives_the_course_message(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    python = venv / "bin" / "python"
    proc = subprocess.run([str(python), "-c", setup_cell.course_cell()], capture_output=True, text=True,
                          cwd=tmp_path, env=_clean_env(tmp_path), timeout=300)
    assert proc.returncode != 0
    assert "The course's checker could not be installed" in proc.stderr
    assert "run this cell again" in proc.stderr and _release.install_spec() in proc.stderr
    assert "ModuleNotFoundError" not in proc.stderr, proc.stderr[-2000:]


def test_set_up_cell_warns_once_about_another_tensorflow(tmp_path):
    fake = tmp_path / "autograder"
    fake.mkdir()
    (fake / "__init__.py").write_text("import types\ncheck = None\n"
                                      "def quiet_start():\n    return types.SimpleNamespace(__version__='2.19.0')\n")
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n" + setup_cell.course_cell()
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"Note: this is TensorFlow 2.19.0; the course is checked on {_release.TENSORFLOW}, so some outputs may differ."]


def test_binder_installs_the_checked_out_repository():
    binder = ROOT / "binder"
    post = binder / "postBuild"
    assert post.is_file() and os.access(post, os.X_OK), "binder/postBuild must exist and be executable"
    assert "pip install --no-deps -e ." in post.read_text()
    assert (binder / "requirements.txt").read_text().split() == ["-r", "../requirements.txt"]
    assert (binder / "runtime.txt").read_text() == (ROOT / "runtime.txt").read_text()
    for f in binder.iterdir():
        assert not re.search(r"git\+|https?://", f.read_text()), f"{f} downloads at run time"


# A pure-Python wheel installs by unpacking; the repository's editable install is forgotten (as in test_package).
COLAB = (
    "import sys; sys.path.insert(0, sys.argv[1])\n"
    "sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in repr(f)]\n"
    "sys.path[:] = [p for p in sys.path if p.rstrip('/') != sys.argv[2]]  # the repository itself\n"
    "import autograder; assert autograder.__file__.startswith(sys.argv[1]), autograder.__file__\n"
    "from autograder.__main__ import main\n"
    "sys.exit(main(sys.argv[3:]))\n"
)


@pytest.mark.parametrize("folder,expected,code", [("solutions", "✅ casts-1 solved", 0),
                                                  ("exercises", "❌ casts-1 not solved yet", 1)])
def test_cli_check_after_a_colab_style_install(wheel, tmp_path, folder, expected, code):  # noqa: F811
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    work = tmp_path / "content"          # Colab's folder: the notebook and nothing else
    work.mkdir()
    shutil.copy(ROOT / folder / "casts-1.ipynb", work / "casts-1.ipynb")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", GRADIENT_COURSE_STATE=str(tmp_path / "hints.json"))
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([sys.executable, "-c", COLAB, str(site), str(ROOT), "check", "casts-1.ipynb"],
                          capture_output=True, text=True, cwd=work, env=env, timeout=600)
    assert proc.returncode == code, proc.stdout + proc.stderr[-3000:]
    assert expected in proc.stdout and "cannot read" not in proc.stdout, proc.stdout


def test_next_names_a_place_that_exists(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert where("casts-2.ipynb") == "exercises/casts-2.ipynb"
    monkeypatch.chdir(ROOT / "exercises")
    assert where("casts-2.ipynb") == "casts-2.ipynb"
    monkeypatch.chdir(ROOT / "solutions")   # nbval runs the solutions from there
    assert where("casts-2.ipynb") == "../exercises/casts-2.ipynb"
    monkeypatch.chdir(tmp_path)
    assert where("casts-2.ipynb") == str(ROOT / "exercises" / "casts-2.ipynb")
    monkeypatch.setattr(catalog, "EXERCISES_DIR", tmp_path / "not-installed")
    monkeypatch.chdir(tmp_path)
    url = where("casts-2.ipynb")
    assert url.startswith("https://colab.research.google.com/github/") and url.endswith(
        f"/blob/v{_release.VERSION}/exercises/casts-2.ipynb")
    (tmp_path / "casts-2.ipynb").write_text("{}")
    assert where("casts-2.ipynb") == "casts-2.ipynb"
