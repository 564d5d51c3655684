"""A throw-away PostgreSQL cluster for the tests that run on both backends.

``initdb`` into a temporary folder, ``pg_ctl start`` on a free port of 127.0.0.1 (and
a socket in that folder), stopped and deleted when the session ends. It is used when
``OKRTUI_TEST_PG=1`` (CI sets it: a missing PostgreSQL is then an error) or when
Debian's binaries are installed; otherwise the PostgreSQL variants of the tests are
skipped, saying why. ``OKRTUI_TEST_PG=0`` turns them off.

PostgreSQL refuses to run as root, so under root the cluster runs as ``nobody``.
Authentication is ``trust`` on this private TCP port (the tests connect as the cluster's
superuser, or as plain roles to test row-level security) and ``peer`` on its Unix socket,
as on a team server: there the role is the Unix login.
"""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "okrtui_test"
SKIP_REASON_NO_PG = (
    "PostgreSQL tests need initdb/pg_ctl (Debian: apt-get install postgresql), "
    "or set OKRTUI_TEST_PG=1 to insist"
)


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps it off PATH)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent  # psql and pg_ctl live beside the real one
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name.split(".")[0]),
    )
    return Path(candidates[-1]).parent if candidates else None


def wanted() -> bool | None:
    """True: must run; False: never; None: run when the binaries exist."""
    value = os.environ.get("OKRTUI_TEST_PG", "").strip()
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    """A running cluster: URLs for its databases and roles."""

    bin_dir: Path
    root: Path
    port: int
    _run_as: list[str]

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def _pg(self, *args: str) -> None:
        subprocess.run(
            [*self._run_as, *args], check=True, capture_output=True, text=True, timeout=120
        )

    def start(self) -> None:
        self._pg(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                 "--auth-host=trust", "--auth-local=peer", "-E", "UTF8", "--locale=C",
                 "--no-sync")  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._pg(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options,
                 "-l", str(self.root / "log"), "-w", "-t", "60", "start")  # fmt: skip

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._pg(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                     "-w", "stop")  # fmt: skip

    def sql(self, statement: str, database: str = "postgres") -> None:
        """Run one statement as the superuser, outside a transaction (CREATE DATABASE…)."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={database}",
            autocommit=True,
        ) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def new_database(self) -> str:
        """A new empty database; returns its name."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.sql(f'CREATE DATABASE "{name}"')
        return name

    def new_role(self, name: str) -> None:
        with contextlib.suppress(Exception):  # roles are cluster-wide: made once
            self.sql(f'CREATE ROLE "{name}" LOGIN')

    def new_group(self, name: str) -> None:
        """A group role (NOLOGIN, as README's ``CREATE ROLE team``): okrtui's teams."""
        with contextlib.suppress(Exception):
            self.sql(f'CREATE ROLE "{name}" NOLOGIN')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans(bin_dir: Path) -> None:
    """Stop and delete clusters left behind by test sessions that were killed."""
    for root in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            owner = int((root / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        run_as = ["runuser", "-u", "nobody", "--"] if os.getuid() == 0 else []
        Cluster(bin_dir, root, 0, run_as).stop()
        shutil.rmtree(root, ignore_errors=True)


PREFIX = "okrtui-pg-"


def start_cluster() -> Cluster:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError(SKIP_REASON_NO_PG)
    reap_orphans(bin_dir)
    root = Path(tempfile.mkdtemp(prefix=PREFIX))
    (root / "owner.pid").write_text(str(os.getpid()))
    run_as: list[str] = []
    if os.getuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(root, nobody.pw_uid, nobody.pw_gid)
        run_as = ["runuser", "-u", "nobody", "--"]
    cluster = Cluster(bin_dir, root, _free_port(), run_as)
    try:
        cluster.start()
    except subprocess.CalledProcessError as exc:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{log}") from exc
    return cluster


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """The session's cluster, or a skip (an error when OKRTUI_TEST_PG=1 and it fails)."""
    want = wanted()
    if want is False:
        pytest.skip("PostgreSQL tests turned off (OKRTUI_TEST_PG=0)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        if want:
            raise
        pytest.skip("PostgreSQL tests need psycopg: pip install -e '.[test,postgres]'")
    if find_bin_dir() is None:
        if want:
            pytest.fail(SKIP_REASON_NO_PG)
        pytest.skip(SKIP_REASON_NO_PG)
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_shared_url(pg_cluster: Cluster) -> str:
    """One database migrated once per session; :func:`pg_url` empties it for each test."""
    from store.db.pg import make_pg_engine, upgrade_pg
    from store.db.target import resolve_target

    name = pg_cluster.new_database()
    url = pg_cluster.url(name)
    engine = make_pg_engine(resolve_target(url).url)
    try:
        upgrade_pg(engine)
    finally:
        engine.dispose()
    return url


def _truncate(url: str) -> None:
    from sqlalchemy import text

    from store.db.pg import make_pg_engine
    from store.db.target import resolve_target
    from store.identity import current_username

    engine = make_pg_engine(resolve_target(url).url)
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            tables = conn.execute(
                text(
                    "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
                    "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            ).scalar_one()
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            # As `okrtui db upgrade` does: whoever set the database up is its first admin
            # (on SQLite the file's owner is an admin in the same way).
            conn.execute(
                text("INSERT INTO admin (username, added_by, added_at) VALUES (:u, :u, now())"),
                {"u": current_username()},
            )
    finally:
        engine.dispose()


@pytest.fixture
def pg_url(pg_shared_url: str) -> Iterator[str]:
    """The session's migrated database, empty at the start of the test."""
    _truncate(pg_shared_url)
    yield pg_shared_url
