"""Importing a JSON export (store/io/transfer.py) into a database with no data.

Every record is checked before anything is written; all rows go in with Core
``executemany`` in one ``BEGIN IMMEDIATE`` transaction; self-references are inserted as
NULL and set afterwards, so any parent order (even a cycle) imports on SQLite and
PostgreSQL alike.
"""

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from store.db.database import Database
from store.db.schema import HEAD, REVISIONS, SAME_DATA
from store.errors import DatabaseError, TransferError
from store.io.textfile import read_text
from store.io.transfer_codec import (
    _HEADER_KEYS,
    _SPECS,
    ADDED_COLUMNS,
    ADDED_SINCE,
    FORMAT,
    FORMAT_VERSION,
    TABLES,
    _Invalid,
    _show,
    _Spec,
    _where,
)


def _refuse_constant(name: str) -> Any:
    raise TransferError(f"the document contains {name}: numbers must be finite")


def _parse_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise TransferError(f"the number {_show(text)} is too large: numbers must be finite")
    return number


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for name, _value in pairs:
            if name in seen:
                raise TransferError(f"the document repeats the key {_show(name)} in one object")
            seen.add(name)
    return obj


def parse_document(text: str) -> dict[str, Any]:
    """Parse and check an export; returns the document (as :func:`export_document` makes it)."""
    try:
        document: dict[str, Any] = json.loads(
            text.removeprefix("\ufeff"),
            parse_constant=_refuse_constant,
            parse_float=_parse_float,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as exc:
        raise TransferError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise TransferError("not usable JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise TransferError(f"not usable JSON: {exc}") from None
    _validate(document)
    return document


def read_document(path: str | Path) -> dict[str, Any]:
    """Read a UTF-8 export file and :func:`parse_document` it."""
    return parse_document(read_text(path, TransferError))


def _check_header(document: Any) -> None:
    if not isinstance(document, dict):
        raise TransferError(f"not an okrtui export: expected a JSON object, got {_show(document)}")
    if document.get("format") != FORMAT:
        got = _show(document["format"]) if "format" in document else "missing"
        raise TransferError(f'not an okrtui export: "format" must be "{FORMAT}", got {got}')
    version = document.get("version")
    if type(version) is not int:
        raise TransferError(f'"version" must be an integer, got {_show(version)}')
    if version != FORMAT_VERSION:
        newer = " (written by a newer okrtui: upgrade okrtui)" if version > FORMAT_VERSION else ""
        raise TransferError(
            f"unsupported format version {version}; this okrtui reads version "
            f"{FORMAT_VERSION}{newer}"
        )
    _check_schema(document.get("schema"))
    expected = [*_HEADER_KEYS, *(key for key, _model in TABLES)]
    unknown = [key for key in document if key not in expected]
    if unknown:
        raise TransferError(f"unknown top-level key {_show(unknown[0])}")
    schema = document["schema"]
    for key, _model in TABLES:
        if key not in document and key in ADDED_SINCE and schema < ADDED_SINCE[key]:
            document[key] = []  # an export from before the table existed
        if key not in document:
            raise TransferError(f'missing top-level key "{key}"')
        if not isinstance(document[key], list):
            raise TransferError(f'"{key}" must be a list, got {_show(document[key])}')
        since, defaults = ADDED_COLUMNS.get(key, (schema, {}))
        if schema < since:  # an export from before these columns: what its rows meant
            for record in document[key]:
                if isinstance(record, dict):
                    for column, value in defaults.items():
                        record.setdefault(column, value)


def _check_schema(schema: Any) -> None:
    if isinstance(schema, str) and (schema == HEAD or schema in SAME_DATA):
        return
    if not isinstance(schema, str):
        raise TransferError(f'"schema" must be a revision string, got {_show(schema)}')
    if schema in REVISIONS:
        raise TransferError(
            f"the export has schema revision {_show(schema)} from an older okrtui; this one "
            f"imports revision {HEAD}: export it again with this okrtui's version"
        )
    raise TransferError(
        f"the export has schema revision {_show(schema)}, newer than this okrtui "
        f"(which knows up to {HEAD}): upgrade okrtui"
    )


def _load_record(spec: _Spec, index: int, record: Any) -> dict[str, Any]:
    # The record's label is made only for a message (a copy loads a million records).
    if not isinstance(record, dict):
        where = _where(spec.key, index, record, spec.pk)
        raise TransferError(f"{where}: must be an object, got {_show(record)}")
    unknown = [name for name in record if name not in spec.names]
    if unknown:
        where = _where(spec.key, index, record, spec.pk)
        raise TransferError(f"{where}: unknown key {_show(unknown[0])}")
    row = {}
    for column in spec.columns:
        if column.name not in record:
            where = _where(spec.key, index, record, spec.pk)
            raise TransferError(f"{where}: missing key {_show(column.name)}")
        try:
            row[column.name] = column.load(record[column.name])
        except _Invalid as exc:
            where = _where(spec.key, index, record, spec.pk)
            raise TransferError(f"{where}: {column.name} {exc}") from None
    return row


def _check_unique(spec: _Spec, rows: list[dict[str, Any]]) -> None:
    for names in spec.unique:
        seen: dict[tuple[Any, ...], int] = {}
        for index, row in enumerate(rows):
            values = tuple(row[name] for name in names)
            if None in values:  # SQL lets NULLs repeat in a unique column
                continue
            first = seen.setdefault(values, index)
            if first != index:
                shown = ", ".join(
                    f"{name} {_show(value)}" for name, value in zip(names, values, strict=True)
                )
                raise TransferError(
                    f"{_where(spec.key, index, row, spec.pk)}: duplicate {shown} "
                    f"(already in {spec.key}[{first}])"
                )


def _check_references(rows: Mapping[str, list[dict[str, Any]]]) -> None:
    targets: dict[tuple[str, str], set[Any]] = {}
    for key, _model in TABLES:
        spec = _SPECS[key]
        for name, target_key, target_name in spec.refs:
            known = targets.get((target_key, target_name))
            if known is None:
                known = {row[target_name] for row in rows[target_key]}
                targets[target_key, target_name] = known
            for index, row in enumerate(rows[key]):
                value = row[name]
                if value is not None and value not in known:
                    raise TransferError(
                        f"{_where(key, index, row, spec.pk)}: {name} {_show(value)} "
                        f"refers to no record in {target_key}"
                    )


def _validate(document: Any) -> dict[str, list[dict[str, Any]]]:
    """Check the whole document; returns its rows as Python values ready to insert."""
    _check_header(document)
    rows: dict[str, list[dict[str, Any]]] = {}
    for key, _model in TABLES:
        spec = _SPECS[key]
        rows[key] = [_load_record(spec, i, record) for i, record in enumerate(document[key])]
        _check_unique(spec, rows[key])
    _check_references(rows)
    return rows


def import_document(db: Database, document: Mapping[str, Any]) -> dict[str, int]:
    """Insert a whole export into an empty database, keeping ids; all or nothing.

    Returns the number of records inserted per document key. Raises
    :class:`TransferError` (and writes nothing) when the document is invalid, the
    database already holds data, or the database refuses a row.
    """
    rows = _validate(document)
    try:
        with db.write() as session:
            conn = session.connection()
            _refuse_non_empty(conn)
            rows["admins"] = _new_admins(conn, rows["admins"])
            for key, _model in TABLES:
                _insert(conn, _SPECS[key], rows[key])
            for key, _model in TABLES:
                _link_self_refs(conn, _SPECS[key], rows[key])
            advance_sequences(conn)
    except DatabaseError as exc:  # busy, read-only, disk full: already explained
        raise TransferError(f"nothing was imported: {exc}") from exc
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise TransferError(
            f"the database refused the import, nothing was written: {reason}"
        ) from exc
    return {key: len(rows[key]) for key, _model in TABLES}


def _refuse_non_empty(conn: Connection) -> None:
    """Refuse a database that holds data; clear the admin list's own activity rows."""
    activity = _SPECS["activity"].table
    setup = activity.c.entity == "admin"
    held = []
    for key, _model in TABLES:
        if key == "admins":
            continue
        table = _SPECS[key].table
        count_rows = select(func.count()).select_from(table)
        if key == "activity":
            count_rows = count_rows.where(~setup)
        count = conn.execute(count_rows).scalar_one()
        if count:
            held.append(f"{count} {key}")
    if held:
        raise TransferError(f"the database is not empty (it holds {', '.join(held)}): " + (
            "import into a new database instead (`okrtui --db NEW.db import FILE` creates it)"
            if conn.dialect.name == "sqlite" else
            "use a PostgreSQL database with no okrtui data instead: `createdb NEW` (as a "
            "PostgreSQL admin), then `okrtui db copy --to postgresql:///NEW`, or "
            "`okrtui --db postgresql:///NEW db upgrade` and `okrtui --db postgresql:///NEW "
            "import FILE`"
        ))  # fmt: skip
    if conn.execute(select(func.count()).select_from(activity).where(setup)).scalar_one():
        conn.execute(delete(activity).where(setup))


def _new_admins(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The document's admins the database does not list yet (its own rows win)."""
    table = _SPECS["admins"].table
    existing = set(conn.execute(select(table.c.username)).scalars())
    return [row for row in rows if row["username"] not in existing]


def _insert(conn: Connection, spec: _Spec, rows: list[dict[str, Any]]) -> None:
    if not rows:  # an empty executemany would insert one row of defaults
        return
    if spec.self_refs:
        cleared = dict.fromkeys(spec.self_refs)
        rows = [{**row, **cleared} for row in rows]
    if conn.dialect.name == "postgresql":
        _insert_multirow(conn, spec, rows)
        return
    conn.execute(insert(spec.table), rows)


def _insert_multirow(conn: Connection, spec: _Spec, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: a whole batch in one ``INSERT … SELECT * FROM unnest(%s::type[], …)``,
    one array per column.

    SQLAlchemy's ``executemany`` on psycopg sends one INSERT per row (pipelined), with
    ≈40 µs of client work each: `db copy` of the large organisation (1.1 million rows)
    spent most of its 74 s there (a long multi-row VALUES list is no better: psycopg
    parses the statement's text each time). What remains is mostly the server's: the
    schema's row triggers and checks run for every row (migration 0005). Values go
    through each column type's own bind processor (aware times to naive UTC, enums to
    their values), as ``insert()`` does; the server casts each array to the column type.
    """
    quote = conn.dialect.identifier_preparer.quote
    names = [column.name for column in spec.columns]
    arrays: list[list[Any]] = []
    casts = []
    for name in names:
        column = spec.table.c[name]
        process = column.type.bind_processor(conn.dialect)
        values = [row[name] for row in rows]
        arrays.append([process(v) for v in values] if process is not None else values)
        casts.append(f"%s::{column.type.compile(dialect=conn.dialect)}[]")
    conn.exec_driver_sql(
        f"INSERT INTO {quote(spec.table.name)} ({', '.join(quote(n) for n in names)}) "
        f"SELECT * FROM unnest({', '.join(casts)})",
        tuple(arrays),
    )


def _link_self_refs(conn: Connection, spec: _Spec, rows: list[dict[str, Any]]) -> None:
    """Set the self-references inserted as NULL, now that every row of the table exists."""
    pending = [row for row in rows if any(row[name] is not None for name in spec.self_refs)]
    if not pending:
        return
    (pk,) = spec.pk
    table = spec.table
    statement = (
        update(table)
        .where(table.c[pk] == bindparam("_pk"))
        .values({name: bindparam(f"_{name}") for name in spec.self_refs})
    )
    params = [
        {"_pk": row[pk], **{f"_{name}": row[name] for name in spec.self_refs}} for row in pending
    ]
    conn.execute(statement, params)


def advance_sequences(conn: Connection) -> None:
    """PostgreSQL: move each id sequence past the imported ids (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer.quote
    for spec in _SPECS.values():
        if spec.pk != ("id",):
            continue
        name = spec.table.name
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{quote(name)}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {quote(name)}), 0) + 1, false)"
        )
