"""Environments' python packages without a cluster, for real: pip installs from PyPI into a
directory per (organization, content), built once and reused; a python node of a workflow
deployed with the environment imports them; a package without a wheel is refused clearly.
Real builds are few (the machine is shared): one install of `six`, one refusal."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from db.tables import Environment
from domain._sql import dumps, fetch, loads
from domain._workflow_store import load_row
from domain.access import Actor
from domain.deployments import DeploymentFailed, deploy_workflow
from domain.executions import load_execution, start_execution
from domain.python_envs import built_packages, package_dir
from domain.redeploys import update_resource
from domain.resources import ENVIRONMENT
from domain.settings import get_settings
from domain.spec.model import DeploymentSettings
from domain.workflows import create_workflow
from engine.sandbox import bwrap_problem
from tests.domain.test_workflows import definition
from tests.engine.conftest import drain
from tests.factory import Factory

SIX = {"packages": ["six"]}
IMPORTS_SIX = ("import six\ndef main(inputs):\n"
               "    return {'version': six.__version__, 'file': six.__file__}\n")


def _builds(result: str) -> float:
    return REGISTRY.get_sample_value("flowplane_environment_builds_total",
                                     {"result": result}) or 0.0


@pytest.fixture(autouse=True)
def _local(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.delenv("FLOWPLANE_KUBECONFIG", raising=False)
    monkeypatch.setenv("FLOWPLANE_PYTHON_ENVS_DIR", str(tmp_path / "envs"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def _owner(factory: Factory) -> Actor:
    org = await factory.org("acme")
    user = await factory.user("alice", org)
    return Actor(user["id"], org["id"], "admin")


async def _environment(actor: Actor, name: str, python: dict[str, object]) -> None:
    await Environment(organization=actor.organization_id, name=name,
                      python=dumps(python)).save()


async def _row(name: str) -> dict[str, object]:
    row = await Environment.select().where(Environment.name == name).first()
    assert row is not None
    return row


@pytest.mark.skipif(bwrap_problem() is not None,
                    reason=f"bubblewrap (Debian `bubblewrap`) cannot run a sandbox here: "
                           f"{bwrap_problem()}")
async def test_packages_are_built_once_reused_and_imported_by_python_nodes(
    factory: Factory, redis_url: str
) -> None:
    actor = await _owner(factory)
    await _environment(actor, "with-six", SIX)
    nodes = [{"id": "p", "type": "python", "params": {"code": IMPORTS_SIX}}]
    first = int((await create_workflow(actor, "first", definition(nodes=nodes))).id)
    second = int((await create_workflow(actor, "second", definition(nodes=nodes))).id)
    settings = DeploymentSettings(environment="with-six")
    started = _builds("started")

    # Two deployers at once: one installs, the other waits for it and reuses its directory.
    await asyncio.gather(deploy_workflow(actor, first, settings),
                         deploy_workflow(actor, second, settings))
    assert _builds("started") == started + 1
    for workflow_id in (first, second):  # each said what it waited for while pip ran
        assert (await _phases(workflow_id))[-2:] == [
            ("PROGRESSING", "WaitingForEnvironment"), ("PROGRESSING", None)]
        deployed = await load_row(workflow_id)
        assert deployed is not None and deployed.deployment_reason is None

    env = await _row("with-six")
    assert env["build_status"] == "ready" and env["build_error"] is None
    assert "Successfully installed six" in str(env["build_log"])  # the installer's output
    site = built_packages(actor.organization_id, SIX)
    assert site is not None and (site / "six.py").exists()
    canary = site / "canary-of-this-build"  # a second build would start from an empty dir
    canary.write_text("")

    await deploy_workflow(actor, second, settings, force_redeploy=True)

    assert canary.exists() and built_packages(actor.organization_id, SIX) == site
    assert (await _row("with-six"))["build_log"] == env["build_log"]
    execution = await start_execution(second, trigger_type="manual", triggered_by=None,
                                      input={})
    await drain(redis_url, str(execution.queue_name))
    done = await load_execution(int(execution.id))
    assert done.status == "completed", done.error
    output = done.outputs["p"]["output"]
    assert output["file"] == str(site / "six.py") and output["version"].startswith("1.")


async def test_a_package_without_a_wheel_is_refused_with_a_clear_message(
    factory: Factory,
) -> None:
    actor = await _owner(factory)
    await _environment(actor, "spark", {"packages": ["pyspark"]})  # sdists only on PyPI
    wid = int((await create_workflow(actor, "wf", definition())).id)

    with pytest.raises(DeploymentFailed, match="no wheel found for this platform") as raised:
        await deploy_workflow(actor, wid, DeploymentSettings(environment="spark"))

    assert raised.value.reason == "EnvironmentNotReady"
    assert "FLOWPLANE_PYTHON_SOURCE_BUILDS" in str(raised.value)
    env = await _row("spark")
    assert env["build_status"] == "failed" and "pyspark" in str(env["build_log"])
    assert "no wheel found" in str(env["build_error"])
    # While pip ran the deploy said what it waited for; the failure took that back.
    assert await _phases(wid) == [("PROGRESSING", "WaitingForEnvironment"), None]
    row = await load_row(wid)
    assert row is not None and row.status == "draft" and row.deployment_phase is None


@pytest.mark.skipif(bwrap_problem() is not None,
                    reason=f"bubblewrap (Debian `bubblewrap`) cannot run a sandbox here: "
                           f"{bwrap_problem()}")
async def test_a_deploy_waiting_for_its_packages_builds_the_environments_new_settings(
    factory: Factory, redis_url: str
) -> None:
    actor = await _owner(factory)
    await _environment(actor, "with-six", SIX)
    nodes = [{"id": "p", "type": "python", "params": {"code": IMPORTS_SIX}}]
    wid = int((await create_workflow(actor, "first", definition(nodes=nodes))).id)
    pinned = {"packages": ["six==1.16.0"]}
    # Hold the build of the first settings back (its directory's lock, as a second deployer
    # would) until the environment has been saved again.
    old = package_dir(actor.organization_id, SIX)
    old.mkdir(parents=True)
    lock = os.open(old / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        deploy = asyncio.create_task(
            deploy_workflow(actor, wid, DeploymentSettings(environment="with-six")))
        await _until_waiting(wid)
        env = await _row("with-six")
        await update_resource(actor, ENVIRONMENT, int(str(env["id"])), "with-six",
                              {"python": pinned})
    except BaseException:
        deploy.cancel()
        raise
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)
    deployed = await asyncio.wait_for(deploy, timeout=300)

    assert deployed.deployment_name is not None and deployed.deployment_reason is None
    assert built_packages(actor.organization_id, SIX) is None  # the superseded build: not run
    site = built_packages(actor.organization_id, pinned)
    assert site is not None
    env = await _row("with-six")
    assert env["build_status"] == "ready" and "six-1.16.0" in str(env["build_log"])
    execution = await start_execution(wid, trigger_type="manual", triggered_by=None, input={})
    await drain(redis_url, str(execution.queue_name))
    done = await load_execution(int(execution.id))
    assert done.status == "completed", done.error
    assert done.outputs["p"]["output"] == {"version": "1.16.0",
                                              "file": str(site / "six.py")}


async def _until_waiting(workflow_id: int) -> None:
    async with asyncio.timeout(60):
        while True:
            row = await load_row(workflow_id)
            if row is not None and row.deployment_reason == "WaitingForEnvironment":
                return
            await asyncio.sleep(0.02)


async def _phases(workflow_id: int) -> list[tuple[str, str | None] | None]:
    """The deployment (phase, reason) of each deployment event of the workflow; None: gone."""
    events = await fetch("SELECT payload FROM event WHERE stream = $1 ORDER BY seq",
                         f"workflow:{workflow_id}")
    found: list[tuple[str, str | None] | None] = []
    for event in events:
        payload = loads(event["payload"])
        if "deployment" in payload:
            deployment = payload["deployment"]
            found.append(None if deployment is None else
                         (deployment["phase"], deployment.get("reason")))
    return found
