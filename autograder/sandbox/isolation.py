"""Process isolation for one sandboxed child: limits, private mounts, no network, no privileges.

Layered so that each layer covers what the one before may not:
1. resource limits set with ``setrlimit``: address space (memory), file size (output), processes, no core files;
2. a private mount and network namespace (``unshare``): hidden paths are covered by empty read-only tmpfs
   mounts, and the network namespace has no interfaces up;
3. dropping to an unprivileged user of its own when running as root (one uid per job, so the mounts cannot be
   undone, other jobs' work folders cannot be touched, and every process the job leaves behind can be found
   and killed by its uid);
4. an audit hook that refuses, at the Python level, opening hidden paths, writing or deleting outside the work
   folder, starting processes, native calls through ``ctypes`` and walking the garbage collector's object
   lists (covers machines where namespaces are unavailable).
"""
from __future__ import annotations

import ctypes
import os
import resource
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
JOB_UID_BASE = 600000          # job N runs as uid/gid JOB_UID_BASE + N % JOB_UID_SPAN (no such user exists)
JOB_UID_SPAN = 100000
MAX_PROCESSES = 512            # threads count too: TensorFlow starts one pool per core
RESULT_FILE_BYTES = 256 << 20  # hard file-size limit; the soft one is the output limit


def job_uid(job_id: str) -> int:
    return JOB_UID_BASE + int(job_id) % JOB_UID_SPAN


def vm_size_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def set_limits(mem_mb: int, output_bytes: int) -> None:
    # The child inherits TensorFlow's mappings from the zygote, so the budget is on top of what is mapped.
    cap = vm_size_bytes() + mem_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    # Soft limit = output limit for anything the learner writes; the child raises it (up to the hard limit)
    # only to save its own results after the learner's code has finished.
    resource.setrlimit(resource.RLIMIT_FSIZE, (output_bytes, max(output_bytes, RESULT_FILE_BYTES)))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def allow_result_files() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def enter_namespaces(hide: list[str], keep: str, uid_for_job: int | None = None) -> str:
    """Unshare mounts and network, cover ``hide`` with empty tmpfs, drop privileges. Returns a description."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWNS | CLONE_NEWNET | (0 if uid == 0 else CLONE_NEWUSER)
    if libc.unshare(flags) != 0:
        return f"namespaces unavailable ({os.strerror(ctypes.get_errno())}); audit hook only"
    if uid != 0:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
    libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None)
    covered = []
    for path in hide:
        if not os.path.isdir(path) or keep.startswith(path.rstrip("/") + "/"):
            continue
        if libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_RDONLY, b"size=4k,mode=555") == 0:
            covered.append(path)
    if uid == 0:
        drop_to = uid_for_job if uid_for_job is not None else JOB_UID_BASE
        # The work folder becomes this job's alone: other jobs (other uids) can neither read nor forge it.
        os.chown(keep, drop_to, drop_to)
        os.chmod(keep, 0o700)
        for name in os.listdir(keep):
            os.chown(os.path.join(keep, name), drop_to, drop_to)
        os.setgroups([])
        os.setgid(drop_to)
        os.setuid(drop_to)
        resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
    who = "a uid of its own" if uid == 0 else "the grader's uid (user namespace)"
    return f"private mount and network namespaces ({len(covered)} paths hidden, no network), {who}"


_BLOCKED_EVENTS = frozenset((
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "pty.spawn", "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.sendto", "sys.addaudithook",
    "os.kill", "os.killpg",
    "ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.cdata", "ctypes.cdata/buffer",
    "ctypes.call_function", "ctypes.string_at", "ctypes.wstring_at", "ctypes.addressof",
    "gc.get_objects", "gc.get_referrers", "gc.get_referents", "os.setuid", "os.setreuid",
))
# Events whose first argument(s) are paths that get changed: allowed only inside the work folder.
_PATH_EVENTS = {"os.remove": 1, "os.rmdir": 1, "os.rename": 2, "os.link": 2, "os.symlink": 2, "os.truncate": 1,
                "os.chmod": 1, "os.chown": 1, "os.mkdir": 1, "os.utime": 1, "shutil.rmtree": 1}


def install_audit_hook(hide: list[str], workdir: str) -> None:
    hidden = tuple(os.path.realpath(p).rstrip("/") + "/" for p in hide)
    work = os.path.realpath(workdir).rstrip("/") + "/"
    realpath, fsdecode, PathLike = os.path.realpath, os.fsdecode, os.PathLike
    O_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def inside_work(path) -> bool:
        if isinstance(path, int):
            return True   # a file descriptor: already checked when it was opened
        return (realpath(fsdecode(path)) + "/").startswith(work)

    def hook(event: str, args: tuple) -> None:
        if event in _BLOCKED_EVENTS:
            raise PermissionError(f"{event} is not allowed while grading")
        if event == "open" and args and isinstance(args[0], (str, bytes, PathLike)):
            path = fsdecode(args[0])
            real = realpath(path) + "/"
            if real.startswith(hidden):
                raise PermissionError(f"opening {path} is not allowed while grading (it is hidden)")
            mode, flags = args[1], args[2] if len(args) > 2 else 0
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & O_WRITE)
            if writing and not real.startswith(work) and not real.startswith("/dev/null"):
                raise PermissionError(f"writing {path} is not allowed while grading")
        elif event in _PATH_EVENTS:
            for path in args[:_PATH_EVENTS[event]]:
                if isinstance(path, (str, bytes, PathLike, int)) and not inside_work(path):
                    raise PermissionError(f"{event} on {fsdecode(path)} is not allowed while grading")

    sys.addaudithook(hook)
