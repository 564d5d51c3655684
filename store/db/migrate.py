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

    Foreign keys are switched off for the batch table rebuilds (with them on, a
    rebuild fails and leaves ``_alembic_tmp_*`` tables behind) and checked
    afterwards; the migration itself runs in one ``BEGIN IMMEDIATE`` transaction,
    so an interrupted upgrade leaves the old schema intact.
    """
    cfg = alembic_config()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn = conn.execution_options(okrtui_write=True)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        if engine.dialect.name == "sqlite":
            problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            if problems:
                raise RuntimeError(f"foreign key violations after migration: {problems[:5]}")
