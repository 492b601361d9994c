"""source.postgres / destination.postgres: query or insert through a data source's connection
settings and its resolved password (from STRONGLY_SERVICES)."""

from __future__ import annotations

import json
import re
from typing import Any

import asyncpg

from domain.node_types import DestinationPostgresParams, SourcePostgresParams
from engine.errors import NodeError, PermanentError
from engine.nodes._egress import allowed_addresses
from engine.nodes.base import NodeContext, NodeResult

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
CONNECT_TIMEOUT = 10.0


async def _connect(ctx: NodeContext) -> asyncpg.Connection:
    """A connection to the data source's host, resolved once and judged by the egress guard;
    asyncpg connects to the judged address itself (a Unix socket path is refused)."""
    source = ctx.service("dataSources", "dataSource")
    name, port = str(source.get("host") or ""), int(source.get("port") or 5432)
    if not name or name.startswith("/"):
        raise PermanentError(f"data source {ctx.node.get('dataSource')!r} needs a TCP host "
                             f"name or address, not {name!r}")
    error: BaseException | None = None
    for address in await allowed_addresses(ctx.egress, name, port, CONNECT_TIMEOUT):
        try:
            return await asyncpg.connect(
                host=address, port=port, database=source.get("database"),
                user=source.get("user"), password=source.get("password"),
                timeout=CONNECT_TIMEOUT)
        except (OSError, asyncpg.PostgresError, TimeoutError) as failed:
            error = failed
    raise NodeError(f"cannot connect to data source {ctx.node.get('dataSource')!r}: "
                    f"{error}") from None


def _json_safe(value: Any) -> Any:
    """Rows as plain JSON (Any: column values; dates and decimals become strings)."""
    return json.loads(json.dumps(value, default=str))


async def source_postgres(ctx: NodeContext) -> NodeResult:
    params = ctx.params
    assert isinstance(params, SourcePostgresParams)
    if isinstance(params.params, dict):
        raise PermanentError("source.postgres takes positional params ($1, $2, ...) as a list")
    conn = await _connect(ctx)
    try:
        rows = await conn.fetch(params.query, *params.params)
    except asyncpg.PostgresError as error:
        raise PermanentError(f"query failed: {error}") from None
    finally:
        await conn.close()
    ctx.log(f"query returned {len(rows)} rows")
    return NodeResult({"rows": _json_safe([dict(r) for r in rows]), "rowCount": len(rows)})


def _table(name: str) -> str:
    parts = name.split(".")
    if len(parts) > 2 or not all(_IDENTIFIER.match(part) for part in parts):
        raise PermanentError(f"invalid table name {name!r}")
    return ".".join(f'"{part}"' for part in parts)


def _rows(params: DestinationPostgresParams) -> list[dict[str, Any]]:
    rows = [params.row] if params.row is not None else params.rows
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise PermanentError("rows must be a list of objects")
    return rows


async def destination_postgres(ctx: NodeContext) -> NodeResult:
    params = ctx.params
    assert isinstance(params, DestinationPostgresParams)
    rows, table = _rows(params), _table(params.table)
    if not rows:
        return NodeResult({"inserted": 0})
    columns = list(rows[0])
    if not all(_IDENTIFIER.match(c) for c in columns):
        raise PermanentError(f"invalid column names in {columns}")
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(f"${i + 1}" for i in range(len(columns)))
    conn = await _connect(ctx)
    try:
        await conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                               [[row.get(c) for c in columns] for row in rows])
    except asyncpg.PostgresError as error:
        raise PermanentError(f"insert into {params.table} failed: {error}") from None
    finally:
        await conn.close()
    ctx.log(f"inserted {len(rows)} rows into {params.table}")
    return NodeResult({"inserted": len(rows)})
