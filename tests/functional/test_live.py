"""Live updates (another writer's commits appear by themselves) and disabled keys by rights."""

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from screen_helpers import settle
from textual.pilot import Pilot
from textual.widgets import Input

from okrtui.app import OkrApp
from okrtui.modals.objective_form import ObjectiveForm
from okrtui.screens.tree import NodeRef, TreeScreen
from store.db.database import Database, open_database
from store.db.watch import ChangeWatcher
from store.errors import DatabaseError
from store.identity import current_username
from store.write import checkins, objectives, periods
from widgets.footer import KeyFooter

SIZE = (120, 40)
ME = current_username()


@pytest.fixture
def tester_demo_path(tester_demo_path: Path) -> Path:
    """The demo, with whoever runs the tests an admin too: their writes (in-process and
    through the CLI, whose identity is the Unix account) play "someone else"."""
    from store.write.admins import add_admin

    db = open_database(tester_demo_path)
    try:
        add_admin(db, "tester", ME)
    finally:
        db.close()
    return tester_demo_path


def one(path: Path, sql: str, *args: object) -> object:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, args).fetchone()[0]


def plain_kr(path: Path) -> int:
    """A metric KR of the active period that is not KPI-driven (takes check-ins)."""
    return int(
        one(
            path,
            "SELECT kr.id FROM key_result kr JOIN objective o ON o.id = kr.objective_id "
            "JOIN period p ON p.id = o.period_id WHERE p.state = 'active' AND kr.kpi_id IS NULL "
            "AND kr.kind = 'metric' ORDER BY kr.id LIMIT 1",
        )
    )


async def wait_for(pilot: Pilot, condition: Callable[[], bool], seconds: float = 3.0) -> float:
    """Let the app run until ``condition`` holds; returns how long it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not true within {seconds} s")
        await pilot.pause(0.05)
    return time.monotonic() - started


def tree(app: OkrApp) -> TreeScreen:
    screen = app.screen_stack[0] if not isinstance(app.screen, TreeScreen) else app.screen
    assert isinstance(screen, TreeScreen)
    return screen


def current(app: OkrApp, kr_id: int) -> float | None:
    model = tree(app).model
    kr = model.key_result(kr_id) if model else None
    return kr.current if kr else None


# --------------------------------------------------------------------------- the watcher


def test_watcher_sees_other_connections_commits_only_once(db: Database) -> None:
    watcher = ChangeWatcher(db)
    try:
        assert not watcher.changed()
        assert db.path is not None
        other = open_database(db.path)
        periods.create_period(other, ME, "P", "2026-10-01", "2026-12-31")
        other.close()
        assert watcher.changed()
        assert not watcher.changed()
        periods.create_period(db, ME, "Q", "2027-01-01", "2027-03-31")  # our own pool
        assert watcher.changed()
        started = time.perf_counter()
        for _ in range(1000):
            watcher.changed()
        per_poll = (time.perf_counter() - started) / 1000
        assert per_poll < 0.001, per_poll  # cheap enough to run every second on the UI thread
    finally:
        watcher.close()


def test_watcher_survives_a_vanished_file(tmp_path: Path) -> None:
    db = open_database(tmp_path / "gone.db", create=True)
    watcher = ChangeWatcher(db)
    db.close()
    watcher.close()
    assert watcher.changed() in (True, False)  # reopens or reports nothing; never raises


# --------------------------------------------------------------------------- the screen


async def test_another_writers_check_in_appears_without_a_keypress(
    make_app, tester_demo_path: Path
) -> None:
    kr = plain_kr(tester_demo_path)
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "down")
        cursor = tree(app).selected()
        assert cursor is not None
        other = open_database(tester_demo_path)
        try:
            checkins.check_in(other, ME, kr, 424242, confirmed=True)
        finally:
            other.close()
        took = await wait_for(pilot, lambda: current(app, kr) == 424242)
        assert took < 2.0
        await pilot.pause(0.2)
        assert tree(app).selected() == cursor  # the viewer's cursor did not move
        label = tree(app).okr_tree.nodes.get(f"kr:{kr}")
        if label is not None:  # visible: its line shows the new value
            assert "424K" in tree(app).okr_tree.label_of(label).plain


async def test_a_failed_re_read_changes_nothing_and_is_tried_again(
    make_app, tester_demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy database while re-reading: the tree keeps the model it drew (not a new
    model under old lines), and the change still shows once the database answers, though
    the watcher reports each commit only once."""
    from okrtui.screens import tree as tree_module

    kr = plain_kr(tester_demo_path)
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = tree(app)
        before = screen.model
        failures: list[str] = []

        def busy(*_args: object) -> object:
            failures.append("busy")
            raise DatabaseError("database is locked")

        monkeypatch.setattr(tree_module, "objective_kpi_warnings", busy)
        other = open_database(tester_demo_path)
        try:
            checkins.check_in(other, ME, kr, 424242, confirmed=True)
        finally:
            other.close()
        screen.reload()
        await app.workers.wait_for_complete()  # the re-read runs in a worker
        assert failures and screen.model is before
        await pilot.pause(1.3)  # a live poll: it fails too, and asks again
        monkeypatch.undo()
        await wait_for(pilot, lambda: current(app, kr) == 424242)
        node = screen.okr_tree.nodes.get(f"kr:{kr}")
        if node is not None:
            assert "424K" in screen.okr_tree.label_of(node).plain


async def test_an_open_form_survives_a_live_update(make_app, tester_demo_path: Path) -> None:
    kr = plain_kr(tester_demo_path)
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")
        assert isinstance(app.screen, ObjectiveForm)
        await pilot.press(*"Half typed")
        # A second writer in another process: okrtui's own CLI.
        subprocess.run(
            [
                sys.executable,
                "-m",
                "okrtui",
                "--db",
                str(tester_demo_path),
                "checkin",
                f"KR-{kr}",
                "777",
            ],
            check=True,
            capture_output=True,
            env={**os.environ},
        )
        await wait_for(pilot, lambda: current(app, kr) == 777)
        assert isinstance(app.screen, ObjectiveForm)
        assert app.screen.query_one("#title", Input).value == "Half typed"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)
    assert one(tester_demo_path, "SELECT count(*) FROM objective WHERE title = 'Half typed'") == 0


async def test_own_writes_do_not_rebuild_the_tree_again(make_app, tester_demo_path: Path) -> None:
    """After our own write the screen already reloaded; the poll finds nothing new to draw."""
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = tree(app)
        rebuilds = 0
        original = screen.okr_tree.show

        def counting(*args: Any, **kwargs: Any) -> None:
            nonlocal rebuilds
            rebuilds += 1
            original(*args, **kwargs)

        screen.okr_tree.show = counting  # type: ignore[method-assign]
        assert screen.model is not None
        oid = screen.model.roots[0]
        objectives.update_objective(app.db, app.username, oid, description="changed by me")
        screen.reload()  # what every editing action does right after its write
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert rebuilds == 1
        await pilot.pause(1.6)  # at least one poll sees the commit
        assert rebuilds == 1


# --------------------------------------------------------------------------- disabled keys


def footer_state(app: OkrApp) -> dict[str, bool]:
    """Footer key → enabled, for the keys shown."""
    footer = app.screen.query_one(KeyFooter)
    return {item.key: item.enabled for item in footer.items()}


def owned_root(path: Path) -> tuple[int, str]:
    """A top-level objective of the active period and its owner."""
    row = (
        sqlite3.connect(path)
        .execute(
            "SELECT o.id, o.owner FROM objective o JOIN period p ON p.id = o.period_id "
            "WHERE p.state = 'active' AND o.parent_id IS NULL ORDER BY o.id LIMIT 1"
        )
        .fetchone()
    )
    return int(row[0]), str(row[1])


async def test_keys_on_someone_elses_objective_are_shown_disabled(
    make_app, tester_demo_path: Path
) -> None:
    oid, owner = owned_root(tester_demo_path)
    app = make_app(tester_demo_path, "visitor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = tree(app)
        screen.reveal(NodeRef("objective", oid))
        await settle(pilot)
        await pilot.pause()
        state = footer_state(app)
        assert state["e"] is False and state["d"] is False and state["m"] is False
        assert state["a"] is False
        assert state["n"] is True and state["f"] is True  # creating one's own is for anyone
        before = one(tester_demo_path, "SELECT count(*) FROM activity")
        await pilot.press("e", "d", "m", "a")
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)  # no form, no dialog opened
        assert one(tester_demo_path, "SELECT count(*) FROM activity") == before
    app = make_app(tester_demo_path, owner)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tree(app).reveal(NodeRef("objective", oid))
        await settle(pilot)
        await pilot.pause()
        state = footer_state(app)
        assert state["e"] and state["d"] and state["m"] and state["a"]


async def test_rights_granted_elsewhere_enable_keys_live(make_app, tester_demo_path: Path) -> None:
    from store.write.admins import add_admin

    oid, _ = owned_root(tester_demo_path)
    app = make_app(tester_demo_path, "visitor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tree(app).reveal(NodeRef("objective", oid))
        await settle(pilot)
        await pilot.pause()
        assert footer_state(app)["e"] is False
        other = open_database(tester_demo_path)
        try:
            add_admin(other, ME, "visitor")
        finally:
            other.close()
        await wait_for(pilot, lambda: footer_state(app).get("e") is True)
