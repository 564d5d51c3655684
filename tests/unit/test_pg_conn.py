"""store/db/pg_conn.py: server URLs and settings without SQLAlchemy, and the kept
psycopg connections that replace a lost one (the engine's pool_pre_ping did that)."""

import pytest

from store.db import pg_conn
from store.db.database import open_database
from store.errors import DatabaseError, DatabaseUnavailable


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://ann:s3cret@db.example:5432/okr", "postgresql+psycopg://ann:***@db.example:5432/okr"),
        ("postgresql://ann:p%40ss@h/okr?sslmode=require", "postgresql://ann:***@h/okr?sslmode=require"),
        ("postgresql://ann@h/okr", "postgresql://ann@h/okr"),
        ("postgresql:///okr?host=/run/postgresql", "postgresql:///okr?host=/run/postgresql"),
    ],
)  # fmt: skip
def test_display_url_never_shows_the_password(url: str, shown: str) -> None:
    assert pg_conn.display_url(url) == shown


def test_libpq_reads_the_url_without_the_driver_name() -> None:
    assert pg_conn.libpq_url("postgresql+psycopg://a@h/d?x=1") == "postgresql://a@h/d?x=1"
    assert pg_conn.normalise_url("postgres://a@h/d") == "postgresql+psycopg://a@h/d"


def test_a_setting_in_the_url_wins_and_its_options_come_last() -> None:
    args = pg_conn.connect_args(
        "postgresql://a@h/d?connect_timeout=1&options=-c%20search_path%3Dokr"
    )
    assert "connect_timeout" not in args  # the URL's own, which libpq reads from it
    assert args["keepalives"] == "1"
    assert args["options"].startswith(f"-c lock_timeout={pg_conn.READ_LOCK_TIMEOUT_MS} ")
    assert args["options"].endswith("-c search_path=okr")


def test_an_unknown_scheme_is_named_before_any_driver_is_asked() -> None:
    with pytest.raises(DatabaseError, match="unknown database URL scheme 'mysql'"):
        pg_conn.connect("mysql://a:pw@h/d")


def _kill_backends(url: str, pid: int) -> None:
    import psycopg

    with psycopg.connect(pg_conn.libpq_url(url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_connection_the_server_dropped_is_replaced_before_use(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An idle kept connection is pinged first: a server restart or an administrator's
    pg_terminate_backend costs the next read nothing."""
    monkeypatch.setattr(pg_conn, "PING_AFTER_S", 0.0)
    db = open_database(pg_url)
    try:
        with db.plain_read() as fetch:
            pid = fetch("SELECT pg_backend_pid()", {})[0][0]
        _kill_backends(pg_url, pid)
        with db.plain_read() as fetch:
            assert fetch("SELECT pg_backend_pid()", {})[0][0] != pid
    finally:
        db.close()


def test_a_connection_lost_mid_read_is_unavailable_then_recovers(pg_url: str) -> None:
    """Within the ping interval the loss shows in the read itself: "database unavailable
    … retrying" (what the screens show and retry), and the next read reconnects."""
    db = open_database(pg_url)
    try:
        with db.plain_read() as fetch:
            pid = fetch("SELECT pg_backend_pid()", {})[0][0]
        _kill_backends(pg_url, pid)
        with (
            pytest.raises(DatabaseUnavailable, match="database unavailable"),
            db.plain_read() as fetch,
        ):
            fetch("SELECT 1", {})
        with db.plain_read() as fetch:
            assert fetch("SELECT 1", {}) == [(1,)]
    finally:
        db.close()


def test_reads_are_one_read_only_snapshot(pg_url: str) -> None:
    """Several queries of one read see the same data, as on SQLite; and a read cannot
    write, whatever SQL it is handed."""
    import psycopg

    db = open_database(pg_url)
    try:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), db.plain_read() as fetch:
            fetch("DELETE FROM admin", {})
        with db.plain_read() as fetch:
            level = fetch("SHOW transaction_isolation", {})[0][0]
            assert fetch("SELECT count(*) FROM admin", {})[0][0] == 1
        assert level == "repeatable read"
    finally:
        db.close()
