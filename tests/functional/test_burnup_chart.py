"""The burn-up chart in the tree's detail pane (b): what it draws and how it is opened."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from screen_helpers import settle
from test_detail_pane_text import add_tester_kr, reveal, shown
from textual.widgets import Static

from okrtui.screens.tree import NodeRef
from store.db.database import open_database
from store.model.enums import Confidence
from store.read.checkins import kr_history
from store.read.periods import default_period
from store.write.checkins import check_in
from widgets.burnup_chart import BurnUpChart, BurnUpPlot, ConfidenceStrip


def add_kr(path: Path, title: str) -> int:
    """A KR 0 → 100 under the tester's first objective, checked in twice a week apart."""
    db = open_database(path)
    try:
        kr = add_tester_kr(db, title, 0, 100)
        check_in(db, "tester", kr, 20, confidence=Confidence.ON_TRACK,
                 at=datetime(2026, 11, 2, 9, tzinfo=UTC))  # fmt: skip
        check_in(db, "tester", kr, 35, confidence=Confidence.OFF_TRACK,
                 at=datetime(2026, 11, 16, 9, tzinfo=UTC))  # fmt: skip
        return kr
    finally:
        db.close()


async def test_b_shows_a_krs_progress_confidence_and_forecast(
    make_app, tester_demo_path: Path
) -> None:
    kr = add_kr(tester_demo_path, "Ship it")
    app = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await reveal(pilot, NodeRef("kr", kr))
        assert not screen.query(BurnUpChart)  # made on first use (plotext off the start-up)
        await pilot.press("b")
        await settle(pilot)
        chart = screen.query_one(BurnUpChart)
        assert chart.display
        burn = chart.query_one(BurnUpPlot).burn
        assert burn is not None
        assert [(d.isoformat(), p) for d, p in burn.points] == [
            ("2026-11-02", 0.2),
            ("2026-11-16", 0.35),
        ]
        assert [c for _, c in burn.confidences] == [Confidence.ON_TRACK, Confidence.OFF_TRACK]
        assert burn.forecast is not None  # two days two weeks apart: the rules make one
        legend = shown(chart.query_one(".burnup-legend", Static))
        assert "progress 35%" in legend and "today Nov 23" in legend
        assert chart.query_one(ConfidenceStrip).display
        # the chart stays on while the cursor moves: the objective above shows its own
        await pilot.press("b")
        await settle(pilot)
        assert not chart.display


async def test_on_a_narrow_terminal_b_opens_the_detail_pane_with_the_chart(
    make_app, tester_demo_path: Path
) -> None:
    title = "[/] [@click=app.quit]x[/] <b>&"  # user text: never markup
    kr = add_kr(tester_demo_path, title)
    app = make_app(tester_demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await reveal(pilot, NodeRef("kr", kr))
        await pilot.press("b")
        await settle(pilot)
        assert screen.has_class("-details")
        chart = screen.query_one(BurnUpChart)
        assert chart.display and chart.region.height >= 14  # readable: the plot has rows
        assert chart.region.y < 3  # at the top of the pane, seen without scrolling
        assert title in shown(chart.query_one(".burnup-title", Static))
        assert len(kr_history(app.db, kr)) == 2


async def test_an_objective_chart_is_its_score_over_time(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("b")
        await settle(pilot)
        ref = screen.selected()
        assert ref is not None and ref.kind == "objective"
        burn = screen.query_one(BurnUpPlot).burn
        assert burn is not None and burn.points
        row = screen.model.row(ref.id)
        # on the last day every KR is at its latest value (a KPI-driven one at its KPI's):
        # the score the tree shows
        assert any(kr.kpi_id for kr in row.key_results)
        assert burn.points[-1][1] == pytest.approx(row.score)
        assert all(0.0 <= p <= 1.0 for _, p in burn.points)


async def test_an_objective_without_key_results_says_why_it_has_no_chart(
    make_app, tester_demo_path: Path
) -> None:
    from store.write.objectives import create_objective

    db = open_database(tester_demo_path)
    try:
        period = default_period(db)
        assert period is not None
        parent = create_objective(db, "tester", period_id=period.id, title="Umbrella",
                                  owner="tester").id  # fmt: skip
        create_objective(db, "tester", period_id=period.id, title="Child", owner="tester",
                         parent_id=parent)  # fmt: skip
    finally:
        db.close()
    app = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await reveal(pilot, NodeRef("objective", parent))
        await pilot.press("b")
        await settle(pilot)
        chart = screen.query_one(BurnUpChart)
        assert chart.display and not chart.query_one(BurnUpPlot).display
        assert "no key results of its own" in shown(chart.query_one(".burnup-title", Static))
        assert chart.region.height <= 3  # only the heading: the details follow at once


def test_the_forecast_is_dashed_and_the_strip_follows_the_dates() -> None:
    from datetime import date

    from store.domain.burnup import BurnUp
    from widgets.burnup_chart import dashed, strip_text

    pieces = dashed(0, 0, 9, 90, pieces=9)
    assert [xs for xs, _ in pieces] == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
    assert pieces[-1][1] == [80, 90]  # the last dash ends on the line's end
    burn = BurnUp(date(2026, 10, 1), date(2026, 10, 11), date(2026, 10, 6),
                  ((date(2026, 10, 2), 0.1), (date(2026, 10, 4), 0.2)),
                  ((date(2026, 10, 2), Confidence.ON_TRACK), (date(2026, 10, 4), None)),
                  None)  # fmt: skip
    strip = strip_text(burn, 10)  # one column a day: Oct 2 … Oct 11
    assert strip.plain == "▀▀···     "  # on track from Oct 2, none from Oct 4 until today
    assert strip.spans[0].style == "green"
