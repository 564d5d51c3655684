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
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel

from store.db.database import Database
from store.db.schema import HEAD, REVISIONS, SAME_DATA
from store.errors import DatabaseError, TransferError
from store.io.textfile import read_text
from store.model.tables import (
    Activity,
    Admin,
    CheckIn,
    Collaborator,
    KeyResult,
    Kpi,
    KpiValue,
    Objective,
    Period,
    UTCDateTime,
)

FORMAT = "okrtui"
FORMAT_VERSION = 1

#: Document key and table, in foreign-key order (a table only refers to earlier ones or itself).
TABLES: list[tuple[str, type[SQLModel]]] = [
    ("periods", Period),
    ("kpis", Kpi),
    ("objectives", Objective),
    ("collaborators", Collaborator),
    ("key_results", KeyResult),
    ("check_ins", CheckIn),
    ("kpi_values", KpiValue),
    ("activity", Activity),
    ("admins", Admin),
]

#: Free text may hold line breaks and tabs; every other string is one line.
FREE_TEXT = frozenset({"description", "retro_note", "note", "detail"})

_HEADER_KEYS = ("format", "version", "schema")
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
# C0 (except \t \n), DEL, C1, zero-width, bidi embeddings/overrides/isolates, BOM, surrogates.
_FORBIDDEN = (
    r"\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff"
)
_BAD_IN_TEXT = re.compile(f"[{_FORBIDDEN}]")
_BAD_IN_LINE = re.compile(f"[\\t\\n{_FORBIDDEN}]")
# Characters json.dumps(ensure_ascii=False) would write raw but a terminal or an encoder chokes on.
_ESCAPE_OUT = re.compile(
    r"[\x7f-\x9f\u200b-\u200d\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)


class _Invalid(Exception):
    """A bad value; the caller adds the record and the field name."""


def _show(value: Any) -> str:
    """A short, ASCII-only rendering of an untrusted value for an error message."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError):
        text = ascii(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- columns: JSON <-> Python, driven by the SQLAlchemy column types -------------------------


def _load_int(value: Any, column: "_Column") -> int:
    if type(value) is not int:
        raise _Invalid(f"must be an integer, got {_show(value)}")
    if not _INT_MIN <= value <= _INT_MAX:
        raise _Invalid(f"is out of range, got {_show(value)}")
    return value


def _load_float(value: Any, column: "_Column") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"must be a finite number, got {_show(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _Invalid(f"must be a finite number, got {_show(value)}")
    return number


def _load_bool(value: Any, column: "_Column") -> bool:
    if type(value) is not bool:
        raise _Invalid(f"must be true or false, got {_show(value)}")
    return value


def _load_str(value: Any, column: "_Column") -> str:
    if not isinstance(value, str):
        raise _Invalid(f"must be a string, got {_show(value)}")
    if column.length is not None and len(value) > column.length:
        raise _Invalid(f"is longer than {column.length} characters ({len(value)})")
    bad = (_BAD_IN_TEXT if column.name in FREE_TEXT else _BAD_IN_LINE).search(value)
    if bad:
        allowed = "" if column.name in FREE_TEXT else "; line breaks and tabs neither"
        raise _Invalid(
            f"contains the character U+{ord(bad.group()):04X} at position {bad.start()}: "
            f"control, bidi-override and zero-width characters are not allowed{allowed}"
        )
    return value


def _load_enum(value: Any, column: "_Column") -> Enum:
    assert column.enum is not None
    try:
        return column.enum(value)
    except (ValueError, TypeError):
        choices = ", ".join(json.dumps(member.value) for member in column.enum)
        raise _Invalid(f"must be one of {choices}, got {_show(value)}") from None


def _load_date(value: Any, column: "_Column") -> date:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _Invalid(f"must be a date like 2026-01-31, got {_show(value)}")


def _load_datetime(value: Any, column: "_Column") -> datetime:
    if isinstance(value, str) and _DATETIME.fullmatch(value):
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except (ValueError, OverflowError):
            pass
    raise _Invalid(
        f"must be a timestamp with a time zone like 2026-01-31T09:30:00.000000Z, got {_show(value)}"
    )


def _dump_float(value: Any) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise _Invalid(f"is not a finite number ({number}), which JSON cannot hold")
    return number


def _dump_datetime(value: datetime) -> str:
    naive = value.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(timespec="microseconds") + "Z"


_LOADERS: dict[str, Callable[[Any, "_Column"], Any]] = {
    "int": _load_int,
    "float": _load_float,
    "bool": _load_bool,
    "str": _load_str,
    "enum": _load_enum,
    "date": _load_date,
    "datetime": _load_datetime,
}
_DUMPERS: dict[str, Callable[[Any], Any]] = {
    "int": int,
    "float": _dump_float,
    "bool": bool,
    "str": str,
    "enum": lambda member: member.value if isinstance(member, Enum) else str(member),
    "date": lambda value: value.isoformat(),
    "datetime": _dump_datetime,
}


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str
    nullable: bool
    length: int | None = None
    enum: type[Enum] | None = None

    def load(self, value: Any) -> Any:
        """JSON value → the Python value to insert (raises :class:`_Invalid`)."""
        if value is None:
            if self.nullable:
                return None
            raise _Invalid("must not be null")
        return _LOADERS[self.kind](value, self)

    def dump(self, value: Any) -> Any:
        """Python value read from the database → JSON value."""
        return None if value is None else _DUMPERS[self.kind](value)


def _column(column: Column[Any]) -> _Column:
    sa_type = column.type
    nullable = bool(column.nullable)
    if isinstance(sa_type, SAEnum):  # before String: Enum is a String
        return _Column(column.name, "enum", nullable, enum=sa_type.enum_class)
    if isinstance(sa_type, UTCDateTime):
        return _Column(column.name, "datetime", nullable)
    if isinstance(sa_type, TypeDecorator):  # sqlmodel's AutoString wraps String
        sa_type = sa_type.impl_instance
    kinds: list[tuple[type, str]] = [
        (Boolean, "bool"),
        (Integer, "int"),
        (Float, "float"),
        (Date, "date"),
        (String, "str"),
    ]
    for sa_class, kind in kinds:
        if isinstance(sa_type, sa_class):
            length = getattr(sa_type, "length", None) if kind == "str" else None
            return _Column(column.name, kind, nullable, length=length)
    raise TypeError(f"store.io.transfer has no JSON mapping for {column} ({sa_type!r})")


@dataclass(frozen=True)
class _Spec:
    """What the document holds for one table, derived from its SQLAlchemy metadata."""

    key: str
    table: Table
    columns: tuple[_Column, ...]
    names: frozenset[str]
    pk: tuple[str, ...]
    unique: tuple[tuple[str, ...], ...]
    refs: tuple[tuple[str, str, str], ...]  # (column, target document key, target column)
    self_refs: tuple[str, ...]  # nullable columns referring to this same table


def _spec(key: str, model: type[SQLModel], keys_by_table: Mapping[str, str]) -> _Spec:
    table: Table = model.__table__  # type: ignore[attr-defined]
    columns = tuple(_column(column) for column in table.columns)
    pk = tuple(column.name for column in table.primary_key.columns)
    unique = tuple(
        sorted(
            (
                tuple(column.name for column in constraint.columns)
                for constraint in table.constraints
                if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint)
            ),
            key=lambda names: (names != pk, names),  # primary key first, then by name
        )
    )
    refs = tuple(
        (fk.parent.name, keys_by_table[fk.column.table.name], fk.column.name)
        for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name)
    )
    self_refs = tuple(sorted({name for name, target, _ in refs if target == key}))
    for name in self_refs:
        if not table.c[name].nullable:
            raise TypeError(f"store.io.transfer needs {table.name}.{name} to be nullable")
    names = frozenset(column.name for column in columns)
    return _Spec(key, table, columns, names, pk, unique, refs, self_refs)


def _specs() -> dict[str, _Spec]:
    keys_by_table = {model.__table__.name: key for key, model in TABLES}  # type: ignore[attr-defined]
    return {key: _spec(key, model, keys_by_table) for key, model in TABLES}


_SPECS = _specs()


def _where(key: str, index: int, record: Any, pk: Iterable[str]) -> str:
    """``key_results[3] (id 12)``: the record an error is about."""
    label = f"{key}[{index}]"
    if isinstance(record, Mapping):
        parts = [f"{name} {_show(record[name])}" for name in pk if name in record]
        if parts:
            label += f" ({', '.join(parts)})"
    return label


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
            _advance_sequences(conn)
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
    return _ESCAPE_OUT.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n"


# --- parse and validate ---------------------------------------------------------------------


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
    for key, _model in TABLES:
        if key not in document:
            raise TransferError(f'missing top-level key "{key}"')
        if not isinstance(document[key], list):
            raise TransferError(f'"{key}" must be a list, got {_show(document[key])}')


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


# --- import ---------------------------------------------------------------------------------


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
            _advance_sequences(conn)
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


def _advance_sequences(conn: Connection) -> None:
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
