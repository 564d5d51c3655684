"""KPI read models beyond the dashboard panels (``store.read.kpi_panels.kpi_panels``).

* :func:`kpi_links`: which KPIs drive key results in open periods, and which of
  those are "mine" — one query, for the dashboard's early warnings and filter.
* :func:`kpi_detail`: one KPI's whole history (for the detail table and chart),
  the key results it drives with their KPI-driven scores, and its roll-up family.
* :func:`objective_kpi_warnings`: for the tree, which objectives of a period are
  fed by a KPI trending the wrong way, with the reason — two queries, reading only
  the last few values of the KPIs that period links to.

Early warning rule (``store.domain.kpi_rules.trending_wrong_way``): a KPI linked to a key
result whose last 3 values each moved the bad way for its direction.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select, type_coerce
from sqlalchemy.types import NullType

from store.db.database import Database
from store.db.sql import EPOCH, readable_day, readable_number, readable_time
from store.domain.cadence import flow_total
from store.domain.scoring import Thresholds, band, kr_progress
from store.errors import NotFoundError
from store.model.enums import Aggregation, Band, Cadence, Direction, Kind, KpiDirection, PeriodState
from store.model.handles import KPI_T, KR, KR_T, KV, KV_T, OB, OBJECTIVE_T, C, K, P, table_of
from store.model.rows import KpiPanel
from store.model.tables import Period
from store.read.kpi_warnings import (  # noqa: F401  (the tree's warnings, re-exported)
    WARNING_RUN,
    KpiWarning,
    objective_kpi_warnings,
    warning_for,
)

PERIOD_T = table_of(Period)


def _raw(column: Any) -> Any:
    """A column as the driver hands it over (SQLite: text), for store.db.sql's readers: a
    value okrtui cannot read is skipped or unknown, never a crash in a type's parser."""
    return type_coerce(column, NullType())


_CADENCES = {c.value: c for c in Cadence}
_AGGREGATIONS = {a.value: a for a in Aggregation}

HISTORY_CAP = 5000
"""The most values a detail view reads (13 years of daily values)."""


def panel_warning(panel: KpiPanel) -> KpiWarning | None:
    """:func:`warning_for` a dashboard panel (its values are already loaded)."""
    return warning_for(
        panel.id, panel.name, panel.unit, panel.direction, [v for _, v in panel.values]
    )


@dataclass(frozen=True)
class KpiLinks:
    """KPIs that drive key results in open (not closed) periods.

    ``krs`` maps a KPI id to the references of the key results it drives;
    ``mine`` holds the KPIs driving a key result the user owns, or whose objective
    they own or collaborate on (what "linked to my KRs" means).
    """

    krs: dict[int, tuple[str, ...]] = field(default_factory=dict)
    mine: frozenset[int] = frozenset()


def kpi_links(db: Database, username: str) -> KpiLinks:
    """Which KPIs drive key results in open periods, and which of those are the user's."""
    collab = select(C.objective_id).where(C.username == username)
    mine = or_(KR.owner == username, OB.owner == username, OB.id.in_(collab))
    stmt = (
        select(KR.kpi_id, KR.id, mine.label("mine"))
        .select_from(KR_T.join(OBJECTIVE_T, OB.id == KR.objective_id).join(
            PERIOD_T, P.id == OB.period_id))
        .where(KR.kpi_id.is_not(None), P.state != PeriodState.CLOSED)
        .order_by(KR.kpi_id, KR.id)
    )  # fmt: skip
    krs: dict[int, list[str]] = {}
    my_kpis: set[int] = set()
    with db.read() as conn:
        for kpi_id, kr_id, is_mine in conn.execute(stmt):
            krs.setdefault(kpi_id, []).append(f"KR-{kr_id}")
            if is_mine:
                my_kpis.add(kpi_id)
    return KpiLinks({k: tuple(v) for k, v in krs.items()}, frozenset(my_kpis))


# --- detail ----------------------------------------------------------------------


@dataclass(frozen=True)
class KpiValueRow:
    """One recorded value, as the detail's history table shows it."""

    id: int
    observed_on: date
    value: float
    note: str
    author: str
    created_at: datetime
    source: str = ""  # "" typed or imported by a person, else the source kind that wrote it


@dataclass(frozen=True)
class DrivenKr:
    """A key result following the KPI, scored from the KPI's value in its period."""

    id: int
    title: str
    objective_id: int
    objective_title: str
    period_name: str
    period_state: PeriodState
    period_end: date
    kind: Kind
    direction: Direction
    start: float | None
    target: float | None
    unit: str
    current: float | None
    progress: float | None
    band: Band

    @property
    def ref(self) -> str:
        return f"KR-{self.id}"


@dataclass(frozen=True)
class KpiFamilyMember:
    """A parent or child KPI in the roll-up, with its latest value."""

    id: int
    name: str
    unit: str
    archived: bool
    latest: float | None
    latest_on: date | None


@dataclass(frozen=True)
class KpiDetail:
    """Everything the KPI detail view shows."""

    id: int
    name: str
    unit: str
    description: str
    category: str
    owner: str
    team: str | None
    direction: KpiDirection
    target: float | None
    green: float | None
    red: float | None
    archived: bool
    created_at: datetime
    history: tuple[KpiValueRow, ...]  # oldest first, at most HISTORY_CAP
    total_values: int
    parent: KpiFamilyMember | None
    children: tuple[KpiFamilyMember, ...]
    krs: tuple[DrivenKr, ...]
    warning: KpiWarning | None
    cadence: Cadence | None = None
    aggregation: Aggregation = Aggregation.LEVEL
    range_low: float | None = None
    range_high: float | None = None

    @property
    def latest(self) -> KpiValueRow | None:
        return self.history[-1] if self.history else None

    @property
    def previous(self) -> KpiValueRow | None:
        return self.history[-2] if len(self.history) > 1 else None

    def as_panel(self, last: int) -> KpiPanel:
        """The KPI as a dashboard panel with its last ``last`` values (for the forms)."""
        values = tuple((v.observed_on, v.value) for v in self.history[-max(last, 1) :])
        return KpiPanel(
            self.id, self.name, self.unit, self.category, self.owner, self.team,
            self.direction, self.target, self.green, self.red,
            self.parent.id if self.parent else None, self.archived, values, self.cadence,
            self.aggregation, self.range_low, self.range_high,
        )  # fmt: skip


def _latest_of(conn: Connection, ids: Iterable[int]) -> dict[int, tuple[date, float]]:
    """Latest (date, value) per KPI id, one correlated lookup each on the (kpi, date) index."""
    wanted = list(ids)
    if not wanted:
        return {}
    latest_day = (
        select(func.max(KV.observed_on)).where(KV.kpi_id == K.id).correlate(KPI_T)
    ).scalar_subquery()
    stmt = (
        select(K.id, _raw(KV.observed_on), KV.value)
        .select_from(KPI_T.join(KV_T, and_(KV.kpi_id == K.id, KV.observed_on == latest_day)))
        .where(K.id.in_(wanted))
    )
    out = {}
    for kpi_id, day, value in conn.execute(stmt):
        on, number = readable_day(day), readable_number(value)
        if on is not None and number is not None:
            out[kpi_id] = (on, number)
    return out


def _member(row: Any, latest: dict[int, tuple[date, float]]) -> KpiFamilyMember:
    """A family member from a Core row of (id, name, unit, archived)."""
    day, value = latest.get(row.id) or (None, None)
    return KpiFamilyMember(row.id, row.name, row.unit, bool(row.archived), value, day)


def _driven_krs(
    conn: Connection, kpi_id: int, history: Sequence[KpiValueRow], th: Thresholds, flow: bool
) -> list[DrivenKr]:
    stmt = (
        select(KR.id, KR.title, KR.objective_id, OB.title.label("objective_title"),
               P.name.label("period_name"), P.state, _raw(P.starts_on).label("starts_on"),
               _raw(P.ends_on).label("ends_on"),
               KR.kind, KR.direction, KR.start_value, KR.target_value, KR.unit)
        .select_from(KR_T.join(OBJECTIVE_T, OB.id == KR.objective_id).join(
            PERIOD_T, P.id == OB.period_id))
        .where(KR.kpi_id == kpi_id)
        .order_by(P.ends_on.desc(), KR.id)
    )  # fmt: skip
    out = []
    for r in conn.execute(stmt):
        starts_on, ends_on = readable_day(r.starts_on), readable_day(r.ends_on)
        if starts_on is None or ends_on is None:  # left out of the tree too (list_periods)
            continue
        # Same rule as the tree (store.read.tree.KPI_LATEST, KPI_FLOW_SUM): a level's latest
        # value up to the period's end, a flow's values of the period summed.
        if flow:
            current = flow_total(((v.observed_on, v.value) for v in history), starts_on, ends_on)
        else:
            inside = [v.value for v in history if v.observed_on <= ends_on]
            current = inside[-1] if inside else None
        start, target = readable_number(r.start_value), readable_number(r.target_value)
        progress = kr_progress(r.kind, r.direction, start, target, current)
        out.append(DrivenKr(
            r.id, r.title, r.objective_id, r.objective_title, r.period_name, r.state, ends_on,
            r.kind, r.direction, start, target, r.unit, current, progress, band(progress, th),
        ))  # fmt: skip
    return out


def kpi_detail(
    db: Database, kpi_id: int, thresholds: Thresholds | None = None, cap: int = HISTORY_CAP
) -> KpiDetail:
    """A KPI with its history (the latest ``cap`` values), driven KRs and roll-up family."""
    th = thresholds or Thresholds()
    with db.read() as conn:
        k = conn.execute(
            select(K.id, K.name, K.unit, K.description, K.category, K.owner, K.team,
                   K.direction, K.target, K.green_threshold, K.red_threshold, K.parent_id,
                   K.archived, _raw(K.created_at).label("created_at"), K.cadence,
                   K.aggregation, K.range_low, K.range_high).where(K.id == kpi_id)
        ).first()  # fmt: skip
        if k is None:
            raise NotFoundError(f"KPI {kpi_id} does not exist")
        total = conn.execute(select(func.count()).where(KV.kpi_id == kpi_id)).scalar_one()
        rows = conn.execute(
            select(
                KV.id,
                _raw(KV.observed_on),
                KV.value,
                KV.note,
                KV.author,
                _raw(KV.created_at),
                KV.source,
            )
            .where(KV.kpi_id == kpi_id)
            .order_by(KV.observed_on.desc())
            .limit(cap)
        )
        history = tuple(_readable_history(rows))[::-1]
        family = list(
            conn.execute(
                select(K.id, K.name, K.unit, K.archived, K.parent_id)
                .where(or_(K.parent_id == kpi_id, K.id == k.parent_id))
                .order_by(K.name)
            )
        )
        latest = _latest_of(conn, (f.id for f in family))
        krs = _driven_krs(conn, kpi_id, history, th, k.aggregation == Aggregation.FLOW)
    parent = next((_member(f, latest) for f in family if f.id == k.parent_id), None)
    children = tuple(_member(f, latest) for f in family if f.parent_id == kpi_id)
    linked = any(kr.period_state != PeriodState.CLOSED for kr in krs)
    values = [v.value for v in history[-WARNING_RUN:]]
    warning = warning_for(k.id, k.name, k.unit, k.direction, values) if linked else None
    return KpiDetail(
        k.id, k.name, k.unit, k.description, k.category, k.owner, k.team, k.direction,
        readable_number(k.target), readable_number(k.green_threshold),
        readable_number(k.red_threshold), bool(k.archived), readable_time(k.created_at) or EPOCH,
        history, total, parent, children, tuple(krs), None if k.archived else warning,
        _CADENCES.get(str(k.cadence)), _AGGREGATIONS.get(str(k.aggregation), Aggregation.LEVEL),
        readable_number(k.range_low), readable_number(k.range_high),
    )  # fmt: skip


def _readable_history(rows: Iterable[Any]) -> Iterator[KpiValueRow]:
    """The values okrtui can read (a day and a finite number; an unreadable entry time
    reads as the epoch): the chart and the table would fail on the others."""
    for value_id, day, value, note, author, created_at, source in rows:
        on, number = readable_day(day), readable_number(value)
        if on is not None and number is not None:
            when = readable_time(created_at) or EPOCH
            yield KpiValueRow(value_id, on, number, str(note), str(author), when, str(source or ""))


# --- the tree's early warnings ---------------------------------------------------


def last_values(conn: Connection, kpi_ids: Iterable[int], n: int) -> dict[int, list[float]]:
    """The last ``n`` values (oldest first) of each KPI, never its whole history.

    One indexed ``ORDER BY observed_on DESC LIMIT n`` per KPI: a single query joining
    the values to a per-KPI cutoff makes SQLite visit every stored value (as
    ``store.read.kpi_panels.kpi_panels`` found out).
    """
    stmt = (
        select(KV.value)
        .where(KV.kpi_id == bindparam("kpi"))
        .order_by(KV.observed_on.desc())
        .limit(max(n, 1))
    )
    out: dict[int, list[float]] = {}
    for kpi_id in sorted(set(kpi_ids)):
        read = (readable_number(v) for v in conn.execute(stmt, {"kpi": kpi_id}).scalars())
        values = [v for v in read if v is not None]  # NaN, text: left out
        if values:
            out[kpi_id] = values[::-1]
    return out


def kpi_description(db: Database, kpi_id: int) -> str:
    """A KPI's description (the dashboard's panels do not carry it; the edit form needs it)."""
    with db.read() as conn:
        text = conn.execute(select(K.description).where(K.id == kpi_id)).scalar_one_or_none()
    if text is None:
        raise NotFoundError(f"KPI {kpi_id} does not exist")
    return str(text)


def kpi_value_on(conn: Connection, kpi_id: int, day: date) -> tuple[float, str] | None:
    """The value (and its author) already recorded for ``day``, if any (the form warns)."""
    row = conn.execute(
        select(KV.value, KV.author).where(KV.kpi_id == kpi_id, KV.observed_on == day)
    ).first()
    return (row.value, row.author) if row else None
