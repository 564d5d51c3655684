"""A real team server for end-to-end tests: Unix users, a group, sshd with deploy/sshd_config.

Needs root (it creates temporary users and a group), OpenSSH's sshd and tmux, so the
tests using :func:`server` only run when ``OKRTUI_E2E_SSH=1`` (``.ci/run`` sets it).
okrtui is installed the way the README recommends: a venv made from the system Python
(readable by every member; this checkout's own interpreter lives under /root), whose
site-packages lists this repository and its dependencies, and sshd's ForceCommand runs
``<venv>/bin/python -I -m okrtui ssh-command``. sshd listens on 127.0.0.1 only, accepts
only the test's keys, and (to stand in for PAM's ``~/.pam_environment``, which the test
sshd does not use) accepts every environment variable a client sends. Users, keys, sshd
and tmux are removed afterwards whatever happens.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def why_skip() -> str | None:
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


needs_sshd = pytest.mark.skipif(why_skip() is not None, reason=why_skip() or "")


def run(*cmd: str, check: bool = True, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)  # type: ignore[call-overload]


def system_venv(base: Path) -> Path:
    """A venv from the system Python that every user may run, seeing this checkout.

    Returns its ``python``. A ``.pth`` file (read even under ``-I``) lists the repository
    and this venv's site-packages; PYTHONPATH would be ignored under ``-I``.
    """
    if not all(os.stat(p).st_mode & 0o001 for p in REPO.parents):
        pytest.skip(f"the test users cannot reach the repository at {REPO}")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    system = Path(f"/usr/bin/python{version}")
    if not system.exists():
        pytest.skip(f"no system Python {version} the test users may run")
    venv = base / "venv"
    made = run(str(system), "-m", "venv", "--without-pip", str(venv), check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot make a venv from {system}: {made.stderr}")
    site = venv / "lib" / f"python{version}" / "site-packages"
    deps = sysconfig.get_paths()["purelib"]
    (site / "okrtui-checkout.pth").write_text(f"{REPO}\n{deps}\n")
    python = venv / "bin" / "python"
    probe = run(str(python), "-I", "-c", "import okrtui, sqlmodel, textual", check=False)
    if probe.returncode != 0:
        pytest.skip(f"the system Python cannot import okrtui's dependencies: {probe.stderr}")
    return python


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
    python: Path  # the server's okrtui interpreter

    def ssh(
        self, user: str, *remote: str, tty: bool = False, env: dict[str, str] | None = None
    ) -> list[str]:
        """An ssh command line; ``env`` is sent with SetEnv (as PAM could set it)."""
        sent = [f"-oSetEnv={k}={v}" for k, v in (env or {}).items()]
        return [
            "ssh", "-tt" if tty else "-T", "-i", str(self.key), "-p", str(self.port),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", *sent, f"{user}@127.0.0.1", *remote,
        ]  # fmt: skip

    def home(self, user: str) -> Path:
        return self.base / "home" / user

    def screen(self, session: str) -> str:
        out = run("tmux", "-L", self.tmux, "capture-pane", "-p", "-t", session, check=False)
        return out.stdout

    def processes(self, user: str) -> list[str]:
        """The user's processes (pid and command line), sshd's own session ones aside."""
        out = run("ps", "-u", user, "-o", "pid=,pcpu=,args=", check=False).stdout
        return [line.strip() for line in out.splitlines() if "sshd" not in line]


def wait_for(what: str, probe: Callable[[], str], seconds: float = 20.0) -> str:
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
    with team_server() as made:
        yield made


@contextmanager
def team_server(max_startups: str | None = None) -> Iterator[Server]:
    """The server (also used by ``python -m bench --ssh``, outside pytest).

    ``max_startups``: sshd's MaxStartups, raised as deploy/sshd_config advises when many
    members log in at once (the default, 10:30:100, drops connections beyond 10).

    Files are made with umask 022 whatever an earlier test left (``okrtui team init`` run
    in-process sets 007 for the process: the keys folder was then closed to the users sshd
    reads it as, and every login was "Permission denied (publickey)")."""
    umask = os.umask(0o022)
    try:
        with _team_server(max_startups) as made:
            yield made
    finally:
        os.umask(umask)


@contextmanager
def _team_server(max_startups: str | None) -> Iterator[Server]:
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
        python = system_venv(base)
        # The shared database, set up as the README says.
        team_dir = base / "team"
        system_config = base / "etc-okrtui-config.toml"
        env = {**os.environ, "OKRTUI_SYSTEM_CONFIG": str(system_config), "HOME": str(base)}
        init = run(str(python), "-I", "-m", "okrtui", "team", "init", str(team_dir), "--group",
                   group, "--system-config", env=env, check=False)  # fmt: skip
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
        assert "Match Group okrtui" in snippet
        assert "ForceCommand /opt/okrtui/bin/python -I -m okrtui ssh-command\n" in snippet
        snippet = snippet.replace("Match Group okrtui", f"Match Group {group}")
        # Where a real server has /opt/okrtui and /etc/okrtui/config.toml:
        snippet = snippet.replace(
            "/opt/okrtui/bin/python -I -m okrtui ssh-command",
            f"{python} -I -m okrtui ssh-command --system-config {system_config}",
        )
        port = free_port()
        config = base / "sshd_config"
        startups = f"MaxStartups {max_startups}\n" if max_startups else ""
        config.write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {base / 'host_key'}\n"
            f"PidFile {base / 'sshd.pid'}\nAuthorizedKeysFile {keys}/%u\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            f"PubkeyAuthentication yes\nUsePAM no\nStrictModes no\n{startups}"
            # What Debian's PAM (user_readenv=1) would let a member set: anything.
            "AcceptEnv *\n"
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
        yield Server(base, port, key, group, users, team_dir / "okrtui.db", tmux, python)
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


def seed(server: Server) -> tuple[int, int]:
    """An objective with a KR for each user (written by root, the first admin)."""
    a, b = seed_many(server, 1)
    return a[0], b[0]


def seed_many(server: Server, each: int) -> tuple[list[int], list[int]]:
    """``each`` objectives with a KR for each user: the KR ids, per user."""
    from store.db.database import open_database
    from store.read.periods import list_periods
    from store.write import key_results, objectives

    db = open_database(server.db)
    try:
        period = list_periods(db)[0].id
        krs: list[list[int]] = []
        for user in server.users:
            mine = []
            for n in range(each):  # an objective each: an objective holds at most 5 KRs
                suffix = f" {n + 1}" if each > 1 else ""
                oid = objectives.create_objective(
                    db, "root", period_id=period, title=f"Objective{suffix} of {user}", owner=user
                ).id
                mine.append(
                    key_results.create_key_result(
                        db, "root", objective_id=oid, title=f"Deals{suffix} of {user}", target=100
                    ).id
                )
            krs.append(mine)
        return krs[0], krs[1]
    finally:
        db.close()
