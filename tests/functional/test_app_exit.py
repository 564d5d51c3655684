"""An app that crashes tells the shell so: a non-zero exit code, never 0.

Seen in the attack on PostgreSQL: a forged activity row crashed another member's app
and the process exited with 0, so nothing watching it (a wrapper, a script) noticed.
"""

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

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
