"""The sandbox of `python` nodes: a child process with an environment built from nothing, in
bubblewrap where it is available (see `launch` for what it isolates, `guest` for what runs
inside, `egress_proxy` for its one way out when `FLOWPLANE_SANDBOX_NETWORK=egress`). Which
one a worker uses is the operator's choice, `FLOWPLANE_SANDBOX`."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from domain.settings import get_settings
from engine.errors import PermanentError
from engine.sandbox.launch import bwrap_launch, guest_code, interpreter

log = logging.getLogger(__name__)
NO_SANDBOX = (
    "python nodes need a sandbox and bubblewrap is not usable here ({why}): install Debian's "
    "`bubblewrap`, or let the operator set FLOWPLANE_SANDBOX=off to run user code in a "
    "scrubbed child process without isolation")


@cache
def bwrap_problem() -> str | None:
    """Why bubblewrap cannot run a sandbox here, or None when it can (probed once, by
    starting the interpreter in it)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "no `bwrap` on PATH"
    with tempfile.TemporaryDirectory(prefix="flowplane-probe-") as workdir:
        argv = bwrap_launch(bwrap, Path(workdir), 2, {}).argv
        probe = [*argv[: argv.index(interpreter()) + 1], "-I", "-S", "-c", "pass"]
        try:
            done = subprocess.run(probe, capture_output=True, text=True, timeout=30, env={})
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"{type(error).__name__}: {error}"
    if done.returncode != 0:
        return (done.stderr.strip() or f"exit code {done.returncode}").splitlines()[-1]
    return None


def sandbox_bwrap() -> str | None:
    """The bwrap to run user code in, or None for a scrubbed child (only where the operator
    allows it); raises PermanentError when no sandbox is available and none is allowed."""
    mode = get_settings().sandbox
    if mode == "off":
        return None
    problem = bwrap_problem()
    if problem is None:
        return shutil.which("bwrap")
    if mode == "auto":
        _warn_unsandboxed(problem)
        return None
    raise PermanentError(NO_SANDBOX.format(why=problem))


@cache
def _warn_unsandboxed(problem: str) -> None:
    log.warning("!!! python nodes run WITHOUT a sandbox (%s): a scrubbed child process only, "
                "which can reach everything this process can. Install bubblewrap. !!!", problem)


def announce() -> None:
    """Say at a worker's start where python nodes will run (or that they will be refused);
    probes bubblewrap and compiles the guest, so the first node does not wait for either."""
    guest_code()
    mode, problem = get_settings().sandbox, None
    if mode != "off":
        problem = bwrap_problem()
    if mode == "off":
        log.warning("FLOWPLANE_SANDBOX=off: python nodes run in a scrubbed child process "
                    "WITHOUT a sandbox")
    elif problem is None:
        log.info("python nodes run in bubblewrap")
    elif mode == "auto":
        _warn_unsandboxed(problem)
    else:
        log.error(NO_SANDBOX.format(why=problem) + "; python nodes will fail")
