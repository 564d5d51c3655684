"""Shared fixtures. Every test runs with HOME, config and data dirs in tmp_path."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from store.db import Database, open_database
from store.identity import current_username

DEMO_TODAY = date(2026, 11, 23)


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


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database."""
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
