"""Piccolo configuration (PICCOLO_CONF=db.piccolo_conf); the database comes from DATABASE_URL."""

from __future__ import annotations

import contextlib
import os
from types import TracebackType

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction


class Transaction(PostgresTransaction):
    """Piccolo's transaction, which on a failed exit still forgets itself and gives its
    connection back. Piccolo's own `__aexit__` does neither when the ROLLBACK (or COMMIT, or
    the pool's reset on release) raises, as it does on a connection the server closed: the
    task's `current_transaction` then stays set to the dead transaction, and every later
    query of that task fails with "connection has been released back to the pool" (each
    scheduler loop is one task: its sweep failed forever after a PostgreSQL restart)."""

    async def __aexit__(self, exception_type: type[BaseException] | None,
                        exception: BaseException | None,
                        traceback: TracebackType | None) -> bool:
        try:
            return bool(await super().__aexit__(exception_type, exception, traceback))
        except BaseException:
            if self._parent is None and self.engine.current_transaction.get() is self:
                self.engine.current_transaction.reset(self.context)
                if self.engine.pool is not None:  # a no-op when the pool has it back already
                    with contextlib.suppress(Exception):
                        await self.engine.pool.release(self.connection)
            raise


class Engine(PostgresEngine):
    def transaction(self, allow_nested: bool = True) -> Transaction:
        return Transaction(engine=self, allow_nested=allow_nested)


DB = Engine(
    config={"dsn": os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/flowplane")},
    log_queries=False,
)

APP_REGISTRY = AppRegistry(apps=["db.piccolo_app"])
