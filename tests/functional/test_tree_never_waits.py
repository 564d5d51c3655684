"""The tree never waits on the database (issue 15): with every database call taking 2 s,
a key still draws its frame within 50 ms, and ``q`` quits at once.

Every entry point of ``store.db.database.Database`` (``plain_read``, ``read``, ``plain_write``,
``write``) sleeps first, in whatever thread calls it. A call made on the event loop
stalls the loop for those 2 s, which both measurements below see: the time from a key
to the refresh after its effect, and the longest the loop went without running a
ticker task.
"""

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from screen_helpers import settle
from textual import events
from textual.pilot import Pilot

from okrtui.app import OkrApp
from okrtui.screens.help import HelpScreen
from okrtui.screens.tree import NodeRef, OkrTree, TreeScreen
from store.db.database import Database

DELAY_S = 2.0
FRAME_S = 0.050  # a key's frame, median of the presses
STALL_S = 1.0  # the loop's longest pause: a database call on it would take DELAY_S
SIZE = (120, 40)


@contextmanager
def slow_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every Database entry point sleeps DELAY_S first; yields the names called."""
    calls: list[str] = []
    for name in ("plain_read", "read", "plain_write", "write"):
        original = getattr(Database, name)

        def slow(self: Database, *args: Any, _original: Any = original, _name: str = name,
                 **kwargs: Any) -> Any:  # fmt: skip
            calls.append(_name)
            time.sleep(DELAY_S)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Database, name, slow)
    yield calls
    monkeypatch.undo()


@contextmanager
def loop_stalls() -> Iterator[list[float]]:
    """The longest gap between ticks of a task that wakes every 5 ms (one value, kept
    up to date while the block runs)."""
    longest = [0.0]

    async def tick() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            longest[0] = max(longest[0], now - last)
            last = now

    task = asyncio.get_running_loop().create_task(tick())
    try:
        yield longest
    finally:
        task.cancel()


async def key_to_frame(
    pilot: Pilot, key: str, done: Callable[[], bool], character: str | None = None
) -> float:
    """Seconds from sending ``key`` (as the terminal driver would) to the refresh after
    ``done()`` first holds (so the frame showing it is drawn)."""
    app = pilot.app
    drawn = asyncio.Event()
    start = time.perf_counter()
    app.post_message(events.Key(key, character))
    while not done():
        if time.perf_counter() - start > 3 * DELAY_S:
            raise AssertionError(f"{key!r} had no effect within {3 * DELAY_S} s")
        await asyncio.sleep(0.001)
    app.call_after_refresh(drawn.set)
    await drawn.wait()
    return time.perf_counter() - start


def collapsed_objective(tree: OkrTree) -> Any:
    """A visible objective node not expanded yet (its rows are read when it is)."""
    for line in range(tree.last_line + 1):
        node = tree.get_node_at_line(line)
        ref = node.data if node is not None else None
        if node is not None and ref and ref.kind == "objective" and not node.is_expanded:
            return node
    raise AssertionError("no collapsed objective on show")


async def test_keys_draw_their_frame_while_every_database_call_takes_two_seconds(
    make_app: Callable[[Path], OkrApp], tester_demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        tree = screen.okr_tree
        frames: list[float] = []
        with slow_database(monkeypatch) as calls, loop_stalls() as stall:
            for key in ("down", "down", "j", "up", "k"):
                line = tree.cursor_line + (1 if key in ("down", "j") else -1)
                moved = lambda line=line: tree.cursor_line == line  # noqa: E731
                frames.append(await key_to_frame(pilot, key, moved))
            node = collapsed_objective(tree)
            tree.move_cursor(node)
            await pilot.pause()
            frames.append(await key_to_frame(pilot, "right", lambda: node.is_expanded))
            assert tree.cursor_node is node and node.is_expanded
            helped = lambda: isinstance(app.screen, HelpScreen)  # noqa: E731
            frames.append(await key_to_frame(pilot, "question_mark", helped, "?"))
            frames.append(await key_to_frame(pilot, "escape", lambda: app.screen is screen))
            assert calls, "the keys started no read: the test measured nothing"
            assert stall[0] < STALL_S, f"the event loop stalled {stall[0]:.3f} s"
        frames.sort()
        assert frames[len(frames) // 2] < FRAME_S, frames
        await settle(pilot)  # the slow reads end, and their rows arrive
        assert node.children and NodeRef("objective", node.data.id) == node.data


async def test_q_quits_at_once_while_reads_are_slow(
    make_app: Callable[[Path], OkrApp], tester_demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        with slow_database(monkeypatch) as calls:
            await pilot.press("down", "down")  # a detail read, now sleeping in a worker
            await pilot.pause(0.1)
            assert calls
            start = time.perf_counter()
            app.post_message(events.Key("q", "q"))
            while app.return_code is None:
                assert time.perf_counter() - start < DELAY_S / 2, "q did not quit"
                await asyncio.sleep(0.005)
    assert app.return_code == 0
