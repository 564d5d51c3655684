"""An app that crashes tells the shell so: a non-zero exit code, never 0.

Seen in the attack on PostgreSQL: a forged activity row crashed another member's app
and the process exited with 0, so nothing watching it (a wrapper, a script) noticed.
"""

import os
import pty
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from screen_helpers import settle

from store.db.database import open_database
from store.identity import current_username
from store.write.periods import ensure_period

REPO = Path(__file__).resolve().parents[2]
CRASHING = """
import sys
import okrtui.screens.tree as tree

def boom(self):
    raise RuntimeError("injected crash")

tree.TreeScreen.on_mount = boom
from okrtui.cli.main import main
main(["--db", sys.argv[1]])
"""


def test_a_crash_in_the_app_exits_non_zero(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    db = open_database(path, create=True)
    ensure_period(db, current_username())
    db.close()
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASHING, str(path)],
        stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "TERM": "xterm-256color"},
    )  # fmt: skip
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 40
    while proc.poll() is None and time.monotonic() < deadline:
        if select.select([master], [], [], 0.2)[0]:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    if proc.poll() is None:
        proc.kill()
    os.close(master)
    assert proc.wait(timeout=10) == 1, seen.decode(errors="replace")[-2000:]
    assert b"injected crash" in seen


async def test_quitting_while_a_check_in_is_being_saved_ends_cleanly(
    make_app, tester_demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """q while the save is on its way (a slow server): the app closes with code 0, no
    error. The form's flow awaited a worker that closing cancels; that used to surface
    as WorkerCancelled, an error at exit (seen under load in the 80×24 form test)."""
    import okrtui.screens.checkin as checkin_flow
    from okrtui.screens.tree import NodeRef, TreeScreen

    gate = threading.Event()
    write = checkin_flow.write_check_in

    def slow_write(*args: Any) -> Any:
        gate.wait(5)
        return write(*args)

    monkeypatch.setattr(checkin_flow, "write_check_in", slow_write)
    app = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        screen.reveal(NodeRef("kr", 13))
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause(0.3)
        await pilot.press("1", "4", "0", "0", "enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, TreeScreen)  # the form closed, the write waits
        await pilot.press("q")
        await pilot.pause(0.3)
    gate.set()
    assert app.return_code == 0
