"""Seal the worker passwords kept in tenant_credential with the master key of the secret store
(FLOWPLANE_SECRET_KEY), as `domain.worker_credentials` now stores them: AES-256-GCM, bound to
(organization, column), written as `fpenc1:` + URL-safe base64 of nonce || ciphertext+tag
(`domain._envelope.seal_text`; a test opens this migration's output with it).

Without a master key in the migrating process nothing changes here: a platform process that
holds the key seals such rows the first time it reads them. The roles' passwords stay the same.
"""

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant_credential passwords sealed with the master key"
PREFIX = "fpenc1:"


def seal(key: bytes, organization: int, column: str, password: str) -> str:
    nonce = os.urandom(12)
    context = f"flowplane/tenant-credential/v1/{organization}/{column}".encode()
    sealed = nonce + AESGCM(key).encrypt(nonce, password.encode(), context)
    return PREFIX + base64.urlsafe_b64encode(sealed).decode()


async def seal_rows(key: bytes) -> int:
    """Seal every clear password; returns how many rows changed (0 when run again)."""
    engine = engine_finder()
    assert engine is not None
    async with engine.transaction() as transaction:
        conn = transaction.connection
        rows = await conn.fetch("SELECT organization, db_password, redis_password"
                                " FROM tenant_credential ORDER BY organization FOR UPDATE")
        changed = 0
        for row in rows:
            org, values = int(row["organization"]), {}
            for column in ("db_password", "redis_password"):
                stored = str(row[column])
                values[column] = stored if stored.startswith(PREFIX) else seal(
                    key, org, column, stored)
            if values != {"db_password": row["db_password"],
                          "redis_password": row["redis_password"]}:
                await conn.execute("UPDATE tenant_credential SET db_password = $2,"
                                   " redis_password = $3 WHERE organization = $1",
                                   org, values["db_password"], values["redis_password"])
                changed += 1
    return changed


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="flowplane", description=DESCRIPTION)

    async def run() -> None:
        text = os.environ.get("FLOWPLANE_SECRET_KEY", "").strip()
        if text:
            await seal_rows(base64.urlsafe_b64decode(text.encode()))

    manager.add_raw(run)
    return manager
