"""The tree's dialog actions: new objective or KR, edit, move, delete, the period picker,
check-ins and their corrections, removals and notes (a mixin of ``TreeScreen``).

Each action reads what its dialog needs in a thread worker, opens the dialog (or runs a
save flow: the form, then its write off the event loop) and, once saved, reloads the
tree with the cursor on what changed. Keys typed before the dialog is up are held for it
(``widgets/held_keys.py``).
"""

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from textual import work
from textual.worker import WorkerFailed

from okrtui.screens.base import OkrScreen
from store.domain.rights import EditRights
from store.errors import DatabaseError, DomainError
from store.format import counted, format_number
from store.model.rows import CheckInRow, KrRow, ObjectiveHead, ObjectiveRow
from store.read.checkins import kr_history
from store.read.tree import TreeReader
from widgets.held_keys import DIALOG_GROUP, HoldsKeys, opens_dialog
from widgets.history_table import HistoryTable
from widgets.history_text import local_date
from widgets.okr_tree import NodeRef, TreeData

T = TypeVar("T")


class TreeActions(HoldsKeys, OkrScreen[None]):
    """The alignment tree's editing keys; ``TreeScreen`` provides what is declared here
    (the rows read, the rights, the detail pane's history, reload and the selection)."""

    model: TreeData | None
    rights: EditRights | None
    _reader: TreeReader | None
    _lock: threading.Lock
    _history: list[CheckInRow]  # the check-ins the detail pane shows
    _history_of: int | None  # of this KR

    if TYPE_CHECKING:

        def reload(self, select: NodeRef | None = None) -> None: ...

        def selected(self) -> NodeRef | None: ...

    # --- editing (dialogs return what was entered; writes run in workers) -----------------

    async def _in_thread(self, fn: Callable[..., T], *args: object) -> T:
        """A store call run in a thread worker, awaited without blocking the event loop."""
        worker = self.run_worker(lambda: fn(*args), thread=True, group="tree-call",
                                 exit_on_error=False)  # fmt: skip
        try:
            return await worker.wait()
        except WorkerFailed as failed:
            raise failed.error from None

    async def _run(self, action: str, fn: Callable[..., T], *args: object) -> T | None:
        """Call a service function in a thread; a refusal becomes a notification."""
        try:
            return await self._in_thread(fn, self.okr_app.db, self.okr_app.username, *args)
        except (DomainError, DatabaseError) as exc:
            self.notify(str(exc), title=f"{action} refused", severity="error", timeout=8)
            return None

    def _selected_objective(self) -> ObjectiveHead | None:
        ref, model = self.selected(), self.model
        if ref is None or model is None:
            return None
        kr = model.key_result(ref.id) if ref.kind == "kr" else None
        oid = ref.id if ref.kind == "objective" else kr.objective_id if kr else None
        return model.objectives.get(oid) if oid is not None else None

    def _selected_kr(self) -> KrRow | None:
        ref, model = self.selected(), self.model
        if ref is None or model is None or ref.kind != "kr":
            return None
        return model.key_result(ref.id)

    async def _row(self, head: ObjectiveHead | None) -> ObjectiveRow | None:
        """The selected objective's row (read in a worker if it is still on its way)."""
        if head is None or self.model is None:
            return None
        row, reader = self.model.row(head.id), self._reader
        if row is None and reader is not None:
            rows = await self._in_thread(self._locked, reader.rows, [head.id])
            row = rows.get(head.id)
        return row

    def _locked(self, fn: Callable[..., T], *args: object) -> T:
        with self._lock:
            return fn(*args)

    @opens_dialog
    @work(group=DIALOG_GROUP)
    async def action_new_objective(self) -> None:
        from okrtui.screens.forms import objective_flow

        period = self.okr_app.period
        if period is None:
            self.notify("there is no period to add objectives to", severity="error")
            return
        parent = await self._row(self._selected_objective())
        result = await objective_flow(self, period_id=period.id, parent=parent)
        if result is not None:
            self.notify(f"created O-{result}")
            self.reload(NodeRef("objective", result))

    @opens_dialog
    @work(group=DIALOG_GROUP)
    async def action_add_kr(self) -> None:
        from okrtui.screens.forms import key_result_flow

        objective = await self._row(self._selected_objective())
        if objective is None:
            self.notify("select an objective first", severity="warning")
            return
        result = await key_result_flow(self, objective=objective)
        if result is not None:
            self.reload(NodeRef("kr", result))

    @opens_dialog
    @work(group=DIALOG_GROUP)
    async def action_edit(self) -> None:
        from okrtui.screens.forms import key_result_flow, objective_flow

        ref, objective = self.selected(), await self._row(self._selected_objective())
        if ref is None or objective is None:
            return
        if ref.kind == "objective":
            holds = self.rights is None or self.rights.control(objective.id)
            saved = await objective_flow(
                self, period_id=objective.period_id, existing=objective, holds=holds
            )
        else:
            kr = self._selected_kr()
            if kr is None:
                return
            saved = await key_result_flow(self, objective=objective, existing=kr)
        if saved is not None:
            self.reload(ref)

    @opens_dialog
    @work(group=DIALOG_GROUP)
    async def action_move(self) -> None:
        from okrtui.modals.dialogs import PickDialog
        from store.write.objectives import move_objective

        ref, model = self.selected(), self.model
        if ref is None or model is None or ref.kind != "objective":
            self.notify("select an objective to move (key results stay with theirs)",
                        severity="warning")  # fmt: skip
            return
        row = model.objectives[ref.id]
        below = model.outline.descendants(row.id)  # a move under them would make a loop
        choices = [(None, "— top level (no parent) —")] + [
            (o.id, f"{o.ref}  {o.title}  @{o.owner}")
            for _, o in model.walk() if o.id != row.id and o.id not in below
        ]  # fmt: skip
        picked = await self.app.push_screen_wait(
            PickDialog(f"Align {row.ref} under…", choices, current=row.parent_id)
        )
        if picked is PickDialog.CANCELLED:
            return
        if await self._run("Move", move_objective, row.id, picked) is not None:
            where = "the top level" if picked is None else f"O-{picked}"
            self.notify(f"{row.ref} now aligned under {where}")
            self.reload(ref)

    @opens_dialog
    @work(group=DIALOG_GROUP)
    async def action_comment(self) -> None:
        """Comment on the selected objective or key result (the thread is in the detail
        pane); the people a mention may name are read first, off the loop."""
        from okrtui.screens.forms import comment_flow

        ref, model = self.selected(), self.model
        if ref is None or model is None:
            return
        kr = model.key_result(ref.id) if ref.kind == "kr" else None
        head = model.objectives.get(ref.id) if ref.kind == "objective" else None
        title = kr.title if kr is not None else head.title if head is not None else ""
        kind, subject_id = ("key_result" if ref.kind == "kr" else "objective"), ref.id
        table = self.query_one(HistoryTable)
        if kr is not None and table.has_focus:  # on the history table: the check-in under it
            check_in_id = table.selected_check_in()
            entry = next((r for r in self._history if r.id == check_in_id), None)
            if entry is not None:
                kind, subject_id = "check_in", entry.id
                title = f"{kr.ref} check-in of {local_date(entry)}"
        saved = await comment_flow(self, kind, subject_id, title)
        if saved is not None:
            self.notify(f"comment #{saved} added")
            self.reload(ref)

    @opens_dialog
    @work(group=DIALOG_GROUP)
    async def action_delete(self) -> None:
        from okrtui.modals.dialogs import ConfirmDialog
        from store.write.key_results import delete_key_result
        from store.write.objectives import delete_objective, preview_delete_objective

        ref, model, db = self.selected(), self.model, self.okr_app.db
        kr = self._selected_kr()
        if ref is None or model is None or (ref.kind == "kr" and kr is None):
            return
        try:
            if kr is None:
                row = model.objectives[ref.id]
                summary = await self._in_thread(preview_delete_objective, db, row.id)
            else:
                count = len(await self._in_thread(kr_history, db, kr.id))
        except DatabaseError as exc:
            self.notify(str(exc), title="Delete refused", severity="error", timeout=8)
            return
        if kr is None:
            what = (
                f"Delete {row.ref} “{row.title}” with its "
                f"{counted(summary.key_results, 'key result')} and "
                f"{counted(summary.check_ins, 'check-in')}?"
            )
            if summary.orphaned_children:
                n = summary.orphaned_children
                what += (f" Its {counted(n, 'aligned objective')} "
                         f"{'becomes' if n == 1 else 'become'} top-level.")  # fmt: skip
            confirmed = await self.app.push_screen_wait(ConfirmDialog(what, "Delete"))
            if confirmed and await self._run("Delete", delete_objective, row.id) is not None:
                self.notify(f"deleted {row.ref}")
                self.reload(NodeRef("objective", row.parent_id) if row.parent_id else None)
            return
        what = f"Delete {kr.ref} “{kr.title}” with its {counted(count, 'check-in')}?"
        confirmed = await self.app.push_screen_wait(ConfirmDialog(what, "Delete"))
        if confirmed and await self._run("Delete", delete_key_result, kr.id) is not None:
            self.notify(f"deleted {kr.ref}")
            self.reload(NodeRef("objective", kr.objective_id))

    @opens_dialog
    @work(group=DIALOG_GROUP)
    async def action_pick_period(self) -> None:
        from okrtui.modals.dialogs import PickDialog
        from store.read.periods import list_periods

        try:
            periods = await self._in_thread(list_periods, self.okr_app.db)
        except DatabaseError as exc:
            self.notify(str(exc), severity="error")
            return
        current = self.okr_app.period
        choices = [
            (p.id, f"{p.name}  {p.starts_on} → {p.ends_on}  ({p.state.value})") for p in periods
        ]
        picked = await self.app.push_screen_wait(
            PickDialog("Show period", choices, current=current.id if current else None)
        )
        if picked is PickDialog.CANCELLED or picked is None:
            return
        self.okr_app.period = next(p for p in periods if p.id == picked)  # the watcher reloads

    # --- check-ins ------------------------------------------------------------------------

    @opens_dialog
    @work(group=DIALOG_GROUP)
    async def action_check_in(self) -> None:
        from okrtui.screens.checkin import check_in_flow

        kr, model = self._selected_kr(), self.model
        if kr is None or model is None:
            self.notify("select a key result to check in (w walks through all of yours)",
                        severity="warning")  # fmt: skip
            return
        known = self._history if self._history_of == kr.id else []  # the pane's read
        try:
            history = known or await self._in_thread(kr_history, self.okr_app.db, kr.id)
        except DatabaseError as exc:
            self.notify(str(exc), severity="error")
            return
        objective = model.objectives[kr.objective_id].title
        saved = await check_in_flow(self, kr, objective, history)
        if saved is not None:
            self.notify(f"checked in {kr.ref}")
            self.reload(NodeRef("kr", kr.id))

    def _history_entry(self) -> tuple[KrRow, CheckInRow] | None:
        kr = self._selected_kr()
        check_in_id = self.query_one(HistoryTable).selected_check_in()
        entry = next((r for r in self._history if r.id == check_in_id), None)
        if kr is None or entry is None:
            self.notify("put the cursor on a check-in in the history table", severity="warning")
            return None
        if entry.author != self.okr_app.username:
            self.notify(f"this check-in is {entry.author}'s: only its author may change it",
                        severity="error")  # fmt: skip
            return None
        return kr, entry

    def action_view_note(self) -> None:
        """The selected check-in's note in full (the table shows its first characters)."""
        check_in_id = self.query_one(HistoryTable).selected_check_in()
        row = next((r for r in self._history if r.id == check_in_id), None)
        kr = self._selected_kr()
        if row is None or kr is None:
            return
        from okrtui.modals.dialogs import NoteViewer
        from widgets.history_text import local_time

        title = f"{kr.ref} · {local_time(row.created_at)} · {row.author}"
        self.app.push_screen(NoteViewer(title, row.note))

    @opens_dialog
    @work(group=DIALOG_GROUP)
    async def action_correct_check_in(self) -> None:
        from okrtui.screens.checkin import check_in_flow

        found = self._history_entry()
        if found is None or self.model is None:
            return
        kr, entry = found
        objective = self.model.objectives[kr.objective_id].title
        if await check_in_flow(self, kr, objective, self._history, existing=entry) is not None:
            self.notify(f"corrected the check-in of {local_date(entry)} on {kr.ref}")
            self.reload(NodeRef("kr", kr.id))

    @opens_dialog
    @work(group=DIALOG_GROUP)
    async def action_remove_check_in(self) -> None:
        from okrtui.modals.dialogs import ConfirmDialog
        from store.write.corrections import remove_check_in

        found = self._history_entry()
        if found is None:
            return
        kr, entry = found
        what = (
            f"Remove the check-in of {local_date(entry)} on {kr.ref} "
            f"(value {format_number(entry.value, kr.unit)})? The activity log keeps a copy."
        )
        if not await self.app.push_screen_wait(ConfirmDialog(what, "Remove")):
            return
        if await self._run("Remove", remove_check_in, entry.id) is not None:
            self.notify(f"removed the check-in of {local_date(entry)} on {kr.ref}")
            self.reload(NodeRef("kr", kr.id))
