"""Correcting and removing check-ins: the author fixes a typo, the history says so.

Check-ins are otherwise append-only (``store.write.checkins.check_in``). A correction or
removal keeps the old values in the Activity log, and the KR's denormalised
current value is re-derived from whatever check-in is now the latest, in the
same transaction, so the tree never shows a value that no longer exists.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeGuard, cast

from sqlmodel import Session, col, func, select

from store.db.database import Database
from store.db.sql import EPOCH, readable_number, readable_time
from store.domain.checks import validate_check_in_value
from store.domain.scoring import far_outside
from store.domain.validation import optional_text
from store.errors import FarOutside, NotFoundError, PermissionDenied
from store.model.enums import Confidence
from store.model.rows import CORRECTED, REMOVED, UNREADABLE, CheckInEvent
from store.model.tables import CheckIn, KeyResult
from store.write.checkins import MAX_NOTE, enum_value
from store.write.common import UNSET, log_activity, objective_for_write

# Logged against the KR (entity "key_result"), so its history is one indexed lookup.


@dataclass(frozen=True)
class CheckInChange:
    """What a correction or removal did, for the message shown to the user."""

    check_in_id: int
    key_result_id: int
    old_value: float
    new_value: float | None  # None when removed


def _own_check_in(s: Session, actor: str, check_in_id: int) -> tuple[CheckIn, KeyResult]:
    entry = s.get(CheckIn, check_in_id)
    if entry is None:
        raise NotFoundError(f"check-in {check_in_id} does not exist")
    kr = s.get(KeyResult, entry.key_result_id)
    assert kr is not None  # the foreign key guarantees it
    objective_for_write(s, kr.objective_id)
    if entry.author != actor:
        raise PermissionDenied(
            f"this check-in is {entry.author}'s: only its author may correct or remove it "
            f"(add a new check-in to KR-{kr.id} instead)"
        )
    return entry, kr


def _refresh_current(s: Session, kr: KeyResult) -> None:
    """Point the KR's current value at its latest remaining check-in."""
    s.flush()
    latest = s.exec(
        select(CheckIn)
        .where(CheckIn.key_result_id == kr.id)
        .order_by(col(CheckIn.created_at).desc(), col(CheckIn.id).desc())
        .limit(1)
    ).first()
    kr.current_value = latest.value if latest else None
    kr.current_at = latest.created_at if latest else None
    s.add(kr)


def correct_check_in(
    db: Database,
    actor: str,
    check_in_id: int,
    *,
    value: float | str | Any = UNSET,
    confidence: Confidence | str | Any | None = UNSET,
    note: str | Any = UNSET,
    confirmed: bool = False,
) -> CheckInChange:
    """Change a check-in's value, confidence or note; its time and author stay.

    A new value far outside the KR's range raises :class:`FarOutside` with nothing
    changed unless ``confirmed``, as a new check-in does.
    """
    with db.write() as s:
        entry, kr = _own_check_in(s, actor, check_in_id)
        old = {"value": entry.value, "confidence": entry.confidence, "note": entry.note}
        if value is not UNSET:
            if kr.kpi_id is not None:
                raise PermissionDenied(
                    f"KR-{kr.id} follows a KPI: its value comes from the KPI, not the check-in"
                )
            number = validate_check_in_value(kr.kind, value, kr.unit)
            far = far_outside(kr.kind, kr.direction, kr.start_value, kr.target_value, number)
            if far is not None and not confirmed and number != entry.value:
                raise FarOutside(kr.id or 0, far)
            entry.value = number
        if confidence is not UNSET:
            entry.confidence = (
                None if confidence is None else enum_value(Confidence, confidence, "confidence")
            )
        if note is not UNSET:
            entry.note = optional_text(note, "note", max_length=MAX_NOTE, multiline=True)
        new = {"value": entry.value, "confidence": entry.confidence, "note": entry.note}
        changes = {k: (old[k], new[k]) for k in old if old[k] != new[k]}
        s.add(entry)
        if kr.kpi_id is None:
            _refresh_current(s, kr)
        log_activity(
            s, actor, "key_result", kr.id, CORRECTED, check_in_id=entry.id, changes=changes
        )
        return CheckInChange(check_in_id, kr.id or 0, cast(float, old["value"]), entry.value)


def remove_check_in(db: Database, actor: str, check_in_id: int) -> CheckInChange:
    """Delete a check-in; the Activity log keeps everything it held."""
    with db.write() as s:
        entry, kr = _own_check_in(s, actor, check_in_id)
        log_activity(
            s,
            actor,
            "key_result",
            kr.id,
            REMOVED,
            check_in_id=entry.id,
            value=entry.value,
            confidence=entry.confidence,
            note=entry.note,
            created_at=entry.created_at,
        )
        old = entry.value
        s.delete(entry)
        if kr.kpi_id is None:
            _refresh_current(s, kr)
        return CheckInChange(check_in_id, kr.id or 0, old, None)


_CONFIDENCES = frozenset(c.value for c in Confidence)


def check_in_events(db: Database, kr_id: int) -> list[CheckInEvent]:
    """Corrections and removals of a KR's check-ins, oldest first (one indexed query)."""
    sql = (
        "SELECT action, author, at, detail FROM activity "
        "WHERE entity = 'key_result' AND entity_id = :kr AND action IN (:corrected, :removed) "
        "ORDER BY at, id"
    )
    with db.plain_read() as fetch:  # raw values: a malformed row must not fail the read
        rows = fetch(sql, {"kr": kr_id, "corrected": CORRECTED, "removed": REMOVED})
    return [_event(*row) for row in rows]


def _event(action: str, author: object, at: object, detail: object) -> CheckInEvent:
    """One activity row as an event, or as an UNREADABLE one saying what is wrong."""
    who = author if isinstance(author, str) else str(author)
    when = readable_time(at)
    data, problem = _read_detail(action, detail)
    if when is None:
        problem = problem or f"its time {_shown(at)} is not a timestamp"
    if problem is not None:
        check_in_id = data.get("check_in_id") if isinstance(data, dict) else None
        return CheckInEvent(
            check_in_id if _is_id(check_in_id) else 0, UNREADABLE, who, when or EPOCH, {},
            f"unreadable {action} entry: {problem}",
        )  # fmt: skip
    assert when is not None
    return CheckInEvent(data["check_in_id"], action, who, when, data)


def _shown(value: object, limit: int = 40) -> str:
    """A value from the row for the message: repr (control and bidi characters escaped),
    cut short."""
    text = ascii(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_id(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _read_detail(action: str, raw: object) -> tuple[dict[str, Any], str | None]:
    """The detail of a correction or removal as okrtui writes it, checked field by field:
    (detail, None), or (what could be read, the problem)."""
    if not isinstance(raw, str):
        return {}, "its detail is not text"
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return {}, "its detail is not JSON"
    if not isinstance(data, dict):
        return {}, "its detail is not a JSON object"
    if not _is_id(data.get("check_in_id")):
        return data, "it names no check-in"
    if action == CORRECTED:
        changes = data.get("changes", {})
        return (data, None) if isinstance(changes, dict) else (data, "its changes are garbled")
    created = data.get("created_at")
    try:
        moment = datetime.fromisoformat(created) if isinstance(created, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or moment.utcoffset() is None:
        return data, f"its check-in time {_shown(created)} has no time zone or is not a time"
    in_utc = readable_time(moment)
    if in_utc is None:  # e.g. year 1 at +14:00: no such time in UTC
        return data, f"its check-in time {_shown(created)} is out of range"
    value, confidence, note = data.get("value"), data.get("confidence"), data.get("note", "")
    if value is not None and readable_number(value) is None:
        return data, f"its value {_shown(value)} is not a number"
    if confidence is not None and (
        not isinstance(confidence, str) or confidence not in _CONFIDENCES
    ):
        return data, f"its confidence {_shown(confidence)} is unknown"
    if note is not None and not isinstance(note, str):
        return data, "its note is not text"
    clean = dict(data, created_at=in_utc.isoformat(), note=note or "")
    return clean, None


def last_check_in_times(db: Database, kr_ids: list[int]) -> dict[int, datetime]:
    """When each KR was last checked in (KRs never checked in are absent); one query."""
    if not kr_ids:
        return {}
    stmt = (
        select(CheckIn.key_result_id, func.max(CheckIn.created_at))
        .where(col(CheckIn.key_result_id).in_(kr_ids))
        .group_by(col(CheckIn.key_result_id))
    )
    with db.read() as conn:
        rows = conn.execute(stmt).all()
    return {kr_id: _as_utc(at) for kr_id, at in rows if at is not None}


def _as_utc(value: datetime | str) -> datetime:
    """max() over a UTCDateTime column comes back as the stored text, not a datetime."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
