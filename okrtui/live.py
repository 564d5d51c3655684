"""Live updates: when anyone commits to the database, the open screens re-read it.

The app polls :class:`store.db.watch.ChangeWatcher` about once a second (a pragma read,
microseconds) in a thread worker, so a slow or lost server never holds up a key, and
posts :class:`DatabaseChanged` to every screen of the current mode; a screen that shows
data handles it by re-reading from its usual query while keeping its cursor, expansions
and any open form. Screens of other modes re-read when they are shown again. When the
check fails (a stopped server, a vanished file) the user is told "database unavailable,
retrying" (a notification, and the title bar until it answers); when it succeeds again
every screen re-reads.
"""

from typing import TYPE_CHECKING

from textual.message import Message
from textual.timer import Timer

from store.db.database import Database
from store.db.watch import ChangeWatcher

if TYPE_CHECKING:
    from okrtui.app import OkrApp

POLL_SECONDS = 1.0
MAX_RETRIES = 5  # re-reads asked again after a failure, per commit (LiveUpdates.again)


class DatabaseChanged(Message):
    """Someone (this process or another) committed to the database since the last poll."""


class LiveUpdates:
    """The poll timer and its watcher; ``stop()`` releases the watcher's connection."""

    def __init__(self, app: "OkrApp", db: Database, interval: float = POLL_SECONDS) -> None:
        self._app = app
        self._watcher = ChangeWatcher(db)
        self._again = False
        self._retries = 0
        self._checking = False
        self.available = True
        self._timer: Timer = app.set_interval(interval, self.poll, name="okrtui-live-updates")
        self.poll()  # the watcher's first check, in a worker, is its starting point

    def again(self) -> None:
        """A screen could not re-read (a busy database): tell the screens again at the next
        poll, since the watcher reports each commit only once. A few times per commit, not
        forever: a database that stays unreadable would post an error every second."""
        if self._retries < MAX_RETRIES:
            self._retries += 1
            self._again = True

    def poll(self) -> None:
        """Start a check off the UI thread (one at a time: the watcher has one connection)."""
        if self._checking:
            return
        self._checking = True
        self._app.run_worker(
            self._check, thread=True, group="okrtui-live", exit_on_error=False,
            name="okrtui-live-check",
        )  # fmt: skip

    def _check(self) -> None:
        try:
            changed, available = self._watcher.changed(), self._watcher.available
        except Exception:
            self._checking = False
            raise
        try:
            self._app.call_from_thread(self._report, changed, available)
        except RuntimeError:  # the app is shutting down
            self._checking = False

    def _report(self, changed: bool, available: bool) -> None:
        self._checking = False
        if available != self.available:
            self.available = available
            self._app.database_lost = not available
            if available:
                self._app.notify("the database is reachable again", title="Database back")
                changed = True  # whatever failed while it was away is read again now
            else:
                self._app.notify(
                    "database unavailable, retrying every second; nothing you typed is lost",
                    title="Database unavailable",
                    severity="error",
                    timeout=10,
                )
        if changed:
            self._retries = 0
        if changed or self._again:
            self._again = False
            for screen in self._app.screen_stack:
                screen.post_message(DatabaseChanged())

    def stop(self) -> None:
        self._timer.stop()
        self._watcher.close()
