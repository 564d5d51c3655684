"""A built report (store/io/report.py) as Markdown, CSV or JSON.

Each renderer makes its format safe for where it goes: Markdown escapes what would be
markup, CSV neutralises cells a spreadsheet would run as a formula, JSON escapes what a
terminal would act on. User text is cleaned to one line where a format needs it.
"""

import csv
import io
import re
from typing import Any

from store.domain.scoring import band
from store.domain.validation import clean_line, clean_multiline
from store.format import (
    format_number,
    format_pair,
    format_percent,
    json_text,
    kr_value,
    percent_pair,
    status_label,
)
from store.io.report import (
    CONFIDENCE_LABEL,
    FORMATS,
    SEVERITY,
    KpiLine,
    KrLine,
    ObjectiveLine,
    Report,
)
from store.model.enums import (
    BAND_LABEL,
    Band,
    Kind,
)


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
        md(kr_value(row)),
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
    missing = report.not_checked_in()
    if missing:
        out += ["", "### Not checked in this week", ""]
        out += [f"- @{md(m.owner)}: {md(m.gap())}" for m in missing]
    if report.comments:
        out += ["", "### Comments this week", ""]
        out += [
            f"- {c.subject} @{md(c.author)} {c.created_at:%Y-%m-%d}: “{md(_one_line(c.body))}”"
            for c in report.comments
        ]
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
            move = f"{'not done' if not kr.week_ago else 'done'} → {kr_value(row)}"
        pts = _points(row.progress, kr.week_ago_progress)
        line = f"- {row.ref} {md(row.title)}: {md(move)}" + (f" ({pts})" if pts else "")
        line += f" · {status_label(row.band, row.progress, row.kind, row.direction)}"
        if kr.note and kr.checked_at is not None and kr.checked_at.date() >= report.since:
            line += f" — “{md(kr.note)}”"
        lines.append(line)
    for _o, kr in report.confidence_drops():
        assert kr.confidence is not None and kr.previous_confidence is not None
        lines.append(
            f"- {kr.row.ref} {md(kr.row.title)}: confidence dropped from "
            f"{CONFIDENCE_LABEL[kr.previous_confidence]} to {CONFIDENCE_LABEL[kr.confidence]}"
            + (f" — “{md(kr.note)}”" if kr.note else "")
        )
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
        if k.delta_good is not None and k.delta is not None:
            delta += " ▲" if k.delta > 0 else " ▼"
            delta += " good" if k.delta_good else " bad"
        health = k.health + (" ⚠ trending the wrong way" if k.wrong_way else "")
        target = format_number(k.target, k.unit) if k.target is not None else "—"
        out.append(
            f"| {md(k.name)} | {md(latest)} | {md(delta)} | {health} | {md(target)} | "
            f"{md(k.owner)} |"
        )
    return out


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
        "previous_confidence": kr.previous_confidence.value if kr.previous_confidence else None,
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
        "confidence_dropped": [kr.row.ref for _o, kr in report.confidence_drops()],
        "not_checked_in": [
            {"owner": m.owner, "key_results": list(m.refs), "days": m.days}
            for m in report.not_checked_in()
        ],
        "comments": [
            {
                "id": c.id,
                "on": c.subject,
                "author": c.author,
                "at": c.created_at.isoformat(),
                "edited": c.edited_at is not None,
                "text": clean_multiline(c.body),
            }
            for c in report.comments
        ],
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
    return json_text(document) + "\n"


RENDERERS = {"md": render_markdown, "csv": render_csv, "json": render_json}


def render(report: Report, fmt: str) -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown report format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return RENDERERS[fmt](report)
