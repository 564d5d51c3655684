"""A period's report: the OKR tree, what changed in the last week, and the KPI table.

:func:`build_report` reads everything once (the tree in three queries, one query
for each KR's latest check-in and its value a week ago, two for the KPIs);
:func:`render_markdown`, :func:`render_csv` and :func:`render_json` only format it.

The Markdown version is written to be read aloud in the weekly meeting (or sent
as an investor update): the headline numbers, then the objectives that need
attention (off track first, then at risk), then what moved since last week,
then the whole tree and the KPIs. User text is cleaned of control characters
everywhere, escaped for Markdown, and neutralised in CSV cells that a
spreadsheet would run as a formula (``= + - @``).
"""

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, type_coerce
from sqlalchemy.types import NullType

from store.db.database import Database
from store.db.sql import readable_number, readable_time
from store.domain.burnup import CONFIDENCE_RANK
from store.domain.kpi_rules import kpi_delta_is_good, kpi_health, trending_wrong_way
from store.domain.pace import expected_progress
from store.domain.scoring import Thresholds, kr_progress, objective_score
from store.domain.staleness import counted_since, day_of, days_without
from store.format import counted
from store.model.enums import (
    Band,
    Confidence,
    KpiDirection,
    PeriodState,
)
from store.model.handles import CI, KR, KR_T, KV, OB, OBJECTIVE_T, table_of
from store.model.rows import CommentRow, KrRow, ObjectiveRow, PeriodRow
from store.model.tables import CheckIn
from store.read.comments import comments_since
from store.read.kpi_panels import kpi_panels
from store.read.tree import load_tree

FORMATS = ("md", "csv", "json")
SPARKLINE_VALUES = 26
"""KPI values a report keeps for its sparklines (the TUI's default sparkline length)."""
WEEK = timedelta(days=7)
# Most worrying first: the order of the "needs attention" section.
SEVERITY = {
    Band.OFF_TRACK: 0,
    Band.AT_RISK: 1,
    Band.NO_DATA: 2,
    Band.ON_TRACK: 3,
    Band.ACHIEVED: 4,
    Band.OVERPERFORMING: 5,
}
CONFIDENCE_LABEL = {c: c.value.replace("_", " ") for c in Confidence}


@dataclass(frozen=True)
class KrLine:
    """A key result as reported: its value, score, latest check-in and last week's value."""

    row: KrRow
    confidence: Confidence | None
    note: str
    checked_at: datetime | None
    week_ago: float | None
    week_ago_progress: float | None
    previous_confidence: Confidence | None = None  # of the check-in before the latest

    @property
    def confidence_dropped(self) -> bool:
        """The latest check-in's confidence is worse than the one before it."""
        if self.confidence is None or self.previous_confidence is None:
            return False
        return CONFIDENCE_RANK[self.confidence] > CONFIDENCE_RANK[self.previous_confidence]

    @property
    def moved(self) -> bool:
        """Whether the value changed since a week ago (a first value counts as a change)."""
        return self.row.current is not None and self.row.current != self.week_ago


@dataclass(frozen=True)
class ObjectiveLine:
    """An objective in tree order (``depth``), with its score now and a week ago."""

    row: ObjectiveRow
    depth: int
    parent_ref: str | None
    retro_note: str
    week_ago_score: float | None
    key_results: tuple[KrLine, ...]


@dataclass(frozen=True)
class KpiLine:
    """A KPI's latest value with the move since the previous one and its health."""

    id: int
    name: str
    unit: str
    owner: str
    direction: KpiDirection
    target: float | None
    latest: tuple[date, float] | None
    previous: tuple[date, float] | None
    health: str
    wrong_way: bool
    history: tuple[tuple[date, float], ...] = ()  # the last values, oldest first (sparklines)

    @property
    def ref(self) -> str:
        return f"KPI-{self.id}"

    @property
    def delta(self) -> float | None:
        if self.latest is None or self.previous is None:
            return None
        return self.latest[1] - self.previous[1]

    @property
    def delta_good(self) -> bool | None:
        return kpi_delta_is_good(
            self.direction,
            self.previous[1] if self.previous else None,
            self.latest[1] if self.latest else None,
        )


@dataclass(frozen=True)
class NotCheckedIn:
    """An owner's key results without a check-in this week, and the longest gap."""

    owner: str
    refs: tuple[str, ...]
    days: int

    def gap(self) -> str:
        """ "KR-3, KR-9 (up to 12 days without a check-in)", as every format says it."""
        up_to = "up to " if len(self.refs) > 1 else ""
        return f"{', '.join(self.refs)} ({up_to}{counted(self.days, 'day')} without a check-in)"


@dataclass(frozen=True)
class Report:
    """Everything a report shows, for one period as seen on ``today``."""

    period: PeriodRow
    today: date
    objectives: tuple[ObjectiveLine, ...]
    kpis: tuple[KpiLine, ...]
    comments: tuple[CommentRow, ...] = ()
    """The week's comments on the period's objectives, key results and check-ins."""

    def not_checked_in(self) -> list[NotCheckedIn]:
        """Owners whose key results (checked in by hand) had no check-in in the last week,
        most days first; none for a period that has ended."""
        if self.today >= self.period.ends_on or self.today < self.period.starts_on:
            return []
        since, start = self.since, self.period.starts_on
        missing: dict[str, list[tuple[str, int]]] = {}
        for o in self.objectives:
            for kr in o.key_results:
                last = kr.row.current_at
                if kr.row.kpi_id is None and (last is None or day_of(last) < since):
                    days = days_without(last, counted_since(start, kr.row.created_at), self.today)
                    missing.setdefault(kr.row.owner, []).append((kr.row.ref, days))
        lines = [
            NotCheckedIn(owner, tuple(ref for ref, _ in krs), max(d for _, d in krs))
            for owner, krs in missing.items()
        ]
        return sorted(lines, key=lambda line: (-line.days, line.owner))

    @property
    def since(self) -> date:
        return self.today - WEEK

    @property
    def elapsed(self) -> float:
        return expected_progress(self.period.starts_on, self.period.ends_on, self.today)

    @property
    def average(self) -> float | None:
        scores = [o.row.score for o in self.objectives if o.row.score is not None]
        return math.fsum(scores) / len(scores) if scores else None

    def attention(self) -> list[ObjectiveLine]:
        """Objectives off track, then at risk, then without data; tree order within a band."""
        worrying = [o for o in self.objectives if SEVERITY[o.row.band] <= SEVERITY[Band.NO_DATA]]
        return sorted(worrying, key=lambda o: SEVERITY[o.row.band])

    def moved_key_results(self) -> list[tuple[ObjectiveLine, KrLine]]:
        return [(o, kr) for o in self.objectives for kr in o.key_results if kr.moved]

    def confidence_drops(self) -> list[tuple[ObjectiveLine, KrLine]]:
        """Key results checked in since :attr:`since` with a lower confidence than before."""
        return [
            (o, kr)
            for o in self.objectives
            for kr in o.key_results
            if kr.confidence_dropped
            and kr.checked_at is not None
            and kr.checked_at.date() >= self.since
        ]

    def band_counts(self) -> dict[Band, int]:
        counts = dict.fromkeys(SEVERITY, 0)
        for line in self.objectives:
            counts[line.row.band] += 1
        return counts


# --- reading ------------------------------------------------------------------------------


def build_report(
    db: Database,
    period_id: int,
    today: date | None = None,
    thresholds: Thresholds | None = None,
) -> Report:
    """Read a period's report as seen on ``today`` (default: the local date).

    A closed or ended period is reported as of its last day: its "what changed" is
    its own last week, never the current one's.
    """
    th = thresholds or Thresholds()
    today = today or date.today()
    tree = load_tree(db, period_id, th)
    if tree.period.state == PeriodState.CLOSED or today > tree.period.ends_on:
        today = tree.period.ends_on
    cutoff = datetime.combine(today - WEEK, time.min, UTC)
    kpi_day = min(today - WEEK, tree.period.ends_on)
    latest: dict[int, Any] = {}
    week_ago: dict[int, float | None] = {}
    notes: dict[int, str] = {}
    with db.read() as conn:
        # Aliases: the outer query joins check_in too, and would otherwise swallow these.
        h = table_of(CheckIn).alias("history").c
        last_id = (
            select(h.id)
            .where(h.key_result_id == KR.id)
            .order_by(h.created_at.desc(), h.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        before = (
            select(h.value)
            .where(h.key_result_id == KR.id, h.created_at < cutoff)
            .order_by(h.created_at.desc(), h.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        kpi_before = (
            select(KV.value)
            .where(KV.kpi_id == KR.kpi_id, KV.observed_on <= kpi_day)
            .order_by(KV.observed_on.desc())
            .limit(1)
            .scalar_subquery()
        )
        earlier = (
            select(h.confidence)
            .where(h.key_result_id == KR.id)
            .order_by(h.created_at.desc(), h.id.desc())
            .limit(1)
            .offset(1)
            .scalar_subquery()
        )
        stmt = (
            select(
                KR.id,
                KR.kpi_id,
                CI.confidence,
                earlier.label("earlier"),
                CI.note,
                type_coerce(CI.created_at, NullType()).label("created_at"),  # readable_time
                before.label("before"),
                kpi_before.label("kpi_before"),
            )
            .select_from(
                KR_T.join(OBJECTIVE_T, OB.id == KR.objective_id).outerjoin(
                    table_of(CheckIn),
                    CI.id == last_id,
                )
            )
            .where(OB.period_id == period_id)
        )
        for r in conn.execute(stmt):
            latest[r.id] = r
            # A value okrtui cannot read (NaN, text) is as good as none.
            week_ago[r.id] = readable_number(r.kpi_before if r.kpi_id is not None else r.before)
        for oid, note in conn.execute(
            select(OB.id, OB.retro_note).where(OB.period_id == period_id)
        ):
            notes[oid] = note or ""
    lines = _objective_lines(tree.walk(), tree.objectives, latest, week_ago, notes, th)
    comments = comments_since(db, cutoff, period_id)
    return Report(tree.period, today, tuple(lines), tuple(_kpi_lines(db, today)), tuple(comments))


def _kr_line(kr: KrRow, r: Any, week_ago: float | None) -> KrLine:
    progress = kr_progress(kr.kind, kr.direction, kr.start, kr.target, week_ago)
    if r is None or r.kpi_id is not None:
        return KrLine(kr, None, "", None, week_ago, progress)
    return KrLine(kr, _confidence(r.confidence), r.note or "", readable_time(r.created_at),
                  week_ago, progress, _confidence(r.earlier))  # fmt: skip


def _confidence(value: object) -> Confidence | None:
    """A stored confidence, or None (none given, or a value okrtui did not write)."""
    if isinstance(value, Confidence) or not isinstance(value, str):
        return value if isinstance(value, Confidence) else None
    try:
        return Confidence(value) if value else None
    except ValueError:
        return None


def _objective_lines(
    walk: Iterator[tuple[int, ObjectiveRow]],
    objectives: Mapping[int, ObjectiveRow],
    latest: dict[int, Any],
    week_ago: dict[int, float | None],
    notes: dict[int, str],
    th: Thresholds,
) -> list[ObjectiveLine]:
    order = list(walk)
    krs = {
        row.id: tuple(
            _kr_line(kr, latest.get(kr.id), week_ago.get(kr.id)) for kr in row.key_results
        )
        for _, row in order
    }
    before: dict[int, float | None] = {}
    for _, row in reversed(order):  # children before parents, as the tree's own roll-up
        before[row.id] = objective_score(
            [(kr.week_ago_progress, kr.row.weight) for kr in krs[row.id]],
            [before.get(child) for child in row.children],
        )
    return [
        ObjectiveLine(
            row,
            depth,
            objectives[row.parent_id].ref
            if row.parent_id is not None and row.parent_id in objectives
            else None,
            notes.get(row.id, ""),
            before[row.id],
            krs[row.id],
        )
        for depth, row in order
    ]


def _kpi_lines(db: Database, as_of: date) -> Iterator[KpiLine]:
    """The KPIs as they stood on ``as_of`` (a closed period's last day, or today)."""
    for panel in kpi_panels(db, last=SPARKLINE_VALUES, as_of=as_of):
        latest = panel.latest
        yield KpiLine(
            panel.id,
            panel.name,
            panel.unit,
            panel.owner,
            panel.direction,
            panel.target,
            latest,
            panel.previous,
            kpi_health(
                panel.direction, latest[1] if latest else None, panel.green, panel.red, panel.target
            ),
            trending_wrong_way(panel.direction, [v for _, v in panel.values]),
            panel.values,
        )


# --- shared wording -----------------------------------------------------------------------


# --- Markdown -----------------------------------------------------------------------------


# --- CSV ----------------------------------------------------------------------------------


# --- JSON ---------------------------------------------------------------------------------

# What json.dumps(ensure_ascii=False) leaves raw but must not reach a terminal that cats it.
