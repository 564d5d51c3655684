"""Schema revisions this program knows, without importing Alembic.

Start-up compares the database's ``alembic_version`` with :data:`HEAD` and only
imports Alembic when they differ. ``tests/unit/test_db.py`` checks these constants
against the migration scripts so they cannot drift.
"""

REVISIONS: tuple[str, ...] = (
    "0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009",
)  # fmt: skip
HEAD: str = REVISIONS[-1]
SAME_DATA: frozenset[str] = frozenset({"0004", "0005", "0006", "0007", "0008"})
"""Older revisions whose exports import as they are: 0005 and 0006 changed only
PostgreSQL's rules, 0007 and 0008 added tables (an older export has no rows for them,
store.io.transfer_codec.ADDED_SINCE) and columns (its rows mean their defaults,
ADDED_COLUMNS), 0009 only widened a check."""
