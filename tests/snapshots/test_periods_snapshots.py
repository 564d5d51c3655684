"""SVG snapshots of the close-period review (120×40; update with --snapshot-update, then look)."""

from textual.pilot import Pilot

SIZE = (120, 40)


async def _review(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.press("P")
    await pilot.pause()
    await pilot.press("r")
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()


def test_review_first_objective(snap_compare, make_app, tester_demo_path) -> None:
    assert snap_compare(make_app(tester_demo_path), terminal_size=SIZE, run_before=_review)


def test_review_summary_with_a_roll_over(snap_compare, make_app, tester_demo_path) -> None:
    async def summary(pilot: Pilot) -> None:
        await _review(pilot)
        await pilot.press("tab", *"Great", "space", *"push", "ctrl+r", "ctrl+s")
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()

    assert snap_compare(make_app(tester_demo_path), terminal_size=SIZE, run_before=summary)


def test_periods_screen(snap_compare, make_app, tester_demo_path) -> None:
    async def periods(pilot: Pilot) -> None:
        await pilot.pause()
        await pilot.press("P")
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()

    assert snap_compare(make_app(tester_demo_path), terminal_size=SIZE, run_before=periods)
