"""What needs me: mentions, replies to my comments, check-ins I owe this week, my stale
key results and my KPIs trending the wrong way, each marked read or unread.

Shared by the inbox screen (``i``), the start-up summary, ``okrtui inbox`` and
``okrtui remind`` so they never disagree. Read through ``Database.plain_read``: a fixed
handful of queries whatever the number of comments, key results or KPIs.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from store.db.database import Database
from store.db.sql import EPOCH, readable_day, readable_number, readable_time
from store.domain.cadence import is_overdue
from store.domain.scoring import Thresholds
from store.domain.staleness import (
    DEFAULT_CADENCE_DAYS,
    counted_since,
    day_of,
    days_without,
    is_owed,
    is_stale,
    week_start,
)
from store.format import days_ago
from store.model.enums import Cadence, KpiDirection, PeriodState
from store.model.rows import KrRow, PeriodRow
from store.read.kpi_warnings import WARNING_RUN, warning_for
from store.read.tree import owned_key_results

KINDS = ("mention", "reply", "owed", "stale", "kpi")
"""Item kinds, in the order the inbox groups them."""


@dataclass(frozen=True)
class InboxItem:
    """One thing that needs the reader; ``ref`` is where it jumps (``KR-12``, ``O-3``, a
    KPI's name), ``key`` names it for its read mark."""

    key: str
    kind: str
    ref: str
    title: str
    detail: str
    when: datetime | None
    unread: bool = True


_COMMENTS = (
    "SELECT c.id, c.author, c.body, c.created_at, "
    "COALESCE(c.key_result_id, ci.key_result_id), c.objective_id, "
    "COALESCE(o.title, k.title, ck.title) "
    "FROM comment c LEFT JOIN check_in ci ON ci.id = c.check_in_id "
    "LEFT JOIN objective o ON o.id = c.objective_id "
    "LEFT JOIN key_result k ON k.id = c.key_result_id "
    "LEFT JOIN key_result ck ON ck.id = ci.key_result_id "
)
MENTIONS = (
    _COMMENTS + "JOIN mention m ON m.comment_id = c.id "
    "WHERE m.username = :me AND c.author <> :me ORDER BY c.created_at DESC, c.id DESC LIMIT 100"
)
REPLIES = (
    _COMMENTS + "WHERE c.author <> :me AND EXISTS (SELECT 1 FROM comment mine "
    "WHERE mine.author = :me AND mine.id < c.id AND ("
    "mine.objective_id = c.objective_id OR mine.key_result_id = c.key_result_id "
    "OR mine.check_in_id = c.check_in_id)) ORDER BY c.created_at DESC, c.id DESC LIMIT 100"
)
MY_KPIS = (
    "SELECT k.id, k.name, k.unit, k.direction, v.value FROM kpi k JOIN ("
    "SELECT kpi_id, value, observed_on, ROW_NUMBER() OVER ("
    "PARTITION BY kpi_id ORDER BY observed_on DESC) AS n FROM kpi_value) v "
    "ON v.kpi_id = k.id AND v.n <= :run WHERE k.owner = :me AND NOT k.archived "
    "ORDER BY k.id, v.observed_on"
)
READ_MARKS = "SELECT item FROM inbox_read WHERE username = :me"
MY_CADENCES = (
    "SELECT k.id, k.name, k.cadence, (SELECT max(v.observed_on) FROM kpi_value v "
    "WHERE v.kpi_id = k.id) FROM kpi k WHERE k.owner = :me AND NOT k.archived "
    "AND k.cadence IS NOT NULL ORDER BY k.id"
)


def _comment_items(rows: Iterable[tuple[object, ...]], kind: str) -> list[InboxItem]:
    items = []
    for cid, author, body, created, kr_id, objective_id, title in rows:
        ref = f"KR-{kr_id}" if kr_id is not None else f"O-{objective_id}"
        said = "mentioned you" if kind == "mention" else "replied"
        items.append(InboxItem(
            f"c:{cid}", kind, ref, f"{author} {said} on {ref} “{title}”", str(body),
            readable_time(created) or EPOCH,
        ))  # fmt: skip
    return items


def kr_items(
    krs: Iterable[KrRow], period: PeriodRow, today: date, cadence: int = DEFAULT_CADENCE_DAYS
) -> list[InboxItem]:
    """Owed and stale items for key results (checked in by hand: a KPI-driven one follows
    its KPI), in an open period that has begun."""
    if period.state == PeriodState.CLOSED or today < period.starts_on:
        return []
    items = []
    for kr in krs:
        if kr.kpi_id is not None:
            continue
        last = kr.current_at
        since = counted_since(period.starts_on, kr.created_at)
        days = days_without(last, since, today)
        when = "never checked in" if last is None else f"last check-in {days_ago(days)}"
        if is_stale(last, since, today, cadence):
            stamp = day_of(last).isoformat() if last is not None else "never"
            items.append(InboxItem(
                f"stale:{kr.id}:{stamp}", "stale", kr.ref, f"{kr.ref} “{kr.title}” is stale",
                f"{days} days without a check-in ({when})", None,
            ))  # fmt: skip
        elif is_owed(last, since, today):
            items.append(InboxItem(
                f"owed:{kr.id}:{week_start(today).isoformat()}", "owed", kr.ref,
                f"check in {kr.ref} “{kr.title}” this week", when, None,
            ))  # fmt: skip
    return items


def _kpi_items(rows: Iterable[tuple[object, ...]]) -> list[InboxItem]:
    series: dict[int, tuple[str, str, KpiDirection, list[float]]] = {}
    for kid, name, unit, direction, value in rows:
        number = readable_number(value)
        entry = series.setdefault(
            int(str(kid)), (str(name), str(unit), KpiDirection(str(direction)), [])
        )
        if number is not None:
            entry[3].append(number)
    items = []
    for kid, (name, unit, direction, values) in series.items():
        warning = warning_for(kid, name, unit, direction, values)
        if warning is not None:
            stamp = ",".join(f"{v:g}" for v in values[-WARNING_RUN:])
            items.append(InboxItem(
                f"kpi:{kid}:{stamp}", "kpi", name, f"KPI {name} is trending the wrong way",
                warning.reason, None,
            ))  # fmt: skip
    return items


def overdue_items(rows: Iterable[tuple[object, ...]], today: date) -> list[InboxItem]:
    """A KPI with a cadence whose next value is late (store.domain.cadence)."""
    items = []
    for kid, name, cadence_text, latest_text in rows:
        try:
            cadence = Cadence(str(cadence_text))
        except ValueError:  # a cadence okrtui did not write: nothing is due
            continue
        latest = readable_day(latest_text)
        if is_overdue(cadence, latest, today):
            since = f"last value {latest.isoformat()}" if latest else "no value yet"
            items.append(InboxItem(
                f"due:{kid}:{latest.isoformat() if latest else 'none'}", "kpi", str(name),
                f"KPI {name} is overdue ({cadence.value})", since, None,
            ))  # fmt: skip
    return items


def inbox(
    db: Database,
    me: str,
    period: PeriodRow | None,
    today: date,
    *,
    cadence: int = DEFAULT_CADENCE_DAYS,
    thresholds: Thresholds | None = None,
) -> list[InboxItem]:
    """Everything that needs ``me``, grouped by kind (:data:`KINDS`), newest first within."""
    params = {"me": me, "run": WARNING_RUN}
    with db.plain_read() as fetch:
        mentions = _comment_items(fetch(MENTIONS, params), "mention")
        seen = {item.key for item in mentions}
        replies = [i for i in _comment_items(fetch(REPLIES, params), "reply") if i.key not in seen]
        kpis = _kpi_items(fetch(MY_KPIS, params)) + overdue_items(fetch(MY_CADENCES, params), today)
        read = {str(row[0]) for row in fetch(READ_MARKS, params)}
    krs: list[InboxItem] = []
    if period is not None:
        mine = owned_key_results(db, period.id, me, thresholds)
        krs = kr_items(mine, period, today, cadence)
    items = [*mentions, *replies, *krs, *kpis]
    return [replace(item, unread=item.key not in read) for item in items]
