"""Environments, data sources, add-ons and models sync like workflows, without lifecycle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from db.tables import AddOn, AiModel, DataSource, Environment
from domain.access import Actor
from domain.resources import DATA_SOURCE, create_resource
from tests.sync.conftest import Syncer
from tests.sync.gitrepo import GitRepo

PLATFORM = (Path(__file__).resolve().parents[2] / "workflows.d" / "platform.yaml").read_text()


async def test_resources_are_created_kept_and_pruned(repo: GitRepo, sync: Syncer) -> None:
    repo.write("workflows.d/platform.yaml", PLATFORM)
    repo.commit()

    first = await sync()

    assert first.status == "succeeded", first
    warehouse = await DataSource.select().where(DataSource.name == "warehouse").first()
    assert warehouse is not None
    assert (warehouse["managed_by"], warehouse["source_path"]) == ("git",
                                                                 "workflows.d/platform.yaml")
    assert json.loads(warehouse["secret_ref"]) == {"secret": "warehouse-password"}
    assert [await t.count() for t in (Environment, AddOn, AiModel)] == [1, 1, 1]
    again = await sync()
    assert again.plan is not None and again.plan.changes == []

    repo.write("workflows.d/platform.yaml", PLATFORM.replace("port: 5432", "port: 6432"))
    repo.write("workflows.d/keep.yaml", "")
    repo.commit()
    changed = await sync()
    assert changed.plan is not None
    assert [(a.verb, a.name, a.changes) for a in changed.plan.changes] == [
        ("update", "warehouse", ("config",))]

    without_crm = PLATFORM.split("---\napiVersion: flowplane/v1\nkind: DataSource\nmetadata:\n"
                                 "  name: crm")[0] + "---\n" + PLATFORM.split("---\n", 3)[3]
    repo.write("workflows.d/platform.yaml", without_crm)
    repo.commit()
    await sync()
    assert {r["name"] for r in await DataSource.select(DataSource.name)} == {"warehouse"}


async def test_api_resource_with_the_same_name_is_a_conflict(
    repo: GitRepo, sync: Syncer, acme: dict[str, Any]
) -> None:
    admin = Actor(1, int(acme["id"]), "admin")
    await create_resource(admin, DATA_SOURCE, "warehouse", {"type": "postgres", "host": "h"})
    repo.write("workflows.d/platform.yaml", PLATFORM)
    repo.commit()

    report = await sync()

    assert report.plan is not None
    conflicts = [(a.kind, a.name) for a in report.plan.actions if a.verb == "conflict"]
    assert conflicts == [("DataSource", "warehouse")]
    row = await DataSource.select().where(DataSource.name == "warehouse").first()
    assert row is not None and (row["managed_by"], row["config"]) != ("git", None)
    assert json.loads(row["config"])["host"] == "h"


async def test_an_operator_reference_is_refused_by_the_sync_naming_file_and_rule(
    repo: GitRepo, sync: Syncer
) -> None:
    leaky = PLATFORM.replace("{secret: ai-gateway-api-key}", "{env: DATABASE_URL}")
    repo.write("workflows.d/platform.yaml", leaky)
    repo.commit()

    report = await sync()

    assert report.status != "succeeded"
    text = json.dumps([str(error) for error in report.errors]) + str(report)
    assert "workflows.d/platform.yaml" in text and "spec.apiKeyRef.env" in text
    assert "FLOWPLANE_ENV_REF_PREFIXES" in text
    assert await AiModel.count() == 0


async def test_an_environments_node_types_sync_and_a_resync_changes_nothing(
    repo: GitRepo, sync: Syncer
) -> None:
    declared = PLATFORM.replace("  python: {packages: [pandas, tabulate]}\n",
                                "  python: {packages: [pandas, tabulate]}\n"
                                "  nodeTypes: [acme.report]\n", 1)
    assert declared != PLATFORM
    repo.write("workflows.d/platform.yaml", declared)
    repo.commit()
    assert (await sync()).status == "succeeded"
    env = await Environment.select().where(Environment.name == "reporting").first()
    assert env is not None and json.loads(env["node_types"]) == ["acme.report"]
    again = await sync()
    assert again.plan is not None and again.plan.changes == []

    repo.write("workflows.d/platform.yaml", PLATFORM)
    repo.commit()
    dropped = await sync()
    assert dropped.plan is not None
    assert [(a.verb, a.name, a.changes) for a in dropped.plan.changes] == [
        ("update", "reporting", ("node_types",))]
