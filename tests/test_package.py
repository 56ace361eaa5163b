"""The course package installs from the repository as Colab and Binder install it (the exercises' set-up cell runs
`pip install "why-is-my-gradient-none @ git+..."`): the wheel built from pyproject.toml must contain every file of
the `autograder` package, and the installed copy must import.

Builds the wheel offline from a copy of the sources (no build isolation, so no download; about five seconds).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


def _package_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in (root / "autograder").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
            and ".ipynb_checkpoints" not in p.parts}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed in this environment, so the wheel cannot be built offline")
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "autograder", src / "autograder", ignore=IGNORED)
    dist = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
                           "--quiet", "--wheel-dir", str(dist)], capture_output=True, text=True)
    assert proc.returncode == 0, f"pip wheel failed:\n{proc.stdout}\n{proc.stderr}"
    (whl,) = dist.glob("why_is_my_gradient_none-*.whl")
    return whl


def test_wheel_contains_every_file_of_the_package(wheel):
    with zipfile.ZipFile(wheel) as zf:
        in_wheel = {n for n in zf.namelist() if n.startswith("autograder/")}
    missing = sorted(_package_files(ROOT) - in_wheel)
    assert not missing, ("pip install leaves out these files of the course package (list their packages in "
                         f"pyproject.toml [tool.setuptools] packages / package-data): {missing}")


def test_installed_package_imports(wheel, tmp_path):
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)  # a pure-Python wheel installs by unpacking
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        # forget the repository's own editable install, which would fill in whatever the wheel lacks
        "sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in repr(f)]\n"
        "import importlib, autograder\n"
        "assert autograder.__file__.startswith(sys.argv[1]), autograder.__file__\n"
        "for name in sys.argv[2:]:\n"
        "    importlib.import_module(name)\n"
        "from autograder import catalog, check\n"
        "assert catalog.all_exercises(), 'no exercise specs in the installed package'\n"
        "print('ok', autograder.__file__)\n"
    )
    # every sub-package of the repository's copy, imported from the installed copy
    subpackages = sorted(".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "autograder").rglob("__init__.py")
                         if "__pycache__" not in p.parts)
    proc = subprocess.run([sys.executable, "-c", code, str(site), *subpackages], capture_output=True, text=True,
                          cwd=tmp_path, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert proc.returncode == 0 and proc.stdout.startswith("ok"), proc.stdout + proc.stderr
