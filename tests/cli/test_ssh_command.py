"""The SSH forced command: only okrtui's own commands, decided by click's own parse."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from okrtui.cli import ssh as ssh_command
from okrtui.cli.main import main
from okrtui.cli.ssh import Refused, clean_environment, parse

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def saved_environment() -> Iterator[None]:
    """ssh_command.run replaces the process environment: give the test's back after."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


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
        ("okrtui export --format toml", ["export", "--format", "toml"]),
        ("okrtui report", ["report"]),
        ("okrtui team admin add ben", ["team", "admin", "add", "ben"]),
        ("okrtui checkin KR-1 5 --note '--db is fine inside a note'",
         ["checkin", "KR-1", "5", "--note", "--db is fine inside a note"]),
        ("okrtui checkin KR-1 5 -n -o/x", ["checkin", "KR-1", "5", "-n", "-o/x"]),
    ],
)  # fmt: skip
def test_okrtui_commands_pass(original: str, args: list[str]) -> None:
    assert parse(original, main) == args


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
        ("okrtui ssh-command", "'ssh-command' is not allowed here"),
        ("okrtui db upgrade", "'db' is not allowed here"),
        ("okrtui checkin 'unterminated", "cannot read the command"),
        ("okrtui status --no-such-option", "No such option"),
    ],
)
def test_everything_else_is_refused(original: str, message: str) -> None:
    with pytest.raises(Refused, match=message.replace("(", r"\(")):
        parse(original, main)


@pytest.mark.parametrize(
    "original",
    [
        # Finding 1: every spelling click accepts for a file option.
        "export -o /home/ana/.pam_environment",
        "export -o/home/ana/.pam_environment",
        "export --format toml -o/home/ana/.pam_environment",
        "export -o=/x",
        "export --output /x",
        "export --output=/x",
        "export --format=toml --output=/x --period Q4",
        "export -o /a -o /b",
        "report -o /x",
        "report --output=/x.md",
        "report -p Q4 -o/x.md",
        "okrtui report --format md -o/x",
        # --db, before or after the command, in every spelling.
        "--db /tmp/other.db status",
        "--db=/tmp/other.db status",
        "status --db /tmp/other.db",
        "status --db=/tmp/other.db",
        "checkin KR-1 5 --db=/tmp/x.db",
        "kpi record MRR 5 --db /tmp/x.db",
        "period list --db /tmp/x.db",
        "--db /a --db /b status",
    ],
)
def test_file_and_database_parameters_are_refused_whatever_the_spelling(original: str) -> None:
    with pytest.raises(Refused, match="names a file or database on the server"):
        parse(original, main)


@pytest.mark.parametrize(
    "original",
    [
        "team check",  # finding 4: probes server paths, crashed on ~/.ssh
        "team check /home/other/.ssh/id_ed25519",
        "team check --group okrtui",
        "config show",  # shows the server's paths
        "config path",
    ],
)
def test_local_only_commands_are_refused(original: str) -> None:
    with pytest.raises(Refused, match="is not allowed here"):
        parse(original, main)


def test_a_refused_command_does_not_look_at_its_path_argument(tmp_path: Path) -> None:
    """`import PATH` checks that PATH exists while parsing: refused before that."""
    with pytest.raises(Refused) as refused:
        parse(f"import {tmp_path / 'missing.json'}", main)
    assert "does not exist" not in str(refused.value)


def test_refusal_exits_2_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert ssh_command.run("rm -rf ~", main) == 2
    err = capsys.readouterr().err
    assert "'rm' is not allowed here" in err and "okrtui checkin KR-12 42" in err


def test_shell_syntax_is_only_ever_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    """No shell sees the command: "&& sh" reaches okrtui as two stray arguments."""
    assert ssh_command.run("okrtui status && sh", main) == 2
    assert "unexpected extra argument" in capsys.readouterr().err


def test_help_is_answered_by_the_parse(capsys: pytest.CaptureFixture[str]) -> None:
    assert ssh_command.run("okrtui checkin --help", main) == 0
    assert "Record a key result" in capsys.readouterr().out


def test_the_app_needs_a_terminal(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from store.db.database import open_database

    path = tmp_path / "team.db"
    open_database(path, create=True).close()
    system = tmp_path / "system.toml"
    system.write_text(f'[database]\npath = "{path}"\n')
    assert ssh_command.run(None, main, system_config=str(system)) == 2  # pytest's stdin: no tty
    assert "the app needs a terminal" in capsys.readouterr().err


def test_environment_is_an_allow_list() -> None:
    """Finding 6: PYTHON*, TEXTUAL*, OKRTUI_*, editors, loaders never reach the app."""
    dirty = {
        "PYTHONINSPECT": "1",
        "PYTHONSTARTUP": "/tmp/x.py",
        "PYTHONPATH": "/tmp",
        "PYTHONHOME": "/tmp",
        "PYTHONWARNINGS": "error",
        "PYTHONBREAKPOINT": "os.system",
        "TEXTUAL": "devtools",
        "TEXTUAL_DRIVER": "x:y",
        "OKRTUI_DB": "/tmp/other.db",
        "OKRTUI_CONFIG": "/tmp/c.toml",
        "OKRTUI_SYSTEM_CONFIG": "/tmp/s.toml",
        "EDITOR": "vi",
        "VISUAL": "vi",
        "PAGER": "less",
        "BROWSER": "x",
        "SHELL": "/bin/bash",
        "LD_PRELOAD": "/tmp/x.so",
        "LD_LIBRARY_PATH": "/tmp",
        "XDG_CONFIG_HOME": "/tmp",
        "HOME": "/tmp",
        "PATH": "/tmp:/usr/bin",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "SSH_ORIGINAL_COMMAND": "status",
    }
    env = clean_environment(dirty)
    import pwd

    me = pwd.getpwuid(os.getuid())
    assert env == {
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "SSH_ORIGINAL_COMMAND": "status",
        "HOME": me.pw_dir,
        "USER": me.pw_name,
        "LOGNAME": me.pw_name,
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }
    assert clean_environment(dirty, "/etc/okrtui/team.toml")["OKRTUI_SYSTEM_CONFIG"] == (
        "/etc/okrtui/team.toml"
    )


def test_status_runs_over_the_forced_command(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from store.db.database import open_database
    from store.identity import current_username
    from store.write.periods import ensure_period

    path = tmp_path / "team.db"
    db = open_database(path, create=True)
    ensure_period(db, current_username())
    db.close()
    system = tmp_path / "system.toml"
    system.write_text(f'[database]\npath = "{path}"\n')
    monkeypatch.setenv("OKRTUI_DB", str(tmp_path / "elsewhere.db"))  # dropped: team db wins
    assert ssh_command.run("okrtui status", main, system_config=str(system)) == 0
    assert "(active)" in capsys.readouterr().out


def _forced(
    tmp_path: Path,
    original: str,
    extra_env: dict[str, str],
    stdin: str,
    *,
    flags: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """Run `python -m okrtui ssh-command` as sshd would (not isolated, dirty environment),
    stdin a terminal (Python's inspect prompt only appears on one) fed ``stdin``."""
    import pty

    from store.db.database import open_database
    from store.identity import current_username
    from store.write.periods import ensure_period

    path = tmp_path / "team.db"
    db = open_database(path, create=True)
    ensure_period(db, current_username())
    db.close()
    system = tmp_path / "system.toml"
    system.write_text(f'[database]\npath = "{path}"\n')
    # The test venv finds okrtui through its editable-install .pth, as -I requires.
    env = {**os.environ, "SSH_ORIGINAL_COMMAND": original, **extra_env}
    master, slave = pty.openpty()
    try:
        os.write(master, (stdin + "\x04").encode())  # typed ahead, then end of input
        return subprocess.run(
            [sys.executable, *flags, "-m", "okrtui", "ssh-command", "--system-config", str(system)],
            stdin=slave,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            cwd=tmp_path,
        )
    finally:
        os.close(slave)
        os.close(master)


PROBE = "import os; print('PROMPT-REACHED', os.getuid())\n"


def test_pythoninspect_from_the_client_gives_no_python_prompt(tmp_path: Path) -> None:
    """Finding 1/6: PYTHONINSPECT (say from ~/.pam_environment) must not leave a prompt."""
    done = _forced(tmp_path, "status", {"PYTHONINSPECT": "1"}, stdin=PROBE)
    assert done.returncode == 0, done.stderr
    assert "(active)" in done.stdout
    assert "PROMPT-REACHED" not in done.stdout + done.stderr


def test_refused_command_with_pythoninspect_gives_no_prompt(tmp_path: Path) -> None:
    done = _forced(tmp_path, "sh", {"PYTHONINSPECT": "1"}, stdin=PROBE)
    assert done.returncode == 2 and "is not allowed here" in done.stderr
    assert "PROMPT-REACHED" not in done.stdout + done.stderr


@pytest.mark.parametrize(("flags", "runs"), [((), 1), (("-I",), 0)])
def test_the_app_runs_isolated_with_the_clean_environment(
    tmp_path: Path, flags: tuple[str, ...], runs: int
) -> None:
    """The interpreter that does the work sees -I and none of the caller's variables.

    Started without -I, a sitecustomize on PYTHONPATH runs once, in the interpreter that
    re-executes itself (hence `python -I` in ForceCommand), never in the one doing the
    work; started with -I it never runs.
    """
    spy = tmp_path / "sitecustomize.py"
    spy.write_text("print('SITECUSTOMIZE-RAN')\n")
    env = {"PYTHONPATH": str(tmp_path), "OKRTUI_DB": str(tmp_path / "x.db"), "TEXTUAL": "devtools"}
    done = _forced(tmp_path, "status", env, stdin="", flags=flags)
    assert done.returncode == 0, done.stderr
    assert "(active)" in done.stdout
    assert done.stdout.count("SITECUSTOMIZE-RAN") == runs


@pytest.mark.parametrize(
    "original",
    ["export --out /x", "export --out=/x", "export --outp=/x", "status --d /x", "--d=/x status"],
)
def test_abbreviated_options_are_refused_too(original: str) -> None:
    """Click does not expand abbreviations today; if it ever did, the parse would show it."""
    with pytest.raises(Refused):
        parse(original, main)
