"""Plain DB-API SQL for okrtui's hottest write, the check-in: no SQLAlchemy, no SQLModel.

Why: importing SQLAlchemy and SQLModel is ≈470 ms of a 20 ms job (issue 17), and the
check-in is the product's most frequent act. :meth:`store.db.database.Database.plain_write`
opens a :class:`PlainWrite` under okrtui's write discipline (``BEGIN IMMEDIATE`` on
SQLite; READ COMMITTED and okrtui's write lock on PostgreSQL) and the check-in's SQL is
written once against it. Statements use ``:name`` parameters as ``sqlite3`` and
SQLAlchemy's ``text()`` do; :func:`pyformat` rewrites them for psycopg.

Values are stored as the ORM stores them, so either side reads what the other wrote:
timestamps as naive UTC (on SQLite the text ``YYYY-MM-DD HH:MM:SS.ffffff``), enums by
value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from store.domain.numbers import MAX_DATE, MIN_DATE

Fetch = Callable[[str, Mapping[str, object]], list[tuple[Any, ...]]]
"""``fetch(sql, params) -> rows``: one statement with ``:name`` parameters."""

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=256)
def pyformat(sql: str) -> str:
    """``:name`` parameters as psycopg's ``%(name)s`` (a literal ``%`` doubled; ``::``
    casts left alone)."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


@dataclass(frozen=True)
class PlainWrite:
    """One open write transaction: ``fetch`` runs a statement and returns its rows.

    ``path`` is the SQLite file (admin rights fall back to its owner while no admin is
    recorded), None on a server.
    """

    fetch: Fetch
    path: Path | None
    sqlite: bool

    def one(self, sql: str, params: Mapping[str, object]) -> tuple[Any, ...] | None:
        rows = self.fetch(sql, params)
        return rows[0] if rows else None

    def time(self, value: datetime) -> object:
        """An aware time as the column stores it (naive UTC; text on SQLite)."""
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive.isoformat(" ", "microseconds") if self.sqlite else naive


def read_time(value: object) -> datetime | None:
    """A stored timestamp back as an aware UTC time (SQLite hands back text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Where a row whose time okrtui cannot read is placed (shown, sorted first, never used)."""


def readable_time(value: object) -> datetime | None:
    """Like :func:`read_time`, but None for a value that is not a usable time: rows
    someone wrote outside okrtui are read, never trusted. A time is usable on a day
    okrtui accepts (``MIN_DATE`` … ``MAX_DATE`` in UTC): a year-1 time with an offset
    overflows on conversion, and PostgreSQL's ``'infinity'`` arrives as
    ``datetime.max`` (store/db/pg.py), which overflows in any later arithmetic.

    Written out rather than through :func:`read_time`: the tree of a large organisation
    reads 30,000 of them."""
    if type(value) is str:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    elif isinstance(value, datetime):
        moment = value
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    else:
        try:
            moment = moment.astimezone(UTC)
        except (ValueError, OverflowError):
            return None
    return moment if MIN_DATE <= moment.date() <= MAX_DATE else None


def readable_day(value: object) -> date | None:
    """A stored date (SQLite hands back text), or None when it is not one okrtui could
    have written: not an ISO date, or outside ``MIN_DATE`` … ``MAX_DATE`` (PostgreSQL's
    ``'infinity'`` arrives as ``date.max``, store/db/pg.py)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime) or not isinstance(value, date):
        return None
    return value if MIN_DATE <= value <= MAX_DATE else None


def readable_number(value: object, _isfinite: Any = math.isfinite) -> float | None:
    """A stored number as a float, or None when it is not a finite number.

    The exact types first: the tree of a large organisation reads 130,000 numbers."""
    kind = type(value)
    if kind is float:
        return value if _isfinite(value) else None  # type: ignore[return-value]  # a float
    if kind is int:
        return float(value)  # type: ignore[arg-type]  # an int
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if _isfinite(value) else None
