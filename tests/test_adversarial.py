"""Adversarial submissions: every way a notebook can hang, crash, cheat or be broken, graded in one batch.

The corpus is generated here from the released casts-1 notebook (no stored fixture notebooks), graded ONCE by the
real command line with small limits, then each case is one assertion test on its row. Grading the same folder a
second time must give the same scores, row for row.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from autograder import catalog
from autograder.notebook import answer_cells, role
from autograder.sandbox.jail import check as _jail_problem

from .conftest import ROOT, released, with_answer, write

# `grade` refuses untrusted work without a jail; tests that grade say so rather than fail (see README).
JAIL_PROBLEM = _jail_problem()
needs_jail = pytest.mark.skipif(JAIL_PROBLEM is not None, reason=f"no jail on this machine: {JAIL_PROBLEM}")
pytestmark = needs_jail

WALL, MEM_MB = 10, 1024  # per notebook; a cell and an exercise get half of it

SOLVED = '''def mse_loss(w, x, labels):
    predictions = tf.matmul(x, w)
    return tf.reduce_mean(tf.square(predictions - tf.cast(labels, tf.float32)))
'''
SHIPPED = answer_cells(released("casts-1"))["casts-1"][0].source

# name -> answer-cell source ({out}, {solutions}, {marker} are filled in); expectations are in EXPECT.
ANSWERS = {
    "solved": SOLVED,
    "shipped": SHIPPED,
    "hang_answer_cell": "while True:\n    pass\n" + SOLVED,
    "hang_when_called": '''def mse_loss(w, x, labels):
    while True:
        pass
''',
    "hang_ignoring_alarm": '''import signal
signal.signal(signal.SIGALRM, signal.SIG_IGN)
while True:
    try:
        pass
    except BaseException:
        pass
''',
    "hang_blocking_alarm_when_called": '''import signal
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
signal.signal(signal.SIGALRM, signal.SIG_IGN)
def mse_loss(w, x, labels):
    while True:
        pass
''',
    "abort": SOLVED + "import os\nos.abort()\n",
    "segfault": SOLVED + "import ctypes\nctypes.string_at(0)\n",
    "segfault_memset": SOLVED + "import ctypes\nctypes.memset(0, 1, 64)\n",
    "memory_10gb": SOLVED + "hog = bytearray(10 * 2**30)\n",
    "memory_10gb_numpy_in_call": '''def mse_loss(w, x, labels):
    hog = np.ones(10 * 2**30 // 8)
    return tf.reduce_mean(tf.square(tf.matmul(x, w) - tf.cast(labels, tf.float32)))
''',
    "sys_exit": SOLVED + "import sys\nsys.exit()\n",
    "os_exit": SOLVED + "import os\nos._exit(3)\n",
    "prints_megabytes": SOLVED.replace("    predictions", "    print('y' * 2_000_000)\n    predictions", 1)
    + "print('x' * 5_000_000)\n",
    "patch_tf_cast": '''_cast = tf.cast
tf.cast = lambda x, dtype, name=None: _cast(x, tf.float32 if dtype == tf.int32 else dtype, name=name)
''' + SHIPPED,
    "patch_tape_gradient": SHIPPED + '''
_gradient = tf.GradientTape.gradient
def _fake(self, target, sources, *args, **kwargs):
    grads = _gradient(self, target, sources, *args, **kwargs)
    if not isinstance(sources, list):
        return grads
    return [tf.zeros_like(s) if g is None else g for g, s in zip(grads, sources)]
tf.GradientTape.gradient = _fake
''',
    "patch_numpy": SOLVED + "np.allclose = lambda *args, **kwargs: True\n",
    "patch_compare": SHIPPED + '''
import autograder.compare
autograder.compare.compare = lambda *args, **kwargs: []
''',
    "patch_tamper_check": SHIPPED + '''
import autograder.sandbox.tamper as tamper
tamper.changed = lambda *args, **kwargs: []
tamper.snapshot = lambda *args, **kwargs: {"attrs": {}, "grads": {}}
tf.GradientTape.gradient = lambda self, *args, **kwargs: None
''',
    "patch_result_writer": SHIPPED + '''
import json
json.dump = lambda obj, f, **kwargs: f.write('{"exercises": {"casts-1": {"cases": 0}}, "tampered": []}')
''',
    "hard_coded": '''def mse_loss(w, x, labels):
    return tf.constant(0.5274999737739563)
''',
    "write_report_open": SOLVED + "open('{out}/pwned.txt', 'w').write('graded: 100')\n",
    "write_report_tf": SOLVED + "tf.io.write_file('{out}/pwned-tf.txt', 'graded: 100')\n",
    "delete_report": SOLVED + "import shutil\nshutil.rmtree('{out}')\n",
    "read_solutions_open": '''import json
nb = json.loads(open('{solutions}/casts-1.ipynb').read())
exec("".join([c for c in nb["cells"] if c["metadata"].get("course", {}).get("role") == "answer"][0]["source"]))
''',
    "read_solutions_tf": '''import json
nb = json.loads(tf.io.read_file('{solutions}/casts-1.ipynb').numpy())
exec("".join([c for c in nb["cells"] if c["metadata"].get("course", {}).get("role") == "answer"][0]["source"]))
''',
    "import_spec_reference": "from autograder.specs.casts_1 import reference as mse_loss\n",
    "catalog_reference": "from autograder import catalog\nmse_loss = catalog.get('casts-1').module.reference\n",
    "gc_reference": '''import gc
mse_loss = [f for f in gc.get_objects() if getattr(f, "__name__", "") == "reference"][0]
''',
    "subprocess": SOLVED + "import subprocess\nsubprocess.run(['touch', '{marker}'])\n",
    "network": SOLVED + "import socket\nsocket.create_connection(('pypi.org', 443), timeout=3)\n",
    "kill_grader": SOLVED + "import os\nos.kill(os.getppid(), 9)\n",
}

# Whole-file cases: name -> function(path) writing the submission.


def _notebook(transform):
    def make(path):
        nb = with_answer("casts-1", SOLVED)
        transform(nb)
        write(nb, path)
    return make


def _edit_given(nb):
    given = [c for c in nb.cells if role(c) == "given"]
    given[-1].source = "print('I changed the demo')"
    nb.cells = [c for c in nb.cells if role(c) != "check"]


def _delete_given(nb):
    nb.cells = [c for c in nb.cells if role(c) != "given"]


def _drop_answer(nb):
    nb.cells = [c for c in nb.cells if role(c) != "answer"]


def _duplicate_answer(nb):
    i = next(i for i, c in enumerate(nb.cells) if role(c) == "answer")
    copy = nbformat.from_dict(json.loads(json.dumps(nb.cells[i])))
    copy.id = "duplicated-answer"
    nb.cells.insert(i, copy)


def _other_exercise(path):
    others = [n for n in catalog.notebooks() if n != "casts-1.ipynb" and (ROOT / "exercises" / n).exists()]
    if others:
        shutil.copy(ROOT / "exercises" / others[0], path)
    else:  # only one exercise released: relabel it
        nb = released("casts-1")
        answer_cells(nb)["casts-1"][0].metadata["course"]["exercise"] = "another-exercise"
        write(nb, path)


def _nbformat3(path):
    # A real notebook-format-3 file (worksheets, no top-level cells), as an old Jupyter would save it.
    nbformat.write(nbformat.convert(with_answer("casts-1", SOLVED), 3), path, version=3)


def _duplicate_copy(path):
    """The same notebook handed in twice by one student: the first (in path order) is graded, the other reported."""
    write(with_answer("casts-1", SOLVED), path)
    write(with_answer("casts-1", SHIPPED), path.parent / "later" / path.name)


FILES = {
    "edited_given_and_check": _notebook(_edit_given),
    "deleted_given": _notebook(_delete_given),
    "missing_answer": _notebook(_drop_answer),
    "duplicated_answer": _notebook(_duplicate_answer),
    "other_exercise": _other_exercise,
    "nbformat3": _nbformat3,
    "empty_file": lambda p: p.write_bytes(b""),
    "png_bytes": lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8),
    "invalid_json": lambda p: p.write_text('{"cells": [{"cell_type": "code", '),
    "json_bomb": lambda p: p.write_text('{"nbformat": 4, "cells": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    "duplicate_copy": _duplicate_copy,
    "symlink_to_solution": lambda p: p.symlink_to(ROOT / "solutions" / "casts-1.ipynb"),
}

# name -> (status, points are full?, fragments that must appear in the reasons (any of each tuple), notes)
EXPECT = {
    "solved": ("passed", True, [], []),
    "shipped": ("failed", False, [("gradient for `w` is None",)], []),
    "hang_answer_cell": ("timeout", False, [("answer casts-1 did not finish in time",),
                                            (f"{WALL / 2:g} s per cell",)], []),
    "hang_when_called": ("timeout", False, [("calling `mse_loss` on the hidden inputs did not finish in time",)], []),
    "hang_ignoring_alarm": ("timeout", False, [(f"ran longer than {WALL} s",)], []),
    # The grader takes its alarm back before each cell and each exercise: still a per-exercise timeout.
    "hang_blocking_alarm_when_called": ("timeout", False, [("calling `mse_loss` on the hidden inputs did not "
                                                            "finish in time",)], []),
    "abort": ("error", False, [("crashed (SIGABRT)",)], []),
    "segfault": ("error", False, [("ctypes.string_at is not allowed", "crashed (SIGSEGV)")], []),
    "segfault_memset": ("error", False, [("ctypes.call_function is not allowed", "crashed (SIGSEGV)")], []),
    "memory_10gb": ("error", False, [("MemoryError",), (f"memory limit is {MEM_MB} MB",)], []),
    "memory_10gb_numpy_in_call": ("error", False, [("calling `mse_loss` raised", "crashed"),
                                                   ("MemoryError", "memory")], []),
    "sys_exit": ("error", False, [("answer casts-1 raised SystemExit",)], []),
    "os_exit": ("error", False, [("exit code 3",), ("sys.exit() or os._exit()",)], []),
    "prints_megabytes": ("passed", True, [], ["printed more than the output limit"]),
    # The tamper check is a courtesy note: the grade comes from the numbers the answer returns, whatever the
    # submission did to TensorFlow or the grader's modules in its own process.
    "patch_tf_cast": ("error", False, [("InvalidArgumentError",)], ["replaced functions", "tensorflow.cast"]),
    "patch_tape_gradient": ("failed", False, [("exactly zero",)], ["GradientTape.gradient"]),
    "patch_numpy": ("passed", True, [], ["numpy.allclose"]),
    "patch_compare": ("failed", False, [("gradient for `w` is None",)], ["autograder.compare.compare"]),
    "patch_tamper_check": ("error", False, [("raised TypeError",)], ["GradientTape.gradient"]),
    "patch_result_writer": ("failed", False, [("gradient for `w` is None",)], ["json.dump"]),
    "hard_coded": ("failed", False, [("gradient for `w` is None",)], []),
    "write_report_open": ("error", False, [("PermissionError", "OSError")], []),
    # The report folder is not in the jail: TensorFlow's C++ writes into the job's private /tmp, gone with it.
    "write_report_tf": ("passed", True, [], []),
    "delete_report": ("error", False, [("PermissionError", "OSError")], []),
    "read_solutions_open": ("error", False, [("PermissionError",), ("not allowed",)], []),
    "read_solutions_tf": ("error", False, [("NotFoundError", "PermissionDeniedError")], []),
    # The specs folder is not in the jail at all: neither the module nor the catalog that lists it loads.
    "import_spec_reference": ("error", False, [("ImportError", "ModuleNotFoundError"),
                                               ("reference", "autograder.specs")], []),
    "catalog_reference": ("error", False, [("AttributeError", "CatalogError", "ImportError", "ModuleNotFoundError", "TypeError"),
                                           ("reference", "casts-1", "unknown exercise", "catalog")], []),
    "gc_reference": ("error", False, [("gc.get_objects is not allowed",)], []),
    "subprocess": ("error", False, [("subprocess.Popen is not allowed",)], []),
    "network": ("error", False, [("socket.getaddrinfo is not allowed", "socket.connect is not allowed")], []),
    "kill_grader": ("error", False, [("os.kill is not allowed",)], []),
    "edited_given_and_check": ("passed", True, [], ["edits were ignored"]),
    "deleted_given": ("passed", True, [], ["edits were ignored"]),
    "missing_answer": ("error", False, [("no answer cells found",)], []),
    "duplicated_answer": ("error", False, [("2 cells claim to be the answer for casts-1",)], []),
    "other_exercise": ("error", False, [("but was submitted as the notebook for casts-1",)], []),
    "nbformat3": ("error", False, [("notebook format 3",), ("only format 4",)], []),
    "empty_file": ("error", False, [("is empty",)], []),
    "png_bytes": ("error", False, [("is a PNG image, not a Jupyter notebook",)], []),
    "invalid_json": ("error", False, [("not valid notebook JSON",)], []),
    "json_bomb": ("error", False, [("could not be read as a notebook (RecursionError)",)], []),
    "duplicate_copy": ("passed", True, [], []),
    "symlink_to_solution": ("error", False, [("is a symbolic link, not a file",)], []),
}
assert set(EXPECT) == set(ANSWERS) | set(FILES)

# Files in the submissions folder that pytest would import, or read as configuration, if it walked the folder.
TRAPS = {
    "conftest.py": "open({marker!r}, 'w').write('conftest imported')\nraise SystemExit(9)\n",
    "test_x.py": "open({marker!r}, 'w').write('test file imported')\ndef test_x():\n    assert False\n",
    "pytest.ini": "[pytest]\naddopts = --no-such-option -p no_such_plugin\n",
    "trap_student/conftest.py": "open({marker!r}, 'w').write('student conftest imported')\n",
}


def build_class(subs, out, marker):
    fmt = {"{out}": str(out), "{solutions}": str(ROOT / "solutions"), "{marker}": str(marker)}
    for name, source in ANSWERS.items():
        for key, value in fmt.items():
            source = source.replace(key, value)
        write(with_answer("casts-1", source), subs / name / "casts-1.ipynb")
    for name, make in FILES.items():
        (subs / name).mkdir(parents=True, exist_ok=True)
        make(subs / name / "casts-1.ipynb")
    for rel, text in TRAPS.items():
        (subs / rel).parent.mkdir(parents=True, exist_ok=True)
        (subs / rel).write_text(text.format(marker=str(marker)))


def grade(subs, out):
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out),
                           "--wall-seconds", str(WALL), "--mem-mb", str(MEM_MB), "--no-progress"],
                          capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - start
    rows = json.loads((out / "grades.json").read_text()) if (out / "grades.json").exists() else []
    return proc, rows, seconds


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    base = tmp_path_factory.mktemp("adversarial")
    subs, out, marker = base / "class", base / "report", base / "imported.txt"
    build_class(subs, out, marker)
    proc, rows, seconds = grade(subs, out)
    print(f"\nadversarial corpus: {len(ANSWERS) + len(FILES)} notebooks graded in {seconds:.1f} s")
    # Grading again into the same report folder, as an instructor re-running the grader would.
    proc2, rows2, seconds2 = grade(subs, out)
    print(f"adversarial corpus, second run: {seconds2:.1f} s")
    return {"proc": proc, "rows": rows, "by": {r["student"]: r for r in rows}, "out": out, "marker": marker,
            "proc2": proc2, "rows2": rows2, "subs": subs}


def test_batch_completes_with_exit_zero(corpus):
    proc = corpus["proc"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "error: the grader" not in proc.stderr


def test_every_case_has_exactly_one_row(corpus):
    students = [r["student"] for r in corpus["rows"] if r["exercise"] == "casts-1"]
    assert sorted(students) == sorted(EXPECT)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_case(corpus, name):
    status, full, fragments, notes = EXPECT[name]
    r = corpus["by"][name]
    assert r["status"] == status, r
    assert r["points"] == (r["max_points"] if full else 0), r
    text = " ".join(r["reasons"])
    for options in fragments:
        assert any(f in text for f in options), (options, r["reasons"])
    for fragment in notes:
        assert any(fragment in n for n in r["notes"]), (fragment, r["notes"])
    if status != "passed":
        assert r["reasons"], "every lost point needs a reason"
        feedback = (corpus["out"] / "feedback" / f"{name}.md").read_text()
        assert all(reason in feedback for reason in r["reasons"])


def test_report_folder_untouched_by_submissions(corpus):
    out = corpus["out"]
    assert not (out / "pwned.txt").exists() and not (out / "pwned-tf.txt").exists()
    assert (out / "grades.json").exists() and (out / "feedback").is_dir()


def test_submission_folder_python_files_are_never_imported(corpus):
    assert not corpus["marker"].exists(), corpus["marker"].read_text()
    traps = [r for r in corpus["rows"] if r["exercise"] == "?" and r["student"] != "duplicate_copy"]
    assert sorted(r["notebook"] for r in traps) == ["conftest.py", "conftest.py", "pytest.ini", "test_x.py"]
    assert all("matches no released notebook" in r["reasons"][0] for r in traps)


def test_grading_twice_gives_identical_scores(corpus):
    assert corpus["proc2"].returncode == 0

    def scores(rows):
        return [(r["student"], r["exercise"], r["notebook"], r["points"], r["status"], r["reasons"], r["notes"])
                for r in rows]
    assert scores(corpus["rows2"]) == scores(corpus["rows"])


def test_second_copy_of_a_notebook_gets_its_own_row(corpus):
    extra = [r for r in corpus["rows"] if r["student"] == "duplicate_copy" and r["exercise"] == "?"]
    assert len(extra) == 1 and extra[0]["notebook"] == "later/casts-1.ipynb", extra
    assert "a second casts-1.ipynb from duplicate_copy" in extra[0]["reasons"][0]
