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

import csv
import io
import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from store.db import Database
from store.enums import BAND_LABEL, Band, Confidence, Direction, Kind, KpiDirection, PeriodState
from store.errors import DomainError
from store.models import CheckIn
from store.queries import kpi_panels, load_tree
from store.rows import KrRow, ObjectiveRow, PeriodRow
from store.scoring import (
    Thresholds,
    band,
    expected_progress,
    format_number,
    format_pair,
    format_percent,
    kpi_delta_is_good,
    kpi_health,
    kr_progress,
    objective_score,
    percent_pair,
    status_label,
    trending_wrong_way,
)
from store.tables import CI, KR, KR_T, KV, OB, OBJECTIVE_T
from store.validation import clean_line, clean_multiline

FORMATS = ("md", "csv", "json")
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
class Report:
    """Everything a report shows, for one period as seen on ``today``."""

    period: PeriodRow
    today: date
    objectives: tuple[ObjectiveLine, ...]
    kpis: tuple[KpiLine, ...]

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
        h = CheckIn.__table__.alias("history").c  # type: ignore[attr-defined]
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
        stmt = (
            select(
                KR.id,
                KR.kpi_id,
                CI.confidence,
                CI.note,
                CI.created_at,
                before.label("before"),
                kpi_before.label("kpi_before"),
            )
            .select_from(
                KR_T.join(OBJECTIVE_T, OB.id == KR.objective_id).outerjoin(
                    CheckIn.__table__,  # type: ignore[attr-defined]  # SQLModel sets it at run time
                    CI.id == last_id,
                )
            )
            .where(OB.period_id == period_id)
        )
        for r in conn.execute(stmt):
            latest[r.id] = r
            week_ago[r.id] = r.kpi_before if r.kpi_id is not None else r.before
        for oid, note in conn.execute(
            select(OB.id, OB.retro_note).where(OB.period_id == period_id)
        ):
            notes[oid] = note or ""
    lines = _objective_lines(tree.walk(), tree.objectives, latest, week_ago, notes, th)
    return Report(tree.period, today, tuple(lines), tuple(_kpi_lines(db, today)))


def _kr_line(kr: KrRow, r: Any, week_ago: float | None) -> KrLine:
    progress = kr_progress(kr.kind, kr.direction, kr.start, kr.target, week_ago)
    if r is None or r.kpi_id is not None:
        return KrLine(kr, None, "", None, week_ago, progress)
    return KrLine(kr, r.confidence, r.note or "", r.created_at, week_ago, progress)


def _objective_lines(
    walk: Iterator[tuple[int, ObjectiveRow]],
    objectives: dict[int, ObjectiveRow],
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
            objectives[row.parent_id].ref if row.parent_id in objectives else None,
            notes.get(row.id, ""),
            before[row.id],
            krs[row.id],
        )
        for depth, row in order
    ]


def _kpi_lines(db: Database, as_of: date) -> Iterator[KpiLine]:
    """The KPIs as they stood on ``as_of`` (a closed period's last day, or today)."""
    for panel in kpi_panels(db, last=4, as_of=as_of):
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
        )


# --- shared wording -----------------------------------------------------------------------


def value_text(kr: KrRow) -> str:
    """``current / target`` with units; milestones read done / not done."""
    if kr.kind == Kind.MILESTONE:
        return "not started" if kr.current is None else ("done" if kr.current >= 1 else "not done")
    if kr.direction in (Direction.STAY_ABOVE, Direction.STAY_BELOW) and kr.kind == Kind.METRIC:
        side = "≥" if kr.direction == Direction.STAY_ABOVE else "≤"
        line = format_number(kr.target, kr.unit)
        return f"{format_number(kr.current, kr.unit)} (hold {side} {line})"
    return f"{format_number(kr.current, kr.unit)} / {format_number(kr.target, kr.unit)}"


def _signed(value: float, unit: str = "") -> str:
    text = format_number(abs(value), unit)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def _points(after: float | None, before: float | None) -> str:
    """A score move in percentage points ("+5 pts"), or "" when there is nothing to compare."""
    if after is None or before is None:
        return ""
    pts = round((min(after, 1.0) - min(before, 1.0)) * 100)
    return "" if pts == 0 else f"{'+' if pts > 0 else '−'}{abs(pts)} pts"


def _one_line(text: str) -> str:
    return " / ".join(line.strip() for line in clean_multiline(text).splitlines() if line.strip())


# --- Markdown -----------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&!])")


def md(text: str) -> str:
    """User text as literal Markdown: one line, controls removed, syntax backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", _one_line(text))


def _md_objective(o: ObjectiveLine, indent: int) -> str:
    row = o.row
    parts = [f"@{md(row.owner)}", format_percent(row.score), status_label(row.band, row.score)]
    if row.grade is not None:
        parts.append(f"final grade {row.grade:.2f}")
    line = f"{'  ' * indent}- **{row.ref} {md(row.title)}** · " + " · ".join(parts)
    if o.retro_note:
        line += f" — retro: “{md(o.retro_note)}”"
    return line


def _md_kr(kr: KrLine, indent: int) -> str:
    row = kr.row
    parts = [
        f"@{md(row.owner)}",
        md(value_text(row)),
        format_percent(row.progress),
        status_label(row.band, row.progress, row.kind, row.direction),
    ]
    if row.kpi_name:
        parts.append(f"follows KPI {md(row.kpi_name)}")
    if kr.confidence is not None:
        parts.append(f"confidence {CONFIDENCE_LABEL[kr.confidence]}")
    line = f"{'  ' * indent}- {row.ref} {md(row.title)} · " + " · ".join(parts)
    if kr.note:
        line += f" — “{md(kr.note)}”"
    return line


def render_markdown(report: Report) -> str:
    """The report as Markdown, ordered as a weekly meeting agenda."""
    p = report.period
    counts = report.band_counts()
    out = [
        f"# {md(p.name)} OKR report",
        "",
        (
            f"Final report, as of its last day {p.ends_on} · {p.starts_on} → {p.ends_on} "
            f"({p.state.value})"
            if report.today >= p.ends_on
            else f"Week of {report.today.isoformat()} · {p.starts_on} → {p.ends_on} "
            f"({p.state.value}) · {format_percent(report.elapsed)} of the period elapsed"
        ),
        "",
        f"{len(report.objectives)} objectives · average score {format_percent(report.average)} · "
        + " · ".join(f"{counts[b]} {BAND_LABEL[b]}" for b in SEVERITY if counts[b]),
        "",
        "## 1. Needs attention",
        "",
    ]
    attention = report.attention()
    if not attention:
        out.append("Every objective is on track or better.")
    for o in attention:
        out.append(_md_objective(o, 0))
        out.extend(_md_kr(kr, 1) for kr in o.key_results if SEVERITY[kr.row.band] <= 2)
    out += ["", f"## 2. What changed since {report.since.isoformat()}", ""]
    out += _md_changes(report)
    out += ["", "## 3. All objectives", ""]
    if not report.objectives:
        out.append("No objectives in this period yet.")
    for o in report.objectives:
        out.append(_md_objective(o, o.depth))
        out.extend(_md_kr(kr, o.depth + 1) for kr in o.key_results)
    out += ["", "## 4. KPIs", ""]
    out += _md_kpis(report.kpis)
    return "\n".join(out) + "\n"


def _md_changes(report: Report) -> list[str]:
    lines = []
    for _o, kr in report.moved_key_results():
        row = kr.row
        old, new = format_pair(kr.week_ago, row.current, row.unit)
        before = old if kr.week_ago is not None else "no value"
        move = f"{before} → {new}"
        if row.kind == Kind.MILESTONE:
            move = f"{'not done' if not kr.week_ago else 'done'} → {value_text(row)}"
        pts = _points(row.progress, kr.week_ago_progress)
        line = f"- {row.ref} {md(row.title)}: {md(move)}" + (f" ({pts})" if pts else "")
        line += f" · {status_label(row.band, row.progress, row.kind, row.direction)}"
        if kr.note and kr.checked_at is not None and kr.checked_at.date() >= report.since:
            line += f" — “{md(kr.note)}”"
        lines.append(line)
    for o in report.objectives:
        was = band(o.week_ago_score) if o.week_ago_score is not None else Band.NO_DATA
        if o.row.band != was and o.row.score is not None:
            lines.append(
                f"- {o.row.ref} {md(o.row.title)} moved from {BAND_LABEL[was]} to "
                f"{BAND_LABEL[o.row.band]} ("
                + " → ".join(percent_pair(o.week_ago_score, o.row.score))
                + ")"
            )
    recent = [k for k in report.kpis if k.latest and k.latest[0] >= report.since and k.delta]
    better = sum(1 for k in recent if k.delta_good)
    for k in recent:
        if k.delta_good is False:  # the agenda names what got worse; the table has the rest
            assert k.latest is not None and k.delta is not None
            warn = " · ⚠ trending the wrong way" if k.wrong_way else ""
            lines.append(
                f"- KPI {md(k.name)} got worse: {md(_signed(k.delta, k.unit))} to "
                f"{md(format_number(k.latest[1], k.unit))}{warn}"
            )
    if better:
        lines.append(f"- {better} KPI{'s' if better != 1 else ''} improved (see the KPI table)")
    return lines or ["Nothing was checked in or recorded this week."]


def _md_kpis(kpis: tuple[KpiLine, ...]) -> list[str]:
    if not kpis:
        return ["No KPIs yet."]
    out = [
        "| KPI | Latest | Δ since previous | Health | Target | Owner |",
        "| --- | ---: | ---: | --- | ---: | --- |",
    ]
    for k in kpis:
        latest = (
            f"{format_number(k.latest[1], k.unit)} ({k.latest[0].isoformat()})" if k.latest else "—"
        )
        delta = "—" if k.delta is None else _signed(k.delta, k.unit)
        if k.delta_good is not None:
            delta += " ▲" if k.delta > 0 else " ▼"  # type: ignore[operator]
            delta += " good" if k.delta_good else " bad"
        health = k.health + (" ⚠ trending the wrong way" if k.wrong_way else "")
        target = format_number(k.target, k.unit) if k.target is not None else "—"
        out.append(
            f"| {md(k.name)} | {md(latest)} | {md(delta)} | {health} | {md(target)} | "
            f"{md(k.owner)} |"
        )
    return out


# --- CSV ----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "type",
    "ref",
    "parent",
    "depth",
    "title",
    "owner",
    "current",
    "target",
    "unit",
    "score",
    "band",
    "confidence",
    "note",
    "updated",
    "previous",
    "delta",
    "health",
    "grade",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str, depth: int = 0) -> str:
    """User text safe for a spreadsheet: one line, indented ``depth`` levels, never a formula."""
    value = "  " * depth + _one_line(text)
    return "'" + value if value.lstrip().startswith(_FORMULA_START) else value


def _num(value: float | None) -> str:
    """A number for a spreadsheet: ten significant digits hide float noise (0.48, not 0.48…04)."""
    return "" if value is None else f"{value:.10g}"


def render_csv(report: Report) -> str:
    """One row per objective, key result and KPI; titles indented two spaces per level."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for o in report.objectives:
        row = o.row
        delta = (
            None if row.score is None or o.week_ago_score is None else row.score - o.week_ago_score
        )
        writer.writerow(
            [
                "objective",
                row.ref,
                o.parent_ref or "",
                o.depth,
                cell(row.title, o.depth),
                cell(row.owner),
                "",
                "",
                "",
                _num(row.score),
                BAND_LABEL[row.band],
                "",
                cell(o.retro_note),
                "",
                _num(o.week_ago_score),
                _num(delta),
                "",
                _num(row.grade),
            ]
        )
        for kr in o.key_results:
            k = kr.row
            delta = None if k.current is None or kr.week_ago is None else k.current - kr.week_ago
            writer.writerow(
                [
                    "key_result",
                    k.ref,
                    row.ref,
                    o.depth + 1,
                    cell(k.title, o.depth + 1),
                    cell(k.owner),
                    _num(k.current),
                    _num(k.target),
                    cell(k.unit),
                    _num(k.progress),
                    BAND_LABEL[k.band],
                    CONFIDENCE_LABEL[kr.confidence] if kr.confidence else "",
                    cell(kr.note),
                    kr.checked_at.isoformat() if kr.checked_at else "",
                    _num(kr.week_ago),
                    _num(delta),
                    "",
                    "",
                ]
            )
    for kpi in report.kpis:
        writer.writerow(
            [
                "kpi",
                kpi.ref,
                "",
                0,
                cell(kpi.name),
                cell(kpi.owner),
                _num(kpi.latest[1] if kpi.latest else None),
                _num(kpi.target),
                cell(kpi.unit),
                "",
                "",
                "",
                "",
                kpi.latest[0].isoformat() if kpi.latest else "",
                _num(kpi.previous[1] if kpi.previous else None),
                _num(kpi.delta),
                kpi.health,
                "",
            ]
        )
    return buffer.getvalue()


# --- JSON ---------------------------------------------------------------------------------

# What json.dumps(ensure_ascii=False) leaves raw but must not reach a terminal that cats it.
_JSON_ESCAPE = re.compile(
    r"[\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)


def _kr_json(kr: KrLine) -> dict[str, Any]:
    k = kr.row
    return {
        "ref": k.ref,
        "title": clean_line(k.title),
        "owner": k.owner,
        "kind": k.kind.value,
        "direction": k.direction.value,
        "start": k.start,
        "target": k.target,
        "unit": k.unit,
        "current": k.current,
        "score": k.progress,
        "band": k.band.value,
        "kpi": k.kpi_name,
        "confidence": kr.confidence.value if kr.confidence else None,
        "note": clean_multiline(kr.note),
        "checked_in_at": kr.checked_at.isoformat() if kr.checked_at else None,
        "week_ago": kr.week_ago,
        "week_ago_score": kr.week_ago_progress,
    }


def render_json(report: Report) -> str:
    """The report as a JSON document; objectives nested under their parents."""
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for o in report.objectives:
        row = o.row
        node = {
            "ref": row.ref,
            "title": clean_line(row.title),
            "owner": row.owner,
            "level": row.level.value,
            "team": row.team,
            "state": str(row.state),
            "score": row.score,
            "band": row.band.value,
            "week_ago_score": o.week_ago_score,
            "grade": row.grade,
            "retro_note": clean_multiline(o.retro_note),
            "collaborators": list(row.collaborators),
            "key_results": [_kr_json(kr) for kr in o.key_results],
            "children": [],
        }
        nodes[row.ref] = node
        parent = nodes.get(o.parent_ref) if o.parent_ref else None
        (parent["children"] if parent is not None else roots).append(node)
    p = report.period
    document = {
        "format": "okrtui-report",
        "version": 1,
        "period": {
            "name": p.name,
            "starts_on": p.starts_on.isoformat(),
            "ends_on": p.ends_on.isoformat(),
            "state": p.state.value,
        },
        "today": report.today.isoformat(),
        "since": report.since.isoformat(),
        "elapsed": report.elapsed,
        "average_score": report.average,
        "bands": {b.value: n for b, n in report.band_counts().items()},
        "needs_attention": [o.row.ref for o in report.attention()],
        "changed_since": [kr.row.ref for _o, kr in report.moved_key_results()],
        "objectives": roots,
        "kpis": [
            {
                "ref": k.ref,
                "name": clean_line(k.name),
                "unit": k.unit,
                "owner": k.owner,
                "latest": k.latest[1] if k.latest else None,
                "latest_on": k.latest[0].isoformat() if k.latest else None,
                "previous": k.previous[1] if k.previous else None,
                "delta": k.delta,
                "delta_is_good": k.delta_good,
                "health": k.health,
                "target": k.target,
                "trending_wrong_way": k.wrong_way,
            }
            for k in report.kpis
        ],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    return _JSON_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def write_new_file(path: Path, text: str) -> Path:
    """Write a report to a file that must not exist yet (never overwrite, never follow a link)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise DomainError(f"{path} already exists; choose a new file name") from None
    except OSError as exc:
        raise DomainError(f"cannot write {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return path


RENDERERS = {"md": render_markdown, "csv": render_csv, "json": render_json}


def render(report: Report, fmt: str) -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown report format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return RENDERERS[fmt](report)
