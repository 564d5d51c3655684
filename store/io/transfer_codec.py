"""How each table's columns are written to and read from the JSON document: types from
the SQLModel tables themselves, every value checked on the way in (finite numbers,
enum values, lengths, no control/bidi/zero-width characters) with messages that name
the record and the field and never echo raw terminal escapes.
"""

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import Enum as SAEnum
from sqlmodel import SQLModel

from store.model.handles import table_of
from store.model.tables import (
    Activity,
    Admin,
    CheckIn,
    Collaborator,
    Comment,
    InboxRead,
    KeyResult,
    Kpi,
    KpiSource,
    KpiValue,
    Mention,
    Objective,
    Period,
    ReminderOptOut,
    UTCDateTime,
)

FORMAT = "okrtui"

_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


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
    ("kpi_sources", KpiSource),
    ("activity", Activity),
    ("admins", Admin),
    ("comments", Comment),
    ("mentions", Mention),
    ("inbox_read", InboxRead),
    ("reminder_opt_outs", ReminderOptOut),
]

#: Tables added after an export format's schema: an older export lacks them (none to import).
ADDED_SINCE: dict[str, str] = {
    "comments": "0007",
    "mentions": "0007",
    "inbox_read": "0007",
    "reminder_opt_outs": "0007",
    "kpi_sources": "0008",
}

#: Columns added after an export format's schema, with the value an older record means.
ADDED_COLUMNS: dict[str, tuple[str, dict[str, Any]]] = {
    "kpis": ("0008", {"cadence": None, "aggregation": "level", "range_low": None,
                      "range_high": None}),
    "kpi_values": ("0008", {"source": ""}),
}  # fmt: skip


#: Free text may hold line breaks and tabs; every other string is one line.
FREE_TEXT = frozenset({"description", "retro_note", "note", "detail", "body"})


_HEADER_KEYS = ("format", "version", "schema")


# C0 (except \t \n), DEL, C1, zero-width, bidi embeddings/overrides/isolates, BOM, surrogates.
_FORBIDDEN = (
    r"\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff"
)


_BAD_IN_TEXT = re.compile(f"[{_FORBIDDEN}]")


_BAD_IN_LINE = re.compile(f"[\\t\\n{_FORBIDDEN}]")


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
    table = table_of(model)
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
    keys_by_table = {table_of(model).name: key for key, model in TABLES}
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
