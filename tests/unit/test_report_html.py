"""The HTML report (store/io/report_html.py, store/io/svg.py): self-contained, escaped, and
its charts say what they show. The browser checks are in tests/e2e/test_report_browser.py."""

import re
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from okrtui.cli.main import main
from store.db.database import Database
from store.domain.burnup import BurnUp
from store.domain.scoring import Thresholds
from store.io.report import build_report
from store.io.report_html import CSP, html_report, render_html, report_charts
from store.io.svg import (
    BAND_COLOUR,
    BOTTOM,
    CONFIDENCE_COLOUR,
    LEFT,
    RIGHT,
    TOP,
    band_bar,
    burnup_svg,
)
from store.model.enums import Band, Confidence
from store.write.checkins import check_in
from store.write.key_results import create_key_result
from store.write.kpis import create_kpi, record_kpi_value
from store.write.objectives import create_objective

TODAY = date(2026, 11, 23)
Q4 = 2
START, END = date(2026, 10, 1), date(2026, 12, 31)


@pytest.fixture
def demo_html(demo_db: Database) -> str:
    return html_report(demo_db, Q4, TODAY)


def test_the_report_fetches_nothing_and_runs_nothing(demo_html: str) -> None:
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in demo_html
    assert "default-src 'none'" in CSP and "script-src" not in CSP
    assert "<script" not in demo_html.lower() and "<link" not in demo_html.lower()
    assert "url(" not in demo_html and "@import" not in demo_html
    assert not re.search(r"\bon[a-z]+\s*=", demo_html)  # no event handler attributes
    for attribute in re.findall(r'\b(?:src|href|xlink:href|action)\s*=\s*"([^"]*)"', demo_html):
        assert not re.match(r"(?i)\s*(https?:|//|ftp:|javascript:)", attribute), attribute
    # the only URL in the file is the SVG namespace, which names and fetches nothing
    assert set(re.findall(r"https?://[^\s\"'<>]+", demo_html)) == {"http://www.w3.org/2000/svg"}


def test_the_report_has_the_overview_each_objective_with_its_chart_and_the_kpis(
    demo_db: Database, demo_html: str
) -> None:
    report = build_report(demo_db, Q4, TODAY)
    charts = report_charts(demo_db, report)
    for line in report.objectives:
        article = demo_html.split(f'<article id="{line.row.ref}"', 1)[1].split("</article>", 1)[0]
        assert unescape(line.row.title) in unescape(article)
        has_chart = line.key_results and charts[line.row.id].points
        assert ('<svg class="burnup"' in article) == bool(has_chart), line.row.ref
        for kr in line.key_results:
            assert f"{kr.row.ref}</span>" in article
    assert demo_html.count('<svg class="spark"') == sum(
        1 for k in report.kpis if len(k.history) > 1
    )
    for heading in ("Overview", "What changed since 2026-11-16", "Objectives", "KPIs",
                    "Biggest movers this week", "At risk or off track", "Stale key results",
                    "By level", "By team"):  # fmt: skip
        assert f">{heading}</h" in demo_html
    notes = [kr.note for line in report.objectives for kr in line.key_results if kr.note]
    assert notes and all(unescape(n) in unescape(demo_html) for n in notes[:5])


def test_user_text_is_escaped_everywhere(demo_db: Database, me: str) -> None:
    evil = "<script>alert(\"x\")</script> & 'q'"
    oid = create_objective(demo_db, me, period_id=Q4, title=evil, owner=me,
                           description='<img src=x onerror="alert(1)">').id  # fmt: skip
    kr = create_key_result(demo_db, me, objective_id=oid, title="<b>bold</b>", start=0,
                           target=10, unit="<u>").id  # fmt: skip
    check_in(demo_db, me, kr, 4, note='line one <a href="javascript:x">\nline "two" &')
    kpi = create_kpi(demo_db, me, name="</style><script>", owner=me).id
    record_kpi_value(demo_db, me, kpi, 1, observed_on=date(2026, 11, 20))
    record_kpi_value(demo_db, me, kpi, 2, observed_on=date(2026, 11, 21))
    from store.write.comments import Subject, add_comment

    add_comment(demo_db, me, Subject("key_result", kr), 'a <script>x</script> "comment"')
    page = html_report(demo_db, Q4, TODAY)
    for raw in ("<script", "<img", "<b>bold", "<u>", "<a href"):
        assert raw not in page, raw
    assert "a &lt;script&gt;x&lt;/script&gt; &quot;comment&quot;" in page
    assert page.count("</style>") == 1  # the report's own
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;q&#x27;" in page
    assert "line one &lt;a href=&quot;javascript:x&quot;&gt;<br>line &quot;two&quot; &amp;" in page
    assert "&lt;/style&gt;&lt;script&gt;" in page


def burn(points: list[tuple[date, float]], confidences=()) -> BurnUp:
    return BurnUp(START, END, TODAY, tuple(points), tuple(confidences),
                  ((date(2026, 11, 20), 0.6), (END, 1.2)))  # fmt: skip


def test_each_check_in_dot_has_its_bands_colour_and_the_lines_are_drawn() -> None:
    days = [date(2026, 10, d) for d in (5, 10, 15, 20, 25)]
    scores = [0.1, 0.5, 0.8, 1.0, 1.2]
    bands = [Band.OFF_TRACK, Band.AT_RISK, Band.ON_TRACK, Band.ACHIEVED, Band.OVERPERFORMING]
    svg = burnup_svg(burn(list(zip(days, scores, strict=True))), "KR <1>", Thresholds())
    dots = re.findall(r'<circle class="check-in"[^>]*fill="(#[0-9a-f]{6})" data-band="(\w+)"', svg)
    assert dots == [(BAND_COLOUR[b], b.value) for b in bands]
    assert len(set(BAND_COLOUR.values())) == len(BAND_COLOUR)  # every band its own colour
    # the expected line runs from 0% at the start to 100% at the end (the top is 120%)
    line = re.search(r'<line class="expected" x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" '
                     r'y2="([\d.]+)"', svg)  # fmt: skip
    assert line is not None
    x1, y1, x2, y2 = map(float, line.groups())
    assert (x1, y1, x2) == (LEFT, BOTTOM, RIGHT)
    assert y2 == pytest.approx(BOTTOM - (BOTTOM - TOP) / 1.2, abs=0.1)
    assert 'class="forecast"' in svg and 'stroke-dasharray="6 4"' in svg
    assert 'class="today"' in svg and 'aria-label="KR &lt;1&gt;"' in svg


def test_the_confidence_strip_colours_each_check_in_until_the_next() -> None:
    given = [(date(2026, 10, 5), Confidence.ON_TRACK), (date(2026, 11, 1), Confidence.OFF_TRACK),
             (date(2026, 11, 10), None)]  # fmt: skip
    svg = burnup_svg(burn([(d, 0.5) for d, _ in given], given), "x")
    fills = re.findall(r'<rect class="confidence"[^>]*fill="(#[0-9a-f]{6})"', svg)
    assert fills == [CONFIDENCE_COLOUR[c] for _, c in given]


def test_the_band_bar_gives_each_band_its_share_in_its_colour() -> None:
    counts = {Band.ON_TRACK: 3, Band.AT_RISK: 1, Band.OFF_TRACK: 0, Band.NO_DATA: 2}
    svg = band_bar(counts, "all")
    rects = re.findall(r'width="([\d.]+)" height="14" fill="(#[0-9a-f]{6})"', svg)
    assert rects == [("150.0", BAND_COLOUR[Band.ON_TRACK]), ("50.0", BAND_COLOUR[Band.AT_RISK]),
                     ("100.0", BAND_COLOUR[Band.NO_DATA])]  # fmt: skip


def test_an_empty_period_still_makes_a_page(db: Database, me: str) -> None:
    from store.write.periods import create_period

    pid = create_period(db, me, "2027-Q1", date(2027, 1, 1), date(2027, 3, 31)).id
    report = build_report(db, pid, date(2027, 1, 10))
    page = render_html(report, {})
    assert "No objectives in this period yet." in page and "No KPIs yet." in page


def test_cli_writes_the_html_report_to_a_new_file(demo_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "q4.html"
    runner = CliRunner()
    result = runner.invoke(main, ["--db", str(demo_path), "report", "--format", "html",
                                  "--period", "2026-Q4", "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "2026-Q4 OKR report" in page
    again = runner.invoke(main, ["--db", str(demo_path), "report", "--format", "html",
                                 "-o", str(out)])  # fmt: skip
    assert again.exit_code != 0 and "already exists" in again.output


def test_the_html_report_lists_who_has_not_checked_in_and_the_comments(demo_html: str) -> None:
    """The weekly report's sections of issue 19 (owner, key results, days; the week's
    comments), as the Markdown has them."""
    assert "<h3>Not checked in this week</h3>" in demo_html
    assert "<li>@jon: KR-33 (" in demo_html and "days without a check-in)</li>" in demo_html
    assert "<h3>Comments this week</h3>" in demo_html
    assert "Is 35% still realistic after the October slip?" in demo_html
