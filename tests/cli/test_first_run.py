"""A first run says what it created, and the demo leaves no trace (issue 16 item 18)."""

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from screen_helpers import notifications

from okrtui.app import OkrApp
from okrtui.cli.main import main as cli_main
from okrtui.context import AppContext
from store.paths import config_file, default_db_path


def test_the_demo_writes_no_config_and_no_database(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Any] = []
    monkeypatch.setattr("okrtui.app.run_app", lambda ctx, db, **kw: opened.append(kw))
    result = CliRunner().invoke(cli_main, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert opened == [{"demo": True, "start": None}]
    assert not config_file().exists()
    assert not default_db_path().exists()


def test_the_first_run_says_where_the_new_database_is(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("okrtui.app.run_app", lambda ctx, db, **kw: None)
    first = CliRunner().invoke(cli_main, [], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert f"created a new database at {default_db_path()}" in first.stderr
    again = CliRunner().invoke(cli_main, [], catch_exceptions=False)
    assert "created" not in again.stderr


async def test_the_app_tells_a_new_user_where_their_data_is(isolated_home: Path) -> None:
    ctx = AppContext()
    db = ctx.database()
    assert ctx.created == default_db_path()
    app = OkrApp(ctx, db)
    told = notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    assert any(str(default_db_path()) in t for t in told), told
