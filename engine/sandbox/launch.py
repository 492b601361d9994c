"""How the child process of a `python` node is started: the command line and its environment.

With bubblewrap (`bwrap`) the child gets new PID, IPC, UTS and cgroup namespaces, a network
namespace of its own (only a loopback of its own: no host loopback, no metadata address), a
root filesystem built from nothing but read-only binds of the interpreter, its libraries and
the environment's packages, a private writable working directory (its HOME) and a /tmp of its
own. bwrap itself is started with the environment the child gets, so not even its
/proc/1/environ holds a variable of the worker; what belongs to one run (STRONGLY_SERVICES,
TRACEPARENT) comes with the request instead, so a guest can be started before its run.

Run by a non-root worker, bwrap also makes a user namespace (unprivileged bubblewrap needs one;
the process limit then counts the child's processes only). Run by root, the child keeps no
capability but CAP_SETUID/CAP_SETGID, which the guest uses once to become a uid of this run
alone before any user code runs (a user namespace would map the child to root outside, which
the kernel exempts from the process limit).
"""

from __future__ import annotations

import atexit
import os
import py_compile
import secrets
import shutil
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

GUEST = Path(__file__).with_name("guest.py")
MOUNT = "/opt/flowplane"
WORKDIR = "/home/sandbox"
TMP_BYTES = 64 * 1024 * 1024  # /tmp is memory: bounded apart from the address-space limit
# Per-run uids for a sandbox started by root: far above any system or login uid.
_UID_RANGE = (1_000_000, 2_000_000_000)


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]
    # sys.path entries the guest adds, the uid it takes (None: keep its own), its directory.
    paths: list[str]
    uid: int | None
    workdir: str


@cache
def sdk_file() -> Path:
    """flowplane/sdk.py, located without importing the `flowplane` package (the engine may
    not import it)."""
    spec = find_spec("flowplane")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "sdk.py"


@cache
def guest_code() -> Path:
    """The guest, compiled once per worker process: a script is compiled on every start (its
    bytecode is never cached), which cost more than the rest of the guest's own start. Into a
    private directory of this process (the package may be read-only); guest.py itself when
    that fails."""
    try:
        directory = Path(tempfile.mkdtemp(prefix="flowplane-guest-"))
        atexit.register(shutil.rmtree, directory, True)
        target = directory / "guest.pyc"
        py_compile.compile(str(GUEST), cfile=str(target), doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        target.chmod(0o644)  # the guest runs as another uid when the worker is root
        directory.chmod(0o755)
    except (OSError, py_compile.PyCompileError):
        return GUEST
    return target


def child_env(home: str, extra: dict[str, str]) -> dict[str, str]:
    """The child's whole environment, built from nothing."""
    # MALLOC_ARENA_MAX: glibc reserves 64 MB of address space for each thread's arena, so under
    # the address-space limit (params.memoryMb, 256 MB by default) a fifth thread could not start.
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
            "MALLOC_ARENA_MAX": "1", **extra}


@cache
def interpreter() -> str:
    """The base interpreter behind the worker's (possibly virtual) environment."""
    return os.path.realpath(sys.executable)


@cache
def _site_dirs() -> tuple[str, ...]:
    found = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    return tuple(sorted(p for p in found if p and os.path.isdir(p)))


def package_dirs() -> list[str]:
    """Where the environment's packages live (the worker's site-packages)."""
    return list(_site_dirs())


def _readonly_roots() -> list[str]:
    """What the interpreter needs: its installation and the system's shared libraries."""
    roots = {sys.base_prefix, os.path.dirname(interpreter()), "/usr/lib", "/usr/lib64",
             "/usr/lib32", "/lib", "/lib64"}
    return sorted(r for r in roots if os.path.isdir(r) and not os.path.islink(r))


def _root_links() -> list[str]:
    """Merged-/usr symlinks such as /lib -> usr/lib, recreated inside."""
    args: list[str] = []
    for name in ("lib", "lib64", "lib32", "bin"):
        path = f"/{name}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
    return args


def _parents(destinations: list[str]) -> list[str]:
    """Create every parent of the bind destinations world-readable (bwrap makes them 0700,
    which the guest could no longer enter once it gave up root)."""
    parents = {str(p) for d in destinations for p in Path(d).parents if str(p) != "/"}
    args: list[str] = []
    for parent in sorted(parents, key=lambda p: p.count("/")):
        args += ["--perms", "0755", "--dir", parent]
    return args


def bwrap_launch(bwrap: str, workdir: Path, result_fd: int, env: dict[str, str],
                 extra_packages: tuple[str, ...] = (), *, egress: bool = False) -> Launch:
    """`extra_packages`: the environment's own package directories, first on sys.path;
    `egress`: the child reaches out through the egress proxy (it gets the CA certificates
    then, for TLS through it)."""
    root = os.geteuid() == 0
    fixed, guest = _fixed_args(bwrap, root, extra_packages)
    args = [*fixed, *(["--ro-bind-try", "/etc/ssl", "/etc/ssl"] if egress else [])]
    args += ["--bind", str(workdir), WORKDIR]  # entered once the guest gave up root
    args += ["--remount-ro", "/"]  # the root bwrap built: nothing but HOME and /tmp is written
    for key, value in env.items():
        args += ["--setenv", key, value]
    args += [interpreter(), "-I", "-S", guest, str(result_fd)]
    uid = secrets.choice(range(*_UID_RANGE)) if root else None
    packages = [*extra_packages, *package_dirs()]
    return Launch(args, env, [f"{MOUNT}/lib", *packages], uid, WORKDIR)


@cache
def _fixed_args(bwrap: str, root: bool, extra_packages: tuple[str, ...]
                ) -> tuple[tuple[str, ...], str]:
    """The arguments that depend on the installation alone (and the guest's path inside):
    worked out once per process and environment, not on every run (sysconfig and the
    parents of every bind cost more than bwrap's own argument parsing)."""
    # --as-pid-1: the guest is the namespace's init itself, without bwrap's own reaper in
    # between (one process fewer to start on every run; the namespace still dies with it).
    args = [bwrap, "--as-pid-1", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-net", "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--clearenv",
            "--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"
             ] if root else ["--unshare-user"]
    packages = [*extra_packages, *package_dirs()]
    sdk = f"{MOUNT}/lib/flowplane/sdk.py"  # a namespace package holding the SDK alone
    binds = [(p, p) for p in [*_readonly_roots(), *packages]]
    guest = guest_code()
    inside = f"{MOUNT}/guest{guest.suffix}"
    binds += [(str(sdk_file()), sdk), (str(guest), inside)]
    args += _parents([d for _, d in binds] + [WORKDIR])
    for source, destination in binds:
        args += ["--ro-bind", source, destination]
    args += _root_links()
    return tuple(args), inside


def scrubbed_launch(workdir: Path, result_fd: int, env: dict[str, str],
                    extra_packages: tuple[str, ...] = ()) -> Launch:
    """No isolation but the environment: a plain child process (FLOWPLANE_SANDBOX=off, or
    `flowplane dev` where bubblewrap is missing)."""
    argv = [interpreter(), "-I", "-S", str(guest_code()), str(result_fd)]
    return Launch(argv, {**env, "HOME": str(workdir)},
                  [str(sdk_file().parent.parent), *extra_packages, *package_dirs()], None,
                  str(workdir))
