"""Typed rows (domain.rows) against the migrated schema, and their two constructors."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from domain import rows
from domain._sql import fetch, fetch_one
from domain.rows import ROW_CLASSES, FullExecutionRow, Row, WorkflowRow
from tests.factory import Factory

# Columns a class reads that its table does not hold: computed by the query that reads it.
COMPUTED: dict[type[Row], set[str]] = {rows.RevisionRow: {"previous_definition"},
                                        rows.SyncWorkflowRow: {"owner_handle", "shared_handles"},
                                        rows.DeployedWorkflowRow: {"phase_seconds"},
                                        rows.ScheduledWorkflowRow: {"last_fired", "active_since"},
                                        rows.SweptRow: {"leased", "retry_due"},
                                        # the member's user's columns (app_user)
                                        rows.MemberRow: {"handle", "display_name", "email",
                                                         "is_service"}}


async def _schema(table: str) -> dict[str, tuple[str, bool]]:
    found = await fetch(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = $1",
        table,
    )
    assert found, f"no table {table!r}"
    return {r["column_name"]: (r["data_type"], r["is_nullable"] == "YES") for r in found}


def test_every_row_class_is_registered() -> None:
    defined = {value for value in vars(rows).values()
               if isinstance(value, type) and issubclass(value, Row)
               and getattr(value, "TABLE", None) is not None and "_columns" in vars(value)}
    assert defined == set(ROW_CLASSES)


@pytest.mark.parametrize("cls", ROW_CLASSES, ids=lambda cls: cls.__name__)
async def test_each_row_class_matches_its_table(db: str, cls: type[Row]) -> None:
    schema = await _schema(cls.TABLE)
    computed = COMPUTED.get(cls, set())
    declared = set(cls.columns()) - computed
    assert declared <= set(schema), f"{cls.__name__} declares columns its table lacks"
    if cls.WHOLE:
        assert declared == set(schema), f"{cls.__name__} misses {set(schema) - declared}"
    # JSON columns are exactly the ones `from_record` decodes.
    assert set(cls.json_columns()) - computed == {
        name for name in declared if schema[name][0] == "jsonb"}
    hints = typing.get_type_hints(cls)
    for name in declared:
        # A column that may be NULL is declared so (`Any` admits None too).
        if schema[name][1] and hints[name] is not typing.Any:
            assert type(None) in typing.get_args(hints[name]), f"{cls.__name__}.{name}"


async def test_from_record_decodes_a_read_row_and_from_columns_does_not(
    db: str, factory: Factory
) -> None:
    org = await factory.org()
    owner = await factory.user(org=org)
    made = await factory.workflow(org, owner, name="typed", tags=["a"])
    record = await fetch_one("SELECT * FROM workflow WHERE id = $1", made["id"])
    assert record is not None and isinstance(record["nodes"], str)  # JSON comes back as text
    row = WorkflowRow.from_record(record)
    assert row.nodes == [{"id": "start", "type": "transform", "params": {"value": "hello"}}]
    assert (row.name, row.tags, row.organization, row.owner) == ("typed", ["a"], org["id"],
                                                                   owner["id"])
    assert row.deployment_settings is None
    # Already decoded values are kept as they are: a JSON string stays a string.
    again: object = WorkflowRow.from_columns({**row.as_dict(), "settings": "42"}).settings
    assert again == "42"
    decoded: object = WorkflowRow.from_record({**row.as_dict(), "settings": "42"}).settings
    assert decoded == 42
    assert row.as_dict()["nodes"] == row.nodes


def test_a_missing_column_is_named_and_extra_columns_are_ignored() -> None:
    values = {name: None for name in WorkflowRow.columns()} | {"added_later": 1}
    assert WorkflowRow.from_columns(values).name is None
    del values["owner"]
    with pytest.raises(KeyError, match="WorkflowRow needs the column 'owner'"):
        WorkflowRow.from_columns(values)
    with pytest.raises(KeyError, match="WorkflowRow needs the column 'owner'"):
        WorkflowRow.from_record(values)


def test_rows_are_frozen_slotted_and_a_full_execution_is_an_execution() -> None:
    row = WorkflowRow.from_columns({name: None for name in WorkflowRow.columns()})
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.name = "other"  # type: ignore[misc]
    assert not hasattr(row, "__dict__")
    assert dataclasses.replace(row, name="other").name == "other"
    assert issubclass(FullExecutionRow, rows.ExecutionRow)
    assert set(rows.ExecutionRow.columns()) < set(FullExecutionRow.columns())


def test_the_constructors_fill_every_slot_as_the_dataclass_would_also_inherited_ones() -> None:
    values = {name: n for n, name in enumerate(FullExecutionRow.columns())}
    row = FullExecutionRow.from_columns(values)
    assert row == FullExecutionRow(*values.values())  # type: ignore[arg-type]
    assert row.as_dict() == values and FullExecutionRow.from_record(values) == row


def test_listed_rows_never_hold_a_secret_value_or_a_token_hash() -> None:
    # What the API lists of a secret or a token: the stored value and hash stay out.
    assert "ciphertext" not in rows.SecretRow.columns()
    assert "token_hash" not in rows.ApiTokenRow.columns()
    assert not rows.SecretRow.WHOLE and not rows.ApiTokenRow.WHOLE
