"""Each source kind against a real thing the test starts (store/sources/): a second SQLite
database and the PostgreSQL test cluster, a script, files, an HTTP server on 127.0.0.1.
Every failure is a SourceError with a clear message (the pull records it; nothing written)."""

import http.server
import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from store.domain.kpi_sources import validate_spec
from store.errors import ValidationError
from store.model.enums import SourceKind
from store.sources import command, files, secrets, sql
from store.sources import http as http_source
from store.sources.values import Observation, SourceError

ME = "root" if os.getuid() == 0 else __import__("pwd").getpwuid(os.getuid()).pw_name


def spec(kind: SourceKind, **settings: Any) -> dict[str, Any]:
    return validate_spec(kind, settings)


# --- sql ------------------------------------------------------------------------------------


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE mrr (day TEXT, amount REAL)")
        conn.executemany("INSERT INTO mrr VALUES (?, ?)",
                         [("2026-09-30", 90.5), ("2026-10-31", 100.25)])  # fmt: skip
        conn.execute("CREATE TABLE bad (v TEXT)")
        conn.execute("INSERT INTO bad VALUES ('lots')")
    return path


def test_sql_one_number_and_a_backfill_from_a_second_sqlite_database(warehouse: Path) -> None:
    url = f"sqlite:///{warehouse}"
    one = sql.fetch(spec(SourceKind.SQL, url=url, query="SELECT sum(amount) FROM mrr"))
    assert one == [Observation(None, 190.75)]
    rows = sql.fetch(spec(SourceKind.SQL, url=url, query="SELECT day, amount FROM mrr"))
    assert rows == [Observation(date(2026, 9, 30), 90.5), Observation(date(2026, 10, 31), 100.25)]


def test_sql_is_read_only_and_never_creates_a_missing_file(warehouse: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{warehouse}"
    with pytest.raises(SourceError, match=r"query failed: .*readonly|query failed: .*read"):
        sql.fetch(spec(SourceKind.SQL, url=url, query="DELETE FROM mrr RETURNING 1"))
    with sqlite3.connect(warehouse) as conn:
        assert conn.execute("SELECT count(*) FROM mrr").fetchone() == (2,)
    missing = tmp_path / "nope.db"
    with pytest.raises(SourceError, match="query failed: unable to open database file"):
        sql.fetch(spec(SourceKind.SQL, url=f"sqlite:///{missing}", query="SELECT 1"))
    assert not missing.exists()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT v FROM bad", "not a number: the query's value 'lots' is not a number"),
        ("SELECT 1, 2, 3", "one number, or rows of two columns"),
        ("SELECT amount FROM mrr WHERE 0", "the query returned no rows"),
        ("SELECT * FROM nowhere", "query failed: no such table: nowhere"),
        ("SELECT 'x', 1", "the query, row 1's date"),
    ],
)
def test_sql_failures_say_why(warehouse: Path, query: str, message: str) -> None:
    with pytest.raises(SourceError) as info:
        sql.fetch(spec(SourceKind.SQL, url=f"sqlite:///{warehouse}", query=query))
    assert message in str(info.value)


def test_sql_time_limit(warehouse: Path) -> None:
    endless = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
               "SELECT count(*) FROM n")  # fmt: skip
    started = time.monotonic()
    with pytest.raises(SourceError, match="time limit of 1 s reached"):
        sql.fetch(spec(SourceKind.SQL, url=f"sqlite:///{warehouse}", query=endless, timeout=1))
    assert time.monotonic() - started < 5


def test_sql_url_from_a_secret_is_never_in_a_message(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", f"sqlite:///{warehouse}")
    got = sql.fetch(spec(SourceKind.SQL, url="env:WAREHOUSE_URL", query="SELECT 42"))
    assert got == [Observation(None, 42.0)]
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://reporter:hunter2@127.0.0.1:1/w")
    with pytest.raises(SourceError) as info:
        sql.fetch(spec(SourceKind.SQL, url="env:WAREHOUSE_URL", query="SELECT 1", timeout=2))
    assert "hunter2" not in str(info.value)
    monkeypatch.delenv("WAREHOUSE_URL")
    with pytest.raises(SourceError, match=r"WAREHOUSE_URL .* is not set"):
        sql.fetch(spec(SourceKind.SQL, url="env:WAREHOUSE_URL", query="SELECT 1"))


def test_sql_against_the_postgresql_test_cluster(pg_url: str) -> None:
    got = sql.fetch(spec(SourceKind.SQL, url=pg_url,
                         query="SELECT count(*) + 41.5 FROM pg_catalog.pg_namespace "
                               "WHERE nspname = 'pg_catalog'"))  # fmt: skip
    assert got == [Observation(None, 42.5)]
    with pytest.raises(SourceError, match="read-only transaction"):
        sql.fetch(spec(SourceKind.SQL, url=pg_url, query="CREATE TABLE x (i int)"))
    with pytest.raises(SourceError, match="statement timeout"):
        sql.fetch(spec(SourceKind.SQL, url=pg_url, query="SELECT pg_sleep(3)", timeout=1))


def test_a_url_with_a_password_is_refused_before_it_is_stored() -> None:
    for url in ("postgresql://reporter:hunter2@db/w", "postgresql://db/w?password=hunter2"):
        with pytest.raises(ValidationError, match="never stores one") as info:
            spec(SourceKind.SQL, url=url, query="SELECT 1")
        assert "hunter2" not in str(info.value)
    with pytest.raises(ValidationError, match="never stores one"):
        spec(SourceKind.HTTP, url="https://u:p@example.org/x", json_path="a")
    with pytest.raises(ValidationError, match="never the token itself"):
        spec(SourceKind.HTTP, url="https://example.org/x", json_path="a", token="abc123")


# --- secrets --------------------------------------------------------------------------------


def test_a_secret_file_must_be_private_and_the_pull_s_own(tmp_path: Path) -> None:
    secret = tmp_path / "url"
    secret.write_text("sqlite:////x.db\n")
    secret.chmod(0o600)
    assert secrets.resolve(f"file:{secret}") == "sqlite:////x.db"
    secret.chmod(0o640)
    with pytest.raises(SourceError, match=r"readable or writable by others .*chmod 600"):
        secrets.resolve(f"file:{secret}")
    link = tmp_path / "link"
    link.symlink_to(secret)
    with pytest.raises(SourceError, match="symbolic link"):
        secrets.resolve(f"file:{link}")
    if os.getuid() == 0:
        secret.chmod(0o600)
        os.chown(secret, 65534, 65534)
        with pytest.raises(SourceError, match="belongs to uid 65534"):
            secrets.resolve(f"file:{secret}")


# --- command --------------------------------------------------------------------------------


def script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "source.py"
    path.write_text(body)
    return str(path)


def test_command_prints_a_number_or_csv_rows(tmp_path: Path) -> None:
    prog = script(tmp_path, "import sys\nprint(sys.argv[1])\n")
    assert command.fetch(spec(SourceKind.COMMAND, argv=[sys.executable, prog, "1234.5"])) == [
        Observation(None, 1234.5)
    ]
    rows = script(tmp_path, "print('date,value')\nprint('2026-11-01,3')\nprint('2026-11-02,4')\n")
    got = command.fetch(spec(SourceKind.COMMAND, argv=[sys.executable, rows]))
    assert got == [Observation(date(2026, 11, 1), 3.0), Observation(date(2026, 11, 2), 4.0)]


def test_command_runs_without_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    prog = script(tmp_path, "import sys\nprint(len(sys.argv[1:]))\n")
    argv = [sys.executable, prog, f"1; touch {marker}", "$(id)"]
    got = command.fetch(spec(SourceKind.COMMAND, argv=argv))
    assert got == [Observation(None, 2.0)] and not marker.exists()
    with pytest.raises(ValidationError, match="list of words"):
        spec(SourceKind.COMMAND, argv=f"/bin/sh -c 'touch {marker}'")
    with pytest.raises(ValidationError, match="absolute path"):
        spec(SourceKind.COMMAND, argv=["python3", "-c", "print(1)"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("import time\ntime.sleep(30)\n", "ran longer than its time limit of 1 s: killed"),
        ("import sys\nsys.stdout.write('9' * 2_000_000)\n", "printed more than 1000000 bytes"),
        ("import sys\nsys.exit('no data today')\n", "exited with status 1: no data today"),
        ("print('nan')\n", "not a number"),
        ("print('1,234')\n", "row 1's date '1' is not a date"),
        ("print('')\n", "printed nothing"),
    ],
)
def test_command_failures(tmp_path: Path, body: str, message: str) -> None:
    started = time.monotonic()
    with pytest.raises(SourceError) as info:
        command.fetch(spec(SourceKind.COMMAND, argv=[sys.executable, script(tmp_path, body)],
                           timeout=1))  # fmt: skip
    assert message in str(info.value)
    assert time.monotonic() - started < 10


def test_command_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot run /nonexistent/prog"):
        command.fetch(spec(SourceKind.COMMAND, argv=["/nonexistent/prog"]))


# --- file -----------------------------------------------------------------------------------


def test_file_csv_column_dated_rows_and_json_path(tmp_path: Path) -> None:
    csv_file = tmp_path / "leads.csv"
    csv_file.write_text("day,leads\n2026-11-01,10\n2026-11-02,12\n")
    last = files.fetch(spec(SourceKind.FILE, path=str(csv_file), column="leads"), ME)
    assert last == [Observation(None, 12.0)]
    dated = files.fetch(spec(SourceKind.FILE, path=str(csv_file), column="leads",
                             date_column="day"), ME)  # fmt: skip
    assert dated == [Observation(date(2026, 11, 1), 10.0), Observation(date(2026, 11, 2), 12.0)]
    json_file = tmp_path / "m.json"
    json_file.write_text(json.dumps({"data": {"result": [{"value": [1, "87.5"]}]}}))
    got = files.fetch(spec(SourceKind.FILE, path=str(json_file),
                           json_path="data.result[0].value[1]"), ME)  # fmt: skip
    assert got == [Observation(None, 87.5)]


def test_file_failures(tmp_path: Path) -> None:
    csv_file = tmp_path / "x.csv"
    csv_file.write_text("a,b\n1,2\n")
    with pytest.raises(SourceError, match="has no column 'leads'"):
        files.fetch(spec(SourceKind.FILE, path=str(csv_file), column="leads"), ME)
    with pytest.raises(SourceError, match=r"cannot open .*No such file"):
        files.fetch(spec(SourceKind.FILE, path=str(tmp_path / "none.csv")), ME)
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="not a regular file"):
        files.fetch(spec(SourceKind.FILE, path=str(fifo)), ME)
    json_file = tmp_path / "m.json"
    json_file.write_text('{"a": {"b": true}}')
    with pytest.raises(SourceError, match=r"'a.b' is not a number"):
        files.fetch(spec(SourceKind.FILE, path=str(json_file), json_path="a.b"), ME)


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to make a file of another user")
def test_file_of_another_user_is_refused_even_through_a_symlink(tmp_path: Path) -> None:
    """A member defining a file source cannot make the owner's pull read the owner's files."""
    owners = tmp_path / "owners-secret.csv"
    owners.write_text("value\n31337\n")  # root's file ("the server's owner" here)
    link = tmp_path / "innocent.csv"
    link.symlink_to(owners)
    os.lchown(link, 65534, 65534)  # the link is the member's (nobody)
    with pytest.raises(SourceError, match="does not belong to @nobody, who defined this source"):
        files.fetch(spec(SourceKind.FILE, path=str(link)), "nobody")
    with pytest.raises(SourceError, match="does not belong to @nobody"):
        files.fetch(spec(SourceKind.FILE, path=str(owners)), "nobody")
    os.chown(owners, 65534, 65534)  # the member's own file: fine
    assert files.fetch(spec(SourceKind.FILE, path=str(link)), "nobody") == [
        Observation(None, 31337.0)
    ]


# --- http -----------------------------------------------------------------------------------


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        routes = {
            "/prom": (
                200,
                json.dumps(
                    {
                        "status": "success",
                        "data": {"result": [{"metric": {}, "value": [1700000000, "4521.25"]}]},
                    }
                ).encode(),
            ),
            "/html": (200, b"<html>not json</html>"),
            "/huge": (200, b"[" + b"1," * 600_000 + b"1]"),
            "/missing": (404, b"{}"),
        }
        if self.path == "/slow":
            time.sleep(3)
        if self.path == "/to-ftp":
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/etc/passwd")
            self.end_headers()
            return
        if self.path == "/auth":
            ok = self.headers.get("Authorization") == "Bearer s3cret"
            routes["/auth"] = (200 if ok else 401, b'{"v": 7}')
        code, body = routes.get(self.path, (200, b'{"v": 1}'))
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_http_prometheus_style_json(server: str) -> None:
    got = http_source.fetch(spec(SourceKind.HTTP, url=f"{server}/prom",
                          json_path="data.result[0].value[1]"))  # fmt: skip
    assert got == [Observation(None, 4521.25)]


def test_http_token_from_the_environment(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRICS_TOKEN", "s3cret")
    got = http_source.fetch(spec(SourceKind.HTTP, url=f"{server}/auth", json_path="v",
                          token="env:METRICS_TOKEN"))  # fmt: skip
    assert got == [Observation(None, 7.0)]


@pytest.mark.parametrize(
    ("path", "json_path", "message"),
    [
        ("/slow", "v", "did not answer within 1 s"),
        ("/html", "v", "did not send JSON"),
        ("/huge", "v", "sent more than 1000000 bytes"),
        ("/missing", "v", "answered 404"),
        ("/prom", "data.result[3]", "no item [3]"),
        ("/to-ftp", "v", "refused a redirect to ftp:"),
    ],
)
def test_http_failures(server: str, path: str, json_path: str, message: str) -> None:
    with pytest.raises(SourceError) as info:
        http_source.fetch(spec(SourceKind.HTTP, url=server + path, json_path=json_path, timeout=1))
    assert message in str(info.value)


def test_http_server_down_and_other_schemes() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SourceError, match=r"cannot reach .*Connection refused"):
        http_source.fetch(spec(SourceKind.HTTP, url=f"http://127.0.0.1:{port}/", json_path="v"))
    for url in ("file:///etc/passwd", "ftp://example.org/x", "gopher://x"):
        with pytest.raises(ValidationError, match="http:// or https://"):
            spec(SourceKind.HTTP, url=url, json_path="v")
