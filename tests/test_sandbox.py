"""Issue 12: hostile submissions against the jail and the parent, one class of breach per test.

The hostile class is graded ONCE by the real command line in a jail, with the courtesy layers (the tamper check
and the audit hook) switched OFF: what holds here holds by the jail and the parent's validation alone. Each
attack reports what it achieved through an exception word (the parent removes numbers from messages, so the
words are letters only), and the tests read the rows, the report files and the host afterwards.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from autograder import catalog
from autograder.compare import compare_case
from autograder.grading.outcome import Outcome
from autograder.grading.report import write_reports
from autograder.sandbox.pool import decode_frame, read_untrusted_file, safe_text

from .conftest import ROOT, with_answer, write
from .test_adversarial import JAIL_PROBLEM, SHIPPED, SOLVED, needs_jail

WALL = 25
HOST_SECRET = "correct-horse-battery-staple"   # in the grader's environment: must never reach a submission
NEEDLE_HEAD, NEEDLE_TAIL = "SECRET_MARKER_", "qsevenz"   # the classmate's secret is HEAD + TAIL, never built whole


def _frames(name: str) -> str:
    """Code that finds the grader's local ``name`` in the calling frames of the child (the attack surface of 1)."""
    return f'''
import sys
def _find(name="{name}"):
    f = sys._getframe()
    while f is not None:
        if name in f.f_locals:
            return f
        f = f.f_back
'''


def _fake_probe(dtype: str) -> str:
    return _frames("tasks") + f'''
_fr = _find()
for _t in _fr.f_locals["tasks"]:
    _t["probe"] = lambda fn, case: {{"forward": np.zeros((), "{dtype}"), "grad/w": np.ones(case["w"].shape, "{dtype}")}}
''' + SHIPPED


SCAN = '''
import os
head, tail = "{head}".encode(), bytes("{tail}"[::-1][::-1], "ascii")
found, read, me = [], [0], os.readlink("/proc/self")
def scan(pid):
    try:
        maps = open(f"/proc/{pid}/maps").read().splitlines()
        with open(f"/proc/{pid}/mem", "rb", 0) as mem:
            seen = 0
            for line in maps:
                addr, perms = line.split()[:2]
                a, b = (int(v, 16) for v in addr.split("-"))
                if not perms.startswith("rw") or b - a > (256 << 20) or seen > (1 << 30):
                    continue
                try:
                    mem.seek(a)
                    chunk = mem.read(b - a)
                except (OSError, OverflowError, ValueError):
                    continue
                seen += len(chunk)
                read[0] += len(chunk) if pid == me else 0
                i = chunk.find(head)
                while i >= 0:
                    if chunk[i + len(head):i + len(head) + len(tail)] == tail:
                        found.append(pid)
                        break
                    i = chunk.find(head, i + 1)
    except OSError:
        pass
for p in os.listdir("/proc"):
    if p.isdigit():
        scan(p)
raise RuntimeError(("FOUND" if found else "NOTFOUND") + (" SELF-READ" if read[0] else " SELF-UNREADABLE"))
'''.replace("{head}", NEEDLE_HEAD).replace("{tail}", NEEDLE_TAIL)

ANSWERS = {
    "solved": SOLVED,
    "solved_too": SOLVED,
    # 1, 9: results of a non-numeric dtype (the probe replaced from the answer cell).
    "bool_results": _fake_probe("bool"),
    "timedelta_results": _fake_probe("timedelta64[s]"),
    "complex_results": _fake_probe("complex128"),
    # 1: a thread rewriting the recorded results (to booleans) while the grader's code runs.
    "thread_rewrites_results": _frames("arrays") + '''
import threading
_fr = _find()
def _rewrite():
    while True:
        for key in ("arrays", "frozen"):
            d = _fr.f_locals.get(key)
            if isinstance(d, dict):
                for k in list(d):
                    d[k] = np.ones(np.shape(d[k]), bool)
threading.Thread(target=_rewrite, daemon=True).start()
''' + SHIPPED,
    # 1: the catalog replaced from inside.
    "replace_catalog": '''
import sys, types
fake = types.ModuleType("autograder.catalog")
sys.modules["autograder.catalog"] = fake
''' + SHIPPED,
    # 2: the tamper check blinded (settrace, builtins.id) and TensorFlow patched: numbers still decide.
    "blind_tamper_check": SHIPPED + '''
import builtins, sys
builtins.id = lambda obj: 0
sys.settrace(lambda *a: None)
sys.setprofile(lambda *a: None)
tf.GradientTape.gradient = lambda self, target, sources, *a, **k: [tf.zeros_like(s) for s in sources]
''',
    # 3: reference code and its helpers.
    "import_reference_helper": '''
try:
    from autograder.specs.keras_1 import _reference_class
    word = "IMPORTED"
except Exception:
    word = "UNREACHABLE"
try:
    from autograder.specs.casts_1 import reference
    word += " IMPORTED"
except Exception:
    word += " UNREACHABLE"
try:
    open("{specs}/casts_1.py").read()
    word += " READ"
except OSError:
    word += " UNREADABLE"
try:
    tf.io.read_file("{specs}/keras_1.py").numpy()
    word += " READ"
except Exception:
    word += " UNREADABLE"
raise RuntimeError(word)
''',
    # 4: a classmate's answer in this child's memory, or in any process it can see.
    "secret_holder": SOLVED + f"# {NEEDLE_HEAD}{NEEDLE_TAIL}\n" + SCAN,
    "classmate_memory": SCAN,
    # 4, 12: the jail's root file system, shared by all jobs of a run, is read-only (no channel between jobs).
    "root_write": '''words = []
for path in ("/leak.txt", "/usr/leak.txt", "/jobs/leak.txt"):
    try:
        open(path, "w").write("x")
        words.append("WRITTEN")
    except OSError:
        words.append("READONLY")
raise RuntimeError(" ".join(words))
''',
    # 4, 10: the processes a job can see at all (its init and itself).
    "proc_view": '''import os
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
if pids == [1, 2] and os.getpid() == 2:
    raise RuntimeError("ONLY-INIT-AND-SELF")
# The jail's /proc (a root grader): the other Python processes (zygote, other jobs) must be unreadable.
me = os.readlink("/proc/self")
words = []
for pid in pids:
    try:
        python = b"python" in open(f"/proc/{pid}/cmdline", "rb").read()
    except OSError:
        python = False
    if str(pid) == me or not python:   # bwrap's own init holds its command line only
        continue
    for part in ("environ", "mem", "fd/0", "cwd/output.txt"):
        try:
            with open(f"/proc/{pid}/{part}", "rb") as f:
                f.read(1)
            words.append("READ")
        except OSError:
            pass
raise RuntimeError("READ" if words else "SEALED")
''',
    # 5: other jobs' folders (and so the trusted files of older designs), by Python and by TensorFlow's C++.
    "other_jobs_files": '''
import os
here = os.getcwd()
parent = os.path.dirname(here)
others = [p for p in os.listdir(parent) if os.path.join(parent, p) != here]
others += [p for p in tf.io.gfile.glob(parent + "/*") if p != here]
for root in ("/tmp", "/dev/shm", "/jobs"):
    try:
        others += [p for p in tf.io.gfile.listdir(root) if root + "/" + p != here and p.startswith(("job", "autograder"))]
    except Exception:
        pass
raise RuntimeError("SEEN" if others else "ALONE")
''',
    # 6: hidden integers in an exception message, and the grader's environment.
    "int_leak": '''def mse_loss(w, x, labels):
    raise ValueError("labels are " + " ".join(str(v) for v in labels.numpy().ravel()))
''',
    "env_leak": '''import os
raise RuntimeError("ENV " + " ".join(f"{k}={v}" for k, v in os.environ.items()))
''',
    # 7: the output file replaced by a FIFO, and by a link.
    "fifo_output": SOLVED + '''import os
os.remove("output.txt")
os.mkfifo("output.txt")
''',
    "symlink_output": SOLVED + '''import os
os.remove("output.txt")
os.symlink("/dev/zero", "output.txt")
''',
    # 8: a lone surrogate in the message.
    "lone_surrogate": 'raise ValueError("broken \\ud800 text")\n',
    # 10: processes that try to outlive their job (a double fork into a new session).
    "survivor": SOLVED + '''import subprocess
subprocess.Popen(["/bin/sh", "-c", "(setsid sleep 4242.5 &) ; sleep 4242.6 &"], start_new_session=True)
''',
    # 11: unix-domain sockets of the host (a path one and an abstract one) and the network.
    "unix_sockets": '''import socket
words = []
for address in ("{sock_path}", "\\0{sock_abstract}"):
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(2)
        s.connect(address)
        words.append("REACHED")
    except OSError:
        words.append("UNREACHABLE")
try:
    socket.create_connection(("pypi.org", 443), timeout=3)
    words.append("ONLINE")
except OSError:
    words.append("OFFLINE")
raise RuntimeError(" ".join(words))
''',
    # 12: writes outside the job folder, and raising the hard limits.
    "tmp_writes": SOLVED + '''
for path in ("/tmp/{leftover}", "/dev/shm/{leftover}"):
    try:
        with open(path, "wb") as f:
            for _ in range(40):
                f.write(b"x" * (1 << 20))
    except OSError:
        pass
''',
    "setrlimit_raise": '''import resource
words = []
for which in (resource.RLIMIT_FSIZE, resource.RLIMIT_AS, resource.RLIMIT_NPROC):
    try:
        resource.setrlimit(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        words.append("RAISED")
    except (ValueError, OSError):
        words.append("HELD")
raise RuntimeError(" ".join(words))
''',
    # 10 and 13: SIGKILL to every process it can see reaches nobody else (the job is alone in its PID namespace).
    "kill_everything": SOLVED + "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n",
}
# 14, 15, 8: folder names.
ODD_FOLDERS = {"=HYPERLINK(\"x.example\",\"click\")": SOLVED, ".dot_student": SOLVED,
               "@SUM(A1)": SOLVED}
NON_UTF8 = b"caf\xe9-student"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    if JAIL_PROBLEM:
        pytest.skip(f"no jail on this machine: {JAIL_PROBLEM}")
    base = tmp_path_factory.mktemp("hostile")
    subs, out = base / "class", base / "report"
    leftover = f"h12-leftover-{os.getpid()}"
    sock_dir = base / "sock"
    sock_dir.mkdir()
    listeners = []
    for address in (str(sock_dir / "s"), f"\0h12-abstract-{os.getpid()}"):
        s = socket.socket(socket.AF_UNIX)
        s.bind(address)
        s.listen(5)
        listeners.append(s)
    fmt = {"{specs}": str(catalog.SPECS_DIR), "{sock_path}": str(sock_dir / "s"),
           "{sock_abstract}": f"h12-abstract-{os.getpid()}", "{leftover}": leftover}
    for name, source in ANSWERS.items():
        for key, value in fmt.items():
            source = source.replace(key, value)
        write(with_answer("casts-1", source), subs / name / "casts-1.ipynb")
    for name, source in ODD_FOLDERS.items():
        write(with_answer("casts-1", source), subs / name / "casts-1.ipynb")
    odd = os.path.join(os.fsencode(subs), NON_UTF8)
    os.mkdir(odd)
    write(with_answer("casts-1", SOLVED), subs / os.fsdecode(NON_UTF8) / "casts-1.ipynb")
    env = {**os.environ, "AUTOGRADER_COURTESY_LAYERS": "off", "GRADER_SECRET_TOKEN": HOST_SECRET}
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out),
                           "--wall-seconds", str(WALL), "--no-progress"], capture_output=True, text=True,
                          timeout=900, env=env)
    for s in listeners:
        s.close()
    rows = json.loads((out / "grades.json").read_text(encoding="utf-8")) if (out / "grades.json").exists() else []
    survivors = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"4242." in f.read():
                    survivors.append(pid)
        except OSError:
            continue
    yield {"proc": proc, "rows": rows, "by": {r["student"]: r for r in rows}, "out": out, "leftover": leftover,
           "survivors": survivors}
    for pid in survivors:  # never leave them behind, even when the test fails
        try:
            os.kill(int(pid), 9)
        except OSError:
            pass
    for folder in ("/tmp", "/dev/shm"):
        try:
            os.remove(os.path.join(folder, leftover))
        except OSError:
            pass


def _text(row) -> str:
    return " ".join(row["reasons"] + row["notes"])


def test_the_hostile_class_is_graded_with_exit_zero(hostile):
    assert hostile["proc"].returncode == 0, hostile["proc"].stderr[-3000:]
    assert len(hostile["rows"]) == len(ANSWERS) + len(ODD_FOLDERS) + 1


def test_correct_solutions_keep_full_marks_next_to_attackers(hostile):
    for name in ("solved", "solved_too", "survivor", "tmp_writes", "fifo_output", "symlink_output",
                 "kill_everything"):
        row = hostile["by"][name]
        assert row["status"] == "passed" and row["points"] == row["max_points"], row


@pytest.mark.parametrize("name", ["bool_results", "timedelta_results", "complex_results"])
def test_1_9_non_numeric_results_are_not_produced(hostile, name):
    row = hostile["by"][name]
    assert row["points"] == 0 and row["status"] == "failed", row
    assert "was not produced" in _text(row), row


def test_1_thread_rewriting_results_and_a_replaced_catalog_earn_nothing(hostile):
    for name in ("thread_rewrites_results", "replace_catalog"):
        row = hostile["by"][name]
        assert row["points"] == 0, row


def test_2_blinding_the_tamper_check_changes_nothing(hostile):
    row = hostile["by"]["blind_tamper_check"]
    assert row["points"] == 0 and row["status"] == "failed", row


def test_3_reference_code_and_helpers_are_unreachable(hostile):
    text = _text(hostile["by"]["import_reference_helper"])
    assert "UNREACHABLE UNREACHABLE UNREADABLE UNREADABLE" in text, text


def test_4_no_classmate_data_in_memory(hostile):
    control = _text(hostile["by"]["secret_holder"])
    if os.geteuid() == 0 or "SELF-UNREADABLE" not in control:
        assert "FOUND" in control.replace("NOTFOUND", ""), control     # the scanner works ...
    # (a grader that is not root: a non-dumpable job cannot read its own memory, so the control cannot work)
    assert "NOTFOUND" in _text(hostile["by"]["classmate_memory"])       # ... and finds nothing


def test_4_10_other_processes_are_invisible_or_sealed(hostile):
    text = _text(hostile["by"]["proc_view"])
    if os.geteuid() != 0:   # a non-root grader: the job's /proc is its own
        assert "ONLY-INIT-AND-SELF" in text, text
    assert "ONLY-INIT-AND-SELF" in text or "SEALED" in text, text


def test_4_12_nothing_outside_the_job_folder_is_writable(hostile):
    assert "READONLY READONLY READONLY" in _text(hostile["by"]["root_write"]), hostile["by"]["root_write"]


def test_5_no_other_jobs_files(hostile):
    assert "ALONE" in _text(hostile["by"]["other_jobs_files"]), hostile["by"]["other_jobs_files"]


def test_6_hidden_integers_and_the_environment_stay_out_of_feedback(hostile):
    row = hostile["by"]["int_leak"]
    message = " ".join(row["reasons"]).split("labels are", 1)[1]
    assert not any(c.isdigit() for c in message), message
    env = _text(hostile["by"]["env_leak"])
    assert "ENV" in env and HOST_SECRET not in env and "GRADER_SECRET_TOKEN" not in env, env
    feedback = "".join(p.read_text(encoding="utf-8") for p in (hostile["out"] / "feedback").iterdir())
    assert HOST_SECRET not in feedback


def test_7_8_fifo_link_and_surrogate_cannot_stop_the_report(hostile):
    assert hostile["by"]["lone_surrogate"]["status"] == "error"
    assert "broken" in _text(hostile["by"]["lone_surrogate"])
    json.loads((hostile["out"] / "grades.json").read_text(encoding="utf-8"))
    for path in (hostile["out"] / "feedback").iterdir():
        path.read_text(encoding="utf-8")


def test_8_non_utf8_folder_gets_a_row(hostile):
    rows = [r for r in hostile["rows"] if r["student"].startswith("caf")]
    assert len(rows) == 1 and rows[0]["status"] == "passed", rows
    assert rows[0]["student"] == "caf\\xe9-student"


def test_10_no_process_outlives_its_job(hostile):
    assert hostile["survivors"] == []


def test_11_no_host_sockets_and_no_network(hostile):
    assert "UNREACHABLE UNREACHABLE OFFLINE" in _text(hostile["by"]["unix_sockets"])


def test_12_writes_outside_the_job_do_not_persist_and_limits_hold(hostile):
    for folder in ("/tmp", "/dev/shm"):
        assert not os.path.exists(os.path.join(folder, hostile["leftover"]))
    assert "HELD HELD HELD" in _text(hostile["by"]["setrlimit_raise"])


def test_14_csv_cells_never_start_a_formula(hostile):
    import csv
    with open(hostile["out"] / "grades.csv", encoding="utf-8", newline="") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "'=HYPERLINK(\"x.example\",\"click\")" in cells and "'@SUM(A1)" in cells


def test_15_dot_folder_gets_its_row(hostile):
    row = hostile["by"][".dot_student"]
    assert row["status"] == "passed", row


# --- the parent, directly ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [np.ones((3, 1), bool), np.ones((3, 1), "timedelta64[s]"),
                                   np.ones((3, 1), complex), np.array([[object()]] * 3, dtype=object),
                                   np.ones((3, 1), "datetime64[s]"), np.array([["a"]] * 3), "text", 3.0,
                                   np.ones((1, 3)), np.ones((3, 1), "V8")])
def test_1_9_comparison_accepts_only_numbers_of_the_reference_shape(value):
    ref = {"forward": np.ones(()), "grad/w": np.ones((3, 1))}
    problems = compare_case({"forward": np.ones((), np.float32), "grad/w": value}, ref, 1e-4, 1e-5)
    assert set(problems) == {"grad/w"}
    assert compare_case({"forward": np.ones((), np.int64), "grad/w": np.ones((3, 1), np.float16)}, ref,
                        1e-4, 1e-5) == {}


def test_7_untrusted_files_never_block_or_follow(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link").symlink_to("/etc/hostname")
    (tmp_path / "real").write_bytes(b"abc" * 10)
    assert read_untrusted_file(tmp_path, "fifo", 100) == (b"", 0)
    assert read_untrusted_file(tmp_path, "link", 100) == (b"", 0)
    assert read_untrusted_file(tmp_path, "missing", 100) == (b"", 0)
    assert read_untrusted_file(tmp_path, "real", 4) == (b"cabc", 30)
    os.symlink("/dev", tmp_path / "dirlink")
    assert read_untrusted_file(tmp_path / "dirlink", "null", 100) == (b"", 0)


def test_1_forged_frames_mean_no_results():
    for data in (b"", b"AGR1", b"AGR1" + b"\xff" * 20, b"junk", b"AGR1\x00\x00\x00\x00\x00\x00\x00\x02{}"):
        report, arrays = decode_frame(data)
        assert arrays == {}


def test_6_8_safe_text_redacts_numbers_and_surrogates():
    text = safe_text("answer casts-1 raised ValueError (line 3): index 7 out of range 0.25 \ud800 w2")
    assert "(line 3)" in text and "casts-1" in text and "w2" in text
    assert "7" not in text and "0.25" not in text and "\\ud800" in text
    text.encode("utf-8")


def test_8_14_report_writer_survives_any_name(tmp_path):
    rows = [Outcome(os.fsdecode(b"\xff\xfe"), "casts-1", "casts-1.ipynb", 0.0, 2, "error", ["bad \ud800"]),
            Outcome("=cmd|' /C calc'!A0", "casts-1", "casts-1.ipynb", 2.0, 2, "passed"),
            Outcome(".x", "casts-1", "casts-1.ipynb", 2.0, 2, "passed")]
    write_reports(rows, tmp_path)
    data = json.loads((tmp_path / "grades.json").read_text(encoding="utf-8"))
    assert [r["student"] for r in data] == ["\\xff\\xfe", "=cmd|' /C calc'!A0", ".x"]
    assert "'=cmd" in (tmp_path / "grades.csv").read_text(encoding="utf-8")
    assert len(list((tmp_path / "feedback").iterdir())) == 3


# --- 16: merge equals an unsharded run ----------------------------------------------------------------------

def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True, text=True,
                          timeout=900, env=env)


def _cases(junit):
    root = ET.parse(junit).getroot()
    suites = list(root.iter("testsuite"))
    cases = [(c.get("classname"), c.get("name"), tuple(sorted((e.tag, e.get("message", "")) for e in c)))
             for c in root.iter("testcase")]
    return suites, cases


@needs_jail
def test_16_merge_equals_an_unsharded_run(tmp_path):
    subs = tmp_path / "class"
    for i, source in enumerate([SOLVED, SHIPPED, SOLVED, SHIPPED, "def mse_loss(:\n"]):
        write(with_answer("casts-1", source), subs / f"student{i}" / "casts-1.ipynb")
    (subs / "flat_casts-1.ipynb").write_text("not a notebook")
    flags = ["--no-progress", "--wall-seconds", "20"]
    assert _cli("grade", subs, "--out", tmp_path / "full", *flags).returncode == 0
    for i in (1, 2):
        assert _cli("grade", subs, "--out", tmp_path / f"s{i}", "--shard", f"{i}/2", *flags).returncode == 0
    assert _cli("merge", tmp_path / "s1", tmp_path / "s2", "--out", tmp_path / "merged").returncode == 0

    def rows(folder):
        return [{k: v for k, v in r.items() if k != "seconds"}
                for r in json.loads((folder / "grades.json").read_text(encoding="utf-8"))]
    full, merged = tmp_path / "full", tmp_path / "merged"
    assert rows(merged) == rows(full)
    names = sorted(p.name for p in (full / "feedback").iterdir())
    assert names == sorted(p.name for p in (merged / "feedback").iterdir())
    for name in names:  # byte for byte, hint lines included
        assert (merged / "feedback" / name).read_bytes() == (full / "feedback" / name).read_bytes()
    assert any("- Hint:" in (full / "feedback" / n).read_text(encoding="utf-8") for n in names)
    (full_suites, full_cases), (merged_suites, merged_cases) = _cases(full / "junit.xml"), _cases(merged / "junit.xml")
    assert len(full_suites) == len(merged_suites) == 1
    assert merged_cases == full_cases
    for key in ("tests", "failures", "errors", "skipped"):
        assert merged_suites[0].get(key) == full_suites[0].get(key)


# --- 13: two runs at once ---------------------------------------------------------------------------------

@needs_jail
def test_13_two_grading_runs_and_two_checks_at_once_keep_full_marks(tmp_path):
    subs = tmp_path / "class"
    released = [n for n in catalog.notebooks() if (catalog.SOLUTIONS_DIR / n).exists()][:4]
    for i in range(3):
        for name in released:
            shutil.copy(catalog.SOLUTIONS_DIR / name, (subs / f"s{i}").mkdir(parents=True, exist_ok=True) or
                        subs / f"s{i}" / name)
    cmd = [sys.executable, "-m", "autograder"]
    procs = [subprocess.Popen(cmd + ["grade", str(subs), "--out", str(tmp_path / f"out{i}"), "--no-progress",
                                     "--parallel", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    procs += [subprocess.Popen(cmd + ["check", str(catalog.SOLUTIONS_DIR / released[0])], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=900), p.stdout.read(), p.stderr.read()) for p in procs]
    for code, out, err in results:
        assert code == 0, (out[-2000:], err[-2000:])
    for i in range(2):
        rows = json.loads((tmp_path / f"out{i}" / "grades.json").read_text(encoding="utf-8"))
        assert rows and all(r["status"] == "passed" and r["points"] == r["max_points"] for r in rows), rows


# --- without a jail ------------------------------------------------------------------------------------------

def test_grade_refuses_without_a_jail_unless_insecure(tmp_path):
    subs = tmp_path / "class"
    write(with_answer("casts-1", SOLVED), subs / "alice" / "casts-1.ipynb")
    env = {**os.environ, "PATH": str(tmp_path / "nobin")}   # no bwrap on the PATH
    proc = _cli("grade", subs, "--out", tmp_path / "out", "--no-progress", env=env)
    assert proc.returncode == 2 and "refusing to run untrusted submissions" in proc.stderr
    assert "bubblewrap" in proc.stderr and "--insecure" in proc.stderr
    proc = _cli("grade", subs, "--out", tmp_path / "out", "--no-progress", "--insecure", env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = json.loads((tmp_path / "out" / "grades.json").read_text(encoding="utf-8"))
    assert rows[0]["status"] == "passed"


def test_tree_holds_no_reference_for_the_child():
    """The jail covers the specs; the zygote refuses to start with a spec imported (checked when it starts)."""
    from autograder.sandbox import task
    for ex in catalog.all_exercises():
        desc = task.describe_probe(ex)
        blob = json.dumps(desc, default=str)
        assert "def reference" not in blob and "_reference_class" not in blob, ex.id
    assert ROOT.joinpath("autograder", "specs").is_dir()
