"""Every form at 80×24, with keys only: tab reaches Save, and each focused field is on screen.

Found by trying it: the check-in form ended after the score preview (confidence, note and
buttons off-screen, tab moving into a hidden note), and the other forms had their Save and
Cancel buttons below the last line, so saving was ctrl+s or nothing.
"""

from pathlib import Path

from screen_helpers import notifications, rows, settle
from textual.containers import ScrollableContainer
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button

from okrtui.modals.checkin import CheckInForm
from okrtui.modals.dialogs import ConfirmDialog, PickDialog
from okrtui.modals.kpi_forms import ImportFileForm, KpiForm, RecordValueForm
from okrtui.modals.kpi_import import ImportReportDialog
from okrtui.modals.kr_form import KeyResultForm
from okrtui.modals.objective_form import ObjectiveForm
from okrtui.screens.kpis import KpiScreen
from okrtui.screens.periods import NewPeriodForm, PeriodsScreen
from okrtui.screens.review import ReviewScreen
from okrtui.screens.tree import NodeRef, TreeScreen
from okrtui.screens.weekly import WeeklyScreen
from widgets.footer import KeyFooter

SMALL = (80, 24)
KEYS = {" ": "space", ",": "comma", "-": "minus", ".": "full_stop", "$": "dollar_sign"}


async def typing(pilot: Pilot, text: str) -> None:
    await pilot.press(*[KEYS.get(ch, ch) for ch in text])


def on_screen(widget: Widget) -> bool:
    """Drawn in full: inside the screen, inside every container around it (a dialog
    taller than the screen clips what is below its last line) and not under the footer."""
    region = widget.region
    screen = widget.screen
    if not widget.display or region.area == 0:
        return False
    if not screen.region.contains_region(region):
        return False
    if any(footer.region.overlaps(region) for footer in screen.query(KeyFooter)):
        return False
    return all(
        (
            ancestor.scrollable_content_region
            if isinstance(ancestor, ScrollableContainer)
            else ancestor.region
        ).contains_region(region)
        for ancestor in widget.ancestors
        if isinstance(ancestor, Widget) and ancestor is not screen and ancestor.parent is not None
    )


async def tab_to_save(pilot: Pilot, fill: dict[str, str], save_id: str = "save") -> Button:
    """Tab through the form from its first field, typing ``fill[field id]`` into each, and
    stop on the Save button; every field focused on the way is visible in full."""
    screen = pilot.app.screen
    for _ in range(30):
        await pilot.pause()
        focused = pilot.app.focused
        assert focused is not None and focused.screen is screen
        assert on_screen(focused), f"{focused!r} focused but not on screen at 80×24"
        if isinstance(focused, Button) and focused.id == save_id:
            return focused
        if focused.id in fill:
            await typing(pilot, fill.pop(focused.id))
        await pilot.press("tab")
    raise AssertionError(f"tab never reached {save_id}; not filled: {fill}")


async def press_save(pilot: Pilot, fill: dict[str, str], save_id: str = "save") -> None:
    await tab_to_save(pilot, fill, save_id)
    assert not fill, f"fields never focused: {fill}"
    await pilot.press("enter")
    await pilot.pause()
    await pilot.pause()


async def start(pilot: Pilot) -> TreeScreen:
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TreeScreen)
    return screen


async def test_objective_form(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ObjectiveForm)
        await press_save(
            pilot,
            {
                "title": "Small screens work",
                "collaborators": "ana, ben",
                "team": "platform",
                "description": "Tried at 80x24",
            },
        )
        assert isinstance(app.screen, TreeScreen)
    assert rows(
        tester_demo_path,
        "SELECT team, description FROM objective WHERE title = 'Small screens work'",
    ) == [("platform", "Tried at 80x24")]


async def test_key_result_form(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, KeyResultForm)
        await press_save(
            pilot,
            {"title": "More demos", "start": "10", "target": "40", "unit": "demos"},
        )
        assert isinstance(app.screen, TreeScreen)
    assert rows(
        tester_demo_path,
        "SELECT start_value, target_value, unit FROM key_result WHERE title = 'More demos'",
    ) == [(10.0, 40.0, "demos")]


async def test_check_in_form_shows_value_confidence_note_and_buttons(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await start(pilot)
        screen.reveal(NodeRef("kr", 13))
        await settle(pilot)
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CheckInForm)
        for part in ("#ci-value", "#ci-confidence", "#ci-note", "#save", "#cancel"):
            assert on_screen(form.query_one(part)), part
        # the value is selected: typing replaces it
        await press_save(pilot, {"ci-value": "1400", "ci-note": "webinar week"})
        assert isinstance(app.screen, TreeScreen)
    assert rows(
        tester_demo_path,
        "SELECT value, note FROM check_in WHERE key_result_id = 13 ORDER BY id DESC LIMIT 1",
    ) == [(1400.0, "webinar week")]


async def open_kpis(pilot: Pilot) -> KpiScreen:
    await start(pilot)
    await pilot.press("K")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, KpiScreen)
    return screen


async def test_kpi_form(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await open_kpis(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, KpiForm)
        await press_save(
            pilot,
            {
                "name": "Pages per week",
                "unit": "pages",
                "category": "Ops",
                "target": "5",
                "description": "On-call pages",
            },
        )
        assert isinstance(app.screen, KpiScreen)
    assert rows(
        tester_demo_path,
        "SELECT unit, category, target, description FROM kpi WHERE name = 'Pages per week'",
    ) == [("pages", "Ops", 5.0, "On-call pages")]


async def test_kpi_value_form(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_kpis(pilot)
        selected = screen.selected()
        assert selected is not None
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, RecordValueForm)
        await press_save(pilot, {"value": "42", "note": "by hand"})
        assert isinstance(app.screen, KpiScreen)
    assert rows(
        tester_demo_path,
        "SELECT v.value, v.note FROM kpi_value v JOIN kpi k ON k.id = v.kpi_id "
        "WHERE k.name = ? AND v.observed_on = '2026-11-23'",
        selected.name,
    ) == [(42.0, "by hand")]


async def test_new_period_form(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, PeriodsScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NewPeriodForm)
        await pilot.press("end", *["backspace"] * len("2027-Q1"))
        await press_save(pilot, {"name": "Next quarter"})
        assert isinstance(app.screen, PeriodsScreen)
    assert rows(
        tester_demo_path, "SELECT starts_on, ends_on FROM period WHERE name = 'Next quarter'"
    ) == [("2027-01-01", "2027-03-31")]


async def test_kpi_import_form_and_preview(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await open_kpis(pilot)
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ImportFileForm)
        await pilot.press("tab")  # from the file list to the pasted text
        await typing(pilot, "kpi,date,value")
        await pilot.press("enter")
        await typing(pilot, "MRR,2026-11-21,951000")
        await press_save(pilot, {})
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, ImportReportDialog):
                break
        dialog = app.screen
        assert isinstance(dialog, ImportReportDialog)
        assert on_screen(dialog.query_one("#confirm")) and on_screen(dialog.query_one("#cancel"))
        await pilot.press("shift+tab")  # Cancel has the focus; Import is before it
        assert app.focused is dialog.query_one("#confirm")
        await pilot.press("enter")
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, KpiScreen):
                break
    assert rows(
        tester_demo_path,
        "SELECT v.value FROM kpi_value v JOIN kpi k ON k.id = v.kpi_id "
        "WHERE k.name = 'MRR' AND v.observed_on = '2026-11-21'",
    ) == [(951000.0,)]


# --- every other form and dialog that writes, at 80×24, with keys only -----------------


async def clear_and_type(pilot: Pilot, text: str) -> None:
    """Replace what the focused Input holds with ``text``."""
    await pilot.press("home", "ctrl+k")
    await typing(pilot, text)


async def test_objective_edit_form(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await start(pilot)
        screen.reveal(NodeRef("objective", 14))
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ObjectiveForm)
        assert app.focused is not None and app.focused.id == "title"
        await clear_and_type(pilot, "Onboarding in one sitting")
        await press_save(pilot, {"team": "growth"})
        assert isinstance(app.screen, TreeScreen)
    assert rows(tester_demo_path, "SELECT title, team FROM objective WHERE id = 14") == [
        ("Onboarding in one sitting", "growth")
    ]


async def test_key_result_edit_form(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await start(pilot)
        screen.reveal(NodeRef("kr", 36))
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, KeyResultForm)
        screen_form = app.screen
        for _ in range(12):  # tab to the target, checking each field on the way
            focused = app.focused
            assert focused is not None and on_screen(focused), focused
            if focused.id == "target":
                break
            await pilot.press("tab")
            await pilot.pause()
        assert app.focused is screen_form.query_one("#target")
        await clear_and_type(pilot, "7")
        await press_save(pilot, {})
        assert isinstance(app.screen, TreeScreen)
    assert rows(tester_demo_path, "SELECT target_value FROM key_result WHERE id = 36") == [(7.0,)]


async def focus_history(pilot: Pilot, kr: int) -> TreeScreen:
    """The KR's history table focused, by keys: v shows the detail pane at 80 columns."""
    screen = await start(pilot)
    screen.reveal(NodeRef("kr", kr))
    await settle(pilot)
    await pilot.press("v")
    await pilot.pause()
    for _ in range(6):
        if app_focused_id(pilot) == "history":
            break
        await pilot.press("tab")
        await pilot.pause()
    assert app_focused_id(pilot) == "history"
    assert on_screen(screen.query_one("#history"))
    return screen


def app_focused_id(pilot: Pilot) -> str | None:
    focused = pilot.app.focused
    return None if focused is None else focused.id


async def test_correction_form(make_app, tester_demo_path: Path) -> None:
    """e on a history row opens the check-in form on that check-in; Save corrects it."""
    latest = rows(
        tester_demo_path,
        "SELECT id FROM check_in WHERE key_result_id = 37 ORDER BY created_at DESC LIMIT 1",
    )[0][0]
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await focus_history(pilot, 37)
        await pilot.press("e")  # the first row: the latest check-in
        await pilot.pause()
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CheckInForm) and form.existing is not None
        await press_save(pilot, {"ci-value": "44", "ci-note": "typo fixed"})
        await settle(pilot)
        assert isinstance(app.screen, TreeScreen)
    assert rows(tester_demo_path, "SELECT value FROM check_in WHERE id = ?", latest) == [(44.0,)]
    assert rows(tester_demo_path, "SELECT current_value FROM key_result WHERE id = 37") == [(44.0,)]


async def test_remove_check_in_confirmation(make_app, tester_demo_path: Path) -> None:
    before = rows(tester_demo_path, "SELECT count(*) FROM check_in WHERE key_result_id = 37")
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await focus_history(pilot, 37)
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert on_screen(dialog.query_one("#confirm")) and on_screen(dialog.query_one("#cancel"))
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TreeScreen)
    after = rows(tester_demo_path, "SELECT count(*) FROM check_in WHERE key_result_id = 37")
    assert after[0][0] == before[0][0] - 1


async def test_move_picker(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await start(pilot)
        screen.reveal(NodeRef("objective", 14))
        await settle(pilot)
        await pilot.press("m")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickDialog)
        await typing(pilot, "O-7 ")  # narrow the list to the new parent
        await pilot.pause()
        await pilot.press("down")  # into the list
        await pilot.pause()
        assert on_screen(picker.query_one("#options"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TreeScreen)
    assert rows(tester_demo_path, "SELECT parent_id FROM objective WHERE id = 14") == [(7,)]


async def test_delete_confirmation(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await start(pilot)
        screen.reveal(NodeRef("kr", 38))
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert app.focused is dialog.query_one("#cancel")  # a stray enter never deletes
        assert on_screen(dialog.query_one("#confirm"))
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TreeScreen)
    assert rows(tester_demo_path, "SELECT count(*) FROM key_result WHERE id = 38") == [(0,)]


async def test_kpi_edit_form(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_kpis(pilot)
        selected = screen.selected()
        assert selected is not None
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, KpiForm)
        for _ in range(12):
            focused = app.focused
            assert focused is not None and on_screen(focused), focused
            if focused.id == "target":
                break
            await pilot.press("tab")
            await pilot.pause()
        await clear_and_type(pilot, "1.2")
        await press_save(pilot, {})
        assert isinstance(app.screen, KpiScreen)
    assert rows(tester_demo_path, "SELECT target FROM kpi WHERE id = ?", selected.id) == [(1.2,)]


async def test_review_and_close_at_80x24(make_app, tester_demo_path: Path) -> None:
    """P, r: the grade and note of each objective, its roll-over, the summary and the
    close confirmation all on screen at 80×24; what was typed is what is written. The next
    period, planned, becomes the active one, and the app says so (item 6)."""
    from store.db.database import open_database
    from store.write.periods import create_period

    db = open_database(tester_demo_path)
    create_period(db, "tester", "2027-Q1", "2027-01-01", "2027-03-31")
    db.close()
    app = make_app(tester_demo_path)
    told = notifications(app)
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        await pilot.press("P")
        await settle(pilot)
        await pilot.press("down")  # past the planned 2027-Q1, listed first
        await pilot.press("r")
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        for part in ("#review-grade", "#review-note", "#review-roll"):
            assert on_screen(review.query_one(part)), part
        assert app.focused is review.query_one("#review-grade")
        await clear_and_type(pilot, "0.6")
        await pilot.press("tab")
        assert app.focused is review.query_one("#review-note")
        await typing(pilot, "Small screens")
        await pilot.press("ctrl+s")  # the summary
        await pilot.pause()
        assert review.on_summary
        assert on_screen(review.query_one("#review-table"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert on_screen(dialog.query_one("#confirm"))
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, PeriodsScreen)
        assert any("2027-Q1 is now the active period" in line for line in told), told
    assert rows(tester_demo_path, "SELECT state FROM period WHERE name = '2027-Q1'") == [
        ("active",)
    ]
    assert rows(
        tester_demo_path, "SELECT grade, retro_note, state FROM objective WHERE id = 6"
    ) == [(0.6, "Small screens", "closed")]


async def test_period_picker(make_app, tester_demo_path: Path) -> None:
    """p: the period picker fits, and enter on another period shows it."""
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await start(pilot)
        await pilot.press("p")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickDialog)
        await typing(pilot, "Q3")
        await pilot.press("down")
        assert on_screen(picker.query_one("#options"))
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert app.period is not None and app.period.name == "2026-Q3"


async def test_weekly_run_at_80x24(make_app, tester_demo_path: Path) -> None:
    """w: each KR's value, confidence and note on screen; enter saves and moves on."""
    before = rows(tester_demo_path, "SELECT max(id) FROM check_in")[0][0]
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        await pilot.press("w")
        await settle(pilot)
        weekly = app.screen
        assert isinstance(weekly, WeeklyScreen)
        assert on_screen(weekly.query_one("#wk-list"))
        for field in ("ci-fixed", "ci-confidence", "ci-note"):  # the form scrolls to each
            assert app_focused_id(pilot) == field
            assert on_screen(weekly.query_one(f"#{field}")), field
            await pilot.press("down")
            await pilot.pause()
        await typing(pilot, "fine")
        await pilot.press("ctrl+s")  # the KPI-driven KR: a note (enter is a new line there)
        await settle(pilot)
        await pilot.press("space", "enter")  # a milestone, done
        await settle(pilot)
        assert app_focused_id(pilot) == "ci-value"
        assert on_screen(weekly.query_one("#ci-value"))
        await typing(pilot, "12")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
    written = rows(
        tester_demo_path, "SELECT value, confidence FROM check_in WHERE id > ? ORDER BY id", before
    )
    assert len(written) == 3 and written[2][0] == 12.0, written
    assert rows(tester_demo_path, "SELECT note FROM check_in WHERE id = ?", before + 1) == [
        ("fine",)
    ]


def shown_in_full(label: Widget) -> bool:
    """The label is no wider than what its containers show of it (a wider one is cut at
    their edge), and it is tall enough for its wrapped text."""
    right = label.region.right
    for ancestor in label.ancestors:
        if not isinstance(ancestor, Widget) or ancestor is label.screen:
            break
        inner = (
            ancestor.scrollable_content_region
            if isinstance(ancestor, ScrollableContainer)
            else ancestor.region
        )
        if right > inner.right:
            return False
    return label.region.height >= len(label.render_lines(label.region.reset_offset))


async def test_every_form_label_is_read_in_full_at_80_columns(
    make_app, tester_demo_path: Path
) -> None:
    """The KPI form's first label was cut: "Name (unique, typed on the command line:
    okrtui kpi record NAME VALU"."""
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await open_kpis(pilot)
        for key, form_type in (("n", KpiForm), ("v", RecordValueForm)):
            await pilot.press(key)
            await pilot.pause()
            form = app.screen
            assert isinstance(form, form_type)
            labels = [w for w in form.query(".field-label") if w.display]
            assert labels
            for label in labels:
                assert shown_in_full(label), str(label.render())  # type: ignore[attr-defined]
            await pilot.press("escape")
            await pilot.pause()


async def test_a_long_form_heading_wraps_in_full(make_app, tester_demo_path: Path) -> None:
    """Item 16: the new-objective form's title was cut without an ellipsis ("New objective
    aligned under O-12 Make every customer successful in their f")."""
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        screen = await start(pilot)
        screen.reveal(NodeRef("objective", 12))
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ObjectiveForm)
        heading = form.query_one("#heading")
        assert "their first 90 days" in str(heading.render())  # type: ignore[attr-defined]
        assert heading.region.height >= 2 and shown_in_full(heading)
