"""Many writers at once, a writer killed mid-batch, read-only and full disks."""

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from store.db.database import Database, open_database
from store.errors import WriteError
from store.identity import current_username
from store.read.checkins import kr_history
from store.write import checkins, key_results, objectives, periods
from store.write.counters import add_to_key_result

ME = current_username()
PROCESSES = 16
CHECK_INS_EACH = 200
INCREMENTS_EACH = 50
ROOT = os.getuid() == 0


@pytest.fixture
def kr(db: Database) -> int:
    pid = periods.create_period(db, ME, "P", "2026-10-01", "2026-12-31", "active").id
    oid = objectives.create_objective(db, ME, period_id=pid, title="O", owner=ME).id
    return key_results.create_key_result(db, ME, objective_id=oid, title="Deals", target=1e9).id


def scalar(path: Path, sql: str) -> Any:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _run_all(target: Any, path: Path, kr_id: int) -> dict[int, list[str]]:
    """Start PROCESSES workers together; each reports the errors it saw."""
    ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [
        ctx.Process(target=target, args=(str(path), kr_id, w, barrier, results))
        for w in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    outcome = dict(results.get(timeout=300) for _ in procs)
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return outcome


def _check_ins(path: str, kr_id: int, worker: int, barrier: Any, results: Any) -> None:
    db = open_database(path)
    errors: list[str] = []
    try:
        barrier.wait(timeout=60)
        for i in range(CHECK_INS_EACH):
            try:
                checkins.check_in(db, ME, kr_id, worker * 10_000 + i)
            except Exception as exc:  # reported to the parent, which fails the test
                errors.append(repr(exc))
    finally:
        db.close()
        results.put((worker, errors))


def test_16_processes_200_check_ins_each_all_land(db: Database, kr: int) -> None:
    assert db.path is not None
    db.engine.dispose()  # no pooled connection may cross a fork
    started = time.monotonic()
    outcome = _run_all(_check_ins, db.path, kr)
    elapsed = time.monotonic() - started
    assert outcome == {w: [] for w in range(PROCESSES)}
    total = PROCESSES * CHECK_INS_EACH
    assert scalar(db.path, "SELECT count(*) FROM check_in") == total
    assert scalar(db.path, "SELECT count(DISTINCT value) FROM check_in") == total
    assert scalar(db.path, "SELECT count(*) FROM activity WHERE entity = 'check_in'") == total
    # The KR's current value is the newest check-in's (it moved in each transaction).
    latest = scalar(db.path, "SELECT value FROM check_in ORDER BY created_at DESC, id DESC LIMIT 1")
    assert scalar(db.path, f"SELECT current_value FROM key_result WHERE id = {kr}") == latest
    assert scalar(db.path, "PRAGMA integrity_check") == "ok"
    print(f"\n{total} check-ins from {PROCESSES} processes in {elapsed:.1f} s")


def _increments(path: str, kr_id: int, worker: int, barrier: Any, results: Any) -> None:
    db = open_database(path)
    errors: list[str] = []
    try:
        barrier.wait(timeout=60)
        for _ in range(INCREMENTS_EACH):
            try:
                add_to_key_result(db, ME, kr_id, 1)
            except Exception as exc:
                errors.append(repr(exc))
    finally:
        db.close()
        results.put((worker, errors))


def test_16_processes_incrementing_lose_no_update(db: Database, kr: int) -> None:
    """The lost-update trap: each adds 1 to the value it reads; the total must be exact."""
    assert db.path is not None
    db.engine.dispose()
    outcome = _run_all(_increments, db.path, kr)
    assert outcome == {w: [] for w in range(PROCESSES)}
    total = PROCESSES * INCREMENTS_EACH
    assert scalar(db.path, f"SELECT current_value FROM key_result WHERE id = {kr}") == total
    # Every intermediate value was written exactly once: no two writers read the same value.
    values = sorted(v for (v,) in sqlite3.connect(db.path).execute("SELECT value FROM check_in"))
    assert values == [float(n) for n in range(1, total + 1)]


def test_increment_is_refused_on_a_kpi_driven_or_foreign_kr(db: Database, kr: int) -> None:
    from store.errors import PermissionDenied

    assert add_to_key_result(db, ME, kr, "2.5") == 2.5
    with pytest.raises(PermissionDenied):
        add_to_key_result(db, "someone-else", kr, 1)
    assert [h.value for h in kr_history(db, kr)] == [2.5]


# --------------------------------------------------------------------------- kill -9

BATCH = 100
_BATCH_WRITER = """
import sys
from sqlalchemy import insert
from store.db.database import open_database
from store.model.tables import Activity, CheckIn, utcnow
db = open_database(sys.argv[1])
kr = int(sys.argv[2])
for batch in range(1000):
    with db.write() as s:
        for i in range(BATCH):
            entry = CheckIn(key_result_id=kr, value=batch * BATCH + i, author="w",
                            created_at=utcnow())
            s.add(entry)
            s.flush()
            s.add(Activity(author="w", entity="check_in", entity_id=entry.id, action="create"))
    print(batch + 1, flush=True)
""".replace("BATCH", str(BATCH))


@pytest.mark.parametrize("after_batches", [3, 7, 12])
def test_kill_9_mid_batch_leaves_every_committed_batch_and_nothing_partial(
    db: Database, kr: int, after_batches: int
) -> None:
    assert db.path is not None
    proc = subprocess.Popen(
        [sys.executable, "-c", _BATCH_WRITER, str(db.path), str(kr)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.stdout is not None
    committed = 0
    for line in proc.stdout:
        committed = int(line)
        if committed >= after_batches:
            break
    time.sleep(0.003 * after_batches)  # land somewhere inside a following batch
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert scalar(db.path, "PRAGMA integrity_check") == "ok"
    rows = scalar(db.path, "SELECT count(*) FROM check_in")
    assert rows % BATCH == 0  # whole batches only
    assert rows >= committed * BATCH  # every batch reported as committed is there
    assert scalar(db.path, "SELECT count(*) FROM activity WHERE author = 'w'") == rows
    # The database is still writable afterwards.
    checkins.check_in(db, ME, kr, 1)


# --------------------------------------------------------------------------- read-only, full

needs_root = pytest.mark.skipif(not ROOT, reason="needs root to run as another user and mount")

_AS_NOBODY = """
import json, sys
from store.write import objectives
from store.db.database import open_database
from store.errors import WriteError
from store.read.periods import list_periods
db = open_database(sys.argv[1])
out = {"read_only": db.read_only, "before": [p.name for p in list_periods(db)]}
try:
    objectives.create_objective(db, "nobody", period_id=1, title="t", owner="nobody")
    out["write"] = "ok"
except WriteError as exc:
    out["write"] = str(exc)
out["after"] = [p.name for p in list_periods(db)]
print(json.dumps(out))
"""


@pytest.fixture
def public_dir() -> Iterator[Path]:
    """A folder another account can reach (pytest's tmp_path is private to its user)."""
    path = Path(tempfile.mkdtemp(prefix="okrtui-ro-"))
    path.chmod(0o755)
    yield path
    path.chmod(0o755)
    subprocess.run(["rm", "-rf", str(path)], check=False)


def _as_nobody(db_path: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
         _AS_NOBODY, str(db_path)],
        capture_output=True, text=True, env=env, cwd="/",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@needs_root
@pytest.mark.parametrize("case", ["file", "folder"])
def test_read_only_file_or_folder_reads_and_refuses_writes_clearly(
    public_dir: Path, case: str
) -> None:
    path = public_dir / "okrtui.db"
    database = open_database(path, create=True)
    periods.ensure_period(database, ME)
    database.close()
    if case == "file":
        path.chmod(0o444)
    else:
        path.chmod(0o666)
        public_dir.chmod(0o555)
    before = path.read_bytes()
    out = _as_nobody(path)
    assert out["before"] == out["after"] and len(out["before"]) == 1
    assert "read-only for you" in out["read_only"]
    assert out["write"] == f"the database ({path}) is read-only for you: nothing was changed"
    assert path.read_bytes() == before


@pytest.fixture
def tiny_disk() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="okrtui-full-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(path)], capture_output=True
    )
    if mounted.returncode != 0:
        path.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)
        path.rmdir()


def _fill(directory: Path) -> Path:
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"x" * 4096)
    except OSError:
        pass  # ENOSPC: the disk is full
    finally:
        os.close(fd)
    return filler


@needs_root
def test_full_disk_refuses_the_write_keeps_reading_and_recovers(tiny_disk: Path) -> None:
    database = open_database(tiny_disk / "okrtui.db", create=True)
    try:
        pid = periods.ensure_period(database, ME)
        assert pid is not None
        oid = objectives.create_objective(database, ME, period_id=pid, title="O", owner=ME).id
        kr = key_results.create_key_result(database, ME, objective_id=oid, title="K", target=9).id
        checkins.check_in(database, ME, kr, 1)
        filler = _fill(tiny_disk)
        with pytest.raises(WriteError, match="is full: nothing was changed"):
            for i in range(1000):
                checkins.check_in(database, ME, kr, 2, note="n" * 4000 + str(i))
        assert kr_history(database, kr)[0].value == 1  # reads still work
        filler.unlink()
        checkins.check_in(database, ME, kr, 3)
        assert kr_history(database, kr)[-1].value == 3
    finally:
        database.close()
    assert scalar(tiny_disk / "okrtui.db", "PRAGMA integrity_check") == "ok"


async def test_app_keeps_running_when_a_write_fails(make_app, tester_demo_path: Path) -> None:
    """Writes fail (injected: every new connection is query-only, as on a read-only file):
    the form says why, keeps what was typed, and the app goes on showing the data."""
    from sqlalchemy import event
    from textual.widgets import Input, Static

    from okrtui.modals.objective_form import ObjectiveForm
    from okrtui.screens.tree import TreeScreen

    app = make_app(tester_demo_path)
    before = scalar(tester_demo_path, "SELECT count(*) FROM objective")

    def read_only(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA query_only = ON")

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.db.engine.dispose()
        event.listen(app.db.engine, "connect", read_only)
        await pilot.press("n")
        assert isinstance(app.screen, ObjectiveForm)
        await pilot.press(*"Typed text")
        await pilot.press("ctrl+s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ObjectiveForm)  # still open
        assert form.query_one("#title", Input).value == "Typed text"
        error = str(form.query_one("#error", Static).render())
        assert "read-only for you: nothing was changed" in error
        await pilot.press("escape")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        await pilot.press("down", "down")  # still browsing
        assert screen.selected() is not None
    assert scalar(tester_demo_path, "SELECT count(*) FROM objective") == before
