"""What every okrtui screen shares: the typed app, and store calls off the event loop.

Screens never call the store on the event loop: a slow or lost database (a PostgreSQL
server restarting, a SQLite file locked by a long write) would freeze every key, quit
included. Reads go through :meth:`OkrScreen.load` (a thread worker whose result is
drawn on the loop); a flow that needs a result before it goes on (a modal's entry
written, then the screen reloaded) awaits :func:`off_loop`. Each call is bounded by the
database layer's own limits (SQLite's busy timeout, PostgreSQL's connect, lock and
statement timeouts in ``store.db.pg``); a failed read is shown and retried by the live
updates (``okrtui.live``), which also show the "database unavailable" banner.
"""

import asyncio
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed, get_current_worker

from store.errors import DatabaseError, DomainError

if TYPE_CHECKING:
    from okrtui.app import OkrApp

STYLES = Path(__file__).resolve().parent.parent / "styles"
"""okrtui's .tcss files (a screen's own ``CSS_PATH`` names one in here)."""

R = TypeVar("R")
T = TypeVar("T")
D = TypeVar("D")


async def off_loop(node: DOMNode, call: Callable[[], R], *, group: str = "store") -> R:
    """``call()`` in a thread worker of ``node``, awaited: the event loop keeps drawing and
    answering keys meanwhile. The call's own exception is raised here."""
    worker: Worker[R] = node.run_worker(
        call, thread=True, group=group, exit_on_error=False, name=getattr(call, "__name__", "")
    )
    try:
        return await worker.wait()
    except WorkerFailed as failed:
        raise failed.error from None
    except WorkerCancelled:
        # Its screen or the app is closing (q while a save was on its way): the flow that
        # awaited it ends quietly too, rather than as an error at exit.
        raise asyncio.CancelledError from None


async def edit_until_saved(
    node: DOMNode,
    form: Callable[[D | None, str], Screen[D | None]],
    write: Callable[[D], R],
) -> R | None:
    """Open ``form(draft, error)``, write what it returns off the loop, and open it again
    with that entry and the store's refusal until it is saved (the result of ``write``)
    or cancelled (None). Call from an async worker (it awaits the modal)."""
    draft: D | None = None
    error = ""
    while True:
        draft = await node.app.push_screen_wait(form(draft, error))
        if draft is None:
            return None
        try:
            return await off_loop(node, partial(write, draft))
        except (DomainError, DatabaseError, ValueError) as exc:
            error = str(exc)


class OkrScreen(Screen[T]):
    """A screen of okrtui: ``okr_app`` is the app, typed; :meth:`load` reads off the loop."""

    @property
    def okr_app(self) -> "OkrApp":
        return cast("OkrApp", self.app)

    def load(
        self,
        read: Callable[[], R],
        show: Callable[[R], None],
        *,
        group: str = "load",
        failed: Callable[[Exception], None] | None = None,
    ) -> Worker[None]:
        """Run ``read()`` in a thread worker, then ``show(result)`` on the event loop.

        A newer load of the same group replaces an older one (its result is dropped). A
        database error or refusal goes to ``failed`` (default: a notification, and the live
        updates ask again within a second); ``show`` never runs on a screen already gone.
        """

        def run() -> None:
            try:
                result = read()
            except (DatabaseError, DomainError) as exc:
                self._deliver(partial(failed or self.load_failed, exc))
                return
            self._deliver(partial(show, result))

        return self.run_worker(run, thread=True, exclusive=True, group=group, name=group)

    def _deliver(self, callback: Callable[[], Any]) -> None:
        """From a worker thread: run ``callback`` on the loop unless the work was replaced
        or the screen has gone (the app may be shutting down: then nothing)."""
        worker = get_current_worker()

        def on_loop() -> None:
            if not worker.is_cancelled and self.is_attached:
                callback()

        with suppress(RuntimeError):  # the app stopped while the read ran
            self.app.call_from_thread(on_loop)

    def load_failed(self, exc: Exception) -> None:
        """A read failed: say so, and have the live updates ask again soon."""
        self.notify(str(exc), severity="error")
        self.okr_app.reread_soon()

    async def store(self, call: Callable[[], R], *, group: str = "store") -> R:
        """Await ``call()`` (a store read or write) run in a thread worker of this screen."""
        return await off_loop(self, call, group=group)
