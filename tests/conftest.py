"""Shared fixtures. Every test runs with HOME, config and data dirs in tmp_path."""

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from backends import pytest_configure, pytest_generate_tests  # noqa: F401  (hooks)
from demo_day import DEMO_TODAY, SNAPSHOT_USER
from pg_cluster import pg_cluster, pg_shared_url, pg_url  # noqa: F401  (fixtures)

from store.db.database import Database, open_database
from store.identity import current_username


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Keep the developer's real config and database out of every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("OKRTUI_SYSTEM_CONFIG", str(home / "no-system-config.toml"))
    for name in ("OKRTUI_DB", "OKRTUI_CONFIG", "TEXTUAL"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(autouse=True)
def unfrozen_heap() -> Iterator[None]:
    """The app freezes its start-up heap (okrtui.app._warm_up_imports): in the test
    process that would keep every earlier test's garbage for good, so thaw it after."""
    yield
    gc.unfreeze()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The backend of ``db``: SQLite, or PostgreSQL for the modules in tests/backends.py."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[Database]:
    """An empty, migrated database (on PostgreSQL too, for the modules run on both)."""
    if backend == "postgresql":
        database = open_database(request.getfixturevalue("pg_url"))
    else:
        database = open_database(tmp_path / "test.db", create=True)
    yield database
    database.close()


@pytest.fixture
def me() -> str:
    return current_username()


@pytest.fixture
def demo_db(tmp_path: Path, me: str) -> Iterator[Database]:
    """The demo organisation, built for a fixed "today" so results are stable."""
    from store.demo import build_demo

    database = open_database(tmp_path / "demo.db", create=True)
    build_demo(database, me, DEMO_TODAY)
    yield database
    database.close()


@pytest.fixture
def demo_path(demo_db: Database) -> Path:
    assert demo_db.path is not None
    return demo_db.path


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """UTC local time, so timestamps render the same on every machine."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
def tester_demo_path(tmp_path: Path) -> Path:
    """Demo data for a fixed user name, so screens look the same for whoever runs the tests."""
    from store.demo import build_demo

    path = tmp_path / "tester-demo.db"
    database = open_database(path, create=True)
    build_demo(database, SNAPSHOT_USER, DEMO_TODAY)
    database.close()
    return path


@pytest.fixture
def make_app(fixed_clock: None):  # type: ignore[no-untyped-def]
    """Build an OkrApp on a database path, as a given user, on the demo's "today"."""
    from okrtui.app import OkrApp
    from okrtui.context import AppContext
    from store.identity import User

    def build(path: Path, user: str = SNAPSHOT_USER) -> OkrApp:
        ctx = AppContext(db_override=str(path))
        ctx.__dict__["user"] = User(user, user)
        return OkrApp(ctx, ctx.database(), today=lambda: DEMO_TODAY)

    return build
