"""The attacks of issue 11 on secret references, replayed against a real `flowplane serve` and
a real `flowplane worker`: an admin of one organization tries to read the platform's
environment, an arbitrary file and another organization's secret. Each is refused with a
clear error, and no planted canary appears in any API response, event, log line, execution
error or output, nor reaches the listener the attacker points a model at."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from db.tables import AiModel
from domain import secret_store
from domain._envelope import encode_key
from domain._sql import fetch
from tests.engine.servers import serve
from tests.factory import Factory
from tests.processes import ApiServer, FlowplaneProcess

pytestmark = [pytest.mark.slow]
TERMINAL = ("completed", "failed", "cancelled")
ENV_CANARY = f"canary-env-{uuid.uuid4().hex}"
FILE_CANARY = f"canary-file-{uuid.uuid4().hex}"
GLOBEX_CANARY = f"canary-globex-{uuid.uuid4().hex}"
ACME_CANARY = f"canary-acme-{uuid.uuid4().hex}"


@dataclass
class Listener:
    """What the attacker's endpoint heard: every request's headers and body."""

    url: str = ""
    heard: list[str] = field(default_factory=list)


def _listener_app(listener: Listener) -> Starlette:
    async def chat(request: Request) -> Response:
        listener.heard.append(json.dumps(dict(request.headers)) + (await request.body()).decode())
        # An upstream that quotes the credential back in its error: the worker must mask it.
        return JSONResponse({"error": f"invalid key {request.headers.get('authorization')}"},
                            status_code=401)

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


@dataclass
class Attack:
    api: ApiServer
    worker: FlowplaneProcess
    listener: Listener
    headers: dict[str, str]
    file: Path
    database_url: str
    responses: list[str] = field(default_factory=list)

    async def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(f"{self.api.url}/graphql", headers=self.headers,
                                         json={"query": query, "variables": variables})
        self.responses.append(response.text)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def run(self, model: str) -> dict[str, Any]:
        """Create a workflow with one ai.chat node on `model`, run it, wait for its end."""
        created = await self.gql(
            "mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) {"
            " __typename ... on Workflow { id } ... on Error { message } } }",
            input={"name": f"ask-{uuid.uuid4().hex[:8]}", "nodes": [
                {"id": "ask", "type": "ai.chat", "model": model, "params": {"prompt": "hi"}}]})
        workflow = created["createWorkflow"]
        assert workflow["__typename"] == "Workflow", workflow
        ran = await self.gql("mutation($w: ID!) { runWorkflow(workflowId: $w) { __typename"
                             " ... on Execution { id } ... on Error { message } } }",
                             w=workflow["id"])
        execution = ran["runWorkflow"]
        assert execution["__typename"] == "Execution", execution
        for _ in range(600):
            got = await self.gql("query($id: ID!) { execution(id: $id) { __typename"
                                 " ... on Execution { status error } } }", id=execution["id"])
            if got["execution"]["status"].lower() in TERMINAL:
                result: dict[str, Any] = got["execution"]
                return result
            await asyncio.sleep(0.1)
        raise AssertionError(f"execution never ended:\n{self.worker.output()[-3000:]}")

    async def create_model(self, name: str, ref: dict[str, Any]) -> dict[str, Any]:
        data = await self.gql(
            "mutation($input: ModelInput!) { createModel(input: $input) { __typename"
            " ... on Model { name } ... on InvalidInput { message errors { field message } }"
            " ... on Error { message } } }",
            input={"name": name, "provider": "openai", "model": "gpt",
                   "baseUrl": f"{self.listener.url}/v1", "apiKeyRef": ref})
        result: dict[str, Any] = data["createModel"]
        return result


@pytest.fixture
def canary_file(tmp_path: Path) -> Path:
    path = tmp_path / "platform-credential"
    path.write_text(FILE_CANARY + "\n")
    return path


@pytest.fixture
async def attack(factory: Factory, database_url: str, redis_url: str, secret_key: bytes,
                 canary_file: Path) -> AsyncIterator[Attack]:
    acme, globex = await factory.org("acme"), await factory.org("globex")
    admin = await factory.user("mallory", acme, "admin")
    await secret_store.set_secret(globex["id"], "shared-key", GLOBEX_CANARY, actor=None)
    await secret_store.set_secret(acme["id"], "acme-key", ACME_CANARY, actor=None)
    headers = {"Authorization": f"Bearer {await factory.token(admin, acme)}",
               "X-Organization-ID": "acme"}
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "FLOWPLANE_SECRET_KEY": encode_key(secret_key), "PLATFORM_CANARY": ENV_CANARY,
           "FLOWPLANE_WORKER_POLL_DELAY": "0.01",
           # The egress guard (issue 11 item 4) lets tests reach their loopback listener.
           "FLOWPLANE_EGRESS_ALLOW": "127.0.0.1"}
    listener = Listener()
    async with serve(_listener_app(listener)) as url:
        listener.url = url
        api = ApiServer(env).start()
        worker = FlowplaneProcess(["worker"], env).start()
        try:
            yield Attack(api, worker, listener, headers, canary_file, database_url)
        finally:
            worker.stop()
            api.stop()


async def _stored_text() -> str:
    """Everything a run leaves behind that users can read: executions, spans, logs, events."""
    parts = []
    for sql in ("SELECT error, outputs, input FROM execution",
                "SELECT output, error FROM execution_span",
                "SELECT message FROM execution_log", "SELECT payload FROM event",
                "SELECT name, secret_ref, base_url FROM ai_model"):
        parts.append(json.dumps(await fetch(sql), default=str))
    return "\n".join(parts)


async def _assert_no_canary(attack: Attack, *, allowed_at_listener: tuple[str, ...] = ()) -> None:
    canaries = (ENV_CANARY, FILE_CANARY, GLOBEX_CANARY, ACME_CANARY, attack.database_url)
    places = {"API responses": "\n".join(attack.responses), "stored rows": await _stored_text(),
              "API log": attack.api.output(), "worker log": attack.worker.output()}
    for place, text in places.items():
        leaked = [c for c in canaries if c in text]
        assert not leaked, (place, leaked, text[-2000:])
    heard = "\n".join(attack.listener.heard)
    leaked = [c for c in canaries if c in heard and c not in allowed_at_listener]
    assert not leaked, ("listener", leaked)


async def test_env_and_file_references_are_refused_when_saved(attack: Attack) -> None:
    for name, ref, field_path, rule in (
        ("env-db", {"env": "DATABASE_URL"}, "input.apiKeyRef.env", "FLOWPLANE_ENV_REF_PREFIXES"),
        ("env-canary", {"env": "PLATFORM_CANARY"}, "input.apiKeyRef.env",
         "FLOWPLANE_ENV_REF_PREFIXES"),
        ("environ", {"file": "/proc/self/environ"}, "input.apiKeyRef.file",
         "FLOWPLANE_FILE_REF_DIRS"),
        ("file", {"file": str(attack.file)}, "input.apiKeyRef.file", "FLOWPLANE_FILE_REF_DIRS"),
    ):
        refused = await attack.create_model(name, ref)
        assert refused["__typename"] == "InvalidInput", refused
        [error] = refused["errors"]
        assert error["field"] == field_path and rule in error["message"], error
        assert "organization acme may not reference" in error["message"]
    listed = await attack.gql("{ models { totalCount } }")
    assert listed["models"]["totalCount"] == 0
    await _assert_no_canary(attack)


def test_flowplane_validate_refuses_them_naming_file_line_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "leak.yaml"
    path.write_text("apiVersion: flowplane/v1\nkind: Model\n"
                    "metadata: {name: leak, organization: acme}\n"
                    "spec: {provider: openai, model: gpt, apiKeyRef: {env: DATABASE_URL}}\n")
    env = {k: v for k, v in os.environ.items() if k != "FLOWPLANE_DEV_MODE"}
    result = subprocess.run([sys.executable, "-m", "flowplane", "validate", str(path)],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode != 0
    assert f"{path}:4" in result.stdout + result.stderr
    assert "FLOWPLANE_ENV_REF_PREFIXES" in result.stdout + result.stderr


async def test_a_reference_planted_in_the_database_is_refused_at_run_time(
    attack: Attack, factory: Factory
) -> None:
    acme = (await fetch("SELECT id FROM organization WHERE slug = 'acme'"))[0]
    await AiModel(organization=acme["id"], name="planted", model="gpt",
                  base_url=f"{attack.listener.url}/v1",
                  secret_ref={"env": "DATABASE_URL"}).save()
    await AiModel(organization=acme["id"], name="planted-file", model="gpt",
                  base_url=f"{attack.listener.url}/v1",
                  secret_ref={"file": "/proc/self/environ"}).save()
    for model, rule in (("planted", "FLOWPLANE_ENV_REF_PREFIXES"),
                        ("planted-file", "FLOWPLANE_FILE_REF_DIRS")):
        done = await attack.run(model)
        assert done["status"] == "FAILED" and rule in done["error"], done
    assert attack.listener.heard == []  # the model was never called
    await _assert_no_canary(attack)


async def test_another_organizations_secret_name_resolves_to_nothing(attack: Attack) -> None:
    saved = await attack.create_model("borrowed", {"secret": "shared-key"})
    assert saved["__typename"] == "Model", saved  # a name is only a name
    done = await attack.run("borrowed")
    assert done["status"] == "FAILED", done
    assert "secret 'shared-key' does not exist in this organization" in done["error"]
    assert attack.listener.heard == []
    await _assert_no_canary(attack)


async def test_a_value_quoted_back_by_an_upstream_is_masked(attack: Attack) -> None:
    saved = await attack.create_model("own", {"secret": "acme-key"})
    assert saved["__typename"] == "Model", saved
    done = await attack.run("own")
    assert done["status"] == "FAILED", done
    assert "invalid key Bearer [secret]" in done["error"], done
    # The upstream did get the organization's own key: that is what the reference is for.
    assert any(ACME_CANARY in heard for heard in attack.listener.heard)
    await _assert_no_canary(attack, allowed_at_listener=(ACME_CANARY,))


@pytest.fixture(autouse=True)
def _no_dev_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The rules are the ones outside `flowplane dev`."""
    monkeypatch.delenv("FLOWPLANE_DEV_MODE", raising=False)
    yield
