"""How the benchmark runs things and times them: child processes (in a pseudo-terminal
for the TUI) and in-process calls, each summarised as a median."""

import fcntl
import os
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.probe import STAMP_ENV

TERMINAL = (120, 40)
TIMEOUT_S = 120.0


class ProbeError(RuntimeError):
    """A measured process failed or never drew its frame: the figure would be meaningless."""


@dataclass(frozen=True)
class Run:
    """One child process: wall time, time to its first frame (if it drew one), peak memory
    (at that frame when it drew one, else the whole process's ``ru_maxrss``)."""

    wall_s: float
    frame_s: float | None
    maxrss_kb: int
    output: str


def median(values: list[float]) -> float:
    return statistics.median(values)


def _drain(fd: int, sink: list[bytes]) -> None:
    """Read the pseudo-terminal until the child closes it (a full pty would block the app)."""
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            return
        if not data:
            return
        sink.append(data)


def run_process(argv: list[str], env: dict[str, str], *, tty: bool = False) -> Run:
    """Run ``argv`` to completion; in a 120x40 pseudo-terminal when ``tty``.

    The clock starts just before the process is spawned; a probe that writes a
    ``time.monotonic()`` stamp gives "start to first frame" on the same clock.
    """
    with tempfile.TemporaryDirectory(prefix="okrtui-bench-run-") as tmp:
        stamp = Path(tmp) / "stamp"
        env = {**env, STAMP_ENV: str(stamp)}
        output: list[bytes] = []
        if tty:
            master, slave = os.openpty()
            cols, rows = TERMINAL
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            streams = {"stdin": slave, "stdout": slave, "stderr": slave}
        else:
            streams = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE,
                       "stderr": subprocess.STDOUT}  # fmt: skip
        start = time.monotonic()
        proc = subprocess.Popen(argv, env=env, start_new_session=True, **streams)  # type: ignore[call-overload]
        if tty:
            os.close(slave)
            reader = threading.Thread(target=_drain, args=(master, output), daemon=True)
        else:
            reader = threading.Thread(target=_drain, args=(proc.stdout.fileno(), output),
                                      daemon=True)  # fmt: skip
        reader.start()
        killer = threading.Timer(TIMEOUT_S, os.killpg, (proc.pid, signal.SIGKILL))
        killer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
            end = time.monotonic()
        finally:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        reader.join(5)
        if tty:
            os.close(master)
        elif proc.stdout is not None:
            proc.stdout.close()
        text = b"".join(output).decode("utf-8", "replace")
        if proc.returncode != 0:
            raise ProbeError(f"{' '.join(argv)} exited with {proc.returncode}:\n{text[-2000:]}")
        frame, maxrss = None, usage.ru_maxrss
        if stamp.exists():  # "time peak-KiB" (bench.probe); the peak is the child's own
            when, *peak = stamp.read_text().split()
            frame = float(when) - start
            maxrss = int(peak[0]) if peak else maxrss
        if tty and frame is None:
            raise ProbeError(f"{' '.join(argv)} never drew the expected frame")
        return Run(end - start, frame, maxrss, text)


def time_calls(fn: Callable[[], object], runs: int) -> list[float]:
    """Seconds per call of ``fn`` after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def child_env(home: Path, *, bytecode: bool, pycache: Path) -> dict[str, str]:
    """An isolated environment: a throw-away HOME (config written there), no user overrides.

    With ``bytecode`` (the default) compiled modules are cached under ``pycache``, as
    after a normal install; without it every import recompiles (this sandbox's
    ``PYTHONDONTWRITEBYTECODE=1``, about 3.8× slower imports).
    """
    dropped = ("OKRTUI_", "XDG_", "TEXTUAL", "PYTHONPYCACHEPREFIX")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(HOME=str(home), TERM="xterm-256color", COLORTERM="truecolor", LANG="C.UTF-8")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    # The children import bench.probe from this checkout.
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def python() -> str:
    return sys.executable


def okrtui_command() -> list[str]:
    """The installed ``okrtui`` script beside this interpreter (else ``python -m okrtui``)."""
    script = Path(sys.executable).with_name("okrtui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "okrtui"]
