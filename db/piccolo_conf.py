"""Piccolo configuration (PICCOLO_CONF=db.piccolo_conf); the database comes from DATABASE_URL."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

DB = PostgresEngine(
    config={"dsn": os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/flowplane")},
    log_queries=False,
)

APP_REGISTRY = AppRegistry(apps=["db.piccolo_app"])
