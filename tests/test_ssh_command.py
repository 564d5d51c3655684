"""The SSH forced command: only okrtui's own commands, parsed with shlex."""

import pytest

from okrtui import ssh_command
from okrtui.ssh_command import Refused, parse


@pytest.mark.parametrize(
    ("original", "args"),
    [
        ("", []),
        ("okrtui", []),
        ("okrtui checkin KR-12 42 --note 'Two deals closed'",
         ["checkin", "KR-12", "42", "--note", "Two deals closed"]),
        ("checkin KR-12 -5", ["checkin", "KR-12", "-5"]),
        ("okrtui kpi record MRR 1040000 --date 2026-11-20",
         ["kpi", "record", "MRR", "1040000", "--date", "2026-11-20"]),
        ("okrtui status --json", ["status", "--json"]),
        ("okrtui team admin add ben", ["team", "admin", "add", "ben"]),
        ("okrtui checkin KR-1 5 --note '--db is fine inside a note'",
         ["checkin", "KR-1", "5", "--note", "--db is fine inside a note"]),
    ],
)  # fmt: skip
def test_okrtui_commands_pass(original: str, args: list[str]) -> None:
    assert parse(original) == args


@pytest.mark.parametrize(
    ("original", "message"),
    [
        ("bash", "'bash' is not allowed here"),
        ("sh -c id", "'sh' is not allowed here"),
        ("internal-sftp", "'internal-sftp' is not allowed here"),
        ("scp -t /tmp", "'scp' is not allowed here"),
        ("okrtui; sh", "'okrtui;' is not allowed here"),
        ("okrtui demo", "'demo' is not allowed here"),
        ("okrtui init", "'init' is not allowed here"),
        ("okrtui import x.json", "'import' is not allowed here"),
        ("okrtui kpi import values.csv", "'kpi import' is not allowed here"),
        ("okrtui team init /srv/x --group g", "'team init' is not allowed here"),
        ("okrtui --db /tmp/other.db status", "'--db' is not allowed here"),
        ("okrtui status --db /tmp/other.db", "--db names a file on the server"),
        ("okrtui export -o /home/ana/.bashrc", "-o names a file on the server"),
        ("okrtui report --output=x.md", "--output names a file on the server"),
        ("okrtui checkin 'unterminated", "cannot read the command"),
    ],
)
def test_everything_else_is_refused(original: str, message: str) -> None:
    with pytest.raises(Refused, match=message.replace("(", r"\(")):
        parse(original)


def test_refusal_exits_2_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert ssh_command.run("rm -rf ~") == 2
    err = capsys.readouterr().err
    assert "'rm' is not allowed here" in err and "okrtui checkin KR-12 42" in err


def test_shell_syntax_is_only_ever_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    """No shell sees the command: "&& sh" reaches okrtui as two stray arguments."""
    assert parse("okrtui status && sh") == ["status", "&&", "sh"]
    assert ssh_command.run("okrtui status && sh") == 2
    assert "unexpected extra arguments" in capsys.readouterr().err


def test_the_app_needs_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert ssh_command.run(None) == 2  # pytest's stdin is not a terminal
    assert "the app needs a terminal" in capsys.readouterr().err


def test_hardening_drops_escape_hatches(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in ("TEXTUAL", "EDITOR", "PAGER", "OKRTUI_DB", "OKRTUI_CONFIG"):
        monkeypatch.setenv(name, "x")
    ssh_command.harden_environment()
    assert not {"TEXTUAL", "EDITOR", "PAGER", "OKRTUI_DB", "OKRTUI_CONFIG"} & set(os.environ)


def test_status_runs_over_the_forced_command(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from store.db import open_database
    from store.identity import current_username
    from store.service import ensure_period

    path = tmp_path / "team.db"
    db = open_database(path, create=True)
    ensure_period(db, current_username())
    db.close()
    system = tmp_path / "system.toml"
    system.write_text(f'[database]\npath = "{path}"\n')
    monkeypatch.setenv("OKRTUI_SYSTEM_CONFIG", str(system))
    monkeypatch.setenv("OKRTUI_DB", str(tmp_path / "elsewhere.db"))  # dropped: team db wins
    assert ssh_command.run("okrtui status") == 0
    assert "(active)" in capsys.readouterr().out
