"""Issue 20 at 80×24 and 120×40: the burn-up chart in the tree's detail pane, the overview.

Update with --snapshot-update, then look at each SVG before accepting it.
"""

import pytest
from screen_helpers import settle
from test_screen_snapshots import SIZES, on_kr
from textual.pilot import Pilot


async def kr_chart(pilot: Pilot) -> None:
    """KR-13 (+1,500 MQLs per month): a week of check-ins per point, a forecast above 100%."""
    await on_kr(pilot, 13)
    await pilot.press("b")
    await settle(pilot)


async def objective_chart(pilot: Pilot) -> None:
    """O-6, the first company objective: its score over time from its three KRs."""
    await settle(pilot)
    await pilot.press("b")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_kr_burnup(snap_compare, make_app, tester_demo_path, size) -> None:
    assert snap_compare(make_app(tester_demo_path), terminal_size=size, run_before=kr_chart)


@pytest.mark.parametrize("size", SIZES)
def test_objective_burnup(snap_compare, make_app, tester_demo_path, size) -> None:
    assert snap_compare(make_app(tester_demo_path), terminal_size=size, run_before=objective_chart)


async def overview(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("o")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_overview(snap_compare, make_app, tester_demo_path, size) -> None:
    assert snap_compare(make_app(tester_demo_path), terminal_size=size, run_before=overview)
