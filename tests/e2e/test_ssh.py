"""End to end: two Unix users reach one shared database through sshd, inside tmux.

Needs root (it creates two temporary users and a group), OpenSSH's sshd and tmux, so it
only runs when ``OKRTUI_E2E_SSH=1`` (``.ci/run`` sets it, installing Debian's
``openssh-server`` and ``tmux`` first). sshd uses the shipped ``deploy/sshd_config``
snippet, listens on 127.0.0.1 only and accepts only the test's keys. Users, keys, sshd
and tmux are removed afterwards whatever happens.
"""

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def _why_skip() -> str | None:
    if os.environ.get("OKRTUI_E2E_SSH") != "1":
        return "end-to-end SSH test: set OKRTUI_E2E_SSH=1 (as .ci/run does) to run it"
    if os.getuid() != 0:
        return "end-to-end SSH test needs root (it creates temporary Unix users)"
    missing = [n for n in ("tmux", "ssh", "ssh-keygen", "useradd") if not shutil.which(n)]
    if not os.path.exists(SSHD):
        missing.append("sshd")
    if missing:
        return (
            f"end-to-end SSH test needs {', '.join(missing)} (apt-get install openssh-server tmux)"
        )
    return None


pytestmark = pytest.mark.skipif(_why_skip() is not None, reason=_why_skip() or "")


def run(*cmd: str, check: bool = True, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)  # type: ignore[call-overload]


def _others_can_run(path: Path) -> bool:
    """Whether every directory on the way to ``path`` is traversable by other users."""
    real = path.resolve()
    return all(os.stat(p).st_mode & 0o001 for p in [*real.parents]) and bool(
        os.stat(real).st_mode & 0o001
    )


def launcher(base: Path) -> Path:
    """An ``okrtui`` the test users can run: this venv's, or the system Python on its files."""
    script = base / "okrtui"
    if not all(os.stat(p).st_mode & 0o001 for p in REPO.parents):
        pytest.skip(f"the test users cannot reach the repository at {REPO}")
    venv_okrtui = Path(sys.executable).with_name("okrtui")
    if _others_can_run(Path(sys.executable)) and venv_okrtui.exists():
        script.write_text(f'#!/bin/sh\nexec {venv_okrtui} "$@"\n')
    else:
        # This interpreter lives where others cannot go (e.g. under /root): run the
        # same code with the system Python of the same version.
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        system = Path(f"/usr/bin/python{version}")
        if not system.exists():
            pytest.skip(f"no Python {version} the test users may run")
        site = sysconfig.get_paths()["purelib"]
        script.write_text(f'#!/bin/sh\nPYTHONPATH={REPO}:{site} exec {system} -m okrtui "$@"\n')
    script.chmod(0o755)
    return script


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: Path
    port: int
    key: Path
    group: str
    users: tuple[str, str]
    db: Path
    tmux: str  # tmux socket name

    def ssh(self, user: str, *remote: str, tty: bool = False) -> list[str]:
        return [
            "ssh", "-tt" if tty else "-T", "-i", str(self.key), "-p", str(self.port),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", f"{user}@127.0.0.1", *remote,
        ]  # fmt: skip

    def screen(self, session: str) -> str:
        out = run("tmux", "-L", self.tmux, "capture-pane", "-p", "-t", session, check=False)
        return out.stdout


def wait_for(what: str, probe, seconds: float = 20.0) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        last = probe()
        if what in last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"{what!r} did not appear within {seconds} s; last screen:\n{last}")


@pytest.fixture
def server() -> Iterator[Server]:
    tag = secrets.token_hex(3)
    group, users = f"okrg{tag}", (f"okra{tag}", f"okrb{tag}")
    base = Path(tempfile.mkdtemp(prefix="okrtui-e2e-"))
    base.chmod(0o755)
    sshd: subprocess.Popen[bytes] | None = None
    tmux = f"okrtui-e2e-{tag}"
    made_users: list[str] = []
    made_group = False
    try:
        run("groupadd", group)
        made_group = True
        for user in users:
            run("useradd", "-m", "-d", str(base / "home" / user), "-s", "/bin/sh",
                "-G", group, "-c", "", user)  # fmt: skip
            made_users.append(user)
            # A new account is locked ("!"), which sshd refuses even for keys: "*" means
            # "no password" without the lock.
            run("usermod", "-p", "*", user)
        okrtui = launcher(base)
        # The shared database, set up as the README says.
        team_dir = base / "team"
        system_config = base / "etc-okrtui-config.toml"
        env = {**os.environ, "OKRTUI_SYSTEM_CONFIG": str(system_config), "HOME": str(base)}
        init = run(str(okrtui), "team", "init", str(team_dir), "--group", group,
                   "--system-config", env=env, check=False)  # fmt: skip
        assert init.returncode == 0, init.stdout + init.stderr
        system_config.chmod(0o644)
        # Keys and sshd with the shipped snippet.
        key = base / "client_key"
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key))
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(base / "host_key"))
        keys = base / "authorized"
        keys.mkdir()
        for user in users:
            (keys / user).write_text((base / "client_key.pub").read_text())
        snippet = (REPO / "deploy" / "sshd_config").read_text()
        snippet = snippet.replace("Match Group okrtui", f"Match Group {group}")
        snippet = snippet.replace("/usr/local/bin/okrtui", str(okrtui))
        # Where a real server has /etc/okrtui/config.toml:
        snippet = snippet.replace(
            "    ForceCommand", f"    SetEnv OKRTUI_SYSTEM_CONFIG={system_config}\n    ForceCommand"
        )
        port = free_port()
        config = base / "sshd_config"
        config.write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {base / 'host_key'}\n"
            f"PidFile {base / 'sshd.pid'}\nAuthorizedKeysFile {keys}/%u\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PubkeyAuthentication yes\nUsePAM no\nStrictModes no\n"
            f"AllowGroups {group}\n\n{snippet}"
        )
        Path("/run/sshd").mkdir(exist_ok=True)
        run(SSHD, "-t", "-f", str(config))
        sshd = subprocess.Popen([SSHD, "-D", "-E", str(base / "sshd.log"), "-f", str(config)])
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "sshd did not start"
            time.sleep(0.1)
        yield Server(base, port, key, group, users, team_dir / "okrtui.db", tmux)
    finally:
        run("tmux", "-L", tmux, "kill-server", check=False)
        if sshd is not None:
            sshd.terminate()
            try:
                sshd.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sshd.kill()
        for user in made_users:
            run("pkill", "-KILL", "-u", user, check=False)
            run("userdel", "-r", "-f", user, check=False)
        if made_group:
            run("groupdel", group, check=False)
        shutil.rmtree(base, ignore_errors=True)


def _seed(server: Server) -> tuple[int, int]:
    """An objective with a KR for each user (written by root, the file's owner)."""
    from store import service
    from store.db import open_database
    from store.queries import list_periods

    db = open_database(server.db)
    try:
        period = list_periods(db)[0].id
        krs = []
        for user in server.users:
            oid = service.create_objective(
                db, "root", period_id=period, title=f"Objective of {user}", owner=user
            ).id
            krs.append(
                service.create_key_result(
                    db, "root", objective_id=oid, title=f"Deals of {user}", target=100
                ).id
            )
        return krs[0], krs[1]
    finally:
        db.close()


def test_two_users_over_ssh_share_one_live_database(server: Server) -> None:
    a, b = server.users
    kr_a, kr_b = _seed(server)
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
    out = run(*server.ssh(a, "okrtui", "export", "-o", ".profile"), check=False)
    assert out.returncode == 2 and "not allowed over SSH" in out.stderr
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
