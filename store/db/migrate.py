"""Alembic, configured in code: no ini file, scripts inside the package.

Imported only when a migration is due (Alembic costs tens of milliseconds to import).
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

SCRIPT_LOCATION = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    return cfg


def script_revisions() -> list[str]:
    """Every revision in the scripts, oldest first (used to check ``store.db.schema``)."""
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def upgrade_to_head(engine: Engine, revision: str = "head") -> None:
    """Upgrade on a dedicated connection.

    On SQLite, foreign keys are switched off for the batch table rebuilds: with them on,
    dropping the old copy of a rebuilt table cascades to the rows that refer to it (every
    check-in of a rebuilt ``key_result``), or fails and leaves ``_alembic_tmp_*`` tables
    behind. The pragma is a no-op inside a transaction, so it is sent on the driver's
    connection before SQLAlchemy begins one, and switched back on before the connection
    returns to the pool. The references are checked inside the migration's transaction
    (migrations/env.py), which runs as one ``BEGIN IMMEDIATE``: an interrupted or broken
    upgrade leaves the old schema intact.
    """
    cfg = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        raw = conn.connection.driver_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            conn = conn.execution_options(okrtui_write=True)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        finally:
            if raw is not None:
                conn.rollback()  # nothing is left to roll back after the commit in env.py
                raw.execute("PRAGMA foreign_keys = ON")
