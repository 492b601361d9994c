"""Node-type plugins: a package that declares a type and its executor through the
`flowplane.node_types` entry point is validated, planned and run like a built-in; a worker
whose declared types lack an executor refuses to start."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from domain.executions import load_execution, start_execution
from domain.node_types import node_types
from engine.nodes import MissingExecutor, check_executors, executor_for
from tests.engine.conftest import drain
from tests.engine.test_runner import edge, node
from tests.factory import Factory

PLUGIN_SITE = Path(__file__).parent / "plugin_site"
Install = Callable[[str], Path]


def _clear() -> None:
    node_types.cache_clear()
    executor_for.cache_clear()


def _dist_info(site: Path, entry: str) -> None:
    """What `pip install` leaves for the plugin: a dist-info whose entry point is `entry`."""
    info = site / "flowplane_test_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: flowplane-test-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[flowplane.node_types]\n{entry}\n")


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    """Install the test plugin with the given entry point (on sys.path, as pip would)."""

    def _install(entry: str) -> Path:
        _dist_info(tmp_path, entry)
        monkeypatch.syspath_prepend(str(PLUGIN_SITE))
        monkeypatch.syspath_prepend(str(tmp_path))
        _clear()
        return tmp_path

    yield _install
    sys.modules.pop("flowplane_test_plugin", None)
    _clear()


async def test_plugin_node_type_runs_through_a_worker(
    install: Install, factory: Factory, redis_url: str
) -> None:
    install("shout = flowplane_test_plugin:SHOUT_ONLY")
    assert "test.shout" in node_types()
    check_executors()
    org = await factory.org()
    wf = await factory.workflow(
        org, await factory.user(org=org),
        nodes=[node("a", value="hello {{ input.who }}"),
               node("b", "test.shout", text="{{ nodes.a.output }}")],
        connections=[edge("a", "b")])
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None,
                                input={"who": "ada"})
    await drain(redis_url)
    done = await load_execution(row.id)
    assert done.status == "completed", done.error
    assert done.outputs["b"]["output"] == {"shouted": "HELLO ADA!"}


def test_declared_type_without_executor_is_named(install: Install) -> None:
    install("both = flowplane_test_plugin:NODE_TYPES")
    with pytest.raises(MissingExecutor, match=r"'test\.ghost'.*flowplane_test_plugin:nope"):
        check_executors()
    executor_for("test.shout")  # the other type of the package still loads


@pytest.mark.parametrize("command", [["worker", "--burst"], ["local-workers"]])
def test_worker_refuses_to_start_without_an_executor(
    install: Install, redis_url: str, command: list[str]
) -> None:
    site = install("both = flowplane_test_plugin:NODE_TYPES")
    path = os.pathsep.join([str(site), str(PLUGIN_SITE), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-m", "flowplane", *command], capture_output=True,
        text=True, timeout=60, env={**os.environ, "PYTHONPATH": path, "REDIS_URL": redis_url})
    assert done.returncode != 0
    assert "refusing to start" in done.stderr + done.stdout
    assert "test.ghost" in done.stderr + done.stdout
