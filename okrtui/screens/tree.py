"""The alignment tree: the home screen, with a detail pane and every editing key.

The screen orchestrates: every read and write runs in a thread worker and comes back as
a message (or as the awaited result of one, inside a dialog flow), so a slow or lost
database never stops a key from drawing its frame. The widgets draw rows already read
(widgets/okr_tree.py, widgets/detail.py) and never read themselves. The editing keys'
dialog actions are a mixin, ``TreeActions`` (okrtui/screens/tree_actions.py).
"""

import threading
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar, Literal

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from okrtui.live import DatabaseChanged
from okrtui.screens.access import tree_action_allowed, why_disabled
from okrtui.screens.burnup_read import NO_KEY_RESULTS, kr_chart, objective_chart
from okrtui.screens.tree_actions import TreeActions
from store.domain.burnup import BurnUp
from store.domain.pace import forecast
from store.domain.rights import EditRights, rights_in
from store.errors import DatabaseError
from store.model.enums import PeriodState
from store.model.rows import (
    CheckInRow,
    CommentRow,
    ObjectiveOutcome,
    ObjectiveRow,
    PeriodRow,
)
from store.read.checkins import kr_history
from store.read.comments import thread
from store.read.kpi_warnings import KpiWarning, objective_kpi_warnings
from store.read.rights import is_admin
from store.read.tree import TreeReader, objective_outcome
from widgets.detail import DetailPane, chart_title, kr_detail, objective_detail
from widgets.footer import KeyFooter
from widgets.history_table import HistoryTable
from widgets.history_text import history_rows
from widgets.okr_tree import (
    FILTER_MODES,
    FilterMode,
    NodeRef,
    OkrTree,
    Shown,
    TreeData,
    shown_by,
)
from widgets.text import plain
from widgets.title import TitleBar

if TYPE_CHECKING:
    from store.model.rows import CheckInEvent

__all__ = ["HistoryTable", "NodeRef", "OkrTree", "TreeScreen"]  # also imported from here

# Keys that write; all disabled while a closed period is on show.
EDIT_ACTIONS = frozenset({"new_objective", "add_kr", "edit", "move", "delete", "check_in",
                          "correct_check_in", "remove_check_in"})  # fmt: skip
NARROW_WIDTH = 100  # below it the detail pane is hidden behind v (the tree needs ~60)
WELCOME_KEYS = (
    "n  new objective     ?  every key\n"
    "K  KPIs              P  periods\n"
    "w  weekly check-in   q  quit"
)


@dataclass
class TreeRead(Message):
    """A worker read the tree (``data`` None: it is what is shown, only rights changed)."""

    reader: TreeReader
    data: TreeData | None
    rights: EditRights
    warnings: dict[int, list[KpiWarning]]
    select: NodeRef | None


@dataclass
class RowsRead(Message):
    reader: TreeReader
    rows: dict[int, ObjectiveRow]
    reveal: NodeRef | None = None  # put the cursor on it (its path is in ``rows``)
    objective_id: int | None = None  # the objective of ``reveal``
    check_in: bool = False  # then check it in (from the palette)


@dataclass
class DetailRead(Message):
    """What the detail pane shows beyond the tree's rows, read for ``ref``."""

    ref: NodeRef
    reader: TreeReader
    rows: dict[int, ObjectiveRow]  # an objective's and its children's
    outcome: ObjectiveOutcome | None  # an objective's grade and origin
    history: list[CheckInRow]  # a KR's check-ins
    events: list["CheckInEvent"]  # corrections and removals of them
    comments: list[CommentRow]  # the thread of what is shown, newest last
    chart: bool = False  # read with the burn-up chart on
    burn: BurnUp | None = None  # its series (None with the chart on: no key results)


@dataclass
class ReadFailed(Message):
    error: str
    where: Literal["tree", "detail"]


def _path(reader: TreeReader, ref: NodeRef | None) -> tuple[int | None, list[int]]:
    """The objective of ``ref`` and the objectives whose rows showing it needs (its
    ancestors and their children): reads which objective a KR belongs to."""
    if ref is None:
        return None, []
    first = reader.objective_of(ref.id) if ref.kind == "kr" else ref.id
    heads, oid, path = reader.outline().objectives, first, []
    while oid is not None and oid in heads and oid not in path:
        path.append(oid)
        oid = heads[oid].parent_id
    return first, [c for o in path for c in (o, *heads[o].children)]


class TreeScreen(TreeActions):
    """Objectives aligned company → team → personal, KRs as leaves, details beside."""

    FOOTER_ESSENTIAL = frozenset({"toggle_details"})  # the narrow footer keeps v Details
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "check_in", "Check in", id="check_in"),
        Binding("n", "new_objective", "New", id="new_objective"),
        Binding("a", "add_kr", "Add KR", id="add_kr"),
        Binding("e", "edit", "Edit", id="edit"),
        Binding("m", "move", "Move", id="move"),
        Binding("d", "delete", "Delete", id="delete"),
        Binding("slash", "filter", "Filter", key_display="/", id="filter"),
        Binding("f", "cycle_mode", "Scope", id="cycle_mode"),
        Binding("p", "pick_period", "Period", id="pick_period"),
        Binding("v", "toggle_details", "Details", id="toggle_details"),
        Binding("x", "toggle_explain", "Explain", show=False, id="toggle_explain"),
        Binding("b", "toggle_burnup", "Burn-up chart", show=False, id="toggle_burnup"),
        Binding("C", "comment", "Comment", id="comment"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter"),
    ]

    mode: reactive[FilterMode] = reactive("all", init=False)
    text_filter: reactive[str] = reactive("", init=False)
    explain: reactive[bool] = reactive(False, init=False)
    burnup: reactive[bool] = reactive(False, init=False)
    """The detail pane shows the selected item's burn-up chart above its details (b)."""

    def __init__(self) -> None:
        super().__init__()
        self.model: TreeData | None = None
        self.rights: EditRights | None = None  # what the user may change, per node
        self._rights: EditRights | None = None  # the same, for objectives only
        self.kpi_warnings: dict[int, list[KpiWarning]] = {}  # objective id → early warnings
        self.shown: Shown | None = None  # what the filter shows
        self._reader: TreeReader | None = None  # used in workers only, under _lock
        self._lock = threading.Lock()
        self._history: list[CheckInRow] = []  # the check-ins the detail pane shows
        self._history_of: int | None = None  # of this KR
        self._target: NodeRef | None = None  # where reveal is taking the cursor
        self._check_in_on: NodeRef | None = None  # then check it in (from the palette)
        self._before_filter: set[str] = set()
        self._after_move_due = False  # see _highlighted
        self._detail_failed = False  # the detail pane shows a database error: fill it again

    @property
    def okr_tree(self) -> OkrTree:
        return self.query_one(OkrTree)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys the user may not use on the selected item show disabled (store/domain/rights.py).

        A closed period is read-only: every editing key shows disabled.
        """
        if self.holding(action):  # a dialog is on its way: its keys must not act here
            return False
        if action == "toggle_details":  # only a narrow terminal hides the detail pane
            return self.has_class("-narrow")
        if action == "comment":  # anyone may comment, in any period, on what is selected
            return True if self.selected() is not None else None
        period = self.okr_app.period
        if period is not None and period.state == PeriodState.CLOSED and action in EDIT_ACTIONS:
            return None
        ref, objective = self.selected(), self._selected_objective()
        return tree_action_allowed(self.rights, ref.kind if ref else None,
                                   ref.id if ref else None, objective.id if objective else None,
                                   action)  # fmt: skip

    def on_key(self, event: events.Key) -> None:
        """Hold keys for a dialog on its way; an editing key that is disabled says why."""
        if self.hold_for(event) or not isinstance(self.focused, OkrTree):
            return
        binding = self.active_bindings.get(event.key)
        if binding is None or binding.enabled or binding.binding.action not in EDIT_ACTIONS:
            return
        event.stop()
        why = why_disabled(self.okr_app.period, self._selected_objective(), self._selected_kr())
        self.notify(why, title="Not yours to change", severity="warning")

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Vertical(id="left"):
            yield Input(placeholder="filter: text in titles, owners, refs", id="filter")
            yield Static(id="mode-line")
            yield OkrTree("objectives", id="tree")
            yield Static(id="welcome")
        yield DetailPane(id="detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        tree = self.okr_tree
        tree.show_root = False
        tree.guide_depth = 3
        self.query_one("#filter", Input).display = False
        self.reload()
        tree.focus()
        self.watch(self.app, "period", self._period_changed, init=False)

    def _period_changed(self) -> None:
        self.okr_tree.show(None)
        self.reload()
        self.refresh_bindings()

    def show_period(self) -> None:
        """Show the app's (newly chosen) period from the top."""
        self._period_changed()

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW_WIDTH
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            if not narrow:
                self._show_details(False)
            self.refresh_bindings()

    def action_toggle_details(self) -> None:
        self._show_details(not self.has_class("-details"))

    def _show_details(self, show: bool) -> None:
        """On a narrow terminal the detail pane takes the tree's place until i or escape."""
        self.set_class(show, "-details")
        (self.query_one(DetailPane) if show else self.okr_tree).focus()

    # --- reading (workers) -----------------------------------------------------------

    def reload(self, select: NodeRef | None = None) -> None:
        """Re-read the tree in a worker and redraw, keeping the cursor and expansions."""
        period = self.okr_app.period
        if period is None:
            if not self.okr_app.period_known:
                return  # read at start in a worker: this screen is told once it is known
            self.model = None
            self._show(select)
            return
        expanded = self.okr_tree.expanded_keys() if self.model else None
        loaded = tuple(self.model.rows) if self.model else ()  # read again: what is shown
        whole = bool(self.text_filter or self.mode != "all")
        self._read_tree(period.id, select, expanded, loaded, whole)

    def on_database_changed(self, _event: DatabaseChanged) -> None:
        """Someone wrote (maybe in another session): re-read, keeping cursor and expansions;
        the lines are rebuilt only when what they show changed."""
        self.reload()

    @work(thread=True, exclusive=True, group="tree-read", exit_on_error=False)
    def _read_tree(
        self, period_id: int, select: NodeRef | None, expanded: set[str] | None,
        loaded: tuple[int, ...], whole: bool,
    ) -> None:  # fmt: skip
        app, shown = self.okr_app, self.model  # (the UI thread only adds rows to it)
        try:
            reader = TreeReader(app.db, period_id, app.thresholds)
            outline = reader.outline()
            if whole:
                rows = dict(reader.everything().objectives)
            else:
                opened = {int(k.split(":")[1]) for k in expanded or () if k[0] == "o"}
                opened |= set(outline.roots) if expanded is None else set()
                heads = outline.objectives
                wanted = [*outline.roots, *(c for o in opened if o in heads
                                            for c in heads[o].children)]  # fmt: skip
                wanted += [o for o in loaded if o in heads]
                rows = reader.rows([*wanted, *_path(reader, select)[1]])
            people = {o.id: (o.owner, *o.collaborators) for o in outline.objectives.values()}
            parents = {o.id: o.parent_id for o in outline.objectives.values()}
            user = app.username
            rights = rights_in(user, is_admin(app.db, user), parents, people, {})
            warnings = objective_kpi_warnings(app.db, period_id)
        except DatabaseError as exc:
            self.post_message(ReadFailed(str(exc), "tree"))
            return
        same = (shown is not None and shown.outline == outline and set(warnings) == shown.warned
                and all(shown.rows.get(o) == row for o, row in rows.items()))  # fmt: skip
        data = (
            None
            if same
            else TreeData(
                outline,
                rows,
                frozenset(warnings),
                self.okr_app.today(),
                self.okr_app.ctx.settings.reminders.stale_after_days,
            )
        )
        if not get_current_worker().is_cancelled:
            self.post_message(TreeRead(reader, data, rights, warnings, select))

    def on_tree_read(self, message: TreeRead) -> None:
        self._reader, self._rights, self.kpi_warnings = (
            message.reader,
            message.rights,
            message.warnings,
        )
        if message.data is not None or message.select is not None:
            if message.data is not None:
                self.model = message.data
            self._show(message.select)
        elif self._detail_failed:
            self._show_detail()
        self._update_rights()
        self.call_after_refresh(self.refresh_bindings)  # after the frame with the data
        self.call_after_refresh(self.okr_app.warm_up)

    def _update_rights(self) -> None:
        """Rights over the KRs read so far: their own owner's, or their objective's editors'
        (store/domain/rights.py ``rights_in``), worked out from the rows, with no query."""
        base, model, user = self._rights, self.model, self.okr_app.username
        if base is None or model is None:
            self.rights = base
            return
        krs = frozenset(kr.id for row in model.rows.values() for kr in row.key_results
                        if kr.owner == user or row.id in base.objectives)  # fmt: skip
        self.rights = EditRights(base.admin, base.objectives, krs, base.held)

    def on_read_failed(self, message: ReadFailed) -> None:
        """A lost or busy database: say so and have the live updates try again soon."""
        if message.where == "tree":
            self.notify(message.error, severity="error")
        else:
            self.query_one(DetailPane).show_text(plain(message.error, style="red"))
            self._detail_failed = True
        self.okr_app.reread_soon()

    @on(OkrTree.RowsWanted)
    def _rows_wanted(self, message: OkrTree.RowsWanted) -> None:
        if self._reader is not None:
            self._read_rows(self._reader, message.oids)

    @work(thread=True, group="tree-rows", exit_on_error=False)
    def _read_rows(
        self, reader: TreeReader, oids: tuple[int, ...], reveal: NodeRef | None = None,
        check_in: bool = False,
    ) -> None:  # fmt: skip
        try:
            with self._lock:
                oid, path = _path(reader, reveal)
                rows = reader.rows([*oids, *path])
        except DatabaseError as exc:
            self.post_message(ReadFailed(str(exc), "tree"))
            return
        self.post_message(RowsRead(reader, rows, reveal, oid, check_in))

    def on_rows_read(self, message: RowsRead) -> None:
        if message.reader is not self._reader or self.model is None:
            if message.reveal is not None:  # read for a tree since replaced: again
                self.reveal(message.reveal, check_in=message.check_in)
            return
        self.okr_tree.add_rows(message.rows)
        self._update_rights()
        if message.reveal is not None:
            self._land(message.reveal, message.objective_id)
        ref = self.selected()
        if ref is not None and ref.kind == "objective" and ref.id in message.rows:
            self._show_detail()
        self.call_after_refresh(self.refresh_bindings)

    # --- showing --------------------------------------------------------------------------

    def _show(self, select: NodeRef | None = None) -> None:
        """Rebuild the lines from the rows read (no query: a filter needing rows not read
        yet re-reads the whole tree first)."""
        model, tree = self.model, self.okr_tree
        if model is not None and (self.text_filter or self.mode != "all") and not model.complete:
            self.reload(select)
            return
        cursor = select or self._target or (tree.cursor_node.data if tree.cursor_node else None)
        first_time = not tree.nodes
        expanded = self._before_filter if self._restoring else tree.expanded_keys()
        self._restoring = False
        if model is None or not model.objectives:
            tree.show(None)
            return self._show_empty()
        self.shown = shown = shown_by(model, self.text_filter, self.mode, self.okr_app.username)
        expand: Literal["all", "roots", "none"] = (
            "all" if self.text_filter else "roots" if first_time else "none"
        )
        tree.show(model, visible=shown.visible, kr_shown=shown.shows_kr, expanded=expanded,
                  expand=expand)  # fmt: skip
        if not tree.root.children:  # a filter hides everything: say so, not a stale detail
            return self._show_empty()
        self.query_one("#welcome", Static).display = False
        tree.display = True
        self._update_mode_line(shown.visible)
        if cursor is not None:
            self.reveal(cursor)
        self.call_after_refresh(self._cursor_somewhere)
        self.call_after_refresh(self._show_detail)
        return None

    _restoring = False  # the next _show re-expands what was open before the filter

    def _cursor_somewhere(self) -> None:
        """A tree with lines always has a cursor (after a filter that matched nothing, or a
        deleted item, it had none: the detail pane and the keys had nothing to act on)."""
        tree = self.okr_tree
        if tree.cursor_line < 0 and tree.root.children:
            tree.cursor_line = 0

    def show_item(self, ref: NodeRef, *, check_in: bool = False) -> None:
        """Put the cursor on an objective or KR (from the palette), optionally checking it in."""
        self.action_clear_filter()  # the item may be hidden by a filter
        self.text_filter = ""  # now, not when the cleared box reports it
        self.mode = "all"
        self.reveal(ref, check_in=check_in)

    def reveal(self, ref: NodeRef, *, check_in: bool = False) -> None:
        """Expand the path to ``ref`` and put the cursor on it: now when its rows are read,
        else once a worker has read them."""
        self._target = ref
        if check_in or ref != self._check_in_on:
            self._check_in_on = ref if check_in else None
        model = self.model
        kr = model.key_result(ref.id) if model and ref.kind == "kr" else None
        oid = kr.objective_id if kr is not None else ref.id if ref.kind == "objective" else None
        chain = []
        while model is not None and oid is not None and oid in model.objectives:
            chain.append(oid)
            oid = model.objectives[oid].parent_id
        if chain and model is not None and not model.missing(chain):
            self._land(ref, chain[0])
        elif self._reader is not None:
            self._read_rows(self._reader, (), ref, check_in)

    def _land(self, ref: NodeRef, objective_id: int | None) -> None:
        self.okr_tree.reveal(ref, objective_id)  # moves the cursor after the next refresh
        self.call_after_refresh(lambda: self.call_after_refresh(self._arrived, ref))

    def _show_empty(self) -> None:
        """Say what to do where the tree would be (the detail pane may be hidden)."""
        period = self.okr_app.period
        if period is None:
            text = "There is no period yet. Run `okrtui init`, or press p."
        elif self.text_filter or self.mode != "all":
            text = "Nothing matches the filter. Press escape to clear it, f to show all."
        else:
            text = f"{period.name} has no objectives yet. Press n to create the first one."
        self.query_one(DetailPane).show_text(plain(text))
        welcome = self.query_one("#welcome", Static)
        welcome.update(plain(f"{text}\n\n{WELCOME_KEYS}", multiline=True))
        welcome.display = True
        self.okr_tree.display = False
        self._update_mode_line(None)

    def _update_mode_line(self, visible: set[int] | None) -> None:
        parts = {"all": "all objectives", "mine": "mine", "team": "my teams"}[self.mode]
        text = f"showing {parts}"
        period = self.okr_app.period
        if period is not None and period.state == PeriodState.CLOSED:
            text = f"{period.name} is closed: read-only · {text}"
        if self.text_filter:
            text += f' matching "{self.text_filter}"'
        if self.model is not None:
            total = len(self.model.objectives)
            text += f" · {len(visible) if visible is not None else total} of {total}"
        self.query_one("#mode-line", Static).update(plain(text, style="dim"))

    # --- filtering ----------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.text_filter = event.value.strip()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.okr_tree.focus()

    def watch_text_filter(self, old: str, new: str) -> None:
        # Filtering expands every match; clearing it returns to what was open before.
        if new and not old:
            self._before_filter = self.okr_tree.expanded_keys()
        self._restoring = bool(old and not new)
        self._show()

    def action_clear_filter(self) -> None:
        if self.has_class("-details"):  # escape first leaves the detail pane
            self._show_details(False)
            return
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
        box.display = False
        self.okr_tree.focus()

    def action_cycle_mode(self) -> None:
        self.mode = FILTER_MODES[(FILTER_MODES.index(self.mode) + 1) % len(FILTER_MODES)]

    def watch_mode(self) -> None:
        self._show()

    # --- detail pane ----------------------------------------------------------------------

    def selected(self) -> NodeRef | None:
        node = self.okr_tree.cursor_node
        return node.data if node is not None else None

    @on(OkrTree.NodeHighlighted)
    def _highlighted(self) -> None:
        """The cursor's own frame first; the detail pane and the footer follow in the next
        one, once per burst of moves: holding ``j`` reads only where the cursor stops."""
        if not self._after_move_due:
            self._after_move_due = True
            self.call_after_refresh(self._after_move)

    def _arrived(self, ref: NodeRef | None = None) -> None:
        """After ``reveal(ref)`` landed (``ref`` None: after any cursor move): check the
        item in if the palette asked for it and the cursor is on it."""
        if ref is not None and self._target == ref:
            self._target = None
        if self._check_in_on is not None and self._check_in_on == self.selected():
            self._check_in_on = None
            self.action_check_in()

    def _after_move(self) -> None:
        self._after_move_due = False
        self._arrived()
        self._show_detail()
        self.refresh_bindings()  # the keys follow the selection; the footer repaints on change

    def watch_explain(self) -> None:
        self._show_detail()

    def action_toggle_explain(self) -> None:
        self.explain = not self.explain

    def watch_burnup(self) -> None:
        self._show_detail()

    def action_toggle_burnup(self) -> None:
        """The burn-up chart on or off; on a narrow terminal it opens the detail pane too."""
        self.burnup = not self.burnup
        if self.burnup and self.has_class("-narrow") and not self.has_class("-details"):
            self._show_details(True)

    def _show_detail(self) -> None:
        """Fill the detail pane from a worker's read (what it needs beyond the tree's rows:
        an objective's grade and children, a KR's check-ins)."""
        ref, reader, period = self.selected(), self._reader, self.okr_app.period
        if ref is not None and reader is not None and self.model is not None:
            chart = period if self.burnup else None
            self._read_detail(ref, reader, chart, self.okr_app.today())

    @work(thread=True, exclusive=True, group="tree-detail", exit_on_error=False)
    def _read_detail(
        self, ref: NodeRef, reader: TreeReader, chart: PeriodRow | None, today: date
    ) -> None:
        """What the detail pane shows of ``ref``; with ``chart`` (the period on show) its
        burn-up series too."""
        db, kr = self.okr_app.db, self.model.key_result(ref.id) if self.model else None
        history: list[CheckInRow] = []
        events: list[CheckInEvent] = []
        rows: dict[int, ObjectiveRow] = {}
        outcome, burn = None, None
        try:
            comments = thread(db, "objective" if ref.kind == "objective" else "key_result", ref.id)
            if ref.kind == "objective":
                with self._lock:
                    heads = reader.outline().objectives
                    if ref.id in heads:
                        rows = reader.rows([ref.id, *heads[ref.id].children])
                outcome = objective_outcome(db, ref.id)
                if chart is not None and ref.id in rows:
                    burn = objective_chart(db, rows[ref.id], chart, today)
            elif kr is not None:
                from store.write.corrections import (
                    check_in_events,  # imports the ORM: not for 1st frame
                )

                history = kr_history(db, kr.id)
                events = check_in_events(db, kr.id)
                if chart is not None:
                    burn = kr_chart(db, kr, chart, today)
        except DatabaseError as exc:
            self.post_message(ReadFailed(str(exc), "detail"))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(DetailRead(ref, reader, rows, outcome, history, events, comments,
                                         chart is not None, burn))  # fmt: skip

    def on_detail_read(self, message: DetailRead) -> None:
        model, period, pane = self.model, self.okr_app.period, self.query_one(DetailPane)
        if message.ref != self.selected() or model is None or period is None:
            return
        if message.reader is self._reader:
            self.okr_tree.add_rows(message.rows)
            self._update_rights()
        self._detail_failed, today = False, self.okr_app.today()
        if message.ref.kind == "objective":
            row = message.rows.get(message.ref.id)
            if row is not None:
                children = [message.rows[c] for c in row.children if c in message.rows]
                reasons = [w.reason for w in self.kpi_warnings.get(row.id, [])]
                pane.show_objective(objective_detail(row, children, period, today, self.explain,
                                                     reasons, message.outcome))  # fmt: skip
                pane.show_comments(message.comments, f"O-{row.id}")
                self._show_chart(pane, message, row.ref, row.title)
            return
        kr = model.key_result(message.ref.id)
        objective = model.row(kr.objective_id) if kr is not None else None
        if kr is None or objective is None:
            return
        self._history, self._history_of = message.history, kr.id
        points = [(r.created_at, r.value) for r in message.history]
        projected = forecast(points, period.ends_on, period.starts_on) if points else None
        body = kr_detail(kr, objective, period, today, projected)
        values = [v for _, v in points][-self.okr_app.sparkline_length :]
        pane.show_key_result(body, values, history_rows(message.history, message.events, kr.unit))
        pane.show_comments(message.comments, kr.ref)
        self._show_chart(pane, message, kr.ref, kr.title)

    def _show_chart(self, pane: DetailPane, message: DetailRead, ref: str, title: str) -> None:
        """The burn-up chart above the details, when it was read with them."""
        if not message.chart:
            pane.show_burnup(None)
        elif message.burn is None:
            pane.show_burnup(chart_title(ref, title, NO_KEY_RESULTS))
        elif not message.burn.points:
            pane.show_burnup(chart_title(ref, title, "no check-ins yet"), message.burn)
        else:
            pane.show_burnup(chart_title(ref, title), message.burn)
        if message.chart:
            pane.scroll_home(animate=False)
