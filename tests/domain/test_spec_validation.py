import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from domain.spec import MAX_DEFINITION_BYTES, WorkflowDefinition, load_text, validate_definition
from domain.spec.errors import SpecError

Doc = dict[str, Any]


def base() -> Doc:
    return {
        "apiVersion": "flowplane/v1",
        "kind": "Workflow",
        "metadata": {"name": "sales-report", "organization": "acme", "owner": "alice"},
        "spec": {
            "state": "active",
            "trigger": {"type": "schedule", "cron": "0 6 * * *", "timezone": "Europe/Berlin"},
            "deployment": {"memory": "1Gi", "disk": "5Gi", "cpu": 0.5},
            "nodes": [
                {
                    "id": "sales",
                    "type": "source.postgres",
                    "dataSource": "warehouse",
                    "params": {"query": "select 1"},
                },
                {"id": "check", "type": "condition", "params": {"expression": "input.x > 1"}},
                {
                    "id": "summary",
                    "type": "ai.chat",
                    "model": "small-chat",
                    "params": {"prompt": "hi"},
                },
                {"id": "alert", "type": "error-handler"},
            ],
            "connections": [
                {"from": "sales", "to": "check"},
                {"from": "check", "to": "summary", "on": "true"},
                {"from": "summary", "to": "alert", "on": "error"},
            ],
        },
    }


def errors_of(document: Doc) -> list[SpecError]:
    # JSON is YAML; indenting puts every field on its own line.
    return load_text(json.dumps(document, indent=2), "wf.yaml").errors


def test_base_document_is_valid() -> None:
    assert errors_of(base()) == []


def _set(path: str, value: Any) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return mutate


_DELETE = object()
CASES: list[tuple[str, Callable[[Doc], None], str, str]] = [
    ("unknown field", _set("spec.colour", "red"), "spec.colour", "unknown field"),
    (
        "wrong type",
        _set("spec.settings", {"maxAttempts": "3"}),
        "spec.settings.maxAttempts",
        "valid integer, got '3'",
    ),
    (
        "missing field",
        _set("metadata.organization", _DELETE),
        "metadata.organization",
        "field required",
    ),
    ("bad api version", _set("apiVersion", "v2"), "apiVersion", "flowplane/v1"),
    ("bad state", _set("spec.state", "running"), "spec.state", "'draft'"),
    ("name not dns", _set("metadata.name", "Sales_Report"), "metadata.name", "DNS-1123"),
    ("name too long", _set("metadata.name", "a" * 64), "metadata.name", "DNS-1123"),
    ("org not dns", _set("metadata.organization", "-acme"), "metadata.organization", "DNS"),
    ("bad cron", _set("spec.trigger.cron", "0 25 * * *"), "spec.trigger.cron", "cron"),
    (
        "bad timezone",
        _set("spec.trigger.timezone", "Mars/Olympus"),
        "spec.trigger.timezone",
        "timezone",
    ),
    (
        "schedule without cron",
        _set("spec.trigger", {"type": "schedule"}),
        "spec.trigger",
        "requires cron",
    ),
    (
        "cron on manual",
        _set("spec.trigger", {"type": "manual", "cron": "* * * * *"}),
        "spec.trigger",
        "only allowed on schedule",
    ),
    (
        "bad memory",
        _set("spec.deployment.memory", "1GB"),
        "spec.deployment.memory",
        "Kubernetes quantity",
    ),
    ("bad disk", _set("spec.deployment.disk", "-5Gi"), "spec.deployment.disk", "greater"),
    ("gpu without type", _set("spec.deployment.gpu", 1), "spec.deployment", "gpuType"),
    (
        "gpuType not a label value",
        _set("spec.deployment", {"gpu": 1, "gpuType": "NVIDIA A100 80GB"}),
        "spec.deployment.gpuType",
        "'NVIDIA A100 80GB' is not a Kubernetes label value",
    ),
    (
        "gpuType too long for a label value",
        _set("spec.deployment", {"gpu": 1, "gpuType": "a" * 64}),
        "spec.deployment.gpuType",
        "at most 63 characters",
    ),
    ("cpu zero", _set("spec.deployment.cpu", 0), "spec.deployment.cpu", "greater than 0"),
    ("duplicate node id", _set("spec.nodes.1.id", "sales"), "spec.nodes[1].id", "duplicate"),
    ("bad node id", _set("spec.nodes.3.id", "my alert"), "spec.nodes[3].id", "node id"),
    (
        "unknown node type",
        _set("spec.nodes.3.type", "email.send"),
        "spec.nodes[3].type",
        "unknown node type 'email.send'",
    ),
    (
        "missing data source",
        _set("spec.nodes.0.dataSource", _DELETE),
        "spec.nodes[0]",
        "require dataSource",
    ),
    ("missing model", _set("spec.nodes.2.model", _DELETE), "spec.nodes[2]", "require model"),
    (
        "unexpected data source",
        _set("spec.nodes.1.dataSource", "warehouse"),
        "spec.nodes[1].dataSource",
        "do not take dataSource",
    ),
    (
        "bad params",
        _set("spec.nodes.0.params", {"query": "", "limit": 3}),
        "spec.nodes[0].params.query",
        "at least 1 character",
    ),
    (
        "unknown param",
        _set("spec.nodes.0.params", {"query": "x", "limit": 3}),
        "spec.nodes[0].params.limit",
        "unknown field",
    ),
    (
        "dangling from",
        _set("spec.connections.0.from", "ghost"),
        "spec.connections[0].from",
        "unknown node 'ghost'",
    ),
    (
        "dangling to",
        _set("spec.connections.0.to", "ghost"),
        "spec.connections[0].to",
        "unknown node 'ghost'",
    ),
    ("bad edge kind", _set("spec.connections.0.on", "maybe"), "spec.connections[0].on", "'error'"),
    (
        "true edge from non-condition",
        _set("spec.connections.0.on", "true"),
        "spec.connections[0].on",
        "source.postgres nodes take on: success, error",
    ),
    (
        "cycle",
        _set("spec.connections.2", {"from": "summary", "to": "sales"}),
        "spec.connections[2]",
        "cycle: sales -> check -> summary -> sales",
    ),
    (
        "self loop",
        _set("spec.connections.2", {"from": "alert", "to": "alert"}),
        "spec.connections[2]",
        "cycle: alert -> alert",
    ),
    (
        "secret ref needs one",
        _set("spec.trigger", {"type": "webhook", "secretRef": {}}),
        "spec.trigger.secretRef",
        "exactly one of secret, k8sSecret, env or file",
    ),
    ("unknown kind", _set("kind", "Pipeline"), "kind", "kind must be one of"),
]


@pytest.mark.parametrize(
    ("mutate", "field", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_invalid_workflow(mutate: Callable[[Doc], None], field: str, message: str) -> None:
    document = base()
    mutate(document)
    errors = errors_of(document)
    assert any(e.field == field and message in e.message for e in errors), errors
    assert all(e.line is not None and e.column is not None for e in errors)


def test_every_error_is_reported_at_once_with_positions() -> None:
    document = base()
    for _, mutate, _, _ in CASES[:-1]:  # all but the unknown kind
        mutate(document)
    errors = errors_of(copy.deepcopy(document))
    assert len({e.field for e in errors}) >= 20
    assert all(e.file == "wf.yaml" and e.line and e.column for e in errors)
    assert errors == sorted(errors, key=lambda e: (e.line or 0, e.column or 0))


ACCEPTANCE = """\
apiVersion: flowplane/v1
kind: Workflow
metadata:
  name: broken
  organization: acme
spec:
  trigger: {type: schedule, cron: "every day"}
  nodes:
    - {id: a, type: transform, params: {value: 1}}
    - {id: b, type: transform, params: {value: 2}}
  connections:
    - {from: a, to: b}
    - {from: b, to: a}
  nodes: []
"""


def test_cycle_duplicate_key_and_bad_cron_are_all_named_with_lines() -> None:
    errors = load_text(ACCEPTANCE, "broken.yaml").errors
    rendered = [str(e) for e in errors]
    assert rendered == [
        "broken.yaml:7:29: spec.trigger.cron: 'every day' is not a valid cron expression",
        "broken.yaml:13:7: spec.connections[1]: cycle: a -> b -> a",
        "broken.yaml:14:3: spec.nodes: duplicate key 'nodes' (first at line 8)",
    ]


def test_spec_error_renders_only_known_parts() -> None:
    error = SpecError("f.yaml", 3, 4, "spec.nodes[0]", "bad")
    assert str(error) == "f.yaml:3:4: spec.nodes[0]: bad"
    assert str(SpecError(None, None, None, "nodes[0].id", "bad")) == "nodes[0].id: bad"
    assert str(SpecError("f.yaml", None, None, "", "bad")) == "f.yaml: bad"


def definition_data() -> dict[str, Any]:
    spec = base()["spec"]
    del spec["state"]
    return {"description": "Sales", "tags": ["reports"], **spec}


def test_definition_round_trips_through_json() -> None:
    definition, errors = validate_definition(definition_data())
    assert errors == [] and definition is not None
    again, errors = validate_definition(definition.to_json())
    assert errors == [] and again == definition
    assert list(definition.to_json()) == [
        "description",
        "tags",
        "trigger",
        "settings",
        "deployment",
        "nodes",
        "connections",
    ]
    assert definition.to_json()["connections"][0] == {
        "from": "sales",
        "to": "check",
        "on": "success",
    }


def test_definition_errors_have_field_paths_and_no_positions() -> None:
    data = definition_data()
    data["nodes"][0]["type"] = "nope"
    data["state"] = "active"
    definition, errors = validate_definition(data)
    assert definition is None
    assert {(e.field, e.line, e.column, e.file) for e in errors} == {
        ("state", None, None, None),
        ("nodes[0].type", None, None, None),
    }


def test_definition_size_is_capped() -> None:
    data = definition_data()
    data["description"] = "x" * MAX_DEFINITION_BYTES
    definition, [error] = validate_definition(data)
    assert definition is None and "more than the limit" in error.message
    assert validate_definition(definition_data(), max_bytes=100)[0] is None


def test_content_hash_is_stable_under_key_reordering() -> None:
    data = definition_data()
    reordered = {key: data[key] for key in reversed(list(data))}
    reordered["nodes"] = [dict(reversed(list(node.items()))) for node in data["nodes"]]
    first, _ = validate_definition(data)
    second, _ = validate_definition(reordered)
    assert first is not None and second is not None
    assert first.content_hash() == second.content_hash()
    data["tags"] = ["other"]
    third, _ = validate_definition(data)
    assert third is not None and third.content_hash() != first.content_hash()


def test_definition_from_document_matches_api_input() -> None:
    result = load_text(
        json.dumps(
            {
                **base(),
                "metadata": {**base()["metadata"], "description": "Sales", "tags": ["reports"]},
            }
        ),
        "wf.yaml",
    )
    from_yaml = WorkflowDefinition.from_document(result.documents[0].document)  # type: ignore[arg-type]
    from_api, _ = validate_definition(definition_data())
    assert from_api is not None and from_yaml.content_hash() == from_api.content_hash()


def test_python_names_are_accepted_too() -> None:
    definition, errors = validate_definition({"settings": {"max_attempts": 5}})
    assert errors == [] and definition is not None
    assert definition.settings.max_attempts == 5


@pytest.mark.parametrize(
    ("node", "field", "message"),
    [
        ({"id": "check", "type": "condition", "params": {"expression": "x > 1"}},
         "spec.nodes[1].params.expression", "unknown name 'x'"),
        ({"id": "check", "type": "condition", "params": {"expression": "input.__class__()"}},
         "spec.nodes[1].params.expression", "Call is not allowed"),
        ({"id": "check", "type": "condition", "params": {"expression": "input.x >"}},
         "spec.nodes[1].params.expression", "invalid expression"),
        ({"id": "check", "type": "transform",
          "params": {"value": {"to": "{{ input.email.split('@') }}"}}},
         "spec.nodes[1].params.value.to", "Call is not allowed"),
        ({"id": "check", "type": "transform", "params": {"value": ["ok", "{{ now }}"]}},
         "spec.nodes[1].params.value[1]", "unknown name 'now'"),
    ],
    ids=["unknown-name", "call", "syntax", "call-in-template", "name-in-list"],
)
def test_templates_that_can_never_evaluate_are_refused_at_validation(
    node: dict[str, Any], field: str, message: str
) -> None:
    document = base()
    document["spec"]["nodes"][1] = node
    if node["type"] != "condition":
        document["spec"]["connections"][1]["on"] = "success"
    errors = errors_of(document)
    assert any(e.field == field and message in e.message for e in errors), errors
    assert all(e.line is not None for e in errors)


@pytest.mark.parametrize(("autoscale", "field", "says"), [
    ({"min": -1, "max": 2}, "spec.deployment.autoscale.min", "greater than or equal to 0"),
    ({"min": 0, "max": 0}, "spec.deployment.autoscale.max", "greater than or equal to 1"),
    ({"min": 4, "max": 2}, "spec.deployment.autoscale", "min (4) must not be greater than max"),
    ({"min": 1}, "spec.deployment.autoscale.max", "field required"),
    ({"min": 1, "max": 2, "step": 1}, "spec.deployment.autoscale.step", "unknown field"),
])
def test_bad_autoscale_bounds_name_their_field_and_line(
    autoscale: dict[str, int], field: str, says: str
) -> None:
    doc = base()
    doc["spec"]["deployment"]["autoscale"] = autoscale
    result = load_text(json.dumps(doc, indent=1), "w.yaml")
    (error,) = result.errors
    assert (error.file, error.field) == ("w.yaml", field), error
    assert error.line is not None and says in error.message, error
