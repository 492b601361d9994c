"""No secret value in a structured log line: a real worker resolves a data source's password
reference (a canary in the organization's secret store), hands it to a PostgreSQL server that
refuses it, and retries and fails the run; the canary reached the server, yet no JSON line the
worker wrote, nor the errors and logs the execution keeps, carry it."""

from __future__ import annotations

import asyncio
import json
import secrets
import struct

from db.tables import DataSource
from domain import secret_store
from domain._sql import fetch
from domain.executions import load_execution, start_execution
from domain.settings import get_settings
from tests.engine.conftest import LOOPBACK
from tests.engine.test_runner import node
from tests.factory import Factory
from tests.processes import FlowplaneProcess

_SSL_REQUEST, _GSSENC_REQUEST = 80877103, 80877104


class RefusingPostgres:
    """Speaks just enough of the PostgreSQL protocol to ask for a cleartext password, record
    it, and answer 28P01 (invalid_password), as a server with a wrong password would."""

    def __init__(self) -> None:
        self.passwords: list[str] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # SSL and GSS encryption requests first: refused with "N"
                length, code = struct.unpack("!ii", await reader.readexactly(8))
                if code not in (_SSL_REQUEST, _GSSENC_REQUEST):
                    await reader.readexactly(length - 8)  # the startup parameters
                    break
                writer.write(b"N")
                await writer.drain()
            writer.write(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
            await writer.drain()
            kind = await reader.readexactly(1)
            (length,) = struct.unpack("!i", await reader.readexactly(4))
            body = await reader.readexactly(length - 4)
            assert kind == b"p", kind
            self.passwords.append(body.rstrip(b"\0").decode())
            fields = [b"SFATAL", b"VFATAL", b"C28P01",
                      b'Mpassword authentication failed for user "reader"']
            payload = b"".join(f + b"\0" for f in fields) + b"\0"
            writer.write(b"E" + struct.pack("!i", len(payload) + 4) + payload)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def test_a_resolved_password_never_appears_in_the_worker_logs(
    factory: Factory, database_url: str, redis_url: str, secret_key: bytes
) -> None:
    get_settings.cache_clear()  # the worker inherits the fixture's FLOWPLANE_SECRET_KEY
    canary = "canary-" + secrets.token_hex(16)
    server = RefusingPostgres()
    port = await server.start()
    org = await factory.org()
    await secret_store.set_secret(org["id"], "pg-password", canary, actor=None)
    await DataSource(organization=org["id"], name="warehouse", type="postgres", config={
        "host": "127.0.0.1", "port": port, "database": "app", "user": "reader"},
        secret_ref={"secret": "pg-password"}).save()
    read = node("read", "source.postgres", query="SELECT 1")
    read["dataSource"] = "warehouse"
    workflow = await factory.workflow(org, await factory.user(org=org), nodes=[read],
                                      settings={"maxAttempts": 2, "retryBackoffSeconds": 0})
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "FLOWPLANE_EGRESS_ALLOW": LOOPBACK, "FLOWPLANE_LOG_FORMAT": "json"}
    worker = FlowplaneProcess(["worker"], env).start()
    scheduler = FlowplaneProcess(["scheduler"], env).start()  # dispatches the second attempt
    try:
        execution = await start_execution(workflow["id"], trigger_type="manual",
                                          triggered_by=None, input={})
        for _ in range(300):
            done = await load_execution(execution.id)
            if done.status in ("completed", "failed"):
                break
            await asyncio.sleep(0.1)
        worker.wait_until(lambda: "ended: failed" in worker.output(), "the ended line")
        output = worker.output()
    finally:
        worker.stop()
        scheduler.stop()
        await server.stop()
    assert done.status == "failed", done
    # The worker resolved the reference and sent the value, once per attempt.
    assert server.passwords == [canary, canary]
    assert "password authentication failed" in done.error
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    ours = [e for e in lines if e.get("execution") == execution.id]
    assert [e["message"] for e in ours] == [
        f"execution {execution.id} started (attempt 1)",
        f"execution {execution.id} ended: waiting for its next attempt",
        f"execution {execution.id} started (attempt 2)",
        f"execution {execution.id} ended: failed"]
    assert canary not in output + scheduler.output()
    # Nor what the execution keeps: its error, its spans' errors and its log lines (the
    # retry's warning quotes the first attempt's error).
    spans = await fetch("SELECT * FROM execution_span WHERE execution = $1", execution.id)
    logs = await fetch("SELECT * FROM execution_log WHERE execution = $1", execution.id)
    assert any(row["message"].startswith("attempt 1 failed: ") for row in logs), logs
    assert any("password authentication failed" in str(row["error"]) for row in spans), spans
    for kept in (done, spans, logs):
        assert canary not in json.dumps(kept, default=str)
