from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from domain.node_types import (
    BUILTIN_NODE_TYPES,
    NodeType,
    Params,
    get_node_type,
    node_types,
)

BUILTINS = [
    "http.request",
    "transform",
    "condition",
    "parallel-branch",
    "delay",
    "source.postgres",
    "destination.postgres",
    "ai.chat",
    "python",
    "error-handler",
]


def test_registry_holds_every_builtin() -> None:
    assert list(node_types())[: len(BUILTINS)] == BUILTINS
    assert get_node_type("nope") is None


@pytest.mark.parametrize(
    ("name", "data_source", "model"),
    [
        ("source.postgres", "required", None),
        ("destination.postgres", "required", None),
        ("ai.chat", None, "required"),
        ("http.request", None, None),
    ],
)
def test_references_each_type_takes(name: str, data_source: str | None, model: str | None) -> None:
    node_type = get_node_type(name)
    assert node_type is not None
    assert (node_type.data_source, node_type.model) == (data_source, model)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("http.request", {"url": "https://x.example", "method": "POST", "timeoutSeconds": 5}),
        ("transform", {"value": {"a": [1, 2]}}),
        ("condition", {"expression": "input.ok"}),
        ("parallel-branch", {}),
        ("delay", {"seconds": 1.5}),
        ("source.postgres", {"query": "select 1", "params": [1]}),
        ("destination.postgres", {"table": "t", "row": {"a": 1}}),
        ("ai.chat", {"prompt": "hi", "maxTokens": 10, "temperature": 1}),
        ("python", {"code": "def main(inputs):\n    return 1\n", "timeoutSeconds": 5,
                    "memoryMb": 64}),
        ("python", {"file": "score.py"}),
        ("error-handler", {}),
    ],
)
def test_valid_params(name: str, params: dict[str, Any]) -> None:
    node_type = get_node_type(name)
    assert node_type is not None
    node_type.params.model_validate(params)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("http.request", {}),
        ("http.request", {"url": "https://x", "method": "FETCH"}),
        ("http.request", {"url": "https://x", "timeoutSeconds": 0}),
        ("transform", {}),
        ("condition", {"expression": ""}),
        ("parallel-branch", {"x": 1}),
        ("delay", {"seconds": -1}),
        ("destination.postgres", {"table": "t"}),
        ("destination.postgres", {"table": "t", "row": {}, "rows": []}),
        ("ai.chat", {"prompt": "hi", "temperature": 3}),
        ("python", {}),
        ("python", {"code": "x", "memoryMb": 1}),
        ("python", {"code": "x", "timeoutSeconds": 0}),
        ("error-handler", {"handled": "yes"}),
    ],
)
def test_invalid_params(name: str, params: dict[str, Any]) -> None:
    node_type = get_node_type(name)
    assert node_type is not None
    with pytest.raises(ValidationError):
        node_type.params.model_validate(params)


def test_condition_nodes_branch_on_true_and_false() -> None:
    condition = get_node_type("condition")
    assert condition is not None
    assert condition.outcomes == ("true", "false", "error")


class _EchoParams(Params):
    text: str


ECHO = NodeType("echo", "Echo text", _EchoParams)
CLASH = NodeType("http.request", "Another HTTP node")


def _install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    """A real (unpacked) distribution declaring one `flowplane.node_types` entry point."""
    dist = tmp_path / "echo_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: echo-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[flowplane.node_types]\nplugin = tests.domain.test_node_types:{target}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    node_types.cache_clear()


def test_entry_point_plugins_extend_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_plugin(tmp_path, monkeypatch, "ECHO")
    try:
        assert get_node_type("echo") is ECHO
        assert get_node_type("http.request") is BUILTIN_NODE_TYPES[0]
    finally:
        node_types.cache_clear()


def test_plugins_may_not_redeclare_a_builtin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_plugin(tmp_path, monkeypatch, "CLASH")
    try:
        with pytest.raises(ValueError, match="declared twice"):
            node_types()
    finally:
        node_types.cache_clear()
