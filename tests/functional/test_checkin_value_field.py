"""The check-in value field takes what is typed as text (issue 16, item 12).

Found by trying it: letters typed in the value acted as confidence keys (``abc`` set
"at risk" and left ``bc``; the ``n`` of ``nan``/``inf`` jumped into the note), a fresh
form said "value is empty" before anything was typed, and a KR with no check-in showed
its current value as ``—`` instead of where it starts.
"""

from pathlib import Path

from screen_helpers import dump, settle, text_of
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from okrtui.modals.checkin import CheckInForm
from okrtui.modals.checkin_panel import CheckInPanel, ValueInput
from okrtui.screens.tree import NodeRef, TreeScreen
from store.db.database import open_database
from store.read.periods import default_period
from store.read.tree import load_tree
from store.write.key_results import create_key_result
from widgets.okr_tree import kr_label

SIZE = (120, 40)


async def open_check_in(pilot: Pilot, kr_id: int) -> CheckInForm:
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TreeScreen)
    screen.reveal(NodeRef("kr", kr_id))
    await settle(pilot)
    await pilot.pause()
    await pilot.press("c")
    await pilot.pause()
    form = pilot.app.screen
    assert isinstance(form, CheckInForm)
    return form


async def test_letters_in_the_value_are_text_not_confidence_keys(
    make_app, tester_demo_path: Path
) -> None:
    before = dump(tester_demo_path)
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_check_in(pilot, 22)
        panel = form.query_one(CheckInPanel)
        confidence = panel.confidence
        await pilot.press("a", "b", "c")
        await pilot.pause()
        value = form.query_one(ValueInput)
        assert value.value == "abc" and value.has_focus
        assert panel.confidence == confidence, "a letter in the value set the confidence"
        assert "not a number" in text_of(form.query_one("#ci-preview", Static))
        for word in ("nan", "inf"):
            await pilot.press("end", *["backspace"] * 5, *word)
            await pilot.pause()
            assert value.value == word and value.has_focus, f"{word}: left the value"
            assert form.query_one("#ci-note", TextArea).text == ""
            assert "not a number" in text_of(form.query_one("#ci-preview", Static))
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is form
            assert "Not saved" in text_of(form.query_one("#ci-error", Static))
        await pilot.press("escape")
    assert dump(tester_demo_path) == before


async def test_confidence_is_set_on_its_own_field(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_check_in(pilot, 22)
        panel = form.query_one(CheckInPanel)
        await pilot.press("tab")
        assert app.focused is form.query_one("#ci-confidence")
        await pilot.press("r")
        assert panel.confidence == "off_track"
        await pilot.press("left")
        assert panel.confidence == "at_risk"
        await pilot.press("n")
        assert form.query_one("#ci-note", TextArea).has_focus
        await pilot.press("shift+tab", "shift+tab")
        assert form.query_one(ValueInput).has_focus
        await pilot.press("down")  # the weekly run's way (its tab skips the KR)
        assert app.focused is form.query_one("#ci-confidence")
        await pilot.press("g")
        assert panel.confidence == "on_track"


def new_kr(path: Path, start: float | None) -> int:
    """A metric KR with no check-in under the tester's first objective."""
    db = open_database(path)
    try:
        period = default_period(db)
        assert period is not None
        tree = load_tree(db, period.id)
        objective = next(o for o in tree.objectives.values() if o.owner == "tester")
        saved = create_key_result(
            db, "tester", objective_id=objective.id, title="Cut build time",
            direction="decrease", start=start, target=5, unit="min",
        )  # fmt: skip
        return saved.id
    finally:
        db.close()


async def test_a_kr_with_no_check_in_starts_at_its_start(make_app, tester_demo_path: Path) -> None:
    kr_id = new_kr(tester_demo_path, 20)
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_check_in(pilot, kr_id)
        assert form.query_one(ValueInput).value == "20"
        facts = text_of(form.query_one("#ci-facts", Static))
        assert "no check-in yet" in facts and "current 20 min (its start)" in facts
        preview = text_of(form.query_one("#ci-preview", Static))
        assert "empty" not in preview and "✗" not in preview
        assert form.kr.current is None
        assert "20 min / 5 min" in kr_label(form.kr, width=60).plain


async def test_no_value_is_empty_before_anything_is_typed(make_app, tester_demo_path: Path) -> None:
    kr_id = new_kr(tester_demo_path, None)  # no start: nothing to prefill
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_check_in(pilot, kr_id)
        assert form.query_one(ValueInput).value == ""
        preview = text_of(form.query_one("#ci-preview", Static))
        assert "empty" not in preview and "type the new value" in preview
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form
        assert "value is empty" in text_of(form.query_one("#ci-error", Static))
