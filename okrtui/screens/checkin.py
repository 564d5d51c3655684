"""Checking in from a screen: the check-in form, then the write off the event loop.

The form (``okrtui.modals.checkin``) returns what was entered; :func:`check_in_flow`
saves it in a thread worker, asks again when the store finds the value far outside
the KR's range (it may know a newer range than the screen showed), and opens the form
again with the entry and the refusal when the store refuses it.
"""

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

from okrtui.modals.checkin import CheckInForm as CheckInModal
from okrtui.modals.checkin import Entry, far_question
from okrtui.modals.dialogs import ConfirmDialog
from okrtui.screens.base import off_loop
from store.db.database import Database
from store.domain.scoring import Thresholds
from store.errors import DatabaseError, DomainError
from store.model.rows import CheckInRow, KrRow

if TYPE_CHECKING:
    from okrtui.app import OkrApp


def write_check_in(
    db: Database,
    user: str,
    thresholds: Thresholds,
    kr_id: int,
    entry: Entry,
    correcting: int | None = None,
) -> int:
    """Save ``entry``: a new check-in of ``kr_id``, or a correction of check-in
    ``correcting``; the check-in's id. Raises what the store raises (``FarOutside`` for a
    value far outside the range unless ``entry.confirmed``); run it off the event loop."""
    from store.write.checkins import check_in
    from store.write.corrections import correct_check_in

    if correcting is not None:
        value = {} if entry.value is None else {"value": entry.value}
        correct_check_in(
            db, user, correcting, confidence=entry.confidence, note=entry.note,
            confirmed=entry.confirmed, **value,
        )  # fmt: skip
        return correcting
    return check_in(
        db, user, kr_id, entry.value, confidence=entry.confidence, note=entry.note,
        thresholds=thresholds, confirmed=entry.confirmed,
    ).check_in_id  # fmt: skip


async def check_in_flow(
    node: DOMNode,
    kr: KrRow,
    objective: str,
    history: list[CheckInRow],
    existing: CheckInRow | None = None,
) -> int | None:
    """Check ``kr`` in (or correct ``existing``) through the form; the saved check-in's id,
    or None when the user cancelled. Call from an async worker of ``node``."""
    from store.errors import FarOutside

    app = cast("OkrApp", node.app)
    correcting = existing.id if existing else None
    draft: Entry | None = None
    error = ""
    pending: Entry | None = None  # confirmed far outside the range: written without the form
    while True:
        if pending is None:
            pending = await app.push_screen_wait(CheckInModal(
                kr, objective, history, thresholds=app.thresholds,
                sparkline_length=app.sparkline_length, existing=existing, draft=draft,
                error=error,
            ))  # fmt: skip
            if pending is None:
                return None
        entry, pending = pending, None
        try:
            return await off_loop(
                node,
                partial(
                    write_check_in, app.db, app.username, app.thresholds, kr.id, entry, correcting
                ),
            )
        except FarOutside as exc:
            if await app.push_screen_wait(ConfirmDialog(far_question(exc.reason), "Record")):
                pending = replace(entry, confirmed=True)
            draft, error = entry, "check the value"
        except (DomainError, DatabaseError, ValueError) as exc:
            draft, error = entry, str(exc)
