"""Pilot tests of the KPI dashboard and detail: real key presses, assertions on screen and database.

Writes are made as the database file's owner (``me``, an admin: the demo KPIs belong to
the demo people); read-only views use the fixed snapshot user.
"""

import io
from itertools import pairwise
from pathlib import Path

from rich.console import Console
from screen_helpers import dump, rows, settle, typing
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from okrtui.app import OkrApp
from okrtui.modals.dialogs import ConfirmDialog, PickDialog
from okrtui.modals.kpi_forms import ImportFileForm, KpiForm, RecordValueForm
from okrtui.modals.kpi_import import ImportReportDialog
from okrtui.screens.kpi_detail import KpiDetailScreen
from okrtui.screens.kpis import KpiScreen
from okrtui.screens.tree import NodeRef, TreeScreen
from store.domain.scoring import kr_progress
from widgets.chart import HistoryChart
from widgets.footer import KeyFooter
from widgets.kpi_card import BAD, GOOD, PanelData, card_title, delta_text
from widgets.kpi_panel import KpiGrid

SIZE = (120, 40)
TODAY = "2026-11-23"


def text_of(renderable: object, width: int = 200) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def kpi_screen(app: OkrApp) -> KpiScreen:
    screen = app.screen
    assert isinstance(screen, KpiScreen), screen
    return screen


def shown(app: OkrApp) -> list[PanelData]:
    """The panels the dashboard's grid draws, in order."""
    return app.screen.query_one(KpiGrid).items


def card(app: OkrApp, name: str) -> PanelData:
    for item in shown(app):
        if item.name == name:
            return item
    raise AssertionError(f"no panel {name!r}")


def drawn(grid: KpiGrid, index: int) -> list[str]:
    """The text of panel ``index`` as the grid draws it on screen (scrolled into view)."""
    region = grid.card_region(index)
    top = region.y - int(grid.scroll_y)
    assert top >= 0 and top + region.height <= grid.size.height, "panel not on screen"
    lines = [grid.render_line(top + row).text for row in range(region.height)]
    return [line[region.x : region.right] for line in lines]


async def pick_filter(pilot: Pilot, choice: str) -> None:
    """``f``, type ``choice`` into the filter picker, take the first match."""
    await pilot.press("f")
    assert isinstance(pilot.app.screen, PickDialog)
    await typing(pilot, choice)
    await pilot.press("enter")
    await pilot.pause()


async def open_dashboard(pilot: Pilot) -> KpiScreen:
    await pilot.pause()
    await pilot.press("K")
    await pilot.pause()
    return kpi_screen(pilot.app)  # type: ignore[arg-type]


async def select(pilot: Pilot, name: str) -> None:
    """Move the cursor to the panel ``name`` with the arrow keys."""
    grid = pilot.app.screen.query_one(KpiGrid)
    target = [item.name for item in grid.items].index(name)
    await pilot.press("home", *["right"] * target)
    screen = kpi_screen(pilot.app)  # type: ignore[arg-type]
    selected = screen.selected()
    assert selected is not None and selected.name == name


async def test_k_opens_the_dashboard_and_t_returns_to_the_same_tree(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tree = app.screen
        assert isinstance(tree, TreeScreen)
        screen = await open_dashboard(pilot)
        live = rows(tester_demo_path, "SELECT count(*) FROM kpi WHERE NOT archived")[0][0]
        assert len(shown(app)) == live == 22  # 21 levels and a flow (Demo requests)
        mode_line = text_of(screen.query_one("#kpi-mode-line", Static).content)
        assert f"showing all KPIs · {live} of {live}" in mode_line
        assert "⚠ 1 trending the wrong way" in mode_line
        await pilot.press("t")
        await pilot.pause()
        assert app.screen is tree
        await pilot.press("K", "t", "K")
        await pilot.pause()
        assert app.screen is screen  # switching never stacks a second copy
        assert len(app.screen_stack) == 1


async def test_arrows_move_the_cursor_by_row_and_column(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        grid = screen.query_one(KpiGrid)
        assert grid.columns() == 4 and grid.cursor == 0
        await pilot.press("right", "down")
        assert grid.cursor == 5
        await pilot.press("j", "h")
        assert grid.cursor == 8
        await pilot.press("end")
        assert grid.cursor == 21
        await pilot.pause()
        assert grid.selected_key == grid.items[21].key
        # the selected panel is drawn with a heavy border, the others with a round one
        assert drawn(grid, 21)[0].startswith("┏") and drawn(grid, 21)[-1].startswith("┗")
        assert drawn(grid, 20)[0].startswith("╭")


async def test_record_a_value_and_see_delta_sparkline_and_colour_change(make_app, demo_path, me):
    app = make_app(demo_path, me)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot)
        mrr = card(app, "MRR")
        assert mrr.health == "green"  # $956K, green at $950K
        assert str(delta_text(mrr).style) == GOOD
        await select(pilot, "MRR")
        await pilot.press("v")
        form = app.screen
        assert isinstance(form, RecordValueForm)
        assert form.query_one("#date").value == TODAY  # type: ignore[attr-defined]
        await typing(pilot, "800000")
        await pilot.press("tab", "tab")
        await typing(pilot, "Lost [bold]two[/] deals")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, KpiScreen)
        assert rows(demo_path, "SELECT value, note, author FROM kpi_value WHERE kpi_id = "
                               "(SELECT id FROM kpi WHERE name = 'MRR') AND observed_on = ?",
                    TODAY) == [(800000.0, "Lost [bold]two[/] deals", me)]  # fmt: skip
        mrr = card(app, "MRR")
        assert mrr.value == 800000
        assert mrr.series[-1] == 800000 and mrr.series[-2] == 956000
        assert mrr.health == "red"  # red at $850K
        delta = delta_text(mrr)
        assert str(delta.style) == BAD and delta.plain.startswith("▼ $156K")


async def test_a_kpi_driven_key_result_follows_the_new_value(make_app, demo_path, me):
    app = make_app(demo_path, me)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tree = app.screen
        assert isinstance(tree, TreeScreen) and tree.model is not None
        (kr_id,) = rows(demo_path, "SELECT id FROM key_result WHERE title = 'Grow MRR to $1.0M'")[0]
        before = tree.model.key_result(kr_id)
        assert before is not None and before.current == 956000
        await open_dashboard(pilot)
        await select(pilot, "MRR")
        await pilot.press("v")
        await typing(pilot, "990000")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert app.screen is tree and tree.model is not None
        after = tree.model.key_result(kr_id)
        assert after is not None and after.current == 990000
        assert after.progress == kr_progress(after.kind, after.direction, after.start,
                                             after.target, 990000)  # fmt: skip
        assert after.progress is not None and before.progress is not None
        assert after.progress > before.progress
        tree.reveal(NodeRef("kr", kr_id))
        await settle(pilot)
        await pilot.pause()
        assert "$990K / $1M" in tree.okr_tree.label_of(tree.okr_tree.nodes[f"kr:{kr_id}"]).plain


async def test_a_bad_value_is_refused_inline_and_cancel_writes_nothing(make_app, demo_path, me):
    before = dump(demo_path)
    app = make_app(demo_path, me)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot)
        await select(pilot, "NPS")
        await pilot.press("v")
        form = app.screen
        assert isinstance(form, RecordValueForm)
        await typing(pilot, "4,5")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form
        assert "uses a comma" in text_of(form.query_one("#error", Static).content)
        await pilot.press("tab", *["backspace"] * 10)
        await typing(pilot, "2099-01-01")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, KpiScreen)
    assert dump(demo_path) == before


async def test_the_record_form_says_what_a_same_day_value_replaces(make_app, demo_path, me):
    app = make_app(demo_path, me)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot)
        await select(pilot, "NPS")
        await pilot.press("v")
        await typing(pilot, "44")
        await pilot.press("tab", *["backspace"] * 10)
        await typing(pilot, "2026-11-20")
        await pilot.pause()
        hint = text_of(app.screen.query_one("#replaces", Static).content)
        assert "replaces 41 recorded for 2026-11-20 by jon" in hint
        await pilot.press("enter")
        await pilot.pause()
        nps = "SELECT id FROM kpi WHERE name = 'NPS'"
        assert rows(demo_path, "SELECT value FROM kpi_value WHERE observed_on = '2026-11-20' "
                               f"AND kpi_id = ({nps})") == [(44.0,)]  # fmt: skip
        (detail,) = rows(demo_path, "SELECT detail FROM activity WHERE entity = 'kpi_value' "
                                    "AND action = 'replace'")[0]  # fmt: skip
        assert '"old_value": 41.0' in detail


def imports_folder() -> Path:
    """Where the import form looks for files (under the test's HOME)."""
    return Path.home() / "Documents" / "okrtui" / "imports"


async def import_file(pilot: Pilot, path: Path) -> ImportReportDialog:
    """Put ``path`` alone in the imports folder, then pick it with keys and save."""
    folder = imports_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / path.name).write_bytes(path.read_bytes())
    await pilot.press("I")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ImportFileForm)
    await pilot.press("enter", "down", "enter")  # open the file list, take the first file
    await pilot.pause()
    await pilot.press("ctrl+s")
    for _ in range(50):
        await pilot.pause(0.05)
        if isinstance(pilot.app.screen, ImportReportDialog):
            return pilot.app.screen
    raise AssertionError(f"no import report, screen is {pilot.app.screen}")


async def test_import_reads_only_plain_files_of_the_imports_folder(make_app, demo_path, me):
    """The form takes no path: a link to /etc/passwd or a dotfile in the folder is not
    offered, and a link swapped in after listing is refused without echoing the file."""
    folder = imports_folder()
    folder.mkdir(parents=True)
    (folder / "passwd.csv").symlink_to("/etc/passwd")
    (folder / ".hidden.csv").write_text("kpi,date,value\n")
    (folder / "real.csv").write_text("kpi,date,value\nMRR,2026-11-21,951000\n")
    before = dump(demo_path)
    app = make_app(demo_path, me)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot)
        await pilot.press("I")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, ImportFileForm)
        assert [f.name for f in form.files] == ["real.csv"]
        assert not form.query(Input), "no field takes a path"
        (folder / "real.csv").unlink()
        (folder / "real.csv").symlink_to("/etc/passwd")
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is form
        error = text_of(form.query_one("#error", Static).content)
        assert "real.csv" in error and "root:" not in error
    assert dump(demo_path) == before


async def test_pasted_csv_is_imported_after_the_dry_run(make_app, demo_path, me):
    app = make_app(demo_path, me)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot)
        await pilot.press("I")
        await pilot.pause()
        await pilot.press("tab")
        await typing(pilot, "kpi,date,value")
        await pilot.press("enter")
        await typing(pilot, "MRR,2026-11-21,951000")
        await pilot.press("ctrl+s")
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, ImportReportDialog):
                break
        dialog = app.screen
        assert isinstance(dialog, ImportReportDialog)
        assert "pasted text" in text_of(dialog.query_one("Label").content)
        await pilot.press("y")
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, KpiScreen):
                break
    assert rows(demo_path, "SELECT v.value FROM kpi_value v JOIN kpi k ON k.id = v.kpi_id "
                           "WHERE k.name = 'MRR' AND v.observed_on = '2026-11-21'") == [
        (951000.0,)
    ]  # fmt: skip


async def test_import_a_csv_with_a_bad_row_then_a_good_one(make_app, demo_path, me, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("kpi,date,value\nMRR,2026-11-21,951000\nNPS,2026-11-21,4,5\n")
    good = tmp_path / "good.csv"
    good.write_text("kpi,date,value,note\nMRR,2026-11-21,951000,weekend\nnps,2026-11-20,42,\n")
    before = dump(demo_path)
    app = make_app(demo_path, me)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot)
        dialog = await import_file(pilot, bad)
        shown = text_of(dialog.query_one("#import-lines Static", Static).content)
        assert "line 3: has 4 fields, the header 3" in shown
        assert "Nothing was written" in text_of(dialog.query_one("#import-head", Static).content)
        assert not dialog.query("#confirm")
        keys = dialog.query_one(KeyFooter).render_line(0).text
        assert "y Import" not in keys and "Close" in keys  # only Close works here
        await pilot.press("y")  # nothing to confirm: stays open
        assert app.screen is dialog
        await pilot.press("n")
        await pilot.pause()
        assert dump(demo_path) == before

        dialog = await import_file(pilot, good)
        head = text_of(dialog.query_one("#import-head", Static).content)
        assert "would import 1 new and 1 replaced value(s) for 2 KPI(s)" in head
        listed = text_of(dialog.query_one("#import-lines Static", Static).content)
        assert "line 3: NPS 2026-11-20: 41 → 42" in listed
        assert "line 2: MRR 2026-11-21: $951K (new)" in listed  # every row, not only replacements
        assert "y Import" in dialog.query_one(KeyFooter).render_line(0).text
        await pilot.press("y")
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, KpiScreen):
                break
        assert isinstance(app.screen, KpiScreen)
        await pilot.pause()
        assert card(app, "NPS").value == 42
    # ARR is the demo's formula MRR * 12: the import computed it for the imported day.
    assert rows(demo_path, "SELECT k.name, v.value, v.note, v.source FROM kpi_value v JOIN "
                           "kpi k ON k.id = v.kpi_id WHERE v.observed_on = '2026-11-21' "
                           "ORDER BY k.name") == [
        ("ARR", 11_412_000.0, "", "formula"), ("MRR", 951000.0, "weekend", ""),
    ]  # fmt: skip


async def test_filter_by_category_linked_krs_and_escape(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        await pick_filter(pilot, "category revenue")
        assert {p.category for p in screen.shown} == {"Revenue"}
        assert len(shown(app)) == 7  # MRR, New/Expansion/Churned/Net new MRR, quick ratio, ARR
        await pick_filter(pilot, "linked")
        # tester collaborates on the objective holding "Raise NPS to 45"
        assert [p.name for p in screen.shown] == ["NPS"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(shown(app)) == 22


async def test_linked_to_my_krs_explains_an_empty_result(make_app, tester_demo_path):
    app = make_app(tester_demo_path, "ghost")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        await pick_filter(pilot, "linked")
        assert not shown(app)
        empty = screen.query_one("#kpi-empty", Static)
        assert "None of your key results" in text_of(empty.content)


async def test_linked_to_my_krs_shows_the_kpis_behind_my_key_results(make_app, tester_demo_path):
    app = make_app(tester_demo_path, "farid")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        await pick_filter(pilot, "linked")
        # NPS: a KR of an objective farid collaborates on; support time: his own KR
        assert [p.name for p in screen.shown] == ["NPS", "Support response time"]


async def test_new_edit_and_archive_a_kpi(make_app, demo_path, me):
    app = make_app(demo_path, me)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, KpiForm)
        await typing(pilot, "Tickets [b]open[/b]")
        await pilot.press("tab")
        await typing(pilot, "tickets")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, KpiScreen)
        (kpi_id, owner) = rows(demo_path, "SELECT id, owner FROM kpi WHERE name LIKE 'Tickets%'")[0]
        assert owner == me
        selected = screen.selected()
        assert selected is not None and selected.id == kpi_id
        grid = screen.query_one(KpiGrid)
        new_card = grid.item(kpi_id)
        assert new_card is not None
        assert card_title(new_card) == "Tickets [b]open[/b]"
        await pilot.pause()
        assert "Tickets [b]open[/b]" in drawn(grid, grid.keys.index(kpi_id))[0]

        await pilot.press("e")
        form = app.screen
        assert isinstance(form, KpiForm)
        form.query_one("#target").focus()
        await typing(pilot, "12")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert rows(demo_path, "SELECT target FROM kpi WHERE id = ?", kpi_id) == [(12.0,)]

        await pilot.press("a")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert rows(demo_path, "SELECT archived FROM kpi WHERE id = ?", kpi_id) == [(1,)]
        assert kpi_id not in grid.keys
        await pick_filter(pilot, "archived")
        assert grid.keys == [kpi_id]
        await pilot.press("a")  # unarchive: no confirmation needed
        await pilot.pause()
        assert rows(demo_path, "SELECT archived FROM kpi WHERE id = ?", kpi_id) == [(0,)]


async def test_editing_a_kpi_someone_else_owns_is_refused_in_the_form(make_app, tester_demo_path):
    before = dump(tester_demo_path)
    app = make_app(tester_demo_path, "ghost")  # owns no KPI, in no team, not an admin
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot)
        await select(pilot, "NPS")
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, KpiForm)
        form.query_one("#target").focus()
        await typing(pilot, "0")
        await pilot.press("ctrl+s")
        await pilot.pause()
        # The store refused: the form is open again with what was typed, and says why.
        form = app.screen
        assert isinstance(form, KpiForm)
        assert form.query_one("#target", Input).value.endswith("0")
        assert "may not change" in text_of(form.query_one("#error", Static).content)
        await pilot.press("escape")
    assert dump(tester_demo_path) == before


async def test_detail_shows_history_chart_krs_and_the_early_warning(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot)
        support = card(app, "Support response time")
        assert support.warning is not None
        assert card_title(support).startswith("⚠")
        await select(pilot, "Support response time")
        await pilot.press("enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, KpiDetailScreen)
        table = detail.query_one("#kpi-history", DataTable)
        assert table.row_count == 26
        assert [str(c) for c in table.get_row_at(0)[:2]] == ["2026-11-20", "7.9 hours"]
        chart = detail.query_one(HistoryChart)
        assert len(chart.points) == 26 and chart.points[-1][1] == 7.9
        facts = text_of(detail.query_one("#kpi-facts-body", Static).content)
        assert "⚠ early warning: Support response time rose over its last 3 values" in facts
        links = text_of(detail.query_one("#kpi-links-body", Static).content)
        assert "KR-16  Keep average support" in links and "2026-Q4" in links
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, KpiScreen)


async def test_a_value_recorded_in_the_detail_shows_on_the_dashboard(make_app, demo_path, me):
    app = make_app(demo_path, me)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot)
        await select(pilot, "Win rate")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, KpiDetailScreen)
        await pilot.press("v")
        await typing(pilot, "31.5")
        await pilot.press("enter")
        await pilot.pause()
        table = app.screen.query_one("#kpi-history", DataTable)
        assert [str(c) for c in table.get_row_at(0)[:2]] == [TODAY, "31.5%"]
        await pilot.press("escape")
        await pilot.pause()
        assert card(app, "Win rate").value == 31.5


async def test_a_parent_kpi_shows_its_children_in_the_detail(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot)
        await select(pilot, "MRR")
        await pilot.press("enter")
        await pilot.pause()
        links = text_of(app.screen.query_one("#kpi-links-body", Static).content)
        assert "Rolling up into it" in links
        assert "Expansion MRR" in links and "New MRR" in links


async def test_the_tree_marks_objectives_fed_by_a_kpi_trending_wrong(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tree = app.screen
        assert isinstance(tree, TreeScreen)
        (oid,) = rows(tester_demo_path, "SELECT id FROM objective WHERE title = "
                                        "'Customers love us and stay'")[0]  # fmt: skip
        assert "⚠ KPI" in tree.okr_tree.label_of(tree.okr_tree.nodes[f"objective:{oid}"]).plain
        others = [n for k, n in tree.okr_tree.nodes.items()
                  if k.startswith("objective:") and k != f"objective:{oid}"]  # fmt: skip
        assert others and all("⚠ KPI" not in tree.okr_tree.label_of(n).plain for n in others)
        tree.reveal(NodeRef("objective", oid))
        await settle(pilot)
        await pilot.pause()
        body = text_of(tree.query_one("#detail-body", Static).content)
        assert "⚠ KPI early warning: Support response time rose over its last 3 values" in body


async def test_the_grid_reflows_with_the_width(make_app, tester_demo_path):
    for width, columns in ((80, 2), (120, 4), (200, 6)):
        app = make_app(tester_demo_path)
        async with app.run_test(size=(width, 40)) as pilot:
            screen = await open_dashboard(pilot)
            grid = screen.query_one(KpiGrid)
            assert grid.columns() == columns
            regions = [grid.card_region(i) for i in range(len(grid.items))]
            assert all(r.right <= grid.scrollable_content_region.width for r in regions)
            assert all(r.width >= 26 for r in regions)
            # panels in a row do not overlap: one gutter column between neighbours
            row = [r for r in regions if r.y == 0]
            assert len(row) == columns
            assert all(b.x == a.right + 1 for a, b in pairwise(row))


def test_the_kpi_widgets_never_touch_the_database_layer() -> None:
    """widgets/ take plain values: importing them loads no ORM and no database module."""
    import subprocess
    import sys

    code = (
        "import sys, widgets.kpi_panel, widgets.chart; "
        "heavy = ('sqlalchemy', 'sqlmodel', 'store.db.database', 'store.read.tree'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
