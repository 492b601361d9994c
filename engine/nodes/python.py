"""python: the user's `main(inputs)` in a sandboxed child process (engine.sandbox), a warm
one of its workflow's when one is waiting (engine.sandbox.warm)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from domain.node_types import PythonParams
from domain.python_envs import PackagesNotBuilt, sandbox_target
from domain.settings import get_settings
from engine.errors import NodeError, PermanentError
from engine.nodes.base import NodeContext, NodeResult
from engine.sandbox import sandbox_bwrap
from engine.sandbox.child import ChildResult, GuestSpec, Limits
from engine.sandbox.warm import GUESTS, Owner

# Deterministic failures: running the same code again cannot help.
_PERMANENT = frozenset({"syntax", "main", "output"})


def _limits(params: PythonParams) -> Limits:
    settings = get_settings()
    # An unset limit takes the default, never above the operator's maximum.
    timeout = params.timeout_seconds or min(settings.python_timeout_seconds,
                                            settings.python_max_timeout_seconds)
    memory = params.memory_mb or min(settings.python_memory_mb, settings.python_max_memory_mb)
    if timeout > settings.python_max_timeout_seconds:
        raise PermanentError(f"params.timeoutSeconds {timeout:g} is above the operator's "
                             f"maximum of {settings.python_max_timeout_seconds:g}")
    if memory > settings.python_max_memory_mb:
        raise PermanentError(f"params.memoryMb {memory} is above the operator's maximum of "
                             f"{settings.python_max_memory_mb}")
    return Limits(timeout, memory)


def _inputs(ctx: NodeContext) -> dict[str, Any]:
    """Any: JSON. Earlier nodes' outputs by id, the execution's input and identity."""
    nodes = {k: v.get("output") for k, v in (ctx.scope.get("nodes") or {}).items()}
    return {"input": ctx.scope.get("input"), "nodes": nodes,
            "execution": dict(ctx.scope.get("execution") or {})}


async def python(ctx: NodeContext) -> NodeResult:
    params = ctx.params
    assert isinstance(params, PythonParams)
    if params.code is None:
        raise PermanentError(f"params.file {params.file!r} was not read: only workflows synced "
                             "from git may name a file")
    limits = _limits(params)
    bwrap = await asyncio.to_thread(sandbox_bwrap)  # probes bubblewrap once per process
    owner, packages = await _target(ctx)
    egress = ctx.egress if settings_egress() else None
    spec = GuestSpec(bwrap, packages, egress is not None)
    result = await GUESTS.run(owner, spec, params.code, params.file or "main.py",
                              _inputs(ctx), json.dumps(ctx.services), limits,
                              lambda level, line: ctx.log(line, level),
                              environ=_trace_env(ctx), egress=egress)
    return NodeResult(_output(result, limits))


def settings_egress() -> bool:
    """FLOWPLANE_SANDBOX_NETWORK=egress: out through the egress proxy (engine.sandbox)."""
    return get_settings().sandbox_network == "egress"


async def _target(ctx: NodeContext) -> tuple[Owner, tuple[str, ...]]:
    """Whose the sandbox is (the warm guest's owner) and the package directory of the
    workflow's environment, when it has python packages."""
    workflow_id = int((ctx.scope.get("execution") or {}).get("workflowId") or 0)
    try:
        target = await sandbox_target(workflow_id)
    except PackagesNotBuilt as error:
        raise NodeError(str(error)) from None
    owner = Owner(target.organization_id, workflow_id, target.deployment)
    return owner, (str(target.packages),) if target.packages else ()


def _trace_env(ctx: NodeContext) -> dict[str, str]:
    """TRACEPARENT of this node's span while traces are on, for the services user code calls
    (the W3C trace-context spec's name for environment carriers)."""
    parent = ctx.trace_headers.get("traceparent")
    return {"TRACEPARENT": parent} if parent else {}


def _output(result: ChildResult, limits: Limits) -> Any:  # Any: the node's JSON output
    if result.timed_out:
        raise NodeError(f"python node killed: time limit of {limits.timeout_seconds:g} s "
                        "(params.timeoutSeconds) reached")
    answer = result.answer
    if result.answer_too_large:
        raise PermanentError("python node output is larger than 64 MiB")
    if answer is None:
        raise NodeError(_died(result.returncode, limits))
    if answer.get("ok"):
        return answer.get("output")
    error = answer.get("error") or {}
    kind = str(error.get("kind"))
    if kind == "memory":
        raise NodeError(f"python node ran out of memory: memory limit of {limits.memory_mb} MB "
                        "(params.memoryMb) reached")
    if kind == "output":
        raise PermanentError(f"python node output is not JSON-serialisable: {error['message']}")
    trace = str(error.get("traceback") or "")
    message = f"{error.get('type')}: {error.get('message')}"
    text = f"{message}\nTraceback (user code):\n{trace.rstrip()}" if trace else message
    raise (PermanentError if kind in _PERMANENT else NodeError)(text)


def _died(returncode: int, limits: Limits) -> str:
    """Why a child that gave no answer ended (a negative code, or 128 + n from bwrap, is the
    signal that ended it)."""
    if returncode > 128:
        returncode = 128 - returncode
    if returncode == -24:  # SIGXCPU: the CPU-time rlimit
        return (f"python node killed: CPU time limit of {int(limits.timeout_seconds) + 1} s "
                "(params.timeoutSeconds) reached")
    if returncode in (-9, -11, -6):  # SIGKILL, SIGSEGV, SIGABRT: typically a failed allocation
        return (f"python node died (signal {-returncode}), probably at its memory limit of "
                f"{limits.memory_mb} MB (params.memoryMb)")
    return f"python node exited with code {returncode} before it answered"
