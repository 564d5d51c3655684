"""Where the data lives: the target (SQLite file or PostgreSQL), engines, transactions,
migrations, the shared team file's modes, and the plain DB-API path of the check-in.

Empty on purpose: ``okrtui checkin`` imports :mod:`store.db.sql` without SQLAlchemy.
"""
