"""Finding 3: the app never runs without a terminal, and ends when its terminal goes away.

``ssh host 'checkin --weekly'`` without ``-t`` used to start the TUI on a pipe; once the
client left, the orphan spun at 100 % CPU (Textual's input thread reading EOF forever).
"""

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store.db.database import open_database
from store.identity import current_username
from store.write.periods import ensure_period

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "team.db"
    db = open_database(path, create=True)
    ensure_period(db, current_username())
    db.close()
    return path


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TERM": "xterm-256color"}
    env.pop("SSH_CONNECTION", None)  # a local run, whatever shell runs the tests
    return env


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.parametrize("args", [[], ["checkin", "--weekly"]])
def test_without_a_terminal_the_app_refuses_at_once(db_path: Path, args: list[str]) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "okrtui", "--db", str(db_path), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=30,
    )
    assert done.returncode == 2, done.stderr
    assert "needs a terminal" in done.stderr and "run it in a terminal" in done.stderr
    assert time.monotonic() - started < 15


def _start_in_pty(db_path: Path, *, ignore_sighup: bool) -> tuple[subprocess.Popen[bytes], int]:
    master, slave = pty.openpty()
    os.set_blocking(master, False)

    def preexec() -> None:
        if ignore_sighup:  # as under nohup: the default action no longer kills it
            signal.signal(signal.SIGHUP, signal.SIG_IGN)

    proc = subprocess.Popen(
        [sys.executable, "-m", "okrtui", "--db", str(db_path)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=_env(),
        start_new_session=True,
        preexec_fn=preexec,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 40
    while b"okrtui" not in seen and time.monotonic() < deadline:  # the title bar is drawn
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
        assert proc.poll() is None, seen.decode(errors="replace")
    assert b"okrtui" in seen, seen.decode(errors="replace")
    return proc, master


def _assert_ends(proc: subprocess.Popen[bytes], seconds: float = 8.0) -> None:
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        busy = _cpu_seconds(proc.pid)
        time.sleep(1)
        busy = _cpu_seconds(proc.pid) - busy
        proc.kill()
        proc.wait()
        raise AssertionError(f"still running {seconds} s later, using {busy:.0%} CPU") from None


def test_closing_the_terminal_ends_the_app(db_path: Path) -> None:
    proc, master = _start_in_pty(db_path, ignore_sighup=True)
    os.close(master)  # the ssh client went away: sshd closes the pty
    _assert_ends(proc)


def test_sighup_ends_the_app(db_path: Path) -> None:
    proc, master = _start_in_pty(db_path, ignore_sighup=True)
    try:
        os.kill(proc.pid, signal.SIGHUP)
        _assert_ends(proc)
        assert proc.returncode == 128 + signal.SIGHUP
    finally:
        os.close(master)
