"""The TUI needs a terminal, and ends when its terminal goes away.

``ssh host okrtui checkin --weekly`` without ``-t`` gives no terminal: Textual's input
thread then reads EOF forever (its select loop never blocks again) and, once the client
has left, the orphaned process spins at 100 % CPU until killed. So the app refuses to
start unless stdin and stdout are terminals, and while it runs a SIGHUP (sshd closing
the pty) or a hung-up stdin/stdout ends the process at once: there is no one left to
show anything to, and SQLite rolls back any write that was half done.

Imports no Textual (called by ``okrtui.app.run_app`` before the app starts).
"""

import os
import select
import signal
import sys
import threading
from types import FrameType

EXIT_CANNOT_RUN = 2
EXIT_HANGUP = 128 + signal.SIGHUP
_POLL_MS = 500
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL

NO_TERMINAL = "okrtui: the app needs a terminal (stdin and stdout): {how}"
OVER_SSH = "use `ssh -t HOST`, or run one command, e.g. ssh HOST okrtui checkin KR-12 42"
LOCAL = "run it in a terminal, or use a command, e.g. okrtui checkin KR-12 42, okrtui status"


def has_terminal() -> bool:
    """Whether stdin and stdout are both terminals."""
    try:
        return os.isatty(sys.stdin.fileno()) and os.isatty(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # closed, or replaced by a non-file
        return False


def _hang_up(_signum: int = signal.SIGHUP, _frame: FrameType | None = None) -> None:
    # Not sys.exit: the app would try to restore a terminal that no longer exists.
    os._exit(EXIT_HANGUP)


def _watch(fds: tuple[int, ...]) -> None:
    poller = select.poll()
    for fd in fds:
        poller.register(fd, 0)  # hang-up and errors are always reported
    while True:
        for _fd, events in poller.poll(_POLL_MS):
            if events & _GONE:
                _hang_up()


def guard_terminal() -> None:
    """Refuse (exit 2) without a terminal; otherwise exit when it hangs up or closes."""
    if not has_terminal():
        how = OVER_SSH if os.environ.get("SSH_CONNECTION") else LOCAL
        print(NO_TERMINAL.format(how=how), file=sys.stderr, flush=True)
        raise SystemExit(EXIT_CANNOT_RUN)
    # Explicit, so an inherited "ignore SIGHUP" (nohup, some session managers) cannot
    # keep an orphan alive.
    signal.signal(signal.SIGHUP, _hang_up)
    fds = (sys.stdin.fileno(), sys.stdout.fileno())
    threading.Thread(target=_watch, args=(fds,), name="okrtui-hangup", daemon=True).start()
