"""The close-period review at a glance (issue 16, item 9): a grade error right under the
grade, a roll-over choice that reads on or off, and escape that asks before throwing
typed grades and notes away (and says which)."""

from pathlib import Path

from screen_helpers import dump
from textual.pilot import Pilot
from textual.widgets import Input, Static

from okrtui.modals.dialogs import ConfirmDialog
from okrtui.screens.periods import PeriodsScreen
from okrtui.screens.review import ReviewScreen, RollCheckbox

SIZE = (120, 40)
KEYS = {" ": "space", ".": "full_stop"}


async def open_review(pilot: Pilot) -> ReviewScreen:
    await pilot.pause()
    await pilot.press("P")
    await pilot.pause()
    assert isinstance(pilot.app.screen, PeriodsScreen)
    await pilot.press("r")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


async def test_a_grade_error_shows_right_under_the_grade(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        review = await open_review(pilot)
        await pilot.press("end", *["backspace"] * 5, "7")
        await pilot.pause()
        grade = review.query_one("#review-grade", Input)
        error = review.query_one("#review-error", Static)
        assert "between 0.0 and 1.0" in str(error.render())
        assert error.region.y == grade.region.bottom, "the error sits right under the grade"


async def test_the_roll_over_choice_reads_on_or_off(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        review = await open_review(pilot)
        roll = review.query_one("#review-roll", RollCheckbox)
        for _ in range(len(review.items)):  # to an unfinished objective
            if not roll.disabled:
                break
            await pilot.press("pagedown")
            await pilot.pause()
        assert not roll.disabled
        assert not roll.value
        off = roll.render().plain.rstrip()
        assert "X" not in off and "✔" not in off and off.endswith(": no"), off
        await pilot.press("ctrl+r")
        await pilot.pause()
        on = roll.render().plain.rstrip()
        assert roll.value and "✔" in on and on.endswith(": yes") and roll.has_class("-on"), on


async def test_escape_asks_before_throwing_typed_notes_away(
    make_app, tester_demo_path: Path
) -> None:
    before = dump(tester_demo_path)
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        review = await open_review(pilot)
        await pilot.press("enter")  # grade → note
        await pilot.press(*[KEYS.get(c, c) for c in "hiring took a quarter"])
        await pilot.press("escape")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "1 note " in dialog.question and "thrown away" in dialog.question
        await pilot.press("n")  # stay: the note is still there
        await pilot.pause()
        assert app.screen is review
        assert review.query_one("#review-note", Input).value == "hiring took a quarter"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, PeriodsScreen)
    assert dump(tester_demo_path) == before


async def test_escape_with_nothing_typed_just_leaves(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_review(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PeriodsScreen)
