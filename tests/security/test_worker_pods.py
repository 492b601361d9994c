"""What the Kubernetes provisioner sends for a workflow's workers (to the mock cluster, over
real HTTP, validated against the official schemas): the Secret holds the organization's
worker credentials, which work and reach only that organization; neither the Secret nor the
Deployment holds a platform-wide credential."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from domain import _envelope
from domain.deployments import deploy_workflow
from domain.settings import get_settings
from tests.deploy._cluster import FakeCluster
from tests.deploy._objects import secret_values
from tests.deploy._validate import assert_valid
from tests.deploy.conftest import cluster, fake  # noqa: F401  (fixtures)
from tests.domain.test_deployments import NS, acme, deployment, workflow
from tests.factory import Factory

MASTER_KEY = _envelope.encode_key(_envelope.new_key())  # must stay in platform pods


@pytest.fixture(autouse=True)
def _kubernetes(
    cluster: tuple[FakeCluster, Path], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> Iterator[None]:
    monkeypatch.setenv("FLOWPLANE_KUBECONFIG", str(cluster[1]))
    monkeypatch.setenv("WAREHOUSE_PASSWORD", "warehouse")
    monkeypatch.setenv("FLOWPLANE_SECRET_KEY", MASTER_KEY)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _platform_secrets() -> list[str]:
    settings = get_settings()
    found = [settings.database_url, settings.redis_url, MASTER_KEY]
    for url in (settings.database_url, settings.redis_url):
        password = urlsplit(url).password
        if password:
            found.append(password)
    return found


async def test_worker_pods_get_only_their_organizations_credentials(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    other = await factory.org("other")
    other_user = await factory.user("olga", other)
    await factory.workflow(other, other_user, name="theirs")
    wid = await workflow(org.owner)
    row = await deploy_workflow(org.owner, wid)

    secret = fake.objects[f"{NS}/secrets/{row.deployment_name}-services"]
    pod = deployment(fake, row)
    env = secret_values(secret)  # base64 in `data`: look at the decoded values too
    for obj in (secret, pod):
        assert_valid(obj)
        sent = json.dumps(obj) + json.dumps(env if obj is secret else {})
        leaked = [value for value in _platform_secrets() if value in sent]
        assert leaked == [], f"{obj['kind']} holds platform credentials"
    assert env["FLOWPLANE_WORKER_ORGANIZATION"] == str(org.owner.organization_id)
    container = pod["spec"]["template"]["spec"]["containers"][0]
    by_name = {e["name"]: e for e in container["env"]}
    assert by_name["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "DATABASE_URL"
    assert "value" not in by_name["DATABASE_URL"] and "value" not in by_name["REDIS_URL"]

    conn = await asyncpg.connect(env["DATABASE_URL"])  # the pod's exact credentials
    try:
        orgs = {r["organization"] for r in await conn.fetch("SELECT organization FROM workflow")}
    finally:
        await conn.close()
    assert orgs == {org.owner.organization_id}
