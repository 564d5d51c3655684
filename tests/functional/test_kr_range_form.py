"""A key result that stays between two values, made and checked in by keys at 80×24."""

from screen_helpers import rows, settle, typing
from textual.widgets import Input, Label, Static

from okrtui.modals.kr_form import KeyResultForm
from okrtui.screens.tree import TreeScreen
from widgets.okr_tree import OkrTree

SIZE = (80, 24)
TITLE = "Keep first response between 30 and 50 minutes"


def _labels(form: KeyResultForm) -> tuple[str, str]:
    start = form.query_one("#start", Input).parent
    target = form.query_one("#target", Input).parent
    assert start is not None and target is not None
    return (
        str(start.query_one(Label).render()),
        str(target.query_one(Label).render()),
    )


async def test_a_range_key_result_by_keys(make_app, tester_demo_path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        objective = app.screen.query_one(OkrTree).cursor_node
        assert objective is not None
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, KeyResultForm)
        assert _labels(form) == ("Start", "Target")
        await typing(pilot, TITLE)
        await pilot.press("tab", "tab", "enter")  # kind, then open the direction list
        await pilot.press("down", "down", "down", "down", "enter")
        await pilot.pause()
        assert form.value("direction") == "stay_between"
        assert _labels(form) == ("Low end", "High end")
        await pilot.press("tab")
        await typing(pilot, "50")
        await pilot.press("tab")
        await typing(pilot, "30")
        await pilot.pause()
        error = str(form.query_one("#error", Static).render())
        assert "the low end 50 must be below the high end 30" in error
        assert form.query_one("#save").disabled
        form.query_one("#start", Input).value = "30"
        form.query_one("#target", Input).value = "50"
        await pilot.press("tab")
        await typing(pilot, "min")
        await pilot.pause()
        assert not form.query_one("#save").disabled
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TreeScreen)
        saved = rows(tester_demo_path, "SELECT id, direction, start_value, target_value, unit "
                     "FROM key_result WHERE title = ?", TITLE)  # fmt: skip
        assert [row[1:] for row in saved] == [("stay_between", 30.0, 50.0, "min")]
        tree = app.screen.query_one(OkrTree)
        node = tree.cursor_node
        assert node is not None
        line = tree.label_of(node).plain
        # Added today: not stale (it read "⧗ 63d", counted from the period's start).
        assert "Keep first" in line and "— (hold 30–50 min)" in line and "⧗" not in line
        # Checked in from the tree: 42 holds, 55 does not.
        for value, score, shown in (("42", " 100% ", "42 min (hold 30–50 min)"),
                                    ("55", " 0% ", "55 min (hold 30–50 min)")):  # fmt: skip
            await pilot.press("c")
            await settle(pilot)
            field = app.screen.query_one("#ci-value", Input)
            field.value = ""
            await typing(pilot, value)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, TreeScreen)
            tree = app.screen.query_one(OkrTree)
            node = tree.cursor_node
            assert node is not None
            line = tree.label_of(node).plain
            assert shown in line and score in line, line
    progress = rows(tester_demo_path, "SELECT value FROM check_in WHERE key_result_id = ? "
                    "ORDER BY id", saved[0][0])  # fmt: skip
    assert progress == [(42.0,), (55.0,)]
