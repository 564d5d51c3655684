"""Issue 13, findings 1, 3, 4 and 6, tried over a real ssh connection to a real sshd.

Each test is an attack a team member could make with nothing but ``ssh`` and their key;
the server is ``ssh_helpers.server`` (deploy/sshd_config, okrtui from a system-wide venv
started with ``-I``). Needs root, sshd and tmux: runs with ``OKRTUI_E2E_SSH=1``.
"""

import signal
import subprocess
import time

import pytest
from ssh_helpers import Server, needs_sshd, run, seed, server, wait_for

pytestmark = needs_sshd
__all__ = ["server"]  # the fixture, used by name

PROBE = "import os; print('PYTHON-PROMPT-REACHED', os.getuid())\n"


def _no_okrtui_left(server: Server, user: str, seconds: float = 10.0) -> None:
    """The user's okrtui processes end within ``seconds`` (none orphaned, none spinning)."""
    deadline = time.monotonic() + seconds
    left: list[str] = []
    while time.monotonic() < deadline:
        left = [line for line in server.processes(user) if "okrtui" in line]
        if not left:
            return
        time.sleep(0.2)
    raise AssertionError(f"{user}'s okrtui still runs {seconds} s later (pid %cpu args): {left}")


@pytest.mark.parametrize(
    "remote",
    [
        # Finding 1: the TOML export of one's own objective into ~/.pam_environment.
        "okrtui export --format toml -o{home}/.pam_environment",
        "okrtui export --format toml -o {home}/.pam_environment",
        "okrtui export --output={home}/.pam_environment",
        "okrtui export -o/tmp/../{home}/.pam_environment",
        "okrtui report -o{home}/.pam_environment",
        "okrtui report --format md --output {home}/.pam_environment",
        "okrtui --db {home}/.pam_environment status",
        "okrtui status --db={home}/.pam_environment",
        "okrtui init --db {home}/.pam_environment",
        "okrtui demo --create-db {home}/.pam_environment",
        "okrtui import {home}/.pam_environment",
    ],
)
def test_no_file_is_written_where_the_client_says(server: Server, remote: str) -> None:
    a, _ = server.users
    seed(server)
    target = server.home(a) / ".pam_environment"
    done = run(*server.ssh(a, remote.format(home=server.home(a))), check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "not allowed" in done.stderr
    assert not target.exists()


def test_export_and_report_print_to_the_terminal(server: Server) -> None:
    a, _ = server.users
    seed(server)
    toml = run(*server.ssh(a, "okrtui export --format toml"), check=False)
    assert toml.returncode == 0, toml.stderr
    assert f"Objective of {a}" in toml.stdout
    report = run(*server.ssh(a, "okrtui report"), check=False)
    assert report.returncode == 0, report.stderr
    assert f"Objective of {a}" in report.stdout


@pytest.mark.parametrize("remote", ["okrtui status", "sh"])
def test_pythoninspect_from_the_client_gives_no_python_prompt(server: Server, remote: str) -> None:
    """Findings 1 and 6: PYTHONINSPECT (from ~/.pam_environment; here sent by the client and
    let through by AcceptEnv) left a Python prompt on the terminal once okrtui exited."""
    a, _ = server.users
    seed(server)
    session = f"inspect-{a}"
    command = server.ssh(a, remote, tty=True, env={"PYTHONINSPECT": "1"})
    run("tmux", "-L", server.tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
        " ".join(command) + "; echo SSH-SESSION-ENDED; sleep 60")  # fmt: skip
    wait_for("SSH-SESSION-ENDED", lambda: server.screen(session), 30)
    screen = server.screen(session)
    assert ">>>" not in screen, screen
    run("tmux", "-L", server.tmux, "send-keys", "-t", session, PROBE.strip(), "Enter")
    time.sleep(1)
    assert "PYTHON-PROMPT-REACHED" not in server.screen(session).replace(PROBE.strip(), "")


def test_client_environment_cannot_redirect_the_database(server: Server) -> None:
    """Finding 6: OKRTUI_*, TEXTUAL* and PYTHONPATH sent by the client change nothing."""
    a, _ = server.users
    seed(server)
    env = {
        "OKRTUI_DB": str(server.home(a) / "mine.db"),
        "OKRTUI_SYSTEM_CONFIG": str(server.home(a) / "config.toml"),
        "OKRTUI_CONFIG": str(server.home(a) / "config.toml"),
        "TEXTUAL": "devtools",
        "PYTHONPATH": str(server.home(a)),
    }
    done = run(*server.ssh(a, "okrtui", "status", env=env), check=False)
    assert done.returncode == 0, done.stderr
    assert f"Objective of {a}" in done.stdout
    assert not (server.home(a) / "mine.db").exists()


@pytest.mark.parametrize(
    "remote",
    [
        "okrtui team check",
        "okrtui team check {other}/.ssh/authorized_keys",
        "okrtui team check /etc/shadow",
        "okrtui config show",
        "okrtui config path",
    ],
)
def test_server_paths_are_not_probed_over_ssh(server: Server, remote: str) -> None:
    """Finding 4: team check (and config) told which server paths exist, or crashed."""
    a, b = server.users
    (server.home(b) / ".ssh").mkdir(mode=0o700, exist_ok=True)
    done = run(*server.ssh(a, remote.format(other=server.home(b))), check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "is not allowed here" in done.stderr
    assert "Traceback" not in done.stderr and "PermissionError" not in done.stderr


@pytest.mark.parametrize("remote", [[], ["okrtui", "checkin", "--weekly"]])
def test_the_app_without_a_terminal_exits_at_once(server: Server, remote: list[str]) -> None:
    """Finding 3: `ssh host 'checkin --weekly'` without -t started the app on a pipe."""
    a, _ = server.users
    seed(server)
    started = time.monotonic()
    client = subprocess.Popen(
        server.ssh(a, *remote),
        stdin=subprocess.PIPE,  # kept open: the client does not go away by itself
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = client.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        client.kill()
        out, err = client.communicate()
        raise AssertionError(f"still running after 30 s: {out} {err}") from None
    assert client.returncode == 2, out + err
    assert "needs a terminal" in err and "ssh -t HOST" in err
    assert time.monotonic() - started < 30
    _no_okrtui_left(server, a)


def test_the_app_ends_when_the_client_goes_away(server: Server) -> None:
    """Finding 3: the ssh client killed mid-session leaves no okrtui behind."""
    a, _ = server.users
    seed(server)
    session = f"gone-{a}"
    run("tmux", "-L", server.tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
        " ".join(server.ssh(a, "okrtui", "checkin", "--weekly", tty=True)))  # fmt: skip
    wait_for(f"Deals of {a}", lambda: server.screen(session), 40)
    assert [line for line in server.processes(a) if "okrtui" in line]
    client = run("tmux", "-L", server.tmux, "list-panes", "-t", session, "-F",
                 "#{pane_pid}").stdout.split()  # fmt: skip
    for pid in client:  # the ssh client dies without a goodbye: the pty is closed
        subprocess.run(["kill", f"-{signal.SIGKILL.value}", pid], check=False)
    _no_okrtui_left(server, a)
