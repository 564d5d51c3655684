"""End to end: two Unix users reach one shared database through sshd, inside tmux.

The server (temporary users, a group, sshd with the shipped ``deploy/sshd_config``, okrtui
in a venv made from the system Python as the README says) is
``tests/security/ssh_helpers.py``'s fixture; it needs root, sshd and tmux and runs only
with ``OKRTUI_E2E_SSH=1``. The attacks of issue 13 over the same server are in
``tests/security/test_ssh_attacks.py``.
"""

import re
import time

from security.ssh_helpers import Server, needs_sshd, run, seed, server, wait_for

pytestmark = needs_sshd
__all__ = ["server"]  # the fixture, used by name


def test_two_users_over_ssh_share_one_live_database(server: Server) -> None:
    a, b = server.users
    kr_a, kr_b = seed(server)
    probe = run(*server.ssh(a, "okrtui", "status"), check=False)
    assert probe.returncode == 0, probe.stdout + probe.stderr
    for user in (a, b):
        run("tmux", "-L", server.tmux, "new-session", "-d", "-s", user, "-x", "120", "-y", "40",
            " ".join(server.ssh(user, tty=True)))  # fmt: skip
    for user in (a, b):
        # Each sees their own name in the header (sub-title: period · user).
        screen = wait_for(f"· {user}", lambda u=user: server.screen(u), 40)
        header = screen.splitlines()[0]
        assert user in header and (b if user == a else a) not in header
        # The login says what is owed first (issue 19): their own KR, never checked in.
        mine = kr_a if user == a else kr_b
        summary = wait_for("What needs you", lambda u=user: server.screen(u), 20)
        assert re.search(rf"KR-{mine} “Deals of {user}” is (stale|owed)|check in KR-{mine}",
                         summary), summary  # fmt: skip
        assert f"Deals of {b if user == a else a}" not in summary.split("What needs you")[1]
        run("tmux", "-L", server.tmux, "send-keys", "-t", user, "x")  # any key dismisses it
        deadline = time.monotonic() + 10
        while "What needs you" in server.screen(user) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "What needs you" not in server.screen(user), server.screen(user)
        wait_for(f"Deals of {a}", lambda u=user: server.screen(u))

    # A checks in from a "laptop" with one line and no terminal.
    done = run(*server.ssh(a, "okrtui", "checkin", f"KR-{kr_a}", "42", "--note",
                           "'two deals closed'"), check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    # …and it appears on B's open screen without a keypress.
    screen = wait_for("42 / 100", lambda: server.screen(b), 10)
    assert re.search(rf"KR-{kr_a} Deals of {a}.*42 / 100", screen), screen

    # A change the rules forbid: B may not check in on A's key result.
    refused = run(*server.ssh(b, "okrtui", "checkin", f"KR-{kr_a}", "99"), check=False)
    assert refused.returncode == 1
    assert f"@{b} may not change KR-{kr_a}" in refused.stderr
    assert f"its owner @{a}" in refused.stderr
    # B's own key result is fine.
    assert run(*server.ssh(b, "okrtui", "checkin", f"KR-{kr_b}", "7"), check=False).returncode == 0

    # Nothing but okrtui runs: no shell, no file written where the client says.
    shell = run(*server.ssh(a, "sh", "-c", "id"), check=False)
    assert shell.returncode == 2 and "is not allowed here" in shell.stderr
    out = run(*server.ssh(a, "okrtui", "export", "-o", "written-by-export"), check=False)
    assert out.returncode == 2 and "not allowed over SSH" in out.stderr
    assert not (server.home(a) / "written-by-export").exists()
    notty = run(*server.ssh(a), check=False, input="")
    assert notty.returncode == 2 and "needs a terminal" in notty.stderr

    # Quitting the app ends the session (no shell behind it).
    run("tmux", "-L", server.tmux, "send-keys", "-t", a, "q")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        alive = run("tmux", "-L", server.tmux, "has-session", "-t", a, check=False)
        if alive.returncode != 0:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"{a}'s session stayed open after q:\n{server.screen(a)}")
