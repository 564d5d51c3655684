"""The UI never waits on the database: with every database call taking 2 s, keys still
answer at once on the KPI dashboard, the weekly check-in, the periods screen and the
period review, and quitting is prompt.

Each test starts the app, then makes every entry point of ``store.db.database.Database``
(``plain_read``, ``plain_write``, ``read``, ``write``) sleep 2 s first. A store call on
the event loop fails the test three ways: the call is recorded (it runs on the main
thread, where the loop runs); the loop stalls for 2 s (a monitor task measures its
longest stall, allowed a quarter of that: composing a screen on a busy 2-core machine
takes a few hundred ms); and a key's effect comes late. Keys that move within a screen
must show their effect within 50 ms: the fastest of three presses, so that a busy
machine's hiccup does not fail the test while one database call on the loop (2 s each
time) still does. Keys that open or close a screen get the stall allowance. Keys are
sent with ``App.simulate_key`` and awaited by polling: Pilot's ``press`` waits for the
app to go idle, which alone takes tens of milliseconds.
"""

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from okrtui.app import OkrApp
from okrtui.modals.dialogs import PickDialog
from okrtui.screens.kpis import KpiScreen
from okrtui.screens.periods import PeriodsScreen
from okrtui.screens.review import ReviewScreen
from okrtui.screens.weekly import WeeklyScreen
from store.db.database import Database
from widgets.kpi_panel import KpiGrid

SLOW_S = 2.0
KEY_BUDGET_S = 0.05
STALL_BUDGET_S = SLOW_S / 4
SIZE = (120, 40)


class SlowDatabase:
    """Every database call sleeps first; calls made on the event loop's thread are kept."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.on_loop: list[str] = []
        self.calls = 0
        for name in ("plain_read", "plain_write", "read", "write"):
            monkeypatch.setattr(Database, name, self._slow(name, getattr(Database, name)))

    def _slow(
        self, name: str, original: Callable[..., AbstractContextManager[Any]]
    ) -> Callable[..., AbstractContextManager[Any]]:
        @contextmanager
        def slow(db: Database, *args: Any, **kwargs: Any) -> Iterator[Any]:
            self.calls += 1
            if threading.current_thread() is threading.main_thread():
                self.on_loop.append(name)
            time.sleep(SLOW_S)
            with original(db, *args, **kwargs) as value:
                yield value

        return slow


class LoopStalls:
    """The longest time the event loop went without running a 1 ms sleep's wake-up."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.001)
            now = time.monotonic()
            self.worst = max(self.worst, now - last)
            last = now

    def stop(self) -> None:
        self._task.cancel()


async def key(
    app: OkrApp, name: str, done: Callable[[], bool], budget: float = STALL_BUDGET_S
) -> float:
    """Send ``name`` and wait until ``done()``: the seconds it took (fails past ``budget``)."""
    start = time.monotonic()
    app.simulate_key(name)
    while not done():
        if time.monotonic() - start > SLOW_S:
            raise AssertionError(f"{name}: no effect within {SLOW_S} s")
        await asyncio.sleep(0.001)
    took = time.monotonic() - start
    assert took < budget, f"{name} took {took * 1000:.0f} ms"
    return took


async def moves(
    app: OkrApp, there: tuple[str, Callable[[], bool]], back: tuple[str, Callable[[], bool]]
) -> None:
    """A key and the key back, three times: the fastest of each within the 50 ms budget."""
    times: dict[str, list[float]] = {there[0]: [], back[0]: []}
    for _ in range(3):
        for name, done in (there, back):
            times[name].append(await key(app, name, done))
    for name, took in times.items():
        assert min(took) < KEY_BUDGET_S, f"{name}: fastest {min(took) * 1000:.0f} ms"


async def until(pilot: Pilot, done: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "not read in time"
        await pilot.pause(0.05)


async def quits(app: OkrApp, name: str) -> None:
    """``name`` ends the app within the key budget, however slow the database."""
    await key(app, name, lambda: app.return_code is not None, KEY_BUDGET_S * 2)


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> Callable[[], SlowDatabase]:
    return lambda: SlowDatabase(monkeypatch)


async def test_kpi_dashboard(make_app, tester_demo_path: Path, slow) -> None:
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        database, stalls = slow(), LoopStalls()
        await key(app, "K", lambda: isinstance(app.screen, KpiScreen))
        screen = app.screen
        assert isinstance(screen, KpiScreen)
        await key(app, "f", lambda: isinstance(app.screen, PickDialog))  # while it reads
        await key(app, "escape", lambda: app.screen is screen)
        grid = screen.query_one(KpiGrid)
        await until(pilot, lambda: grid.selected_key is not None)
        first = grid.selected_key
        await moves(app, ("right", lambda: grid.selected_key != first),
                    ("left", lambda: grid.selected_key == first))  # fmt: skip
        await key(app, "v", lambda: app.screen is not screen)  # the form reads nothing first
        await key(app, "escape", lambda: app.screen is screen)
        await quits(app, "q")
    stalls.stop()
    assert database.calls and not database.on_loop
    assert stalls.worst < STALL_BUDGET_S, f"the loop stalled {stalls.worst * 1000:.0f} ms"


async def test_weekly_check_in(make_app, tester_demo_path: Path, slow) -> None:
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        database, stalls = slow(), LoopStalls()
        await key(app, "w", lambda: isinstance(app.screen, WeeklyScreen))
        weekly = app.screen
        assert isinstance(weekly, WeeklyScreen)
        await until(pilot, lambda: len(weekly.items) > 2)
        # the first KR's history is still being read: moving on does not wait for it
        await moves(app, ("tab", lambda: weekly.index == 1),
                    ("shift+tab", lambda: weekly.index == 0))  # fmt: skip
        await quits(app, "ctrl+q")
    stalls.stop()
    assert database.calls and not database.on_loop
    assert stalls.worst < STALL_BUDGET_S, f"the loop stalled {stalls.worst * 1000:.0f} ms"


async def test_periods_and_review(make_app, tester_demo_path: Path, slow) -> None:
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        database, stalls = slow(), LoopStalls()
        await key(app, "P", lambda: isinstance(app.screen, PeriodsScreen))
        periods = app.screen
        assert isinstance(periods, PeriodsScreen)
        table = periods.query_one(DataTable)
        await until(pilot, lambda: table.row_count > 1)
        await moves(app, ("down", lambda: table.cursor_row == 1),
                    ("up", lambda: table.cursor_row == 0))  # fmt: skip
        await key(app, "r", lambda: isinstance(app.screen, ReviewScreen))
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await key(app, "escape", lambda: app.screen is periods)  # left while it reads
        await key(app, "r", lambda: isinstance(app.screen, ReviewScreen))
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await until(pilot, lambda: review.ready)
        assert len(review.items) > 1
        await moves(app, ("pagedown", lambda: review.index == 1),
                    ("pageup", lambda: review.index == 0))  # fmt: skip
        await quits(app, "ctrl+q")
    stalls.stop()
    assert database.calls and not database.on_loop
    assert stalls.worst < STALL_BUDGET_S, f"the loop stalled {stalls.worst * 1000:.0f} ms"


async def test_a_lost_database_shows_in_the_title_until_it_answers(
    make_app, tester_demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the live updates' check fails the title bar says so (a notification fades);
    when it answers again the title is plain again. Keys answer meanwhile."""
    from store.db.watch import ChangeWatcher

    answering = {"now": True}

    def changed(watcher: ChangeWatcher) -> bool:
        watcher.available = answering["now"]
        return False

    monkeypatch.setattr(ChangeWatcher, "changed", changed)
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "UNAVAILABLE" not in app.sub_title
        answering["now"] = False
        await until(pilot, lambda: "DATABASE UNAVAILABLE, retrying" in app.sub_title, 5)
        await key(app, "K", lambda: isinstance(app.screen, KpiScreen))
        answering["now"] = True
        await until(pilot, lambda: "UNAVAILABLE" not in app.sub_title, 5)
        await quits(app, "q")
