"""Raw SQL with asyncpg's own `$n` placeholders, inside the current Piccolo transaction if any.

Piccolo's QueryString uses `{}` placeholders, which clash with JSON literals; the engine's
hot paths (claims, fenced writes, sweeps) read better as plain SQL.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from db.engine import engine


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows as dicts (Any: column values). JSON columns come back as text: see `loads`."""
    db = engine()
    transaction = db.current_transaction.get()
    if transaction is not None:
        rows = await transaction.connection.fetch(sql, *args)
    elif db.pool is not None:
        async with db.pool.acquire() as conn:
            rows = await conn.fetch(sql, *args)
    else:
        conn = await asyncpg.connect(db.config["dsn"])
        try:
            rows = await conn.fetch(sql, *args)
        finally:
            await conn.close()
    return [dict(row) for row in rows]


async def fetch_one(sql: str, *args: Any) -> dict[str, Any] | None:
    rows = await fetch(sql, *args)
    return rows[0] if rows else None


def dumps(value: Any) -> str:
    """JSON text for a `$n::jsonb` parameter (Any: any JSON-able value)."""
    return json.dumps(value, default=str)


def loads(value: Any) -> Any:
    """Decode a JSON column (Any: JSON values); already-decoded values pass through."""
    return json.loads(value) if isinstance(value, str | bytes) else value


JSON_COLUMNS = ("input", "definition", "outputs", "output", "payload", "config", "secret_ref",
                "nodes", "connections", "settings", "trigger", "deployment_settings", "python",
                "node_types")


def decode(row: dict[str, Any]) -> dict[str, Any]:
    """Decode the JSON columns of a row in place and return it."""
    for name in JSON_COLUMNS:
        if name in row:
            row[name] = loads(row[name])
    return row
