"""SVG snapshots of the key screens at 120×40 (update with --snapshot-update, then look)."""

from textual.pilot import Pilot

SIZE = (120, 40)


async def _settle(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()


def test_tree_with_objective_detail(snap_compare, make_app, tester_demo_path) -> None:
    assert snap_compare(make_app(tester_demo_path), terminal_size=SIZE, run_before=_settle)


def test_tree_with_key_result_detail(snap_compare, make_app, tester_demo_path) -> None:
    async def on_kr(pilot: Pilot) -> None:
        await pilot.pause()
        await pilot.press("down", "down")
        await _settle(pilot)

    assert snap_compare(make_app(tester_demo_path), terminal_size=SIZE, run_before=on_kr)


def test_help_screen(snap_compare, make_app, tester_demo_path) -> None:
    async def help_open(pilot: Pilot) -> None:
        await pilot.pause()
        await pilot.press("question_mark")
        await _settle(pilot)

    assert snap_compare(make_app(tester_demo_path), terminal_size=SIZE, run_before=help_open)


def test_key_result_form_with_validation_error(snap_compare, make_app, tester_demo_path) -> None:
    async def bad_target(pilot: Pilot) -> None:
        await pilot.pause()
        await pilot.press("a")
        await pilot.press(*"Grow", "tab", "tab", "tab", "1", "0", "tab", "1", ",", "5")
        await _settle(pilot)

    assert snap_compare(make_app(tester_demo_path), terminal_size=SIZE, run_before=bad_target)
