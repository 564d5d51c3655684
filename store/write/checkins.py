"""The check-in, okrtui's most frequent write, in plain DB-API SQL (store/db/sql.py).

Every check-in (CLI, form, weekly run) is :func:`check_in`: one path for the
CLI, the TUI and imports, on SQLite and PostgreSQL. It needs neither SQLAlchemy nor
SQLModel, so ``okrtui checkin KR VALUE`` starts in tens of milliseconds rather than half
a second (issue 17); tests/test_checkin_plain.py asserts the CLI imports neither.

The write keeps the service's discipline: one transaction (``BEGIN IMMEDIATE`` on
SQLite; READ COMMITTED and okrtui's write lock on PostgreSQL), the KR's rights checked
by the same rule as every other write (``store.write.guards.check_key_result_edit``), the KR's
current value moved and the Activity row written in that transaction, and a value far
outside the KR's range refused unless confirmed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, TypeVar

from store.db.database import Database
from store.db.sql import PlainWrite, readable_number, readable_time
from store.domain.checks import validate_check_in_value
from store.domain.scoring import Thresholds, band, far_outside, kr_progress
from store.domain.validation import optional_text, parse_date
from store.errors import DomainError, FarOutside, NotFoundError, ValidationError, WriteError
from store.model.enums import Band, Confidence, Direction, Kind, PeriodState
from store.write.guards import check_key_result_edit

MAX_NOTE = 10_000


def utcnow() -> datetime:
    """The current time, UTC-aware (as ``store.model.tables.utcnow``, without importing it)."""
    return datetime.now(UTC)


E = TypeVar("E", bound=Enum)


def enum_value(enum: type[E], value: object, field: str) -> E:
    """``value`` as a member of ``enum`` (``on-track`` reads ``on_track``), or a
    ValidationError naming the allowed values."""
    try:
        raw = value.value if isinstance(value, Enum) else str(value).replace("-", "_")
        return enum(raw)
    except ValueError:
        allowed = ", ".join(m.value.replace("_", "-") for m in enum)
        raise ValidationError(f"{field} {value!r} is not one of: {allowed}") from None


def activity_detail(**detail: Any) -> str:
    """An Activity row's ``detail``: JSON, non-ASCII kept, NaN refused."""
    return json.dumps(detail, default=str, ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True)
class CheckInResult:
    """What a check-in changed, for a one-line confirmation."""

    check_in_id: int
    key_result_id: int
    title: str
    previous: float | None
    value: float
    unit: str
    target: float | None
    progress: float | None
    band: Band
    kpi_driven: bool = False  # the value is the KPI's, recorded with confidence and note
    kind: Kind = Kind.METRIC
    direction: Direction = Direction.INCREASE
    start: float | None = None  # a range's low end (its target is the high end)


def check_in_time(at: datetime) -> datetime:
    """A back-dated check-in time: timezone-aware, in the sane range, not in the future.

    A naive time would be stored as if it were UTC (shifting it by the user's offset),
    and a future one would stay "the latest" and hide every real check-in after it.
    """
    if not isinstance(at, datetime):
        raise ValidationError(f"check-in time must be a date and time, not {at!r}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError(f"check-in time {at} has no time zone")
    parse_date(at, "check-in date")
    if at > utcnow() + timedelta(days=1):
        raise ValidationError(f"check-in time {at} is in the future")
    return at


@dataclass(frozen=True)
class _Kr:
    """The key result as a check-in needs it, with its period (one query)."""

    id: int
    title: str
    kind: Kind
    direction: Direction
    start: float | None
    target: float | None
    unit: str
    kpi_id: int | None
    current_value: float | None
    current_at: datetime | None
    period_ends_on: object


_KR = """
SELECT k.title, k.kind, k.direction, k.start_value, k.target_value, k.unit, k.kpi_id,
       k.current_value, k.current_at, p.name, p.state, p.ends_on
FROM key_result k JOIN objective o ON o.id = k.objective_id JOIN period p ON p.id = o.period_id
WHERE k.id = :id
"""


def _kr_for_write(w: PlainWrite, kr_id: int) -> _Kr:
    """The KR, refused when missing or in a closed period (as ``_objective_for_write``)."""
    row = w.one(_KR, {"id": kr_id})
    if row is None:
        raise NotFoundError(f"key result KR-{kr_id} does not exist")
    title, kind, direction, start, target, unit, kpi_id, current, at, name, state, ends = row
    if state == PeriodState.CLOSED.value:
        raise DomainError(f"period {name} is closed and read-only")
    number = readable_number  # a value okrtui cannot read (store/db/sql.py) counts as none
    return _Kr(kr_id, title, Kind(kind), Direction(direction), number(start), number(target),
               unit or "", kpi_id, number(current), readable_time(at), ends)  # fmt: skip


def _kpi_snapshot(w: PlainWrite, kr: _Kr, value: float | str | None) -> float:
    """For a KPI-driven KR: the KPI's latest value in the KR's period, recorded as is.

    The owner only confirms confidence and adds a note; a typed value would
    disagree with the KPI, so it is refused with the command that changes the KPI.
    """
    found = w.one("SELECT name FROM kpi WHERE id = :id", {"id": kr.kpi_id})
    name = found[0] if found else f"KPI-{kr.kpi_id}"
    if value is not None and str(value).strip() != "":
        raise DomainError(
            f"KR-{kr.id} follows the KPI {name!r}: record the KPI's value instead "
            f'(okrtui kpi record "{name}" VALUE), or check in without a value'
        )
    latest = w.one(
        "SELECT value FROM kpi_value WHERE kpi_id = :kpi AND observed_on <= :ends "
        "ORDER BY observed_on DESC LIMIT 1",
        {"kpi": kr.kpi_id, "ends": kr.period_ends_on},
    )
    if latest is None:
        raise DomainError(f"the KPI {name!r} has no value yet: record one first")
    return float(latest[0])


def record_check_in(
    w: PlainWrite,
    actor: str,
    kr_id: int,
    value: float | str | None,
    *,
    confidence: Confidence | None = None,
    note: str = "",
    when: datetime,
    thresholds: Thresholds | None = None,
    confirmed: bool = False,
) -> CheckInResult:
    """The check-in's reads, checks and writes inside the open transaction ``w``."""
    kr = _kr_for_write(w, kr_id)
    check_key_result_edit(w.fetch, w.path, actor, kr_id)
    if kr.kpi_id is not None:
        number = _kpi_snapshot(w, kr, value)
    else:
        if value is None:
            raise ValidationError(f"KR-{kr_id} needs a value (a number)")
        number = validate_check_in_value(kr.kind, value, kr.unit)
        far = far_outside(kr.kind, kr.direction, kr.start, kr.target, number)
        if far is not None and not confirmed:
            raise FarOutside(kr_id, far)
    inserted = w.one(
        "INSERT INTO check_in (key_result_id, value, confidence, note, author, created_at) "
        "VALUES (:kr, :value, :confidence, :note, :author, :at) RETURNING id",
        {"kr": kr_id, "value": number, "confidence": confidence.value if confidence else None,
         "note": note, "author": actor, "at": w.time(when)},
    )  # fmt: skip
    assert inserted is not None
    entry_id = int(inserted[0])
    previous, current = kr.current_value, kr.current_value
    if kr.kpi_id is not None:
        previous, current = None, number  # the KR's value is the KPI's; this only records it
    elif kr.current_at is None or when >= kr.current_at:
        current = number
        updated = w.fetch(
            "UPDATE key_result SET current_value = :value, current_at = :at WHERE id = :id "
            "RETURNING id",
            {"value": number, "at": w.time(when), "id": kr_id},
        )
        if not updated:  # row-level security hid the row from this role
            raise WriteError(
                "the database refused the change (row-level security: your database role "
                "may not change that row): nothing was changed"
            )
    w.fetch(
        "INSERT INTO activity (at, author, entity, entity_id, action, detail) "
        "VALUES (:at, :author, 'check_in', :id, 'create', :detail)",
        {"at": w.time(utcnow()), "author": actor, "id": entry_id,
         "detail": activity_detail(key_result_id=kr_id, value=number, previous=previous,
                                   confidence=confidence)},
    )  # fmt: skip
    progress = kr_progress(kr.kind, kr.direction, kr.start, kr.target, current)
    return CheckInResult(
        entry_id,
        kr_id,
        kr.title,
        previous,
        number,
        kr.unit,
        kr.target,
        progress,
        band(progress, thresholds or Thresholds()),
        kr.kpi_id is not None,
        kr.kind,
        kr.direction,
        kr.start,
    )


def check_in(
    db: Database,
    actor: str,
    kr_id: int,
    value: float | str | None,
    *,
    confidence: Confidence | str | None = None,
    note: str = "",
    at: datetime | None = None,
    thresholds: Thresholds | None = None,
    confirmed: bool = False,
) -> CheckInResult:
    """Record a KR's new value; the KR's current value moves in the same transaction.

    A KR driven by a KPI takes no value (``None``): its check-in records the
    KPI's latest value with the owner's confidence and note. A value far outside
    the KR's range (:func:`store.domain.scoring.far_outside`) raises :class:`FarOutside`
    with nothing written unless ``confirmed``.
    """
    note = optional_text(note, "note", max_length=MAX_NOTE, multiline=True)
    conf = enum_value(Confidence, confidence, "confidence") if confidence is not None else None
    when = utcnow() if at is None else check_in_time(at)
    with db.plain_write() as w:
        return record_check_in(
            w, actor, kr_id, value, confidence=conf, note=note, when=when,
            thresholds=thresholds, confirmed=confirmed,
        )  # fmt: skip
