"""The jail around the zygote: one bubblewrap (``bwrap``) per grading run, not per notebook.

Inside it: a read-only view of the system and of Python (nothing else of the host: no home folders, no /run, no
host /tmp, no repository but the ``autograder`` package, whose ``specs`` folder is covered), the run's job
folder (the only writable place, and each job then sees only its own folder, see isolation.py), private
size-limited /tmp and /dev/shm, new user, PID, network, IPC, UTS and cgroup namespaces (no network, no host unix
sockets, no signals to host processes), a new session (no terminal injection), an empty environment but for
what Python needs, and ``--die-with-parent``. Without bwrap (macOS, a locked-down container) ``command`` returns
None and says why; the grade command then refuses untrusted submissions unless ``--insecure`` is given.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]          # .../autograder
JOBS_IN_JAIL = "/jobs"
TMP_BYTES = 256 << 20
SYSTEM = ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin")
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "host.conf", "hosts",
       "passwd", "group", "ssl", "alternatives", "mime.types")


def minimal_env(parallel: int) -> dict[str, str]:
    """All the zygote's environment (the grader's own variables never reach a submission)."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "TMPDIR": "/tmp",
            "PYTHONPATH": str(PACKAGE.parent), "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
            "TF_CPP_MIN_LOG_LEVEL": "3", "AUTOGRADER_PARALLEL": str(parallel), "MPLBACKEND": "Agg",
            "KERAS_HOME": "/tmp/.keras",
            # Every job is a fresh fork, so it pays TensorFlow's per-process set-up of each kernel it runs: with
            # oneDNN's kernels that is about 10-40 ms per op type (JIT), with the plain Eigen ones a few ms. Both
            # are TensorFlow's CPU kernels; they differ in the last digits, which no check depends on.
            "TF_ENABLE_ONEDNN_OPTS": "0"}


def _python_dirs() -> list[str]:
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        dirs.add(sysconfig.get_paths()[key])
    exe = Path(sys.executable)
    dirs.add(str(exe.parent))
    dirs.add(str(exe.resolve().parent.parent))
    for entry in sys.path:
        if entry and os.path.isdir(entry) and "site-packages" in entry:
            dirs.add(entry)
    # Only the outermost of nested folders, and never the repository (its other folders stay outside).
    repo = str(PACKAGE.parent)
    keep = sorted(d for d in dirs if d and os.path.isdir(d) and d not in ("/", repo))
    return [d for d in keep if not any(d != o and d.startswith(o.rstrip("/") + "/") for o in keep)]


def _system_args() -> list[str]:
    args = []
    for path in SYSTEM:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args + ["--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]


def command(jobs_root: Path, hide: list[str], argv: list[str], parallel: int) -> list[str] | None:
    """The bwrap command line that runs ``argv`` jailed, or None when bwrap is not installed."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None
    args = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    if os.geteuid() != 0:
        args += ["--unshare-user"]
    for key, value in minimal_env(parallel).items():
        args += ["--setenv", key, value]
    args += _system_args()
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
             "--size", str(TMP_BYTES), "--tmpfs", "/dev/shm"]
    for path in _python_dirs():
        args += ["--ro-bind", path, path]
    args += ["--ro-bind", str(PACKAGE), str(PACKAGE), "--tmpfs", str(PACKAGE / "specs")]
    bound = [str(PACKAGE)] + _python_dirs()
    for path in hide:  # e.g. a venv inside the submissions folder: covered again inside the jail
        if os.path.isdir(path) and any((path + "/").startswith(b.rstrip("/") + "/") for b in bound):
            args += ["--tmpfs", path]
    args += ["--bind", str(jobs_root), JOBS_IN_JAIL, "--chdir", JOBS_IN_JAIL]
    # bwrap's own root is a writable tmpfs shared by every job of the run: read-only, it can carry nothing.
    args += ["--remount-ro", "/", "--"]
    return args + argv


def check(parallel: int = 1) -> str | None:
    """None when a jail can be built here, else why not (what ``grade`` tells the instructor)."""
    probe = command(Path("/"), [], [sys.executable, "-c", "import os; os._exit(0)"], parallel)
    if probe is None:
        return ("bubblewrap (bwrap) is not installed: install it (Debian/Ubuntu: apt-get install bubblewrap) "
                "so that submissions run in a jail")
    probe[probe.index("--bind") + 1] = "/tmp" if os.path.isdir("/tmp") else "/"
    try:
        proc = subprocess.run(probe, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not start: {exc}"
    if proc.returncode != 0:
        return f"bubblewrap could not build a jail here: {proc.stderr.decode(errors='replace').strip()[:300]}"
    return None
