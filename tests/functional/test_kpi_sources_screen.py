"""Pilot tests of issue 18 in the app: the KPI form's cadence, range and source; the
panels' overdue mark, failed pull and range; the detail's sources and formula recompute.
Real key presses; assertions on the screen and on the database file.

Writes are made as the database file's owner (``me``: the demo's admin and server owner).
"""

import json
from pathlib import Path

from screen_helpers import dump, notifications, rows, settle, text_of, typing
from test_kpi_screen import SIZE, card, drawn, open_dashboard, select
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static

from okrtui.modals.kpi_forms import KpiForm
from okrtui.modals.kpi_source_fields import AGGREGATION_OPTIONS, CADENCE_OPTIONS, SOURCE_OPTIONS
from okrtui.screens.kpi_detail import KpiDetailScreen
from okrtui.screens.kpis import KpiScreen
from store.db.database import open_database
from store.read.refs import resolve_kpi
from store.write.kpi_sources import record_pull_failure
from store.write.kpis import update_kpi
from widgets.kpi_panel import KpiGrid

OPTIONS = {"#cadence": CADENCE_OPTIONS, "#aggregation": AGGREGATION_OPTIONS,
           "#source-kind": SOURCE_OPTIONS}  # fmt: skip


async def choose(pilot: Pilot, selector: str, value: str) -> None:
    """Pick ``value`` in the form's Select ``selector`` with enter, arrows and enter."""
    select_widget = pilot.app.screen.query_one(selector, Select)
    select_widget.focus()
    values = [v for _label, v in OPTIONS[selector]]
    step = values.index(value) - values.index(str(select_widget.value))
    await pilot.press("enter", *(["down"] * step if step > 0 else ["up"] * -step), "enter")
    await pilot.pause()
    assert select_widget.value == value


async def type_into(pilot: Pilot, selector: str, text: str, *, clear: bool = False) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    if clear:
        field.value = ""
    await typing(pilot, text)


def form_error(pilot: Pilot) -> str:
    return text_of(pilot.app.screen.query_one("#error", Static))


def source_row(path: Path, name: str) -> tuple:
    found = rows(path, "SELECT s.kind, s.spec, s.approval, s.defined_by FROM kpi_source s "
                       "JOIN kpi k ON k.id = s.kpi_id WHERE k.name = ?", name)  # fmt: skip
    assert found, f"{name} has no source"
    return found[0]


async def test_the_form_defines_cadence_range_and_a_formula(make_app, demo_path, me):
    app = make_app(demo_path, me)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, KpiForm)
        await typing(pilot, "CAC payback")
        await choose(pilot, "#cadence", "monthly")
        await type_into(pilot, "#range-low", "0.1")
        await type_into(pilot, "#range-high", "0.5")
        assert not form.query_one("#source-expression").display
        await choose(pilot, "#source-kind", "formula")
        assert form.query_one("#source-expression").display
        assert not form.query_one("#source-url").display
        await type_into(pilot, "#source-expression", "CAC / LTV")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, KpiScreen)
    (kpi_id, cadence, aggregation, low, high), = rows(
        demo_path, "SELECT id, cadence, aggregation, range_low, range_high FROM kpi "
                   "WHERE name = 'CAC payback'")  # fmt: skip
    assert (cadence, aggregation, low, high) == ("monthly", "level", 0.1, 0.5)
    kind, spec, approval, defined_by = source_row(demo_path, "CAC payback")
    assert (kind, json.loads(spec), approval, defined_by) == (
        "formula",
        {"expression": "CAC / LTV"},
        None,
        me,
    )
    assert rows(demo_path, "SELECT action FROM activity WHERE entity = 'kpi_source' "
                           "AND entity_id = ?", kpi_id) == [("define",)]  # fmt: skip


async def test_a_bad_source_is_explained_and_nothing_is_written(make_app, demo_path, me):
    before = dump(demo_path)
    app = make_app(demo_path, me)
    told = notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot)
        await pilot.press("n")
        await typing(pilot, "Net MRR")
        await choose(pilot, "#source-kind", "command")
        await type_into(pilot, "#source-argv", "mrr-report --net")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, KpiForm)  # not saved, the typing kept
        assert "absolute path" in form_error(pilot)
        assert app.screen.query_one("#source-argv", Input).value == "mrr-report --net"
        assert dump(demo_path) == before
        await type_into(pilot, "#source-argv", "/usr/local/bin/mrr-report --net", clear=True)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, KpiScreen)
    kind, spec, approval, _ = source_row(demo_path, "Net MRR")
    assert kind == "command" and approval is None
    assert json.loads(spec)["argv"] == ["/usr/local/bin/mrr-report", "--net"]
    # defined, never run: the note says who runs it, and no value was written
    assert any("approve" in message for message in told)
    assert rows(demo_path, "SELECT count(*) FROM kpi_value v JOIN kpi k ON k.id = v.kpi_id "
                           "WHERE k.name = 'Net MRR'") == [(0,)]  # fmt: skip


async def test_saving_an_unchanged_source_keeps_its_approval(make_app, demo_path, me):
    approved = source_row(demo_path, "MRR")[2]
    assert approved
    app = make_app(demo_path, me)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot)
        await select(pilot, "MRR")
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, KpiForm)
        assert form.query_one("#source-kind", Select).value == "sql"
        assert "sum(mrr)" in form.query_one("#source-query", Input).value
        await type_into(pilot, "#target", "0")  # 1000000 → 10000000: a change of the KPI only
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert source_row(demo_path, "MRR")[2] == approved
        await pilot.press("e")
        await type_into(pilot, "#source-query", " WHERE plan <> 'starter'")
        await pilot.press("ctrl+s")
        await settle(pilot)
    _kind, spec, approval, _ = source_row(demo_path, "MRR")
    assert approval is None and "WHERE plan <> 'starter'" in json.loads(spec)["query"]


def _troubles(path: Path, me: str) -> None:
    """NPS overdue (a daily cadence, its last value days ago), Site traffic's pull failed,
    Churn rate outside its range."""
    db = open_database(path)
    try:
        update_kpi(db, me, resolve_kpi(db, "NPS"), cadence="daily")
        update_kpi(db, me, resolve_kpi(db, "Churn rate"), range_low="1", range_high="2")
        record_pull_failure(db, me, resolve_kpi(db, "Site traffic"),
                            "[red]/srv/exports/site-traffic.csv[/] is gone")  # fmt: skip
    finally:
        db.close()


async def test_panels_show_overdue_failed_pull_range_and_flow(make_app, demo_path, me):
    _troubles(demo_path, me)
    app = make_app(demo_path, me)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        grid = screen.query_one(KpiGrid)
        nps, traffic, churn = card(app, "NPS"), card(app, "Site traffic"), card(app, "Churn rate")
        assert nps.overdue and not traffic.overdue
        assert traffic.pull_error == "[red]/srv/exports/site-traffic.csv[/] is gone"
        assert churn.in_range is False and churn.range_low == 1
        mode = text_of(screen.query_one("#kpi-mode-line", Static))
        assert "⧗ 1 overdue" in mode and "✗ 1 pull failed" in mode
        await select(pilot, "NPS")
        await pilot.pause()
        assert drawn(grid, grid.keys.index(nps.key))[0].startswith("┏━ ⧗ NPS")
        assert "⧗ 2026-11-20" in drawn(grid, grid.keys.index(nps.key))[1]
        await select(pilot, "Site traffic")
        await pilot.pause()
        lines = drawn(grid, grid.keys.index(traffic.key))
        assert "✗ pull failed: [red]/srv" in lines[4]  # as text, never markup
        assert "last ok 2026-11-23 09:15" in lines[5]
        await select(pilot, "Churn rate")
        await pilot.pause()
        assert "range 1–2% ✗ not held" in drawn(grid, grid.keys.index(churn.key))[3]
        # a flow shows this week's total, and says so
        flow = card(app, "Demo requests")
        (week,) = rows(demo_path, "SELECT sum(v.value) FROM kpi_value v JOIN kpi k ON "
                                  "k.id = v.kpi_id WHERE k.name = 'Demo requests' "
                                  "AND v.observed_on >= '2026-11-23'")[0]  # fmt: skip
        assert flow.value == week and flow.label == "this week"


async def test_detail_shows_sources_and_recomputes_only_formulas(make_app, demo_path, me):
    _troubles(demo_path, me)
    with_stale = "UPDATE kpi_value SET value = 1 WHERE id = (SELECT max(v.id) FROM kpi_value v " \
                 "JOIN kpi k ON k.id = v.kpi_id WHERE k.name = 'LTV:CAC')"  # fmt: skip
    import sqlite3

    with sqlite3.connect(demo_path) as conn:
        conn.execute(with_stale)
    app = make_app(demo_path, me)
    told = notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        detail = await site_traffic_detail(pilot)
        facts = text_of(detail.query_one("#kpi-facts-body", Static))
        assert "file /" in facts and "site-traffic.csv" in facts
        assert "✗ failed: [red]/srv/exports/site-traffic.csv[/] is gone" in facts
        assert "not needed (reads its owner's file)" in facts
        table = detail.query_one("#kpi-history", DataTable)
        assert str(table.get_row_at(0)[2]) == "file"
        before = dump(demo_path)
        await pilot.press("r")  # a file source: fetched by the pull, not here
        await settle(pilot)
        assert dump(demo_path) == before
        assert "only a formula KPI is recomputed here" in told[-1]
        await pilot.press("escape")
        await settle(pilot)
        await select(pilot, "LTV:CAC")
        await pilot.press("enter")
        await settle(pilot)
        facts = text_of(app.screen.query_one("#kpi-facts-body", Static))
        assert "formula LTV / CAC" in facts and "a formula is pure" in facts
        await pilot.press("r")
        await settle(pilot)
        table = app.screen.query_one("#kpi-history", DataTable)
        assert str(table.get_row_at(0)[2]) == "formula"
    latest = {name: value for name, value in rows(
        demo_path, "SELECT k.name, v.value FROM kpi_value v JOIN kpi k ON k.id = v.kpi_id "
                   "WHERE k.name IN ('LTV', 'CAC', 'LTV:CAC') ORDER BY v.observed_on")}  # fmt: skip
    assert latest["LTV:CAC"] == latest["LTV"] / latest["CAC"]


async def site_traffic_detail(pilot: Pilot) -> KpiDetailScreen:
    """The dashboard, then the detail of Site traffic (the demo's file source)."""
    await open_dashboard(pilot)
    await select(pilot, "Site traffic")
    await pilot.press("enter")
    await settle(pilot)
    detail = pilot.app.screen
    assert isinstance(detail, KpiDetailScreen)
    return detail


def _drawn(static: Static) -> list[str]:
    """The lines of ``static`` that are on screen: drawn at its width, cut where its
    scrolling container ends (a line below it needs scrolling to be read)."""
    container = static.parent
    assert isinstance(container, Widget)
    view = container.scrollable_content_region
    assert static.region.x >= view.x and static.region.right <= view.right, "cut at the side"
    lines = [strip.text for strip in static.render_lines(Region(0, 0, *static.size))]
    visible = view.bottom - static.region.y
    return [line.rstrip() for line in lines[: max(0, visible)]]


async def test_the_detail_s_source_facts_read_in_full_at_80x24(make_app, demo_path, me):
    """Before: the facts column was a third of 80 columns and 12 lines; a source's
    definition, its last pull's error and who defined it were cut off (and a wrapped
    value ran on under the labels). Now the facts take the top row, every value wrapping
    in its own column, and each fact of Site traffic's failed file source is on screen."""
    _troubles(demo_path, me)
    app = make_app(demo_path, me)
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await site_traffic_detail(pilot)
        lines = _drawn(detail.query_one("#kpi-facts-body", Static))
        facts = lines[lines.index("") + 1 :]  # under the name and the latest value
        labels = [line[:12].strip() for line in facts]
        assert labels[: labels.index("Defined by") + 1] == [
            "Cadence", "Values", "Last pull", "", "Approval", "Source", "", "", "Defined by",
        ], lines  # fmt: skip
        text = " ".join(line[12:].strip() for line in facts if line[12:].strip())
        assert "✗ failed: [red]/srv/exports/site-traffic.csv[/] is gone" in text
        assert "(last success" in text
        assert "not needed (reads its owner's file)" in text
        assert "demo.site-traffic.csv (csv: visits)" in text
        assert f"@{me}" in text
    app = make_app(demo_path, me)
    async with app.run_test(size=(120, 40)) as pilot:  # wide: facts beside the chart
        await open_dashboard(pilot)
        await select(pilot, "Site traffic")
        await pilot.press("enter")
        await settle(pilot)
        assert not app.screen.has_class("-narrow")
        lines = _drawn(app.screen.query_one("#kpi-facts-body", Static))
        text = " ".join(line[12:].strip() for line in lines if line[12:].strip())
        assert "is gone" in text and f"@{me}" in text
