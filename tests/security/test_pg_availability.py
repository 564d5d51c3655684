"""Issue 13, finding 11: what a member's ``psql`` can do to everyone else's okrtui.

Before: a member holding ``pg_advisory_lock`` on okrtui's key stopped every write (10 s,
then "busy"); ``LOCK TABLE objective IN ACCESS EXCLUSIVE MODE`` stopped every read for as
long as the member liked; with ``default_transaction_isolation = 'repeatable read'`` on
the server, 10 of 24 parallel check-ins failed; a server that did not answer made okrtui
wait for ever. Now writers queue on a table lock members cannot take (only through
okrtui's own function, for one transaction, and the refusal names them), every read and
write waits a bounded time and says "busy", transactions are READ COMMITTED whatever the
server's default, and connecting gives up after a few seconds.
"""

import multiprocessing
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from conftest import TeamDb

import store.db.pg_conn
from store.db.database import open_database
from store.errors import DatabaseError, DatabaseUnavailable, WriteError
from store.read.checkins import kr_history
from store.read.tree import load_tree
from store.write import checkins

pytestmark = pytest.mark.usefixtures("pg_cluster")

OLD_ADVISORY_KEY = 0x6F6B72747569  # okrtui's write lock before 0005
GUARD_S = 25.0  # a call still running after this long counts as hanging


def within(seconds: float, call: Callable[[], Any]) -> tuple[float, Any]:
    """(elapsed, result or the exception raised) of ``call``, or a failure if it is still
    running after ``seconds`` (it is left to finish in its thread)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # handed to the test
            outcome.append(exc)

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise AssertionError(f"still waiting after {seconds:.0f} s: the call hangs")
    return time.monotonic() - started, outcome[0]


def test_a_member_s_advisory_lock_no_longer_stops_writers(
    team_db: TeamDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any role may take any advisory lock, even one that outlives its transactions."""
    monkeypatch.setattr(store.db.pg_conn, "LOCK_TIMEOUT_MS", 2000)
    session = team_db.held("bob")
    session.run(f"SELECT pg_advisory_lock({OLD_ADVISORY_KEY});")
    db = open_database(team_db.url("alice"))
    try:
        elapsed, result = within(
            GUARD_S, lambda: checkins.check_in(db, "alice", team_db.ids["kr"], 8)
        )
    finally:
        db.close()
    assert not isinstance(result, Exception), result
    assert elapsed < 2


def test_a_member_cannot_take_the_write_lock_table(team_db: TeamDb) -> None:
    for mode in ("EXCLUSIVE", "SHARE", "ROW SHARE", "ACCESS EXCLUSIVE", "ACCESS SHARE"):
        done = team_db.psql("bob", f"BEGIN; LOCK TABLE okrtui_write_lock IN {mode} MODE; COMMIT;")
        assert "permission denied for table okrtui_write_lock" in done.stderr, (mode, done.stderr)


def test_a_member_holding_okrtui_s_lock_is_named_and_writers_give_up_in_time(
    team_db: TeamDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through okrtui_write_lock() a member holds the lock for one transaction of theirs,
    as any writer does; okrtui waits LOCK_TIMEOUT_MS and then says whose session it is."""
    monkeypatch.setattr(store.db.pg_conn, "LOCK_TIMEOUT_MS", 1500)
    session = team_db.held("bob")
    session.run("BEGIN; SELECT okrtui_write_lock();")
    db = open_database(team_db.url("alice"))
    try:
        elapsed, result = within(
            GUARD_S, lambda: checkins.check_in(db, "alice", team_db.ids["kr"], 8)
        )
        assert isinstance(result, WriteError), result
        assert f"held by role bob (pid {session.pid})" in str(result)
        assert "nothing was changed" in str(result)
        assert 1.4 < elapsed < 6
        session.run("COMMIT;")  # the transaction ends: the lock goes with it
        checkins.check_in(db, "alice", team_db.ids["kr"], 8)
    finally:
        db.close()


def test_a_locked_table_makes_reads_say_busy_instead_of_hanging(team_db: TeamDb) -> None:
    """Finding 11: before, the read below waited for as long as bob kept his lock."""
    session = team_db.held("bob")
    session.run("BEGIN; LOCK TABLE objective, check_in IN ACCESS EXCLUSIVE MODE;")
    db = open_database(team_db.url("alice"))
    try:
        for read in (lambda: load_tree(db, team_db.ids["period"]),
                     lambda: kr_history(db, team_db.ids["kr"])):  # fmt: skip
            elapsed, result = within(GUARD_S, read)
            assert isinstance(result, DatabaseUnavailable), result
            assert str(result).startswith("database busy"), result
            assert "retrying" in str(result)
            assert elapsed < store.db.pg_conn.READ_LOCK_TIMEOUT_MS / 1000 + 3
        elapsed, result = within(
            GUARD_S, lambda: checkins.check_in(db, "alice", team_db.ids["kr"], 8)
        )
        assert isinstance(result, WriteError), result
        assert "stayed busy" in str(result)
        session.run("ROLLBACK;")
        assert load_tree(db, team_db.ids["period"]).objectives  # and back to normal
    finally:
        db.close()


def _check_in(url: str, kr: int, barrier: Any, results: Any) -> None:
    db = open_database(url)
    try:
        barrier.wait(timeout=60)
        try:
            checkins.check_in(db, "alice", kr, 5)
            results.put("ok")
        except Exception as exc:  # reported to the parent
            results.put(repr(exc))
    finally:
        db.close()


def test_repeatable_read_on_the_server_does_not_fail_parallel_check_ins(team_db: TeamDb) -> None:
    """okrtui's transactions say READ COMMITTED themselves. Before: with this server
    default, a writer's snapshot predated its wait for the lock, and 10 of 24 failed."""
    team_db.superuser(
        f"ALTER DATABASE \"{team_db.name}\" SET default_transaction_isolation = 'repeatable read'"
    )
    ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    count = 24
    barrier, results = ctx.Barrier(count), ctx.Queue()
    url, kr = team_db.url("alice"), team_db.ids["kr"]
    procs = [ctx.Process(target=_check_in, args=(url, kr, barrier, results)) for _ in range(count)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert outcomes == ["ok"] * count, [o for o in outcomes if o != "ok"]
    assert team_db.scalar(f"SELECT count(*) FROM check_in WHERE key_result_id = {kr}") == count + 2
    db = open_database(url)
    try:
        with db.read() as conn:
            level = conn.exec_driver_sql("SHOW transaction_isolation").scalar_one()
    finally:
        db.close()
    assert level == "read committed"


def test_a_server_that_does_not_answer_fails_within_seconds() -> None:
    """A port that accepts the connection and then says nothing (a hung or half-dead
    server, a firewall black hole): before, libpq waited for ever."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        url = f"postgresql://nobody@127.0.0.1:{port}/okrtui"
        elapsed, result = within(GUARD_S, lambda: open_database(url))
    assert isinstance(result, DatabaseError), result
    assert "cannot connect" in str(result) or "timeout" in str(result).lower(), result
    assert elapsed < store.db.pg_conn.CONNECT_TIMEOUT_S + 3


def test_every_connection_is_bounded_in_time(team_db: TeamDb) -> None:
    """Keepalives and a TCP user timeout notice a dead peer within seconds (waiting or
    sending); the session's own lock, statement and idle-in-transaction limits are set."""
    db = open_database(team_db.url("alice"))
    try:
        with db.read() as conn:
            settings = {
                name: conn.exec_driver_sql(f"SHOW {name}").scalar_one()
                for name in (
                    "lock_timeout",
                    "statement_timeout",
                    "idle_in_transaction_session_timeout",
                )
            }
            raw: Any = conn.connection.dbapi_connection
            sock = socket.socket(fileno=raw.pgconn.socket)
            try:
                options = (
                    sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                    sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
                    sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
                    sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
                    sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
                )
            finally:
                sock.detach()  # the socket is psycopg's
    finally:
        db.close()
    assert settings == {"lock_timeout": "3s", "statement_timeout": "30s",
                        "idle_in_transaction_session_timeout": "1min"}  # fmt: skip
    assert options[0] != 0 and options[1:] == (5, 2, 3, 10000)


def test_a_slow_read_is_cut_off_as_busy(team_db: TeamDb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store.db.pg_conn, "STATEMENT_TIMEOUT_MS", 500)
    db = open_database(team_db.url("alice"))  # the engine reads the limit when it connects
    try:

        def slow() -> Any:
            with db.read() as conn:
                return conn.exec_driver_sql("SELECT pg_sleep(10)").scalar()

        elapsed, result = within(GUARD_S, slow)
    finally:
        db.close()
    assert isinstance(result, DatabaseUnavailable) and "database busy" in str(result), result
    assert elapsed < 3
