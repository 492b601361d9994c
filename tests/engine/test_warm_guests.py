"""Warm python guests: started ahead for one workflow and deployment, handed only to its next
run, used once; nothing of a run reaches the next; bounded, and gone when idle."""

from __future__ import annotations

import asyncio
import os
import sys
import sysconfig
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from domain.settings import get_settings
from engine.sandbox import sandbox_bwrap
from engine.sandbox.child import ChildResult, Guest, GuestSpec, Limits
from engine.sandbox.warm import GUESTS, Owner
from tests.engine.test_python_node import ESCAPES, PLANTED, needs_bwrap, py
from tests.factory import Factory

pytestmark = needs_bwrap
LIMITS = Limits(30, 256)
A = Owner(1, 10, "2026-12-01T10:00:00+00:00")


@pytest.fixture(autouse=True)
async def _pool(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    monkeypatch.setenv("FLOWPLANE_PYTHON_WARM_GUESTS", "4")
    get_settings.cache_clear()
    yield
    async with asyncio.timeout(60):
        await GUESTS.close()
    get_settings.cache_clear()


@pytest.fixture
async def spec() -> GuestSpec:
    return GuestSpec(await asyncio.to_thread(sandbox_bwrap))


async def _run(owner: Owner, spec: GuestSpec, code: str) -> tuple[ChildResult, list[str]]:
    lines: list[str] = []
    result = await GUESTS.run(owner, spec, textwrap.dedent(code), "main.py", {}, "{}", LIMITS,
                              lambda level, line: lines.append(line), environ={}, egress=None)
    return result, lines


async def _next_guest(owner: Owner) -> Guest:
    async with asyncio.timeout(30):
        guest = await GUESTS.started_for(owner)
    assert guest is not None and guest.alive
    return guest


async def _gone(guest: Guest) -> None:
    async with asyncio.timeout(30):
        await guest.process.wait()


TRIVIAL = "def main(inputs):\n    return 'ok'\n"


async def test_the_next_run_is_served_by_the_guest_started_after_the_last(
    spec: GuestSpec,
) -> None:
    first, _ = await _run(A, spec, TRIVIAL)
    assert (first.answer, first.warm) == ({"ok": True, "output": "ok"}, False)
    started = GUESTS.started
    waiting = await _next_guest(A)
    assert GUESTS.started == started + 1 and waiting.pid != first.pid

    second, _ = await _run(A, spec, TRIVIAL)

    assert second.answer == {"ok": True, "output": "ok"}
    assert (second.warm, second.pid) == (True, waiting.pid)
    assert not waiting.alive  # used once: it is gone, and the next one is another process
    assert (await _next_guest(A)).pid not in (first.pid, second.pid)


async def test_another_workflow_organization_or_deployment_never_gets_the_guest(
    spec: GuestSpec,
) -> None:
    await _run(A, spec, TRIVIAL)
    waiting = await _next_guest(A)
    others = [Owner(1, 11, A.deployment),  # another workflow of the organization
              Owner(2, 10, A.deployment)]  # another organization (same ids otherwise)
    for other in others:
        result, _ = await _run(other, spec, TRIVIAL)
        assert not result.warm and result.pid != waiting.pid
    assert GUESTS.idle(A) is waiting and waiting.alive

    # Another environment (its packages), then a redeploy: the waiting guest is not used,
    # it is killed.
    packages = GuestSpec(spec.bwrap, (sysconfig.get_path("purelib"),))
    result, _ = await _run(A, packages, TRIVIAL)
    assert not result.warm and result.pid != waiting.pid
    await _gone(waiting)
    await _next_guest(A)
    redeployed = Owner(A.organization_id, A.workflow_id, "2026-12-01T11:00:00+00:00")
    stale = GUESTS.idle(A)
    assert stale is not None
    result, _ = await _run(redeployed, packages, TRIVIAL)
    assert not result.warm
    await _gone(stale)
    assert (await _next_guest(redeployed)) is not stale and GUESTS.idle(A) is None


STATEFUL = """
    import builtins, os, sys
    counter = 0
    def main(inputs):
        global counter
        counter += 1
        seen = {
            "counter": counter,
            "builtins": getattr(builtins, "planted", None),
            "module": "planted_module" in sys.modules,
            "home": os.listdir(os.path.expanduser("~")),
            "tmp": os.listdir("/tmp"),
            "env": os.environ.get("PLANTED_BY_RUN"),
        }
        builtins.planted = "from an earlier run"
        sys.modules["planted_module"] = sys
        open(os.path.expanduser("~/left-behind"), "w").write("x")
        open("/tmp/left-behind", "w").write("x")
        os.environ["PLANTED_BY_RUN"] = "yes"
        print("run done")
        return seen
"""


def _bound_under_tmp() -> list[str]:
    """What a fresh sandbox's /tmp holds: nothing, but the mount points of the read-only
    binds (interpreter, packages, SDK) of a checkout or venv that itself lives under /tmp."""
    paths = (sys.prefix, str(Path(__file__).resolve().parents[2]))
    return sorted({Path(p).parts[2] for p in paths if Path(p).parts[1:2] == ("tmp",)})


async def test_nothing_of_one_run_is_seen_by_the_next(spec: GuestSpec) -> None:
    clean = {"counter": 1, "builtins": None, "module": False, "home": [],
             "tmp": _bound_under_tmp(), "env": None}
    first, lines = await _run(A, spec, STATEFUL)
    assert first.answer == {"ok": True, "output": clean} and lines == ["run done"]
    await _next_guest(A)
    second, lines = await _run(A, spec, STATEFUL)
    assert second.warm
    assert second.answer == {"ok": True, "output": clean} and lines == ["run done"]


async def test_guests_are_bounded_and_stopped_when_idle(
    spec: GuestSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWPLANE_PYTHON_WARM_GUESTS", "2")
    get_settings.cache_clear()
    owners = [Owner(1, workflow, "") for workflow in (21, 22, 23)]
    guests = []
    for owner in owners:
        await _run(owner, spec, TRIVIAL)
        guests.append(await _next_guest(owner))
    await _gone(guests[0])  # the least recently used made room for the newest
    assert GUESTS.idle(owners[0]) is None
    assert [GUESTS.idle(owner) for owner in owners[1:]] == guests[1:]

    monkeypatch.setenv("FLOWPLANE_PYTHON_WARM_IDLE_SECONDS", "0.2")
    get_settings.cache_clear()
    await _run(owners[0], spec, TRIVIAL)
    idle = await _next_guest(owners[0])
    await _gone(idle)  # unused for its idle time
    assert GUESTS.idle(owners[0]) is None

    await GUESTS.close()  # the worker stops: every idle guest with it
    for guest in guests[1:]:
        await _gone(guest)

    monkeypatch.setenv("FLOWPLANE_PYTHON_WARM_GUESTS", "0")  # off
    get_settings.cache_clear()
    await _run(owners[0], spec, TRIVIAL)
    assert await GUESTS.started_for(owners[0]) is None


def _warm_runs() -> float:
    return REGISTRY.get_sample_value("flowplane_python_guests_total", {"start": "warm"}) or 0.0


async def test_a_workflows_second_run_is_warm_and_escape_attempts_still_fail(
    factory: Factory, redis_url: str, database_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from domain.executions import load_execution, start_execution
    from tests.engine.conftest import drain

    monkeypatch.setenv(PLANTED, "s3cret-of-the-platform")
    org = await factory.org()
    wf = await factory.workflow(org, await factory.user(org=org), nodes=[py("x", ESCAPES)],
                                settings={"maxAttempts": 1})
    owner = Owner(int(org["id"]), int(wf["id"]), "")
    found: list[dict[str, Any]] = []
    for _ in range(2):
        row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None,
                                    input={"workerPid": os.getpid(), "ports": [],
                                           "socket": "/nonexistent.sock",
                                           "packages": sysconfig.get_path("purelib")})
        warm = _warm_runs()
        await drain(redis_url)
        done = await load_execution(row.id)
        assert done.status == "completed", done.error
        found.append(done.outputs["x"]["output"])
        if len(found) == 1:
            assert _warm_runs() == warm
            await _next_guest(owner)
        else:
            assert _warm_runs() == warm + 1
    for attempt in found:
        assert attempt["environ-keys"] == ["HOME", "LANG", "MALLOC_ARENA_MAX", "PATH", "PWD",
                                           "STRONGLY_SERVICES"]
        escaped = {k: v for k, v in attempt.items() if k not in ("environ-keys", "home")
                   and not v.startswith("refused")}
        assert escaped == {}
