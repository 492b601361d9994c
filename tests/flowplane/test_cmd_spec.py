import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from flowplane import cmd_spec

EXAMPLES = Path(__file__).parents[2] / "workflows.d"
BROKEN = """\
apiVersion: flowplane/v1
kind: Workflow
metadata: {name: broken, organization: acme}
spec:
  trigger: {type: schedule, cron: "0 0 31 2 * * * *"}
  nodes:
    - {id: a, type: transform, params: {value: 1}}
    - {id: b, type: transform, params: {value: 2}}
  connections:
    - {from: a, to: b}
    - {from: b, to: a}
  connections: []
"""


def app() -> typer.Typer:
    cli = typer.Typer()
    cmd_spec.register(cli)
    return cli


def test_validate_examples_exits_zero_with_summary() -> None:
    result = CliRunner().invoke(app(), ["validate", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "ok: 1 AddOn, 2 DataSource, 1 Environment, 1 Model, 4 Workflow" in result.output


def test_validate_names_cycle_duplicate_key_and_bad_cron_with_lines(tmp_path: Path) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text(BROKEN)
    result = CliRunner().invoke(app(), ["validate", str(EXAMPLES), str(file)])
    assert result.exit_code == 1
    assert f"{file}:5:29: spec.trigger.cron: '0 0 31 2 * * * *' is not a valid cron" in (
        result.output
    )
    assert f"{file}:11:7: spec.connections[1]: cycle: a -> b -> a" in result.output
    assert f"{file}:12:3: spec.connections: duplicate key 'connections'" in result.output
    assert "3 error(s)" in result.output


def test_validate_rejects_an_alias_bomb(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    file = tmp_path / "bomb.yaml"
    file.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(app(), ["validate", str(file)])
    assert result.exit_code == 1
    assert "possible alias bomb" in result.output


def test_validate_missing_path_fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(app(), ["validate", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert "no such file or directory" in result.output


def test_schema_prints_json_schema_of_every_kind() -> None:
    result = CliRunner().invoke(app(), ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    kinds = {entry["$ref"].rsplit("/", 1)[-1] for entry in schema["oneOf"]}
    assert kinds == {
        "WorkflowDocument",
        "EnvironmentDocument",
        "DataSourceDocument",
        "AddOnDocument",
        "ModelDocument",
    }
    node = schema["$defs"]["Node"]
    assert "source.postgres" in node["properties"]["type"]["enum"]
    assert schema["$defs"]["Connection"]["properties"]["from"]["type"] == "string"


def test_commands_are_wired_into_the_flowplane_command() -> None:
    from flowplane.cli import app as flowplane

    result = CliRunner().invoke(flowplane, ["validate", str(EXAMPLES)])
    assert result.exit_code == 0, result.output


def test_validate_warns_of_the_deprecated_mounted_secret_form(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text("apiVersion: flowplane/v1\nkind: Model\n"
                    "metadata: {name: old, organization: acme}\n"
                    "spec: {provider: openai, model: gpt,"
                    " apiKeyRef: {secret: {name: creds, key: api-key}}}\n")
    result = CliRunner().invoke(app(), ["validate", str(path)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the console wraps long lines
    assert f"warning: {path}:1: spec.apiKeyRef:" in text and "is deprecated" in text
