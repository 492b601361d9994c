"""Structured logs of real processes: every line a worker and the API write is one JSON object
with level, logger and message, and the ids of what it was doing; FLOWPLANE_LOG_FORMAT=text
keeps the readable lines."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from domain.executions import start_execution
from domain.settings import get_settings
from telemetry.logs import JsonFormatter, configure_logging, log_context
from tests.factory import Factory
from tests.processes import ApiServer, FlowplaneProcess


def _json_lines(output: str) -> list[dict[str, Any]]:
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines
    return [json.loads(line) for line in lines]  # every line, or this raises


async def _ended(execution_id: int, process: FlowplaneProcess) -> None:
    import asyncio

    from domain.executions import load_execution

    for _ in range(300):
        if (await load_execution(execution_id)).status == "completed":
            return
        await asyncio.sleep(0.1)
    raise AssertionError(process.output()[-2000:])


async def test_worker_lines_are_json_with_the_execution_ids(
    factory: Factory, database_url: str, redis_url: str
) -> None:
    get_settings.cache_clear()
    org = await factory.org()
    user = await factory.user(org=org)
    workflow = await factory.workflow(org, user, status="active")
    worker = FlowplaneProcess(["worker"], {"DATABASE_URL": database_url,
                                           "REDIS_URL": redis_url}).start()
    try:
        execution = await start_execution(workflow["id"], trigger_type="manual",
                                          triggered_by=None, input={})
        await _ended(execution.id, worker)
        worker.wait_until(lambda: "ended: completed" in worker.output(), "the ended line")
        # Read before stopping: arq's SIGTERM ends a single-queue worker with a bare
        # CancelledError traceback from the interpreter, which is not a log line.
        output = worker.output()
    finally:
        worker.stop()
    entries = _json_lines(output)
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    ours = [e for e in entries if e.get("execution") == execution.id]
    assert [e["message"] for e in ours] == [
        f"execution {execution.id} started (attempt 1)",
        f"execution {execution.id} ended: completed"]
    assert {(e["organization"], e["workflow"], e["logger"], e["level"]) for e in ours} == {
        (org["id"], workflow["id"], "engine.runner", "info")}


def test_api_lines_carry_the_request_id_it_echoes(database_url: str, redis_url: str) -> None:
    api = ApiServer({"DATABASE_URL": database_url, "REDIS_URL": redis_url}).start()
    try:
        given = httpx.post(f"{api.url}/graphql", json={"query": "{ __typename }"},
                           headers={"X-Request-ID": "req-42.a_b"})
        made = httpx.get(f"{api.url}/healthz", headers={"X-Request-ID": "not ok!"})
        api.wait_until(lambda: "req-42.a_b" in api.output()
                       and made.headers["x-request-id"] in api.output(), "both access lines")
    finally:
        api.stop()
    assert given.headers["x-request-id"] == "req-42.a_b"
    assert made.headers["x-request-id"] != "not ok!" and len(made.headers["x-request-id"]) == 32
    entries = _json_lines(api.output())
    access = [e for e in entries if e["logger"] == "uvicorn.access"]
    assert {e.get("request_id") for e in access} >= {"req-42.a_b", made.headers["x-request-id"]}


def test_text_format_keeps_readable_lines_with_the_ids(
    database_url: str, redis_url: str
) -> None:
    api = ApiServer({"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                     "FLOWPLANE_LOG_FORMAT": "text"}).start()
    try:
        httpx.get(f"{api.url}/healthz", headers={"X-Request-ID": "txt-1"})
        api.wait_until(lambda: "[request_id=txt-1]" in api.output(), "the access line")
    finally:
        api.stop()
    lines = [line for line in api.output().splitlines() if "txt-1" in line]
    assert lines and all(line.endswith("[request_id=txt-1]") for line in lines)
    assert not any(line.startswith("{") for line in api.output().splitlines())


def test_context_ids_are_the_known_ones_and_nested_blocks_restore_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("json")
    logger = logging.getLogger("flowplane.test")
    with log_context(organization=1, workflow=None):
        with log_context(execution=5):
            logger.warning("inner")
        logger.warning("outer")
    entries = _json_lines(capsys.readouterr().err)
    assert [(e["message"], e.get("execution"), e["organization"], "workflow" in e)
            for e in entries] == [("inner", 5, 1, False), ("outer", None, 1, False)]
    with pytest.raises(ValueError, match="secret"), log_context(secret="x"):  # type: ignore[arg-type]
        pass
    assert json.loads(JsonFormatter().format(logging.makeLogRecord(
        {"msg": "a %s", "args": ("b",), "levelname": "INFO", "name": "n"})))["message"] == "a b"
