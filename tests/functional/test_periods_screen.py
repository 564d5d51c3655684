"""Pilot tests of the periods screen and the close-period review: real keys, then the database."""

import io

from rich.console import Console
from screen_helpers import dump, rows
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Static, TextArea

from okrtui.app import OkrApp
from okrtui.modals.dialogs import ConfirmDialog
from okrtui.screens.periods import NewPeriodForm, PeriodsScreen
from okrtui.screens.report_view import ReportScreen
from okrtui.screens.review import ReviewScreen

SIZE = (120, 40)


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text (its content may be any Rich renderable)."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def open_periods(pilot: Pilot) -> PeriodsScreen:
    await pilot.pause()
    await pilot.press("P")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, PeriodsScreen), screen
    return screen


async def open_report(pilot: Pilot) -> ReportScreen:
    """The periods screen, then `x`: the selected period's report, once it is read."""
    await open_periods(pilot)
    await pilot.press("x")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    viewer = pilot.app.screen
    assert isinstance(viewer, ReportScreen)
    return viewer


async def test_periods_screen_lists_every_period_with_its_numbers(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_periods(pilot)
        table = screen.query_one("#periods-table", DataTable)
        assert table.row_count == 2
        assert [str(c) for c in table.get_row_at(0)] == [
            "2026-Q4",
            "2026-10-01 → 2026-12-31",
            "active",
            "13",
            "71%",
        ]
        assert [str(c) for c in table.get_row_at(1)][:4] == [
            "2026-Q3",
            "2026-07-01 → 2026-09-30",
            "closed",
            "5",
        ]
        assert "13 objectives" in text_of(screen.query_one("#periods-detail", Static))
        # a closed period cannot be reviewed again, an active one cannot be activated
        assert screen.check_action("activate", ()) is None
        await pilot.press("down")
        assert screen.check_action("review", ()) is None
        await pilot.press("r")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PeriodsScreen)


async def test_close_a_period_with_a_roll_over_through_the_keys(make_app, tester_demo_path):
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_periods(pilot)
        await pilot.press("r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.items[0].row.ref == "O-6"
        assert review.query_one("#review-grade", Input).value == "0.61"  # its score
        # O-6: grade 0.65, a note, roll it over
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"0.65", "enter")
        await pilot.press(*"Strong", "space", *"finish", "ctrl+r")
        assert review.query_one("#review-roll", Checkbox).value is True
        await pilot.press("pagedown")
        await pilot.pause()
        # O-8 (84%, unfinished): roll it over too, keeping its proposed grade
        assert review.items[review.index].row.ref == "O-8"
        await pilot.press("ctrl+r", "pagedown")
        # O-15: a grade out of range is refused where it is typed, nothing moves on
        await pilot.press("backspace", "backspace", "backspace", "backspace", "2", "pagedown")
        await pilot.pause()
        assert review.items[review.index].row.ref == "O-15"
        assert "between 0.0 and 1.0" in text_of(review.query_one("#review-error", Static))
        await pilot.press("backspace", *"0.5")
        await pilot.press("ctrl+s")  # to the summary: the rest keep their proposed grades
        await pilot.pause()
        assert review.on_summary
        table = review.query_one("#review-table", DataTable)
        assert table.row_count == 13
        assert "roll over → 2027-Q1" in str(table.get_row_at(0)[3])
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, PeriodsScreen)

    path = tester_demo_path
    assert rows(path, "SELECT name, state FROM period ORDER BY id") == [
        ("2026-Q3", "closed"),
        ("2026-Q4", "closed"),
        ("2027-Q1", "active"),
    ]
    assert rows(
        path, "SELECT grade, retro_note, state FROM objective WHERE id IN (6, 8, 15) ORDER BY id"
    ) == [(0.65, "Strong finish", "closed"), (0.84, None, "closed"), (0.5, None, "closed")]
    copies = rows(
        path,
        "SELECT id, rolled_from_id, parent_id, title, owner FROM objective "
        "WHERE period_id = 3 ORDER BY id",
    )
    assert [(c[1], c[3], c[4]) for c in copies] == [
        (6, "Become the No. 1 standalone goal management product", "ana"),
        (8, "Expand enterprise customer success", "ben"),
    ]
    o6_copy, o8_copy = copies[0][0], copies[1][0]
    assert copies[0][2] is None and copies[1][2] == o6_copy  # alignment kept among the copies
    assert rows(
        path, "SELECT username FROM collaborator WHERE objective_id = ? ORDER BY 1", o8_copy
    ) == [("hugo",)]
    krs = rows(
        path,
        "SELECT k.title, k.start_value, k.target_value, k.current_value, o.id "
        "FROM key_result k JOIN objective o ON o.id = k.objective_id "
        "WHERE o.period_id = 3 ORDER BY k.id",
    )
    originals = rows(
        path,
        "SELECT title, current_value, target_value FROM key_result "
        "WHERE objective_id IN (6, 8) ORDER BY id",
    )
    assert [k[0] for k in krs] == [o[0] for o in originals]
    assert all(k[3] is None for k in krs)  # check-ins are not copied
    mql = next(k for k in krs if k[0] == "+1,500 MQLs per month")
    assert mql[1] == next(o[1] for o in originals if o[0] == mql[0])  # starts at its current
    assert rows(
        path,
        "SELECT count(*) FROM check_in c JOIN key_result k ON k.id = "
        "c.key_result_id JOIN objective o ON o.id = k.objective_id "
        "WHERE o.period_id = 3",
    ) == [(0,)]


async def test_leaving_the_review_writes_nothing(make_app, tester_demo_path):
    before = dump(tester_demo_path)
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_periods(pilot)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"0", "ctrl+r", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, PeriodsScreen)
    assert dump(tester_demo_path) == before


async def test_new_period_is_prefilled_with_the_next_quarter_and_can_be_activated(
    make_app, tester_demo_path
):
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_periods(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewPeriodForm)
        assert [form.query_one(f"#{f}", Input).value for f in ("name", "start", "end")] == [
            "2027-Q1",
            "2027-01-01",
            "2027-03-31",
        ]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert rows(tester_demo_path, "SELECT state FROM period WHERE name = '2027-Q1'") == [
            ("planning",)
        ]
        assert screen.check_action("activate", ()) is True  # the new one is selected
        await pilot.press("a")
        await pilot.pause()
        assert app.period is not None and app.period.name == "2027-Q1"
        assert "2027-Q1" in app.sub_title
    assert rows(tester_demo_path, "SELECT name FROM period WHERE state = 'active'") == [
        ("2027-Q1",)
    ]


async def test_the_report_opens_on_screen_and_saves_only_to_the_exports_folder(
    make_app, tester_demo_path, isolated_home
):
    """No path is typed anywhere: `x` shows the report, `f` switches format, `s` saves it
    under ~/Documents/okrtui/exports with a generated name, twice without overwriting."""
    app = make_app(tester_demo_path)
    exports = isolated_home / "Documents" / "okrtui" / "exports"
    async with app.run_test(size=SIZE) as pilot:
        viewer = await open_report(pilot)
        assert not viewer.query(Input), "the report screen takes no file name"
        shown = viewer.query_one("#report-text", TextArea).text
        assert shown.startswith("# 2026-Q4 OKR report")
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("f", "s")
        await pilot.pause()
        await pilot.press("f", "f", "f", "s")  # JSON, HTML, and round to Markdown
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "saved to" in text_of(viewer.query_one("#report-head", Static))
        await pilot.press("c")
        assert app.clipboard.startswith("# 2026-Q4 OKR report")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PeriodsScreen)
    names = sorted(p.name for p in exports.iterdir())
    assert names == [
        "okrtui-report-2026-Q4-2026-11-23-2.md",
        "okrtui-report-2026-Q4-2026-11-23.csv",
        "okrtui-report-2026-Q4-2026-11-23.md",
    ]
    assert (exports / names[2]).read_text(encoding="utf-8") == shown
    assert oct(exports.stat().st_mode & 0o777) == "0o700"
    assert oct((exports / names[0]).stat().st_mode & 0o777) == "0o600"


async def test_enter_shows_the_chosen_period_in_the_tree(make_app, tester_demo_path):
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_periods(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, PeriodsScreen)
        assert app.period is not None and app.period.name == "2026-Q3"


async def test_the_html_report_is_saved_from_the_periods_screen(
    make_app, tester_demo_path, isolated_home
):
    """`f` to HTML reads the charts in a worker, then `s` saves one self-contained file."""
    app = make_app(tester_demo_path)
    exports = isolated_home / "Documents" / "okrtui" / "exports"
    async with app.run_test(size=SIZE) as pilot:
        viewer = await open_report(pilot)
        await pilot.press("f", "f", "f")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert viewer.fmt == "html" and viewer.charts
        head = text_of(viewer.query_one("#report-head", Static))
        assert "HTML" in head and "open it in a browser" in head
        shown = viewer.query_one("#report-text", TextArea).text
        assert shown.startswith("<!doctype html>") and '<svg class="burnup"' in shown
        await pilot.press("s")
        await pilot.pause()
    saved = exports / "okrtui-report-2026-Q4-2026-11-23.html"
    assert saved.read_text(encoding="utf-8") == shown
    assert "Content-Security-Policy" in shown
