"""Process isolation for one sandboxed child: limits, private mounts, no network, no privileges.

Layered so that each layer covers what the one before may not:
1. resource limits (address space, file size) set with ``setrlimit``;
2. a private mount and network namespace (``unshare``): hidden paths are covered by empty read-only tmpfs
   mounts, and the network namespace has no interfaces up;
3. dropping to ``nobody`` when running as root, so the mounts cannot be undone;
4. an audit hook that refuses, at the Python level, opening hidden paths, writing outside the work folder, and
   starting processes or loading native libraries (covers machines where namespaces are unavailable).
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
NOBODY = 65534


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
    resource.setrlimit(resource.RLIMIT_FSIZE, (output_bytes, output_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def enter_namespaces(hide: list[str], keep: str) -> str:
    """Unshare mounts and network, cover ``hide`` with empty tmpfs. Returns a one-line description."""
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
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    return f"private mounts ({len(covered)} paths hidden), no network, uid {os.geteuid()}"


_BLOCKED_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                   "os.forkpty", "ctypes.dlopen", "ctypes.cdata", "pty.spawn", "socket.connect",
                   "sys.addaudithook", "os.kill", "os.killpg")


def install_audit_hook(hide: list[str], workdir: str) -> None:
    hidden = tuple(os.path.realpath(p).rstrip("/") + "/" for p in hide)
    work = os.path.realpath(workdir).rstrip("/") + "/"

    def hook(event: str, args: tuple) -> None:
        if event in _BLOCKED_EVENTS:
            raise PermissionError(f"{event} is not allowed while grading")
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            path = os.fsdecode(args[0])
            real = os.path.realpath(path) + "/"
            if real.startswith(hidden):
                raise PermissionError(f"reading {path} is not allowed while grading")
            mode, flags = args[1], args[2] if len(args) > 2 else 0
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND))
            if writing and not real.startswith(work) and not real.startswith("/dev/null"):
                raise PermissionError(f"writing {path} is not allowed while grading")

    sys.addaudithook(hook)
