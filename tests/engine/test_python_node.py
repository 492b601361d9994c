"""The `python` node through a real worker, in bubblewrap: outputs, inputs, logs, errors with
user frames, limits, and escape attempts that each fail while the worker stays healthy."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sysconfig
import textwrap
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from domain._sql import fetch
from domain.executions import load_execution, start_execution
from domain.rows import FullExecutionRow
from domain.settings import get_settings
from engine.sandbox import _warn_unsandboxed, bwrap_problem
from engine.sandbox.warm import GUESTS
from tests.engine.conftest import drain
from tests.engine.test_runner import edge, node
from tests.factory import Factory

PLANTED = "FLOWPLANE_TEST_PLANTED_SECRET"
needs_bwrap = pytest.mark.skipif(
    bwrap_problem() is not None,
    reason=f"bubblewrap (Debian `bubblewrap`) cannot run a sandbox here: {bwrap_problem()}")
pytestmark = needs_bwrap


def py(node_id: str, code: str, **params: Any) -> dict[str, Any]:
    return node(node_id, "python", code=textwrap.dedent(code), **params)


async def _run(factory: Factory, redis_url: str, nodes: list[dict[str, Any]],
               connections: list[dict[str, str]] | None = None, input: Any = None,
               settings: dict[str, Any] | None = None) -> FullExecutionRow:
    org = await factory.org()
    wf = await factory.workflow(org, await factory.user(org=org), nodes=nodes,
                                connections=connections or [],
                                settings=settings or {"maxAttempts": 1})
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None,
                                input=input or {})
    await drain(redis_url)
    return await load_execution(row.id)


async def _logs(execution_id: int, node_id: str) -> list[tuple[str, str]]:
    rows = await fetch("SELECT level, message FROM execution_log WHERE execution = $1 AND "
                       "node_id = $2 ORDER BY id", execution_id, node_id)
    return [(r["level"], r["message"]) for r in rows]


def _output(done: FullExecutionRow, node_id: str) -> Any:
    assert done.status == "completed", done.error
    return done.outputs[node_id]["output"]


async def test_output_is_what_main_returns_from_earlier_nodes(
    factory: Factory, redis_url: str
) -> None:
    done = await _run(factory, redis_url, [
        node("a", value={"n": "{{ input.n }}"}),
        py("b", """
            import asyncio
            async def main(inputs):
                await asyncio.sleep(0)
                return {"double": inputs["nodes"]["a"]["n"] * 2, "input": inputs["input"],
                        "execution": inputs["execution"]}
        """)], [edge("a", "b")], input={"n": 21})
    out = _output(done, "b")
    assert out["double"] == 42 and out["input"] == {"n": 21}
    assert out["execution"] == {"id": done.id, "attempt": 1,
                                "workflowId": done.workflow}


async def test_prints_become_log_lines_in_order(factory: Factory, redis_url: str) -> None:
    done = await _run(factory, redis_url, [py("p", """
        import sys
        def main(inputs):
            print("one")
            print("two", file=sys.stderr)
            print("three")
            return None
    """)])
    _output(done, "p")
    assert await _logs(done.id, "p") == [
        ("info", "one"), ("warning", "two"), ("info", "three")]


async def test_exception_fails_with_user_frames_and_retries(
    factory: Factory, redis_url: str
) -> None:
    bad = py("bad", """
        import json
        def helper(value):
            return json.loads(value)
        def main(inputs):
            return helper("{not json")
    """)
    bad["retry"] = {"maxAttempts": 2, "backoffSeconds": 0}
    done = await _run(factory, redis_url, [bad, node("catch", "error-handler")],
                      [edge("bad", "catch", "error")])
    assert done.status == "completed", done.error  # the handler recovered the run
    spans = await fetch("SELECT attempt, status, error FROM execution_span WHERE "
                        "execution = $1 AND node_id = 'bad' ORDER BY id", done.id)
    assert [(s["attempt"], s["status"]) for s in spans] == [(1, "failed"), (2, "failed")]
    error = spans[0]["error"]
    assert error.startswith("JSONDecodeError: Expecting property name")
    assert 'File "main.py", line 6, in main' in error
    assert 'File "main.py", line 4, in helper' in error
    assert "json/decoder.py" not in error and "guest.py" not in error


@pytest.mark.parametrize(("code", "params", "expected"), [
    ("import time\ndef main(inputs):\n    time.sleep(60)\n", {"timeoutSeconds": 1},
     "time limit of 1 s (params.timeoutSeconds)"),
    ("def main(inputs):\n    return bytearray(512 * 1024 * 1024)\n", {"memoryMb": 128},
     "memory limit of 128 MB (params.memoryMb)"),
    ("def main(inputs):\n    return {1, 2}\n", {},
     "not JSON-serialisable: Object of type set is not JSON serializable"),
    ("def main(inputs):\n    return float('nan')\n", {}, "not JSON-serialisable"),
    ("def main(inputs) return 1\n", {}, "SyntaxError"),
    ("x = 1\n", {}, "defines no function main(inputs)"),
    ("import nothing_of_that_name\n", {}, "ModuleNotFoundError: No module named"),
])
async def test_limits_and_bad_results_fail_with_a_precise_error(
    factory: Factory, redis_url: str, code: str, params: dict[str, Any], expected: str
) -> None:
    done = await _run(factory, redis_url, [node("p", "python", code=code, **params)])
    assert done.status == "failed"
    assert expected in done.error


async def test_threads_fit_in_the_default_memory_limit(
    factory: Factory, redis_url: str
) -> None:
    # The memory limit bounds the address space, and glibc reserves 64 MB of it for each
    # thread's malloc arena unless MALLOC_ARENA_MAX says otherwise: a fifth thread failed.
    done = await _run(factory, redis_url, [py("p", """
        import threading
        together = threading.Barrier(16)
        def work(out, i):
            out[i] = len([bytearray(100_000) for _ in range(5)])
            together.wait(timeout=20)  # all sixteen alive at once
        def main(inputs):
            out = {}
            threads = [threading.Thread(target=work, args=(out, i)) for i in range(16)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return sorted(out.values())
    """)])
    assert _output(done, "p") == [5] * 16


async def test_a_limit_above_the_operators_maximum_is_refused(
    factory: Factory, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWPLANE_PYTHON_MAX_MEMORY_MB", "512")
    get_settings.cache_clear()
    done = await _run(factory, redis_url, [
        py("p", "def main(inputs):\n    return 1\n", memoryMb=1024)])
    assert done.status == "failed"
    assert "params.memoryMb 1024 is above the operator's maximum of 512" in done.error
    # A node that sets no limit gets the default, lowered to the maximum.
    monkeypatch.setenv("FLOWPLANE_PYTHON_MAX_TIMEOUT_SECONDS", "5")
    get_settings.cache_clear()
    unset = await _run(factory, redis_url, [py("p", "def main(inputs):\n    return 1\n")])
    assert _output(unset, "p") == 1


def _ports(*urls: str) -> list[int]:
    return [p for p in (urlsplit(u).port for u in urls) if p]


ESCAPES = """
    import os, socket
    def attempt(action):
        try:
            return "ESCAPED: " + repr(action())
        except Exception as error:
            return "refused: " + type(error).__name__

    def main(inputs):
        worker = inputs["input"]["workerPid"]
        found = {
            "env": attempt(lambda: os.environ["PLANTED"]),
            "environ-keys": sorted(os.environ),
            "proc1": attempt(lambda: open("/proc/1/environ").read()),
            "parent": attempt(lambda: open(f"/proc/{os.getppid()}/environ").read()),
            "worker": attempt(lambda: open(f"/proc/{worker}/environ").read()),
            "write-usr": attempt(lambda: open("/usr/lib/planted", "w").write("x")),
            "write-root": attempt(lambda: open("/planted", "w").write("x")),
            "write-packages": attempt(lambda: open(inputs["input"]["packages"] + "/x", "w")),
            "home": attempt(lambda: open(os.path.expanduser("~/mine"), "w").write("x")),
        }
        found["unix-socket"] = attempt(lambda: socket.socket(socket.AF_UNIX).connect(
            inputs["input"]["socket"]))
        for port in inputs["input"]["ports"]:
            found[f"port-{port}"] = attempt(
                lambda: socket.create_connection(("127.0.0.1", port), timeout=2))
        return found
""".replace("PLANTED", PLANTED)


async def test_escape_attempts_fail(
    factory: Factory, redis_url: str, database_url: str, http_server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PLANTED, "s3cret-of-the-platform")
    url, _ = http_server
    ports = _ports(url, database_url, redis_url)
    host_socket = socket.socket(socket.AF_UNIX)  # a host Unix socket, as PostgreSQL's is
    path = f"/tmp/flowplane-test-{uuid.uuid4().hex[:8]}.sock"
    host_socket.bind(path)
    host_socket.listen()
    try:
        done = await _run(factory, redis_url, [py("x", ESCAPES)], input={
            "workerPid": os.getpid(), "ports": ports, "socket": path,
            "packages": sysconfig.get_path("purelib")})
    finally:
        host_socket.close()
        os.unlink(path)
    found = _output(done, "x")
    assert found["environ-keys"] == ["HOME", "LANG", "MALLOC_ARENA_MAX", "PATH", "PWD",
                                     "STRONGLY_SERVICES"]
    escaped = {k: v for k, v in found.items() if k != "environ-keys" and k != "home"
               and not v.startswith("refused")}
    assert escaped == {}
    assert found["home"] == "ESCAPED: 1"  # its own working directory is writable
    assert len([k for k in found if k.startswith("port-")]) == len(set(ports)) >= 1


async def test_a_fork_bomb_stops_at_the_process_limit_and_the_worker_goes_on(
    factory: Factory, redis_url: str
) -> None:
    done = await _run(factory, redis_url, [py("bomb", """
        import os, time
        def main(inputs):
            children = 0
            try:
                while children < 10_000:
                    if os.fork() == 0:
                        time.sleep(30)
                        os._exit(0)
                    children += 1
            except OSError as error:
                return {"children": children, "error": error.strerror}
            return {"children": children}
    """)])
    found = _output(done, "bomb")
    assert found["error"] == "Resource temporarily unavailable"
    assert found["children"] < 64
    # The node's children died with its sandbox, and the next run is served as usual.
    again = await _run(factory, redis_url, [py("ok", "def main(inputs):\n    return 'ok'\n")])
    assert _output(again, "ok") == "ok"


async def test_sdk_reads_the_data_source_the_node_names(
    factory: Factory, redis_url: str, secret_key: bytes
) -> None:
    from db.tables import DataSource
    from domain import secret_store

    org = await factory.org()
    await secret_store.set_secret(org["id"], "warehouse-password", "pw-1", actor=None)
    await DataSource(organization=org["id"], name="warehouse", type="postgres",
                     config={"host": "db.internal", "database": "sales", "user": "report"},
                     secret_ref={"secret": "warehouse-password"}).save()
    reader = py("r", """
        from flowplane import sdk
        def main(inputs):
            source = sdk.data_source("warehouse")
            try:
                sdk.model("nope")
            except KeyError as error:
                missing = str(error)
            return {"host": source["host"], "password": source["password"],
                    "has_password": source["password"] == "pw-1", "missing": missing}
    """)
    reader["dataSource"] = "warehouse"
    wf = await factory.workflow(org, await factory.user(org=org), nodes=[reader],
                                settings={"maxAttempts": 1})
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    await drain(redis_url)
    out = _output(await load_execution(row.id), "r")
    assert (out["host"], out["has_password"]) == ("db.internal", True)
    assert out["password"] == "[secret]"  # a resolved value is masked in stored outputs
    assert "no model named 'nope'" in out["missing"]


async def test_without_bubblewrap_python_nodes_are_refused_unless_the_operator_allows(
    factory: Factory, redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on it
    monkeypatch.setenv(PLANTED, "s3cret-of-the-platform")
    bwrap_problem.cache_clear()
    code = f"import os\ndef main(inputs):\n    return os.environ.get({PLANTED!r})\n"
    try:
        refused = await _run(factory, redis_url, [py("p", code)])
        assert refused.status == "failed"
        assert "python nodes need a sandbox" in refused.error
        monkeypatch.setenv("FLOWPLANE_SANDBOX", "off")
        get_settings.cache_clear()
        allowed = await _run(factory, redis_url, [py("p", code)])
        assert _output(allowed, "p") is None  # scrubbed even without the sandbox
        monkeypatch.setenv("FLOWPLANE_SANDBOX", "auto")  # what `flowplane dev` sets
        get_settings.cache_clear()
        _warn_unsandboxed.cache_clear()  # it warns once per process
        with caplog.at_level(logging.WARNING, logger="engine.sandbox"):
            fallback = await _run(factory, redis_url, [py("p", code)])
        assert _output(fallback, "p") is None
        assert "python nodes run WITHOUT a sandbox (no `bwrap` on PATH)" in caplog.text
    finally:
        monkeypatch.undo()
        bwrap_problem.cache_clear()
        _warn_unsandboxed.cache_clear()


def _processes() -> dict[int, tuple[int, list[bytes], str]]:
    """Every process: pid -> (parent pid, command line, PID namespace), from /proc."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_bytes()
            cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes().split(b"\0")
            namespace = os.readlink(f"/proc/{entry.name}/ns/pid")
        except OSError:  # gone meanwhile
            continue
        found[int(entry.name)] = (int(stat.rsplit(b")", 1)[1].split()[1]), cmdline, namespace)
    return found


def _alive_in(namespaces: set[str]) -> list[int]:
    """Processes still in any of these PID namespaces (whatever they run, wherever their
    parent went: no process leaves its PID namespace)."""
    return [pid for pid, (_, _, namespace) in _processes().items() if namespace in namespaces]


async def test_a_node_cut_short_by_its_workflow_takes_its_sandbox_with_it(
    factory: Factory, redis_url: str
) -> None:
    # Sleeps far longer than the suite's per-test timeout: the run ends only if the node's cut
    # takes its sandbox with it. The node names its PID namespace first (namespace ids are
    # the same inside and out), so the test follows its own sandbox and no other.
    done = await _run(factory, redis_url, [py("sleepy", """
        import os, time
        def main(inputs):
            print(os.readlink("/proc/self/ns/pid"), flush=True)
            if os.fork() == 0:  # a child of its own, which must die too
                time.sleep(3600)
            time.sleep(3600)
    """)], settings={"maxAttempts": 1, "nodeTimeoutSeconds": 1})
    assert done.status == "failed"
    assert "timed out after 1.0 s" in (done.error or "")
    # The workflow's next (warm) guest, being started once the node ended: close() waits for
    # its start and kills it.
    await GUESTS.close()
    [(level, namespace)] = await _logs(done.id, "sleepy")
    assert level == "info" and namespace.startswith("pid:[")
    for _ in range(100):  # the kernel reaps a dead PID namespace's processes a moment later
        if not _alive_in({namespace}):
            break
        await asyncio.sleep(0.05)
    assert _alive_in({namespace}) == []


async def test_parallel_python_nodes_each_get_their_own_answer(
    factory: Factory, redis_url: str
) -> None:
    branches = [py(f"p{i}", f"""
        import time
        def main(inputs):
            print("branch {i}")
            time.sleep(0.{i})
            return {{"branch": {i}, "input": inputs["input"]["n"]}}
    """) for i in range(5)]
    done = await _run(factory, redis_url, [node("fan", "parallel-branch"), *branches],
                      [edge("fan", f"p{i}") for i in range(5)], input={"n": 7})
    assert done.status == "completed", done.error
    assert [done.outputs[f"p{i}"]["output"] for i in range(5)] == [
        {"branch": i, "input": 7} for i in range(5)]
    for i in range(5):
        assert await _logs(done.id, f"p{i}") == [("info", f"branch {i}")]
