"""The Piccolo app `flowplane`: all tables and their migrations."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from db.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="flowplane",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
