"""Lossless JSON export and import of a whole okrtui database.

``okrtui export --format json`` writes :func:`dumps` of :func:`export_document`;
``okrtui import FILE.json`` runs :func:`read_document` (or :func:`parse_document`)
and then :func:`import_document`. Exporting, importing into a new database and
exporting again gives the same document, byte for byte.

The document::

    {"format": "okrtui", "version": 1, "schema": "<alembic revision>",
     "periods": [{...every column...}, ...], "kpis": [...], ...}

Every record holds all the columns of its table, ids included, rows ordered by
primary key. Dates are ``YYYY-MM-DD``, timestamps ISO 8601 UTC with microseconds
and a ``Z`` (``2026-01-31T09:30:00.000125Z``), enums their values, ``null`` for
``None``. The column types come from the SQLModel tables themselves, so a column
added to a model is exported and checked without touching this module (a column
type with no JSON mapping fails loudly at import time of this module).

Choices worth knowing:

* An import file is untrusted input. Every record is checked before anything is
  written (types, finite numbers, enum values, lengths, no control/bidi/zero-width
  characters, unique keys, references) and errors name the record and the field:
  ``key_results[3] (id 12): target_value must be a finite number, got "abc"``.
  Values quoted in messages are ASCII-escaped, so a hostile file cannot send
  terminal escapes through an error message.
* Import only goes into a database with no data: ids are kept, and merging two
  histories is not something a backup format should guess at. ``admin`` is the
  exception, because a freshly initialised database may already list its
  creator: admins present on both sides keep the database's row. The activity
  rows that log the admin list (``okrtui db upgrade`` naming the first admin,
  ``okrtui team admin add``) are set-up, not data: a database holding only those
  counts as empty, and they make way for the document's activity (whose ids they
  would otherwise take).
* All rows go in with Core ``executemany`` in one ``BEGIN IMMEDIATE`` transaction;
  any failure rolls everything back. Self-references (objective parent and
  rolled-from, KPI parent) are inserted as NULL and set afterwards, so a parent
  with a higher id than its child (an objective moved under a newer one) or
  even a cycle imports fine with foreign keys on, on SQLite and PostgreSQL alike.
* :func:`dumps` escapes C1 controls, bidi overrides, zero-width characters,
  U+2028/2029 and lone surrogates as ``\\uXXXX``: the file stays safe to ``cat``
  and always encodable as UTF-8, and ``json.loads`` reads the same text back.
"""

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import (
    Connection,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from store.db.database import Database
from store.db.schema import HEAD
from store.errors import DatabaseError, TransferError
from store.format import json_escaped
from store.io.transfer_codec import _SPECS, FORMAT, FORMAT_VERSION, TABLES, _Invalid, _Spec, _where
from store.io.transfer_import import _insert, _link_self_refs, _refuse_non_empty, advance_sequences

# --- export ---------------------------------------------------------------------------------


def export_document(db: Database) -> dict[str, Any]:
    """Every row of every table as a JSON-ready document, read in one consistent snapshot."""
    document: dict[str, Any] = {"format": FORMAT, "version": FORMAT_VERSION, "schema": HEAD}
    try:
        with db.read() as conn:
            for key, _model in TABLES:
                document[key] = _export_table(conn, _SPECS[key])
    except (LookupError, ValueError) as exc:  # an enum or date SQLAlchemy cannot read back
        raise TransferError(f"cannot export the database: {exc}") from exc
    return document


def export_admins(db: Database) -> list[dict[str, Any]]:
    """The ``admins`` records alone, as :func:`export_document` writes them."""
    with db.read() as conn:
        return _export_table(conn, _SPECS["admins"])


def _export_table(conn: Connection, spec: _Spec) -> list[dict[str, Any]]:
    return list(_export_rows(conn, spec))


COPY_BATCH = 5_000
"""Rows read (server-side cursor) and inserted (one ``executemany``) at a time by
:func:`copy_database`: its memory stays that of a batch, not of the whole database."""


def _export_rows(conn: Connection, spec: _Spec) -> Iterator[dict[str, Any]]:
    """A table's records as the document holds them, streamed in primary-key order."""
    table = spec.table
    result = conn.execution_options(yield_per=COPY_BATCH).execute(
        select(table).order_by(*table.primary_key.columns)
    )
    for index, row in enumerate(result):
        values = row._mapping
        record = {}
        for column in spec.columns:
            try:
                record[column.name] = column.dump(values[column.name])
            except _Invalid as exc:
                where = _where(spec.key, index, values, spec.pk)
                raise TransferError(f"cannot export {where}: {column.name} {exc}") from None
        yield record


# --- copy: streamed, database to database -----------------------------------------------------


def copy_database(source: Database, dest: Database) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``dest``, keeping ids; all or nothing.

    What ``import_document(dest, export_document(source))`` does, without the document:
    the rows go across in batches of :data:`COPY_BATCH` (a server-side cursor on the
    source, one ``executemany`` per batch on the destination) as the models type them
    (an enum or time the models cannot read stops the copy, as it stops an export), and
    the destination's own constraints check them (uniqueness, references, the checks of
    the schema). The whole large organisation as one document took 3.3 GB and, with the
    dump to JSON types and the load back for every value, 2 minutes (issue 17). Returns
    the rows inserted per document key (admins the destination already lists are kept,
    not counted).
    """
    counts: dict[str, int] = {}
    try:
        with source.read() as src, dest.write() as session:
            conn = session.connection()
            _refuse_non_empty(conn)
            listed = set(conn.execute(select(_SPECS["admins"].table.c.username)).scalars())
            for key, _model in TABLES:
                spec = _SPECS[key]
                batch: list[dict[str, Any]] = []
                linked: list[dict[str, Any]] = []
                counts[key] = 0
                names = [column.name for column in spec.columns]
                for values in _typed_rows(src, spec):
                    row = dict(zip(names, values, strict=True))
                    if key == "admins" and row["username"] in listed:
                        continue
                    if any(row[name] is not None for name in spec.self_refs):
                        linked.append(row)
                    batch.append(row)
                    if len(batch) >= COPY_BATCH:
                        _insert(conn, spec, batch)
                        counts[key] += len(batch)
                        batch = []
                _insert(conn, spec, batch)
                counts[key] += len(batch)
                _link_self_refs(conn, spec, linked)
            advance_sequences(conn)
    except DatabaseError as exc:
        raise TransferError(f"nothing was copied: {exc}") from exc
    except (LookupError, ValueError) as exc:  # an enum or date SQLAlchemy cannot read back
        raise TransferError(f"cannot read the source database: {exc}") from exc
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise TransferError(
            f"the database refused the copy, nothing was written: {reason}"
        ) from exc
    return counts


def same_rows(source: Database, dest: Database, kept_admins: Iterable[str] = ()) -> bool:
    """Whether ``dest`` holds exactly the rows of ``source``, table by table and row by
    row (streamed as :func:`copy_database` copies, compared as typed values), but for the
    admins ``dest`` listed before the copy (``kept_admins``), compared by name: a server
    sorts names by its collation."""
    from itertools import zip_longest

    kept = set(kept_admins)
    with source.read() as a, dest.read() as b:
        for key, _model in TABLES:
            spec = _SPECS[key]
            if key == "admins":
                mine = {r["username"]: r for r in _export_rows(a, spec)}
                theirs = {r["username"]: r for r in _export_rows(b, spec)}
                if {n: r for n, r in theirs.items() if n not in kept} != {
                    n: r for n, r in mine.items() if n not in kept
                } or not kept <= set(theirs):
                    return False
                continue
            for x, y in zip_longest(_typed_rows(a, spec), _typed_rows(b, spec)):
                if x != y:
                    return False
    return True


def _typed_rows(conn: Connection, spec: _Spec) -> Iterator[tuple[Any, ...]]:
    """A table's rows as the models type them (aware times, enums), streamed in primary-key
    order: equal rows export equally, and comparing them skips a million dumps."""
    table = spec.table
    result = conn.execution_options(yield_per=COPY_BATCH).execute(
        select(*(table.c[column.name] for column in spec.columns)).order_by(
            *table.primary_key.columns
        )
    )
    for row in result:
        yield tuple(row)


def dumps(document: Mapping[str, Any]) -> str:
    """The document as JSON text (UTF-8, indented, ends with a newline), finite numbers only."""
    try:
        text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False, sort_keys=False)
    except ValueError as exc:
        raise TransferError(f"cannot write the document as JSON: {exc}") from exc
    return json_escaped(text) + "\n"


# --- parse and validate ---------------------------------------------------------------------


# --- import ---------------------------------------------------------------------------------
