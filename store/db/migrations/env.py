"""Alembic environment: runs on the connection handed over by ``store.db.migrate``."""

from alembic import context
from sqlmodel import SQLModel

import store.model.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
    if connection.dialect.name == "sqlite":  # foreign keys are off meanwhile (store.db.migrate)
        problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign key violations after migration: {problems[:5]}")
connection.commit()
