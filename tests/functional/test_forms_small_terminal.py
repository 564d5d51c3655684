"""Every form at 80×24, with keys only: tab reaches Save, and each focused field is on screen.

Found by trying it: the check-in form ended after the score preview (confidence, note and
buttons off-screen, tab moving into a hidden note), and the other forms had their Save and
Cancel buttons below the last line, so saving was ctrl+s or nothing.
"""

from pathlib import Path

from screen_helpers import rows, settle
from textual.containers import ScrollableContainer
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button

from okrtui.modals.checkin import CheckInForm
from okrtui.modals.kpi_forms import ImportFileForm, KpiForm, RecordValueForm
from okrtui.modals.kpi_import import ImportReportDialog
from okrtui.modals.kr_form import KeyResultForm
from okrtui.modals.objective_form import ObjectiveForm
from okrtui.screens.kpis import KpiScreen
from okrtui.screens.periods import NewPeriodForm, PeriodsScreen
from okrtui.screens.tree import NodeRef, TreeScreen
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
        await pilot.press("i")
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
