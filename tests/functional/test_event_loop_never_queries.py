"""The UI never waits on the database: not one database call runs on the event loop.

Every way into the database (``Database.plain_read``, ``plain_write``, ``read``,
``write``, and the change watcher's own connection) is wrapped to record calls made on
the main thread, the one Textual's event loop runs on; the app is then started and
driven through its screens, dialogs and a check-in with real keys. Store calls belong in
thread workers (okrtui/screens/base.py); a call on the loop freezes every key and frame
for as long as the database takes (bench: "cursor move while every database call
stalls 2 s"). At start the period and the watcher's first check used to be read there.
"""

import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from screen_helpers import settle

from store.db.database import Database
from store.db.watch import ChangeWatcher

SIZE = (120, 40)


@pytest.fixture
def loop_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Where each database call made on the main thread came from."""
    calls: list[str] = []
    main = threading.main_thread()

    def guarded(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is main:
                ours = [f for f in traceback.extract_stack()[:-1]
                        if "/okrtui/" in f.filename or "/store/" in f.filename]  # fmt: skip
                calls.append(f"{name} from " + " <- ".join(
                    f"{Path(f.filename).name}:{f.lineno}" for f in ours[-3:]))  # fmt: skip
            return original(*args, **kwargs)

        return call

    for name in ("plain_read", "plain_write", "read", "write"):
        monkeypatch.setattr(Database, name, guarded(name, getattr(Database, name)))
    monkeypatch.setattr(ChangeWatcher, "_read", guarded("watcher", ChangeWatcher._read))
    yield calls


STEPS: list[tuple[str, ...]] = [
    ("down", "down", "enter", "down", "down"),  # move, expand, move onto key results
    ("x",),
    ("escape",),  # how the score is computed
    ("b", "up", "down"),
    ("b",),  # the burn-up chart of a key result and of an objective
    ("c", "4", "2", "tab", "tab", "n", "o", "t", "e"),
    ("ctrl+s",),  # a check-in, saved
    ("n",),
    ("escape",),  # the new-objective form
    ("slash", "o", "b", "j"),
    ("escape",),  # the filter
    ("K", "down", "right", "enter"),
    ("escape",),
    ("t",),  # KPI dashboard and a KPI
    ("P", "down"),
    ("escape",),  # periods
    ("w", "tab"),
    ("escape",),  # the weekly check-in
    ("question_mark",),
    ("escape",),  # help
    ("o", "down", "enter"),  # the overview, and a line of it opened in the tree
]


async def test_no_database_call_runs_on_the_event_loop(
    make_app: Any, tester_demo_path: Path, loop_calls: list[str]
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause(1.2)  # a live-updates poll
        for keys in STEPS:
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
            await settle(pilot)
        await pilot.pause(1.2)
        assert app.period is not None and app.period_known
    assert loop_calls == []


async def test_a_database_stalled_at_start_holds_no_frame(
    make_app: Any, tester_demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the first reads wait, the screen is drawn and keys are handled; the tree fills
    in once they answer."""
    gate = threading.Event()
    original = Database.plain_read

    def stalled(self: Database) -> Any:
        gate.wait(10)
        return original(self)

    monkeypatch.setattr(Database, "plain_read", stalled)
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        assert not app.period_known and "…" in app.sub_title  # drawn, waiting
        await pilot.press("question_mark")  # keys work meanwhile
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        gate.set()
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        assert app.period_known and app.period is not None
        assert app.period.name in app.sub_title
        assert app.screen.query_one("#tree").root.children
