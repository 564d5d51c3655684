"""The HTML report in a real headless browser (Debian's chromium, tests/browser.py).

At a desktop and a phone width: nothing wider than the screen (no horizontal scroll),
no request leaves the page (the browser's network log holds the file itself and nothing
else, and its Content-Security-Policy blocks what an attacker would inject), the charts
are drawn with each band's colour and the expected line, and a screenshot is taken.
Skipped without chromium, unless ``OKRTUI_TEST_BROWSER=1`` (.ci/run) insists.
"""

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Page, chromium_or_skip, headless_page

from store.db.database import Database
from store.io.overview import BANDS
from store.io.report_html import html_report
from store.io.svg import BAND_COLOUR
from store.write.checkins import check_in
from store.write.key_results import create_key_result
from store.write.objectives import create_objective

TODAY = "2026-11-23"
Q4 = 2
WIDTHS = [pytest.param((1280, 800, False), id="desktop"),
          pytest.param((390, 844, True), id="phone")]  # fmt: skip


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with headless_page(chromium_or_skip()) as opened:
        yield opened


@pytest.fixture
def report_file(demo_db: Database, me: str, tmp_path: Path) -> Path:
    """The demo's Q4 report, with an objective off track and one overperforming added so
    every band has a dot, and a long unbroken title that must not widen a phone's page."""
    from datetime import UTC, date, datetime

    for title, values in (("Sinking", (1, 2)), ("Flying" + "x" * 80, (50, 130))):
        oid = create_objective(demo_db, me, period_id=Q4, title=title, owner=me).id
        kr = create_key_result(demo_db, me, objective_id=oid, title=title, start=0,
                               target=100).id  # fmt: skip
        for day, value in zip((2, 16), values, strict=True):
            check_in(demo_db, me, kr, value, at=datetime(2026, 11, day, 9, tzinfo=UTC))
    path = tmp_path / "report.html"
    path.write_text(html_report(demo_db, Q4, date.fromisoformat(TODAY)), encoding="utf-8")
    return path


@pytest.mark.parametrize("viewport", WIDTHS)
def test_report_fits_the_screen_and_requests_nothing(
    page: Page, report_file: Path, tmp_path: Path, viewport: tuple[int, int, bool]
) -> None:
    width, height, mobile = viewport
    url = report_file.as_uri()
    page.requests.clear()
    page.open(url, width, height, mobile=mobile)
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth,"
                          " document.body.scrollWidth]")  # fmt: skip
    assert sizes[1] == width
    assert sizes[0] <= width and sizes[2] <= width, f"horizontal scroll at {width}px: {sizes}"
    widest = page.evaluate("Math.max(...[...document.querySelectorAll('body *')]"
                           ".map(e => e.getBoundingClientRect().right))")  # fmt: skip
    assert widest <= width + 0.5
    assert page.requests == [url]  # the file itself, and not one request more
    shot = page.screenshot(tmp_path / f"report-{width}.png")
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">I", png[16:20])[0] == width  # the whole page, as wide as the screen


def test_the_charts_show_each_bands_colour_and_the_expected_line(
    page: Page, report_file: Path
) -> None:
    page.open(report_file.as_uri(), 1280, 800)
    dots = page.evaluate("[...document.querySelectorAll('circle.check-in')].map(c => "
                         "[c.dataset.band, getComputedStyle(c).fill])")  # fmt: skip
    seen = {band for band, _ in dots}
    assert {"off_track", "at_risk", "on_track", "achieved"} <= seen  # an objective caps at 100%
    legend = page.evaluate("[...document.querySelectorAll('.legend .dot')]"
                           ".map(d => getComputedStyle(d).backgroundColor)")  # fmt: skip
    assert legend == [rgb(BAND_COLOUR[b]) for b in BANDS]
    for band, fill in dots:
        assert fill == rgb(BAND_COLOUR[next(b for b in BAND_COLOUR if b.value == band)])
    charts = page.evaluate("document.querySelectorAll('svg.burnup').length")
    expected = page.evaluate("[...document.querySelectorAll('svg.burnup line.expected')]"
                             ".map(l => l.getBoundingClientRect().width)")  # fmt: skip
    assert charts > 10 and len(expected) == charts and all(w > 100 for w in expected)
    bars = page.evaluate("[...document.querySelectorAll('svg.bands rect[data-band]')]"
                         ".map(r => [r.dataset.band, getComputedStyle(r).fill])")  # fmt: skip
    assert bars and all(fill == rgb(BAND_COLOUR[next(b for b in BAND_COLOUR
                                                     if b.value == band)])
                        for band, fill in bars)  # fmt: skip
    text = page.evaluate("document.body.innerText")
    assert "Overview" in text and "Biggest movers this week" in text and "KPIs" in text


def test_the_content_security_policy_blocks_an_injected_request(
    page: Page, report_file: Path, tmp_path: Path
) -> None:
    """Were anything to slip into the page, the browser would still fetch nothing."""
    evil = tmp_path / "injected.html"
    html = report_file.read_text(encoding="utf-8").replace(
        "<main>", '<main><img src="http://127.0.0.1:9/x.png">'
        '<link rel="stylesheet" href="https://example.invalid/x.css">', 1)  # fmt: skip
    evil.write_text(html, encoding="utf-8")
    page.requests.clear()
    page.open(evil.as_uri(), 800, 600)
    page.evaluate("1")  # the blocked loads are reported by now
    assert page.blocked.get("http://127.0.0.1:9/x.png") == "csp"
    assert page.blocked.get("https://example.invalid/x.css") == "csp"


def test_the_report_prints_on_a4_without_cutting_the_page(page: Page, report_file: Path) -> None:
    """Printed (the print stylesheet, an A4 page's width), nothing is wider than the paper
    and the browser makes a PDF of several pages."""
    import base64

    page.open(report_file.as_uri(), 794, 1123)  # A4 at 96 dpi
    page.send("Emulation.setEmulatedMedia", {"media": "print"})
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]
    kept = page.evaluate("getComputedStyle(document.querySelector('article')).breakInside")
    assert kept == "avoid"  # an objective is not split across pages
    a4 = {"paperWidth": 8.27, "paperHeight": 11.69}
    pdf = base64.b64decode(page.send("Page.printToPDF", a4)["data"])
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pdf.startswith(b"%PDF") and pages > 1
