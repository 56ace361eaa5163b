"""Per-job isolation inside the zygote's jail (see jail.py for the jail itself).

Each job gets, from the kernel rather than from Python:
1. its own user, PID, mount and IPC namespaces: the job runs in a PID namespace of its own, whose init (PID 1,
   see child.reaper) is killed when the job ends, so the kernel kills every process the job left behind
   (double forks and pid changes included);
2. a file system view of its own: the folder of all jobs is covered by an empty tmpfs with only this job's folder
   bound back, hidden paths are covered, ``/tmp`` and ``/dev/shm`` are fresh size-limited tmpfs, and ``/proc``
   shows only the job's own processes;
3. hard resource limits (memory, file size, processes, no core files) that it cannot raise, no capabilities,
   ``no_new_privs``, and a non-dumpable memory (no other process of the same uid can read it);
4. an audit hook, a courtesy layer that turns the most common forbidden actions into clear error messages.
Where the kernel refuses namespaces (an insecure run, see jail.py), only layers 3-4 remain, and the grade
command refuses such runs unless ``--insecure`` is given.
"""
from __future__ import annotations

import ctypes
import os
import resource
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND = 4096
MS_REMOUNT = 32
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 1, 4, 38, 24
SYS_CAPSET = 126               # x86_64 and the generic table differ; see _capset
JOB_UID = 1000                 # the job's uid inside its own user namespace (mapped to the grader's uid)
MAX_PROCESSES = 512            # threads count too: TensorFlow starts one pool per core
TMP_BYTES = 64 << 20           # each of the job's /tmp and /dev/shm

_libc = ctypes.CDLL(None, use_errno=True)


def _err(what: str) -> OSError:
    errno = ctypes.get_errno()
    return OSError(errno, f"{what}: {os.strerror(errno)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def unshare_job() -> str | None:
    """In the job's reaper, before it forks the job: new user, PID, mount and IPC namespaces. Returns None when
    done, else why not (the kernel refused)."""
    uid, gid = os.geteuid(), os.getegid()
    if _libc.unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC) != 0:
        return os.strerror(ctypes.get_errno())
    # A non-dumpable process's /proc/self files belong to root, so a grader that is not root could not write
    # its own maps: dumpable for these three writes only. Nothing can trace it meanwhile: the processes of other
    # jobs are in other user namespaces, without CAP_SYS_PTRACE in this one, and no learner code runs yet.
    _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    try:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{JOB_UID} {uid} 1")
        _write("/proc/self/gid_map", f"{JOB_UID} {gid} 1")
    finally:
        no_dump()
    return None


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    if _libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                   data.encode() if data else None) != 0:
        raise _err(f"mount {target}")


def private_view(workdir: str, jobs_root: str, hide: list[str]) -> list[str]:
    """In the job (still holding its namespaces' capabilities): the file system view described above.
    Returns what could not be done (each a short text)."""
    problems = []
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    keep = os.open(workdir, os.O_PATH | os.O_DIRECTORY)
    # Python and the course may live under /tmp (a clone in /tmp, say): the private /tmp below would hide them,
    # and every module not yet imported would be missing. Held open now, bound back read-only afterwards.
    from .jail import PACKAGE, _python_dirs
    needed = [(d, os.open(d, os.O_PATH | os.O_DIRECTORY)) for d in [*_python_dirs(), str(PACKAGE)]
              if (d.rstrip("/") + "/").startswith(("/tmp/", "/dev/shm/")) and os.path.isdir(d)]
    covered = []
    for path in ("/tmp", "/dev/shm"):
        if os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={TMP_BYTES},mode=1777")
            covered.append(path.rstrip("/") + "/")
    for path, fd in needed:
        os.makedirs(path, 0o755, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        os.close(fd)
        try:
            _mount("none", path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        except OSError as exc:
            problems.append(str(exc))
    own_root = not (jobs_root.rstrip("/") + "/").startswith(tuple(covered))
    if own_root:
        _mount("tmpfs", jobs_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
    os.makedirs(workdir, 0o755, exist_ok=True)   # on the fresh tmpfs: this job's folder is the only one
    _mount(f"/proc/self/fd/{keep}", workdir, None, MS_BIND)
    os.close(keep)
    if own_root:
        _mount("none", jobs_root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for path in hide:
        if os.path.isdir(path) and not (workdir + "/").startswith(path.rstrip("/") + "/"):
            try:
                _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=555")
            except OSError as exc:
                problems.append(str(exc))
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError as exc:  # e.g. a /proc with covered parts: other jobs' processes stay non-dumpable
        problems.append(str(exc))
    return problems


def _capset_zero() -> None:
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    header, data = Header(0x20080522, 0), (Data * 2)()
    if _libc.capset(ctypes.byref(header), data) != 0:
        raise _err("capset")


def drop_privileges() -> None:
    """No capabilities (not even in the job's own namespace), none regained by exec, memory not dumpable."""
    for cap in range(64):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)   # fails (harmlessly) past the last capability
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise _err("no_new_privs")
    _capset_zero()
    no_dump()


def no_dump() -> None:
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def die_with_parent() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)


def vm_size_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def set_limits(mem_mb: int, output_bytes: int) -> None:
    """Hard limits (soft = hard): without capabilities the job can lower them, never raise them."""
    # The child inherits TensorFlow's mappings from the zygote, so the budget is on top of what is mapped.
    cap = vm_size_bytes() + mem_mb * 2**20
    for which, value in ((resource.RLIMIT_AS, cap), (resource.RLIMIT_FSIZE, output_bytes),
                         (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NPROC, MAX_PROCESSES)):
        resource.setrlimit(which, (value, value))


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
    """The courtesy layer: clear messages for common forbidden actions. Nothing depends on it holding."""
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
