"""Keys sent in a burst land where they were meant (issue 16, item 11).

Found with tmux send-keys: ``nps`` typed fast on the tree opened New objective and then
the period picker, because a dialog opens from a worker that starts only after the keys
behind its key were handled by the tree. The tree now holds those keys and replays them
into the dialog once it has its focus.
"""

from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from okrtui.modals.dialogs import PickDialog
from okrtui.modals.objective_form import ObjectiveForm
from okrtui.screens.tree import TreeScreen

CHARACTERS = {"space": " ", "tab": None}


async def burst(pilot: Pilot, *keys: str) -> None:
    """Post every key at once, as a terminal delivers a fast typist's keys."""
    for key in keys:
        character = CHARACTERS.get(key, key if len(key) == 1 else None)
        pilot.app.post_message(events.Key(key, character))
    for _ in range(10):
        await pilot.pause(0.05)


async def test_nps_opens_one_form_and_types_ps_into_it(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)
        await burst(pilot, "n", "p", "s")
        form = app.screen
        assert isinstance(form, ObjectiveForm), form
        assert not any(isinstance(s, PickDialog) for s in app.screen_stack)
        assert form.query_one("#title", Input).value == "ps"


async def test_tabs_and_text_typed_fast_fill_the_right_fields(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await burst(pilot, "n", *"Race", "tab", "tab", *"ana", "tab", "tab", *"platform")
        form = app.screen
        assert isinstance(form, ObjectiveForm), form
        values = {
            f: form.query_one(f"#{f}", Input).value for f in ("title", "collaborators", "team")
        }
        assert values == {"title": "Race", "collaborators": "ana", "team": "platform"}, values
