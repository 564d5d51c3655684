"""A period's report as one self-contained HTML file, for readers without a terminal.

Overview first, then each objective with its burn-up chart, what changed this week
and the KPIs: leadership reads the shape before the detail. Built from the same
:class:`~store.io.report.Report` as the Markdown, CSV and JSON
reports, plus each objective's burn-up series (:func:`report_charts`: one read for
every key result of the period). The file fetches nothing: inline CSS, SVG charts
drawn by :mod:`store.io.svg`, no script, and a Content-Security-Policy that forbids
any request, so a mail client or browser opening it shows it as written. It reads on
a phone (one column, nothing wider than the screen) and prints (no backgrounds needed,
objectives kept whole on a page).

Everything a person wrote (titles, names, notes, units, team names) is cleaned of
control characters and HTML-escaped here; nothing user-written ever reaches an
attribute unescaped.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from html import escape

from store.db.database import Database
from store.domain.burnup import BurnUp, objective_burnup
from store.domain.scoring import Thresholds
from store.domain.staleness import DEFAULT_CADENCE_DAYS
from store.domain.validation import clean_line, clean_multiline
from store.format import format_number, format_percent, kr_value, status_label
from store.io.overview import BANDS, BandCounts, Item, Of, Overview, build_overview
from store.io.report import CONFIDENCE_LABEL, KpiLine, KrLine, ObjectiveLine, Report
from store.io.svg import BAND_COLOUR, CONFIDENCE_COLOUR, band_bar, burnup_svg, sparkline_svg
from store.model.enums import BAND_LABEL, Band
from store.read.burnup import burnup_samples, spec_of

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'"
)
"""Nothing may be fetched, run, submitted or based elsewhere; only the inline styles apply."""

STYLE = """
:root { color-scheme: light; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1f2328; background: #fff; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0; }
body, h1, h2, h3, p, li { overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.ref { color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
.dot { display: inline-block; width: .7em; height: .7em; border-radius: 50%;
       vertical-align: baseline; margin-right: .25em; }
.legend { display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding: 0; list-style: none;
          font-size: .9rem; }
.groups { margin-top: .75rem; font-size: .95rem; }
.group { display: grid; grid-template-columns: 11rem 1fr 1fr 12.5rem; gap: .3rem .6rem;
         grid-template-areas: "name obj kr counts"; align-items: center; margin: .3rem 0; }
.group > .name { grid-area: name; } .group > .obj { grid-area: obj; }
.group > .kr { grid-area: kr; } .group > .counts { grid-area: counts; }
@media (max-width: 40rem) {
  .group { grid-template-columns: 1fr 1fr; grid-template-areas: "name counts" "obj kr"; }
  .group > .counts { text-align: right; }
}
svg.bands { width: 100%; height: 1rem; display: block; }
.groups svg.bands { height: .9rem; }
.lists { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
.lists ul, .changes { padding-left: 1.1rem; margin: .25rem 0; }
article { border: 1px solid var(--line); border-left: 6px solid var(--band); border-radius: 6px;
          padding: .75rem 1rem; margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }
article .meta { margin: .2rem 0 .5rem; font-size: .95rem; }
svg.burnup { width: 100%; height: auto; display: block; max-width: 40rem; }
.krs { list-style: none; padding: 0; margin: .5rem 0 0; }
.krs li { padding: .35rem 0; border-top: 1px solid #eaeef2; }
.note { margin: .15rem 0 0 1rem; color: var(--muted); font-style: italic; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .75rem; }
.kpi { border: 1px solid var(--line); border-top: 4px solid var(--health); border-radius: 6px;
       padding: .5rem .75rem; break-inside: avoid; }
.kpi .value { font-size: 1.3rem; font-weight: 600; }
svg.spark { width: 100%; height: 2.2rem; display: block; }
footer { margin: 2rem 0 1rem; font-size: .85rem; color: var(--muted); }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

HEALTH_COLOUR = {"green": BAND_COLOUR[Band.ON_TRACK], "amber": BAND_COLOUR[Band.AT_RISK],
                 "red": BAND_COLOUR[Band.OFF_TRACK]}  # fmt: skip


def report_charts(db: Database, report: Report) -> dict[int, BurnUp]:
    """Each objective's burn-up (objective id → series), for those with key results: the
    values of every key result of the period in one read (store/read/burnup.py)."""
    krs = [kr.row for line in report.objectives for kr in line.key_results]
    samples = burnup_samples(db, krs, report.period)
    p = report.period
    return {
        line.row.id: objective_burnup(
            [(spec_of(kr.row), samples[kr.row.id]) for kr in line.key_results],
            p.starts_on, p.ends_on, report.today,
        )
        for line in report.objectives
        if line.key_results
    }  # fmt: skip


def text(value: str | None) -> str:
    """User text for HTML: one line, controls removed, escaped (quotes too)."""
    return escape(clean_line(value or ""), quote=True)


def paragraphs(value: str | None) -> str:
    """Multi-line user text for HTML: escaped, its line breaks kept."""
    return "<br>".join(
        escape(line, quote=True) for line in clean_multiline(value or "").splitlines()
    )


def _dot(colour: str) -> str:
    return f'<span class="dot" style="background:{colour}"></span>'


def _band(band: Band, label: str | None = None) -> str:
    return f"{_dot(BAND_COLOUR[band])}{escape(label or BAND_LABEL[band])}"


def render_html(
    report: Report,
    charts: Mapping[int, BurnUp],
    thresholds: Thresholds | None = None,
    stale_after: int = DEFAULT_CADENCE_DAYS,
) -> str:
    """The report as one HTML document (see the module docstring for what it promises);
    ``stale_after`` is the team's cadence, as the overview screen uses it."""
    p = report.period
    overview = build_overview(report, stale_after)
    title = f"{clean_line(p.name)} OKR report"
    when = (
        f"Final report, as of its last day {p.ends_on}"
        if report.today >= p.ends_on
        else f"Week of {report.today.isoformat()} · {format_percent(report.elapsed)} of the "
        "period elapsed"
    )
    body = [
        f"<header><h1>{escape(title)}</h1>",
        f'<p class="muted">{escape(when)} · {p.starts_on} → {p.ends_on} ({p.state.value})</p>',
        "</header>",
        *_overview(overview),
        '<section id="objectives"><h2>Objectives</h2>',
    ]
    if not report.objectives:
        body.append("<p>No objectives in this period yet.</p>")
    for line in report.objectives:
        body += _objective(line, charts.get(line.row.id), thresholds)
    body.append("</section>")
    body += _changes(report)
    body += _kpis(report.kpis)
    body.append(f"<footer>Made by okrtui on {report.today.isoformat()}. Scores: "
                "progress to target, 100% = target reached; bands by the team's "
                "thresholds.</footer>")  # fmt: skip
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        "<body><main>\n" + "\n".join(body) + "\n</main></body></html>\n"
    )


def _legend() -> str:
    items = "".join(f"<li>{_band(b)}</li>" for b in BANDS)
    return f'<ul class="legend" aria-label="bands">{items}</ul>'


def _group_rows(title: str, groups: Iterable[BandCounts]) -> list[str]:
    """A group table: each group's objectives and key results as band bars, with their
    counts and the share on track or better."""
    out = ['<div class="groups">',
           f'<div class="group"><h3 class="name">{escape(title)}</h3>'
           '<span class="obj muted">objectives</span><span class="kr muted">key results</span>'
           "</div>"]  # fmt: skip
    for group in groups:
        bars = []
        for counts, what in ((group.objectives, "objectives"), (group.key_results, "key results")):
            said = ", ".join(f"{n} {BAND_LABEL[b]}" for b, n in counts.items() if n)
            bars.append(band_bar(counts, f"{clean_line(group.name)} {what}: {said or 'none'}"))
        out.append(
            f'<div class="group"><span class="name">{text(group.name)}</span>'
            f'<span class="obj">{bars[0]}</span><span class="kr">{bars[1]}</span>'
            f'<span class="counts muted">{group.objective_total} obj. '
            f"{format_percent(group.share_on_track('objectives'))} · {group.kr_total} KRs "
            f"{format_percent(group.share_on_track('key_results'))}</span></div>"
        )
    out.append("</div>")
    return out


def _items(title: str, items: Iterable[Item], empty: str) -> list[str]:
    shown = list(items)
    out = [f"<div><h3>{escape(title)}</h3><ul>"]
    for item in shown:
        out.append(
            f'<li><span class="ref">{item.ref}</span> {text(item.title)} · '
            f"{_band(item.band, status_label(item.band, item.score))} "
            f"{format_percent(item.score)} · {escape(item.detail)}</li>"
        )
    if not shown:
        out.append(f'<li class="muted">{escape(empty)}</li>')
    out.append("</ul></div>")
    return out


def _shares(total: BandCounts, of: Of) -> str:
    """Each band's count and share ("● on track 8 (62%) · …"), bands without any left out."""
    counts = total.objectives if of == "objectives" else total.key_results
    return " · ".join(
        f"{_band(b)} {counts[b]} ({format_percent(total.share(b, of))})" for b in BANDS if counts[b]
    )


def _overview(ov: Overview) -> list[str]:
    r = ov.report
    total = ov.total
    shares, kr_shares = (_shares(total, "objectives"), _shares(total, "key_results"))
    out = [
        '<section id="overview"><h2>Overview</h2>',
        f"<p><strong>{total.objective_total} objectives</strong> · average score "
        f"<strong>{format_percent(r.average)}</strong> · {total.kr_total} key results</p>",
        f"<p>Objectives: {shares or 'none yet'}</p>",
        band_bar(total.objectives, "objectives by band"),
        f"<p>Key results: {kr_shares or 'none yet'}</p>",
        band_bar(total.key_results, "key results by band"),
        _legend(),
        '<p class="muted">Each bar: the share of each band; the percentages: on track or '
        "better.</p>",
        *_group_rows("By level", ov.levels),
        *_group_rows("By team", ov.teams),
        '<div class="lists">',
        *_items("Biggest movers this week", ov.movers, "nothing moved this week"),
        *_items("At risk or off track", ov.at_risk, "every objective is on track or better"),
        *_items("Stale key results", ov.stale, "every key result was checked in lately"),
        "</div></section>",
    ]
    return out


def _changes(report: Report) -> list[str]:
    out = [f'<section id="changes"><h2>What changed since {report.since.isoformat()}</h2>',
           '<ul class="changes">']  # fmt: skip
    lines = 0
    for _o, kr in report.confidence_drops():
        assert kr.confidence is not None and kr.previous_confidence is not None
        out.append(
            f'<li><span class="ref">{kr.row.ref}</span> {text(kr.row.title)}: confidence '
            f"dropped from {_dot(CONFIDENCE_COLOUR[kr.previous_confidence])}"
            f"{CONFIDENCE_LABEL[kr.previous_confidence]} to "
            f"{_dot(CONFIDENCE_COLOUR[kr.confidence])}{CONFIDENCE_LABEL[kr.confidence]}</li>"
        )
        lines += 1
    for _o, kr in report.moved_key_results():
        row = kr.row
        before = format_number(kr.week_ago, row.unit) if kr.week_ago is not None else "no value"
        out.append(
            f'<li><span class="ref">{row.ref}</span> {text(row.title)}: {text(before)} → '
            f"{text(kr_value(row))} · "
            f"{_band(row.band, status_label(row.band, row.progress, row.kind, row.direction))}</li>"
        )
        lines += 1
    if not lines:
        out.append("<li>Nothing was checked in this week.</li>")
    out.append("</ul>")
    missing = report.not_checked_in()
    if missing:
        out.append('<h3>Not checked in this week</h3><ul class="changes">')
        out += [f"<li>@{text(m.owner)}: {text(m.gap())}</li>" for m in missing]
        out.append("</ul>")
    if report.comments:
        out.append('<h3>Comments this week</h3><ul class="changes">')
        out += [
            f'<li><span class="ref">{c.subject}</span> @{text(c.author)} '
            f"{c.created_at:%Y-%m-%d}: “{text(c.body)}”</li>"
            for c in report.comments
        ]
        out.append("</ul>")
    out.append("</section>")
    return out


def _kr(kr: KrLine) -> str:
    row = kr.row
    label = status_label(row.band, row.progress, row.kind, row.direction)
    parts = [
        f'<span class="ref">{row.ref}</span> {text(row.title)}',
        f"<br>{text(kr_value(row))} · {format_percent(row.progress)} {_band(row.band, label)}"
        f' · <span class="muted">@{text(row.owner)}</span>',
    ]
    if kr.confidence is not None:
        parts.append(f" · confidence {_dot(CONFIDENCE_COLOUR[kr.confidence])}"
                     f"{CONFIDENCE_LABEL[kr.confidence]}")  # fmt: skip
    if row.kpi_name:
        parts.append(f' · <span class="muted">follows KPI {text(row.kpi_name)}</span>')
    if kr.note:
        parts.append(f'<p class="note">“{paragraphs(kr.note)}”</p>')
    return "<li>" + "".join(parts) + "</li>"


def _objective(line: ObjectiveLine, burn: BurnUp | None, th: Thresholds | None) -> list[str]:
    row = line.row
    where = row.level.value + (f" · {clean_line(row.team)}" if row.team else "")
    out = [
        f'<article id="{row.ref}" style="--band:{BAND_COLOUR[row.band]}">',
        f'<h3><span class="ref">{row.ref}</span> {text(row.title)}</h3>',
        f'<p class="meta">{_band(row.band, status_label(row.band, row.score))} '
        f"<strong>{format_percent(row.score)}</strong> · @{text(row.owner)} · "
        f'<span class="muted">{escape(where)}</span>'
        + (f" · final grade {row.grade:.2f}" if row.grade is not None else "")
        + "</p>",
    ]
    if row.description:
        out.append(f"<p>{paragraphs(row.description)}</p>")
    if burn is not None and burn.points:
        out.append(burnup_svg(burn, f"{clean_line(row.ref)} score over the period", th))
    elif burn is not None:
        out.append('<p class="muted">No check-ins yet: no burn-up chart.</p>')
    if line.retro_note:
        out.append(f'<p class="note">Retro: “{paragraphs(line.retro_note)}”</p>')
    out.append('<ul class="krs">' + "".join(_kr(kr) for kr in line.key_results) + "</ul>")
    out.append("</article>")
    return out


def _kpis(kpis: Iterable[KpiLine]) -> list[str]:
    shown = list(kpis)
    out = ['<section id="kpis"><h2>KPIs</h2>']
    if not shown:
        out.append("<p>No KPIs yet.</p></section>")
        return out
    out.append('<div class="kpis">')
    for k in shown:
        colour = HEALTH_COLOUR.get(k.health, BAND_COLOUR[Band.NO_DATA])
        latest = format_number(k.latest[1], k.unit) if k.latest else "—"
        delta = ""
        if k.delta is not None and k.delta_good is not None:
            arrow = "▲" if k.delta > 0 else "▼" if k.delta < 0 else "±"
            good = "good" if k.delta_good else "bad"
            moved = text(format_number(abs(k.delta), k.unit))
            delta = f'{arrow} {moved} <span class="muted">({good})</span>'
        target = (
            f" · target {text(format_number(k.target, k.unit))}" if k.target is not None else ""
        )
        warn = " · ⚠ trending the wrong way" if k.wrong_way else ""
        values = [v for _, v in k.history]
        out.append(
            f'<div class="kpi" style="--health:{colour}"><div>{text(k.name)}</div>'
            f'<div class="value">{text(latest)}</div><div>{delta}</div>'
            f"{sparkline_svg(values, clean_line(k.name), k.unit)}"
            f'<div class="muted">{escape(k.health)}{target}{warn} · @{text(k.owner)}</div></div>'
        )
    out.append("</div></section>")
    return out


def html_report(
    db: Database,
    period_id: int,
    today: date | None = None,
    thresholds: Thresholds | None = None,
    stale_after: int = DEFAULT_CADENCE_DAYS,
) -> str:
    """Build and render a period's HTML report (``okrtui report --format html``)."""
    from store.io.report import build_report

    report = build_report(db, period_id, today, thresholds)
    return render_html(report, report_charts(db, report), thresholds, stale_after)
