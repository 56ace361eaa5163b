"""The student release (``python -m autograder release OUT``): nothing in it is a reference or a solution, and its
checker, run with only the release on sys.path, says "solved" for the solutions' answers and "not solved yet" for
the exercises as shipped."""
from __future__ import annotations

import ast
import copy
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import catalog
from autograder.lms.release import ReleaseError, build
from autograder.notebook import answer_cells, role

from .conftest import ROOT


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release")
    build(out)
    return out


def _text_files(root: Path) -> dict[Path, str]:
    """Every file but the arrays, as text; a notebook as its cells' sources (what a student reads)."""
    out = {}
    for p in root.rglob("*"):
        if p.is_file() and p.suffix == ".ipynb":
            nb = nbformat.read(p, as_version=4)
            out[p] = "\n".join([c.source for c in nb.cells] + [json.dumps(nb.metadata)])
        elif p.is_file() and p.suffix != ".npz":
            out[p] = p.read_text(encoding="utf-8")
    return out


def _squash(text: str) -> str:
    return "".join(text.split())


def _code_lines(text: str) -> set[str]:
    """Stripped lines without trailing comments: a fix is the same fix whatever its comment says."""
    return {line.split("  #")[0].strip() for line in text.splitlines()}


def _answer_only_lines(ex_id: str) -> set[str]:
    """Lines of a solution's answer cell that no shipped exercise notebook has (the fix itself)."""
    name = catalog.get(ex_id).notebook
    sol = nbformat.read(ROOT / "solutions" / name, as_version=4)
    known = set().union(*(_code_lines(c.source) for p in (ROOT / "exercises").glob("*.ipynb")
                          for c in nbformat.read(p, as_version=4).cells))
    lines = _code_lines(answer_cells(sol)[ex_id][0].source)
    return {ln for ln in lines - known if len(ln) > 12 and not ln.startswith("#")}


def _reference_only_defs(ex) -> list[ast.AST]:
    """The spec's top-level functions and classes that its probe does not use: reference and its helpers."""
    tree = ast.parse(inspect.getsource(ex.module))
    defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    public, todo = set(), ["probe", "cases"]   # what the release may carry: these and all they call
    while todo:
        name = todo.pop()
        if name in defs and name not in public:
            public.add(name)
            todo += [n.id for n in ast.walk(defs[name]) if isinstance(n, ast.Name)]
    assert "reference" not in public, f"{ex.id}: the probe calls the reference"
    return [n for name, n in defs.items() if name not in public]


def _bodies(tree: ast.AST) -> set[str]:
    return {ast.dump(s) for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef)) for s in n.body}


def test_release_has_no_solution_and_no_reference(release):
    files = _text_files(release)
    file_lines = {p: _code_lines(t) for p, t in files.items()}
    assert not (release / "solutions").exists() and not list(release.rglob("solutions*"))
    assert not list(release.rglob("specs")), "no spec modules in a release"
    squashed = {p: _squash(t) for p, t in files.items()}
    release_bodies = set().union(*(_bodies(ast.parse(t)) for p, t in files.items() if p.suffix == ".py"))
    for ex in catalog.all_exercises():
        sol = nbformat.read(ROOT / "solutions" / ex.notebook, as_version=4)
        answer = _squash(answer_cells(sol)[ex.id][0].source)
        for line in _answer_only_lines(ex.id):
            hits = [p.name for p, lines in file_lines.items() if line in lines]
            assert not hits, f"{ex.id}: the solution's line {line!r} is in {hits}"
        for p, t in squashed.items():
            assert answer not in t, f"{ex.id}: the solution's answer cell is in {p}"
        ref_source = _squash(inspect.getsource(ex.module.reference))
        assert not any(ref_source in t for t in squashed.values()), f"{ex.id}: reference source in the release"
        for node in _reference_only_defs(ex):
            leaked = [s for s in node.body if ast.dump(s) in release_bodies
                      and not isinstance(s, (ast.Expr, ast.Import, ast.ImportFrom, ast.Pass))]
            assert not leaked, f"{ex.id}: statements of {node.name} are in the release: {[ast.unparse(s) for s in leaked]}"
    for p, t in files.items():
        assert "def reference" not in t and "_reference" not in t, f"{p} mentions a reference"
        if p.suffix == ".py":
            names = {n.name for n in ast.walk(ast.parse(t)) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
            assert "reference" not in names, p
    # The notebooks are the shipped exercises, in course order, with no outputs.
    assert sorted(p.name for p in release.glob("*.ipynb")) == sorted(catalog.notebooks())
    for p in release.glob("*.ipynb"):
        nb = nbformat.read(p, as_version=4)
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_release_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(ReleaseError, match="not empty"):
        build(tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


# Runs in a fresh interpreter: -I (no PYTHONPATH, no user site, no current folder), the course's editable install
# removed, only the release on sys.path; installed TensorFlow and NumPy stay importable.
RUNNER = r"""
import contextlib, io, json, sys
release = sys.argv[1]
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in repr(f)]
sys.path[:] = [release] + [p for p in sys.path if "site-packages" in p or "lib/python" in p]
import autograder, importlib.util
assert autograder.__file__.startswith(release), autograder.__file__
assert importlib.util.find_spec("autograder.catalog") is None and importlib.util.find_spec("autograder.specs") is None
results = {}
for path in sys.argv[2:]:
    nb = json.load(open(path))
    ns = {"__name__": "__main__"}
    out = io.StringIO()
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        role = cell["metadata"].get("course", {}).get("role")
        with contextlib.redirect_stdout(out if role == "check" else io.StringIO()):
            exec(compile(src, "<" + str(role) + ">", "exec"), ns)
    results[path] = out.getvalue()
print(json.dumps(results))
"""


def test_released_checker_solved_for_solutions_not_yet_for_exercises(release, tmp_path):
    paths, expect = [], {}
    for name in catalog.notebooks():
        shipped = nbformat.read(release / name, as_version=4)
        solved = copy.deepcopy(shipped)
        sol = answer_cells(nbformat.read(ROOT / "solutions" / name, as_version=4))
        for ex_id, cells in answer_cells(solved).items():
            cells[0].source = sol[ex_id][0].source
        p = tmp_path / f"solved-{name}"
        nbformat.write(solved, p)
        paths += [str(release / name), str(p)]
        expect[str(release / name)], expect[str(p)] = "not solved yet", "solved"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(TF_CPP_MIN_LOG_LEVEL="3", GRADIENT_COURSE_STATE=str(tmp_path / "hints.json"))
    # The expected values were computed in this process; check them under the other CPU kernel setting, as a
    # student's machine may differ from the instructor's in the last float digits.
    env["TF_ENABLE_ONEDNN_OPTS"] = "1" if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0" else "0"
    proc = subprocess.run([sys.executable, "-I", "-c", RUNNER, str(release), *paths], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for path, printed in results.items():
        ids = [e.id for e in catalog.by_notebook(Path(path).name.removeprefix("solved-"))]
        for ex_id in ids:
            if expect[path] == "solved":
                assert f"✅ {ex_id} solved" in printed, f"{path}:\n{printed}"
            else:
                assert f"❌ {ex_id} not solved yet" in printed and "Hint 1/" in printed, f"{path}:\n{printed}"
