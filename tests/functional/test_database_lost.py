"""A lost database never freezes the app: keys answer, the screen says so, and it recovers.

Found by trying it: with the tree on a PostgreSQL server that was stopped, moving the
cursor onto a key result raised the driver's error inside the tree screen's message loop;
the loop died, and from then on no key (not even ``q``) did anything, even after the
server was back. Now reads raise ``DatabaseUnavailable`` (a ``DatabaseError``), the tree
shows it in place, and the live updates (checked off the UI thread) tell the user and
re-read every screen when the database answers again.
"""

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pg_cluster import Cluster
from screen_helpers import notifications
from textual.pilot import Pilot
from textual.widgets import Static

from okrtui.app import OkrApp
from okrtui.context import AppContext
from okrtui.screens.help import HelpScreen
from okrtui.screens.tree import TreeScreen
from store.db.database import Database, open_database
from store.db.watch import ChangeWatcher
from store.errors import DatabaseUnavailable
from store.identity import User, current_username
from store.write import checkins, key_results, objectives, periods

ME = current_username()


async def until(pilot: Pilot, condition: Callable[[], bool], seconds: float = 8.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {seconds} s")
        await pilot.pause(0.1)


def _pg_ctl(cluster: Cluster, *args: str) -> None:
    subprocess.run(
        [*cluster._run_as, str(cluster.bin_dir / "pg_ctl"), "-D", str(cluster.data), *args],
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def stoppable(pg_cluster: Cluster, pg_url: str) -> Iterator[Callable[[bool], None]]:
    """Stop (False) or start (True) the session's server; always running again afterwards."""
    options = (
        f"-c listen_addresses=127.0.0.1 -p {pg_cluster.port} "
        f"-c unix_socket_directories={pg_cluster.root} -c fsync=off"
    )

    def switch(on: bool) -> None:
        if on:
            _pg_ctl(pg_cluster, "-o", options, "-l", str(pg_cluster.root / "log"), "-w", "start")
        else:
            _pg_ctl(pg_cluster, "-m", "fast", "-w", "stop")

    yield switch
    status = subprocess.run(
        [*pg_cluster._run_as, str(pg_cluster.bin_dir / "pg_ctl"), "-D", str(pg_cluster.data),
         "status"], capture_output=True,
    )  # fmt: skip
    if status.returncode != 0:
        switch(True)


def _organisation(db: Database) -> None:
    period = periods.create_period(db, ME, "Q4", "2026-10-01", "2026-12-31", "active").id
    objective = objectives.create_objective(db, ME, period_id=period, title="Grow", owner=ME).id
    for n in range(3):
        kr = key_results.create_key_result(
            db, ME, objective_id=objective, title=f"KR {n}", target=10
        )
        checkins.check_in(db, ME, kr.id, n + 1)


async def test_a_stopped_server_keeps_keys_answering_and_the_app_recovers(
    pg_url: str, stoppable: Callable[[bool], None]
) -> None:
    db = open_database(pg_url)
    _organisation(db)
    db.close()
    ctx = AppContext(db_override=pg_url)
    ctx.__dict__["user"] = User(ME, ME)
    app = OkrApp(ctx, ctx.database())
    told = notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        stoppable(False)
        await pilot.press("j", "j", "j")
        await until(pilot, lambda: any("Database unavailable" in t for t in told))
        detail = str(screen.query_one("#detail-body", Static).render())
        assert "database unavailable" in detail, detail
        await pilot.press("question_mark")  # every key still answers
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), 3)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, 3)
        stoppable(True)
        await until(pilot, lambda: any("reachable again" in t for t in told), 15)
        await until(
            pilot,
            lambda: "unavailable" not in str(screen.query_one("#detail-body", Static).render()),
        )
        await pilot.press("q")
        await pilot.pause(0.5)
    assert app.return_code == 0


def test_reads_of_a_lost_server_raise_database_unavailable(
    pg_url: str, stoppable: Callable[[bool], None]
) -> None:
    db = open_database(pg_url)
    watcher = ChangeWatcher(db)
    try:
        stoppable(False)
        with pytest.raises(DatabaseUnavailable, match="database unavailable"), db.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        assert watcher.changed() is False and watcher.available is False
        stoppable(True)
        watcher.changed()
        assert watcher.available is True
    finally:
        watcher.close()
        db.close()


def test_a_vanished_sqlite_file_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    db = open_database(tmp_path / "x.db", create=True)
    (tmp_path / "x.db").unlink()
    (tmp_path / "x.db").mkdir()  # something else now stands where the file was
    try:
        with pytest.raises(DatabaseUnavailable), db.plain_read() as fetch:
            fetch("SELECT count(*) FROM objective", {})
    finally:
        db.close()
