"""http.request beyond one plain call: the idempotency key it sends, and response bodies
streamed under a size cap (a 100 MB answer never held in the worker's memory)."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from db.tables import AiModel
from domain._sql import fetch
from domain.executions import load_execution, start_execution
from domain.rows import FullExecutionRow
from domain.settings import get_settings
from tests.engine.conftest import drain
from tests.engine.servers import serve
from tests.engine.test_runner import node
from tests.factory import Factory

HUNDRED_MB = 100 * 1024 * 1024
CHUNK = 64 * 1024


async def _run(factory: Factory, redis_url: str, nodes: list[dict[str, Any]],
               **settings: Any) -> FullExecutionRow:
    org = await factory.org()
    user = await factory.user(org=org)
    wf = await factory.workflow(org, user, nodes=nodes,
                                settings={"maxAttempts": 1, **settings})
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    await drain(redis_url)
    return await load_execution(row.id)


async def test_idempotency_key_is_sent_and_stays_the_same_across_node_retries(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    url, recorder = http_server
    call = node("call", "http.request", method="POST", url=f"{url}/flaky/k?fail=2",
                idempotencyHeader="Idempotency-Key")
    call["retry"] = {"maxAttempts": 3, "backoffSeconds": 0}
    done = await _run(factory, redis_url, [call])
    assert done.status == "completed", done.error
    keys = [h.get("idempotency-key") for h in recorder.headers]
    assert keys == [f"{done.id}:call:1"] * 3


async def test_a_new_attempt_of_the_execution_gets_a_new_key(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    url, recorder = http_server
    call = node("call", "http.request", url=f"{url}/flaky/a?fail=1",
                idempotencyHeader="X-Request-Key")
    done = await _run(factory, redis_url, [call], maxAttempts=2, retryBackoffSeconds=0)
    assert done.status == "completed", done.error
    keys = [h.get("x-request-key") for h in recorder.headers]
    assert keys == [f"{done.id}:call:1", f"{done.id}:call:2"]


async def test_no_key_header_unless_asked(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    url, recorder = http_server
    done = await _run(factory, redis_url, [node("call", "http.request", url=f"{url}/echo")])
    assert done.status == "completed", done.error
    assert "idempotency-key" not in recorder.headers[0]


def _big_app() -> Starlette:
    """/big streams 100 MB without a Content-Length; /declared says how much it would send."""
    async def chunks() -> AsyncIterator[bytes]:
        block = b"x" * CHUNK
        for _ in range(HUNDRED_MB // CHUNK):
            yield block

    async def big(request: Request) -> Response:
        return StreamingResponse(chunks(), media_type="text/plain")

    async def declared(request: Request) -> Response:
        return Response(b"y" * 5000, media_type="application/json")

    return Starlette(routes=[Route("/big", big), Route("/declared", declared),
                             Route("/v1/chat/completions", big, methods=["POST"])])


@pytest.fixture
async def big_server() -> AsyncIterator[str]:
    async with serve(_big_app()) as url:
        yield url


async def _traced_peak(factory: Factory, redis_url: str, call: dict[str, Any],
                       ) -> tuple[int, FullExecutionRow]:
    tracemalloc.start()
    try:
        done = await _run(factory, redis_url, [call])
        return tracemalloc.get_traced_memory()[1], done
    finally:
        tracemalloc.stop()


async def test_a_100_mb_answer_is_cut_at_the_cap_and_never_held_in_memory(
    factory: Factory, redis_url: str, big_server: str
) -> None:
    cap = 1_000_000

    def call(limit: int) -> dict[str, Any]:
        return node("call", "http.request", url=f"{big_server}/big", maxResponseBytes=limit,
                    onOversize="truncate")

    await _run(factory, redis_url, [call(1000)])  # imports and pools: not part of the figure
    baseline, _ = await _traced_peak(factory, redis_url, call(1000))
    peak, done = await _traced_peak(factory, redis_url, call(cap))
    assert done.status == "completed", done.error
    # Near the cap: the body kept, its text and a few chunks in flight; 100 MB otherwise.
    assert peak - baseline < 4 * cap, f"peak {peak} bytes, baseline {baseline}, cap {cap}"
    span = (await fetch("SELECT output_truncated FROM execution_span WHERE execution = $1"
                        " AND kind = 'node'", done.id))[0]
    assert span["output_truncated"] is True


async def test_a_truncated_body_keeps_exactly_the_cap_and_flags_the_span(
    factory: Factory, redis_url: str, big_server: str
) -> None:
    call = node("call", "http.request", url=f"{big_server}/big", maxResponseBytes=2000,
                onOversize="truncate")
    done = await _run(factory, redis_url, [call])
    output = done.outputs["call"]["output"]
    assert output["truncated"] is True and output["body"] == "x" * 2000
    span = (await fetch("SELECT output, output_truncated FROM execution_span"
                        " WHERE execution = $1 AND kind = 'node'", done.id))[0]
    assert span["output_truncated"] is True  # set by the node: 2 KB is under the span limit


async def test_an_oversized_answer_fails_by_default_naming_the_cap(
    factory: Factory, redis_url: str, big_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWPLANE_HTTP_MAX_RESPONSE_BYTES", "4096")
    get_settings.cache_clear()
    streamed = await _run(factory, redis_url, [node("call", "http.request",
                                                    url=f"{big_server}/big")])
    declared = await _run(factory, redis_url, [node("call", "http.request",
                                                    url=f"{big_server}/declared")])
    above = await _run(factory, redis_url, [node("call", "http.request",
                                                 url=f"{big_server}/declared",
                                                 maxResponseBytes=10_000)])
    get_settings.cache_clear()
    assert streamed.status == "failed"
    assert "larger than maxResponseBytes 4096" in streamed.error
    assert "response of 5000 bytes is larger than maxResponseBytes 4096" in declared.error
    assert "above the operator's maximum 4096 (FLOWPLANE_HTTP_MAX_RESPONSE_BYTES)" in (
        above.error)
    assert streamed.attempt == 1  # permanent: a retry would get the same answer


async def test_a_model_answer_is_read_only_up_to_the_operators_cap(
    factory: Factory, redis_url: str, big_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWPLANE_HTTP_MAX_RESPONSE_BYTES", "4096")
    get_settings.cache_clear()
    org = await factory.org()
    await AiModel(organization=org["id"], name="chatty", model="tiny-1",
                  base_url=f"{big_server}/v1").save()
    user = await factory.user(org=org)
    wf = await factory.workflow(org, user, settings={"maxAttempts": 1}, nodes=[
        {"id": "ask", "type": "ai.chat", "model": "chatty", "params": {"prompt": "hi"}}])
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    await drain(redis_url)
    done = await load_execution(row.id)
    get_settings.cache_clear()
    assert done.status == "failed"
    assert "larger than FLOWPLANE_HTTP_MAX_RESPONSE_BYTES 4096" in done.error
