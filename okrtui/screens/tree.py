"""The alignment tree: the home screen, with a detail pane and every editing key."""

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Literal, NamedTuple, cast

from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Input, Sparkline, Static, Tree
from textual.widgets.tree import TreeNode
from textual.worker import Worker

from okrtui.live import DatabaseChanged
from okrtui.screens.access import tree_action_allowed
from okrtui.screens.format import local_date
from okrtui.screens.labels import (
    ObjectiveReview,
    kr_detail,
    kr_label,
    objective_detail,
    objective_label,
)
from store.db.database import Database
from store.domain.pace import forecast
from store.domain.rights import EditRights
from store.errors import DatabaseError, DomainError
from store.format import format_number
from store.model.enums import PeriodState
from store.queries import CheckInRow, KrRow, ObjectiveRow, TreeModel, kr_history, load_tree
from store.read.kpi_warnings import KpiWarning, objective_kpi_warnings
from store.read.rights import tree_rights
from widgets.footer import KeyFooter
from widgets.text import plain
from widgets.title import TitleBar

if TYPE_CHECKING:
    from okrtui.app import OkrApp

FilterMode = Literal["all", "mine", "team"]
# Keys that write; all disabled while a closed period is on show.
EDIT_ACTIONS = frozenset({"new_objective", "add_kr", "edit", "move", "delete", "check_in",
                          "correct_check_in", "remove_check_in"})  # fmt: skip
FILTER_MODES: tuple[FilterMode, ...] = ("all", "mine", "team")


OBJECTIVE_REVIEW = (
    "SELECT o.grade, o.retro_note, src.id, src.title, p.name FROM objective o "
    "LEFT JOIN objective src ON src.id = o.rolled_from_id "
    "LEFT JOIN period p ON p.id = src.period_id WHERE o.id = :oid"
)


def objective_review(db: Database, objective_id: int) -> ObjectiveReview | None:
    """The final grade, retro note and roll-over origin of an objective (the tree's rows
    carry none of them: read only for the objective in the detail pane)."""
    with db.plain_read() as fetch:
        rows = fetch(OBJECTIVE_REVIEW, {"oid": objective_id})
    if not rows:
        return None
    grade, note, source_id, source_title, source_period = rows[0]
    origin = None
    if isinstance(source_id, int):
        origin = f"O-{source_id} “{source_title}” ({source_period})"
    number = grade if isinstance(grade, (int, float)) else None
    return ObjectiveReview(number, note if isinstance(note, str) else "", origin)


def opens_screen(action: Callable[..., object]) -> Callable[..., object]:
    """Mark a worker action that pushes a screen: keys typed before that screen is up are
    held and replayed into it (see :meth:`TreeScreen.hold_keys`)."""

    def start(self: "TreeScreen", *args: object, **kwargs: object) -> object:
        if not self._opening:  # (from the palette; a key already started holding)
            self.hold_keys()
        self._opening_for = ""  # this one runs; a second one waits for the dialog
        return action(self, *args, **kwargs)

    start.__name__, start.__doc__ = action.__name__, action.__doc__
    OPENING_ACTIONS.add(action.__name__.removeprefix("action_"))
    return start


OPENING_ACTIONS: set[str] = set()  # the tree's actions that open a dialog (@opens_screen)


class NodeRef(NamedTuple):
    """What a tree node stands for: an objective or a key result, by id.

    A tuple of a string and an int, which the garbage collector stops tracking: a
    fully expanded tree holds 40,000 of them, and every full collection walks every
    tracked object (a frozen dataclass is two tracked objects each).
    """

    kind: Literal["objective", "kr"]
    id: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


LAZY_LABEL = Text("")
NARROW_WIDTH = 100  # below it the detail pane is hidden behind i (the tree needs ~60)
WELCOME_KEYS = (
    "n  new objective     ?  every key\n"
    "K  KPIs              P  periods\n"
    "w  weekly check-in   q  quit"
)
UNAVAILABLE_LABEL = Text("… (database unavailable, retrying)", style="dim")
"""The label every node is created with; :meth:`OkrTree.render_label` builds the real one."""


class OkrTree(Tree[NodeRef]):
    """The alignment tree widget; children are added when a node is first expanded.

    | Key | Action |
    | --- | --- |
    | up/down, j/k | Move the cursor |
    | enter, space | Expand or collapse |
    | left/right | Parent / expand |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("right,l", "expand_node", "Expand", show=False),
        Binding("left,h", "collapse_or_parent", "Parent", show=False),
    ]

    labeller: Callable[[TreeNode[NodeRef]], Text] | None = None
    """Builds a node's label when it is drawn (set by the screen, which has the model)."""

    def process_label(self, label: str | Text) -> Text:
        return label if label is LAZY_LABEL else super().process_label(label)

    def render_label(self, node: TreeNode[NodeRef], base_style: Style, style: Style) -> Text:
        """Labels are built when drawn, from the screen's read model: a 40,000-node tree
        then holds one shared placeholder instead of 40,000 styled texts, and only the
        lines on screen are ever formatted (and scored)."""
        if node._label is not LAZY_LABEL or self.labeller is None:
            return super().render_label(node, base_style, style)
        node._label = self.labeller(node)  # drawn by Textual's own code (icon, toggle)
        try:
            return super().render_label(node, base_style, style)
        finally:
            node._label = LAZY_LABEL

    def get_label_width(self, node: TreeNode[NodeRef]) -> int:
        """No label is measured: they are cut to fit the tree's width when drawn (measuring
        every line on each expansion formatted all 40,000 labels)."""
        return 0 if node._label is LAZY_LABEL else super().get_label_width(node)

    def action_expand_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            node.expand()

    def move_cursor_to(self, node: TreeNode[NodeRef]) -> None:
        """``move_cursor`` once line numbers are current: right after ``clear()`` and new
        nodes they are stale, and a stale -1 would put the cursor on the first line."""
        if self.last_line >= 0:  # reading it rebuilds the lines
            self.move_cursor(node)

    def action_collapse_or_parent(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded:
            node.collapse()
        elif node.parent is not None and not node.parent.is_root:
            self.move_cursor(node.parent)


class HistoryTable(DataTable[object]):
    """A KR's check-ins in the detail pane; its author corrects (e) or removes (d) one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "screen.correct_check_in", "Correct check-in", id="correct_check_in"),
        Binding("d", "screen.remove_check_in", "Remove check-in", id="remove_check_in"),
        Binding("enter", "screen.view_note", "Read note", id="view_note"),
    ]

    def selected_check_in(self) -> int | None:
        """The check-in id under the cursor (None on a removed one, or when empty)."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key and key.isdigit() else None


class TreeScreen(Screen[None]):
    """Objectives aligned company → team → personal, KRs as leaves, details beside."""

    FOOTER_ESSENTIAL = frozenset({"toggle_details"})  # the narrow footer keeps i Details
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
        Binding("i", "toggle_details", "Details", id="toggle_details"),
        Binding("x", "toggle_explain", "Explain", show=False, id="toggle_explain"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter"),
    ]

    mode: reactive[FilterMode] = reactive("all", init=False)
    text_filter: reactive[str] = reactive("", init=False)
    explain: reactive[bool] = reactive(False, init=False)

    def __init__(self) -> None:
        super().__init__()
        self.model: TreeModel | None = None
        self._tree_nodes: dict[str, TreeNode[NodeRef]] = {}
        self._visible: set[int] | None = None
        self._matched: set[int] = set()
        self._before_filter: set[str] = set()
        self.rights: EditRights | None = None  # what the user may change, per node
        self._history: list[CheckInRow] = []
        self.kpi_warnings: dict[int, list[KpiWarning]] = {}  # objective id → early warnings
        self._after_move_due = False  # see _highlighted
        self._labels: dict[tuple[int, int], Text] = {}  # (node id, tree width): node_label
        self._detail_failed = False  # the detail pane shows a database error: fill it again
        self._opening = False  # a worker is about to push a screen: keys are held
        self._opening_for = ""  # the action whose key started holding (it still runs)
        self._held: list[tuple[str, str | None]] = []

    @property
    def okr_app(self) -> "OkrApp":
        return cast("OkrApp", self.app)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys the user may not use on the selected item show disabled (store/domain/rights.py).

        A closed period is read-only: every editing key shows disabled.
        """
        if self._opening and action != self._opening_for:  # a dialog is on its way:
            return False  # its keys must not act here
        if action == "toggle_details":  # only a narrow terminal hides the detail pane
            return self.has_class("-narrow")
        period = self.okr_app.period
        if period is not None and period.state == PeriodState.CLOSED and action in EDIT_ACTIONS:
            return None
        ref = self.selected()
        objective = self._selected_objective()
        return tree_action_allowed(self.rights, ref.kind if ref else None,
                                   ref.id if ref else None, objective.id if objective else None,
                                   action)  # fmt: skip

    # --- keys typed faster than a dialog opens ---------------------------------------

    def hold_keys(self) -> None:
        """From now until the dialog a worker pushes is up, keep keys for it.

        The dialogs open from workers, which start after the key that asked for them is
        handled: keys sent in a burst were handled here first (``nps`` opened New objective
        and then the period picker). Held keys are replayed once the dialog is on screen
        (or here, when the worker ends without one).
        """
        self._opening = True
        self._held = []

    def _release_keys(self) -> None:
        if not self._opening:
            return
        self._opening = False
        held, self._held = self._held, []
        self.refresh_bindings()
        if held:
            self.app.call_after_refresh(self._replay, held)

    def _replay(self, held: list[tuple[str, str | None]], tries: int = 50) -> None:
        """Send the held keys once the screen on top has its focus (a dialog focuses its
        first field when mounted: keys before that would reach no field)."""
        screen = self.app.screen
        if screen is not self and screen.focused is None and tries > 0:
            self.app.call_after_refresh(self._replay, held, tries - 1)
            return
        for key, character in held:
            self.app.post_message(events.Key(key, character))

    def on_screen_suspend(self) -> None:
        self._release_keys()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.is_finished:
            self._release_keys()

    def on_key(self, event: events.Key) -> None:
        """An editing key that is disabled says why, instead of doing nothing."""
        if self._opening:
            self._held.append((event.key, event.character))
            event.stop()
            event.prevent_default()
            return
        # Keys reach here in order, but the app runs a key's binding only after the keys
        # behind it have bubbled up to here: start holding as soon as a key that opens
        # a dialog passes, not when its action runs.
        binding = self.active_bindings.get(event.key)
        action = binding.binding.action.removeprefix("screen.") if binding else ""
        if binding is not None and binding.enabled and action in OPENING_ACTIONS:
            self.hold_keys()
            self._opening_for = action
            return
        if not isinstance(self.focused, OkrTree):
            return
        active = self.active_bindings.get(event.key)
        if active is None or active.enabled or active.binding.action not in EDIT_ACTIONS:
            return
        event.stop()
        self.notify(self.why_disabled(), title="Not yours to change", severity="warning")

    def why_disabled(self) -> str:
        """Why the selected item may not be changed (closed period, or someone else's)."""
        period = self.okr_app.period
        if period is not None and period.state == PeriodState.CLOSED:
            return f"{period.name} is closed: its objectives and key results are read-only"
        objective, ref = self._selected_objective(), self.selected()
        if objective is None or ref is None:
            return "select an objective or a key result first"
        who = [f"its owner @{objective.owner}"]
        if objective.collaborators:
            who.append("collaborators " + ", ".join(f"@{c}" for c in objective.collaborators))
        kr = self.model.key_result(ref.id) if self.model and ref.kind == "kr" else None
        what = kr.ref if kr is not None else objective.ref
        if kr is not None and kr.owner and kr.owner != objective.owner:
            who.insert(0, f"the key result's owner @{kr.owner}")
        return (
            f"{what} (of {objective.ref}) may be changed by {', '.join(who)}, the owners of "
            "the objectives above it and admins"
        )

    def on_database_changed(self, _event: DatabaseChanged) -> None:
        """Someone wrote (maybe in another session): re-read, keeping cursor and expansions.

        The tree is rebuilt only when what it shows changed (not after our own writes,
        which already reloaded it); rights are re-read either way (an admin was added).
        """
        period, db = self.okr_app.period, self.okr_app.db
        if period is None or self.model is None:
            return self.reload()
        try:
            fresh = load_tree(db, period.id, self.okr_app.thresholds)
            if not self.model.same_as_read(fresh):  # not ==: that would read every KR of both
                return self.reload()
            self.rights = tree_rights(db, self.okr_app.username, fresh)
        except DatabaseError:
            self.okr_app.reread_soon()  # a busy or unreadable database: try again soon
            return None
        self.refresh_bindings()
        if self._detail_failed:
            self._show_detail()
        return None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Vertical(id="left"):
            yield Input(placeholder="filter: text in titles, owners, refs", id="filter")
            yield Static(id="mode-line")
            yield OkrTree("objectives", id="tree")
            yield Static(id="welcome")
        with VerticalScroll(id="detail"):
            yield Static(id="detail-body")
            yield Sparkline([], id="spark")
            yield HistoryTable(id="history", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        tree = self.query_one(OkrTree)
        tree.show_root = False
        tree.guide_depth = 3
        tree.labeller = self.node_label
        self.query_one("#filter", Input).display = False
        history = self.query_one("#history", DataTable)
        history.add_columns("Date", "Value", "Confidence", "Note", "Author")
        self.reload()
        tree.focus()
        self.watch(self.app, "period", self._period_changed, init=False)

    def _period_changed(self) -> None:
        self.show_period()
        self.refresh_bindings()

    # --- loading ------------------------------------------------------------------

    def reload(self, select: NodeRef | None = None) -> None:
        """Re-read the tree (three queries) and redraw, keeping the cursor and expansions."""
        period = self.okr_app.period
        if period is None:
            self.model = None
            self._rebuild(select)
            return
        try:  # all three or none: a model without its rebuild would leave stale lines
            model = load_tree(self.okr_app.db, period.id, self.okr_app.thresholds)
            rights = tree_rights(self.okr_app.db, self.okr_app.username, model)
            warnings = objective_kpi_warnings(self.okr_app.db, period.id)
        except DatabaseError as exc:
            self.notify(str(exc), severity="error")
            self.okr_app.reread_soon()
            return
        self.model, self.rights, self.kpi_warnings = model, rights, warnings
        try:  # a filter and the first lines read objectives' KRs
            self._compute_visible()
            self._rebuild(select)
        except DatabaseError as exc:
            self.notify(str(exc), severity="error")
            self.okr_app.reread_soon()

    def _expanded_keys(self) -> set[str]:
        return {k for k, n in self._tree_nodes.items() if n.is_expanded}

    def _rebuild(self, select: NodeRef | None, expanded: set[str] | None = None) -> None:
        tree = self.query_one(OkrTree)
        cursor = select or (tree.cursor_node.data if tree.cursor_node else None)
        if expanded is None:
            expanded = self._expanded_keys()
        first_time = not self._tree_nodes
        tree.clear()
        self._labels.clear()
        self._tree_nodes = {}
        model = self.model
        if model is None or not model.objectives:
            self._show_empty()
            return
        self.query_one("#welcome", Static).display = False
        tree.display = True
        with tree.prevent(Tree.NodeExpanded):
            for oid in model.roots:
                if self._shows(oid):
                    self._add_objective(tree.root, model.objectives[oid])
            self._restore(expanded, first_time or bool(self.text_filter))
        if not tree.root.children:  # a filter hides everything: say so, not a stale detail
            self._show_empty()
            return
        self._update_mode_line()
        if cursor is not None:
            self._reveal(cursor)
        self.call_after_refresh(self._cursor_somewhere)
        self.call_after_refresh(self._show_detail)

    def _cursor_somewhere(self) -> None:
        """A tree with lines always has a cursor (after a filter that matched nothing, or a
        deleted item, it had none: the detail pane and the keys had nothing to act on)."""
        tree = self.query_one(OkrTree)
        if tree.cursor_line < 0 and tree.root.children:
            tree.cursor_line = 0

    def _restore(self, expanded: set[str], expand_default: bool) -> None:
        """Re-expand what was open (or the top levels on first show / everything matched)."""
        queue = list(self.query_one(OkrTree).root.children)
        while queue:
            node = queue.pop(0)
            ref = node.data
            if ref is None or ref.kind != "objective":
                continue
            row = self.model.objectives[ref.id] if self.model else None
            default = expand_default and (bool(self.text_filter) or row is None or row.parent_id
                                          is None)  # fmt: skip
            if ref.key in expanded or default:
                self._populate(node)
                node.expand()
                queue.extend(node.children)

    def _shows(self, oid: int) -> bool:
        return self._visible is None or oid in self._visible

    def _add_objective(self, parent: TreeNode[NodeRef], row: ObjectiveRow) -> TreeNode[NodeRef]:
        ref = NodeRef("objective", row.id)
        has_children = bool(row.key_results or row.children)
        node = parent.add(LAZY_LABEL, ref, allow_expand=has_children)
        self._tree_nodes[ref.key] = node
        return node

    def node_label(self, node: TreeNode[NodeRef]) -> Text:
        """A node's label as drawn now: bar, score, reference, title cut to the room left
        at its depth, and markers (``OkrTree.render_label`` calls this; the tree copies it,
        callers must not change it). Kept until the tree is rebuilt: a cursor move redraws
        two lines, and their labels have not changed."""
        width = node.tree.size.width or 72
        label = self._labels.get((node.id, width))
        if label is None:
            if len(self._labels) > 4096:
                self._labels.clear()
            try:
                label = self._make_label(node, width)
            except DatabaseError:  # an objective's KRs are read when first drawn
                self.okr_app.reread_soon()
                return UNAVAILABLE_LABEL  # not kept: drawn properly once it is back
            self._labels[node.id, width] = label
        return label

    def _make_label(self, node: TreeNode[NodeRef], tree_width: int) -> Text:
        ref, model = node.data, self.model
        row = model.objectives.get(ref.id) if model and ref and ref.kind == "objective" else None
        kr = model.key_result(ref.id) if model and ref and ref.kind == "kr" else None
        depth, parent = 0, node.parent
        while parent is not None and parent.parent is not None:
            depth, parent = depth + 1, parent.parent
        width = tree_width - 18 - 3 * depth
        if row is not None:
            return objective_label(row, width, row.id in self.kpi_warnings)
        if kr is not None:
            return kr_label(kr, width - 4)
        return Text("")  # a stale node between a re-read and the rebuild that follows

    def _populate(self, node: TreeNode[NodeRef]) -> None:
        """Add an objective node's KRs and child objectives (once)."""
        if node.children or self.model is None or node.data is None:
            return
        row = self.model.objectives[node.data.id]
        show_all_krs = not self.text_filter or row.id in self._matched
        for kr in row.key_results:
            if show_all_krs or self._kr_matches(kr):
                ref = NodeRef("kr", kr.id)
                self._tree_nodes[ref.key] = node.add_leaf(LAZY_LABEL, ref)
        for child in row.children:
            if self._shows(child):
                self._add_objective(node, self.model.objectives[child])

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[NodeRef]) -> None:
        self._populate(event.node)

    def _reveal(self, ref: NodeRef) -> None:
        """Expand the path to ``ref`` and put the cursor on it."""
        if self.model is None:
            return
        oid = ref.id if ref.kind == "objective" else self._objective_of(ref.id)
        chain: list[int] = []
        while oid is not None and oid in self.model.objectives:
            chain.append(oid)
            oid = self.model.objectives[oid].parent_id
        for ancestor in reversed(chain[1:] if ref.kind == "objective" else chain):
            node = self._tree_nodes.get(f"objective:{ancestor}")
            if node is not None:
                self._populate(node)
                node.expand()
        target = self._tree_nodes.get(ref.key)
        if target is not None:
            tree = self.query_one(OkrTree)
            self.call_after_refresh(tree.move_cursor_to, target)

    def _objective_of(self, kr_id: int) -> int | None:
        kr = self.model.key_result(kr_id) if self.model else None
        return kr.objective_id if kr else None

    def _show_empty(self) -> None:
        """Say what to do where the tree would be (the detail pane may be hidden)."""
        period = self.okr_app.period
        if period is None:
            text = "There is no period yet. Run `okrtui init`, or press p."
        elif self.text_filter or self.mode != "all":
            text = "Nothing matches the filter. Press escape to clear it, f to show all."
        else:
            text = f"{period.name} has no objectives yet. Press n to create the first one."
        self.query_one("#detail-body", Static).update(plain(text))
        welcome = self.query_one("#welcome", Static)
        welcome.update(plain(f"{text}\n\n{WELCOME_KEYS}", multiline=True))
        welcome.display = True
        self.query_one(OkrTree).display = False
        self._update_mode_line()

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
        if show:
            self.query_one("#detail", VerticalScroll).focus()
        else:
            self.query_one(OkrTree).focus()

    # --- filtering ----------------------------------------------------------------

    def _kr_matches(self, kr: KrRow) -> bool:
        needle = self.text_filter.lower()
        return bool(needle) and any(
            needle in s.lower() for s in (kr.title, kr.ref, kr.owner, kr.kpi_name or "")
        )

    def _objective_matches(self, row: ObjectiveRow) -> bool:
        needle = self.text_filter.lower()
        return any(needle in s.lower() for s in (row.title, row.ref, row.owner, row.team or "",
                                                  row.description))  # fmt: skip

    def _in_mode(self, row: ObjectiveRow, my_teams: set[str]) -> bool:
        user = self.okr_app.username
        if self.mode == "mine":
            return row.involves(user) or any(kr.owner == user for kr in row.key_results)
        if self.mode == "team":
            return row.team in my_teams or row.involves(user)
        return True

    def _compute_visible(self) -> None:
        """Which objectives show: matches of mode and text, plus their ancestors."""
        model = self.model
        if model is None or (self.mode == "all" and not self.text_filter):
            self._visible, self._matched = None, set()
            return
        user = self.okr_app.username
        my_teams = {r.team for r in model.objectives.values() if r.team and r.involves(user)}
        matched = set()
        for row in model.objectives.values():
            if not self._in_mode(row, my_teams):
                continue
            if (
                not self.text_filter
                or self._objective_matches(row)
                or any(self._kr_matches(kr) for kr in row.key_results)
            ):
                matched.add(row.id)
        visible = set(matched)
        for oid in matched:
            parent = model.objectives[oid].parent_id
            while parent is not None and parent not in visible and parent in model.objectives:
                visible.add(parent)
                parent = model.objectives[parent].parent_id
        self._visible = visible
        self._matched = {oid for oid in matched if self._objective_matches(model.objectives[oid])}

    def _update_mode_line(self) -> None:
        parts = {"all": "all objectives", "mine": "mine", "team": "my teams"}[self.mode]
        text = f"showing {parts}"
        period = self.okr_app.period
        if period is not None and period.state == PeriodState.CLOSED:
            text = f"{period.name} is closed: read-only · {text}"
        if self.text_filter:
            text += f' matching "{self.text_filter}"'
        if self.model is not None:
            shown = len(self._visible) if self._visible is not None else len(self.model.objectives)
            text += f" · {shown} of {len(self.model.objectives)}"
        self.query_one("#mode-line", Static).update(plain(text, style="dim"))

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.text_filter = event.value.strip()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(OkrTree).focus()

    def watch_text_filter(self, old: str, new: str) -> None:
        # Filtering expands every match; clearing it returns to what was open before.
        if new and not old:
            self._before_filter = self._expanded_keys()
        restore = self._before_filter if old and not new else None
        self._compute_visible()
        self._rebuild(None, restore)

    def action_clear_filter(self) -> None:
        if self.has_class("-details"):  # escape first leaves the detail pane
            self._show_details(False)
            return
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
        box.display = False
        self.query_one(OkrTree).focus()

    def action_cycle_mode(self) -> None:
        self.mode = FILTER_MODES[(FILTER_MODES.index(self.mode) + 1) % len(FILTER_MODES)]

    def watch_mode(self) -> None:
        self._compute_visible()
        self._rebuild(None)

    # --- detail pane --------------------------------------------------------------

    def selected(self) -> NodeRef | None:
        node = self.query_one(OkrTree).cursor_node
        return node.data if node is not None else None

    @on(Tree.NodeHighlighted)
    def _highlighted(self) -> None:
        """The cursor's own frame first; the detail pane (a query and a table) and the
        footer follow in the next one, once per burst of moves: holding ``j`` reads only
        the history where the cursor stops."""
        if not self._after_move_due:
            self._after_move_due = True
            self.call_after_refresh(self._after_move)

    def _after_move(self) -> None:
        self._after_move_due = False
        self._show_detail()
        self.refresh_bindings()  # the keys follow the selection; the footer repaints on change

    def watch_explain(self) -> None:
        self._show_detail()

    def action_toggle_explain(self) -> None:
        self.explain = not self.explain

    def _show_detail(self) -> None:
        """Fill the detail pane; a lost database says so there and is retried (the live
        updates re-read every screen when it is back)."""
        try:
            self._fill_detail()
        except DatabaseError as exc:
            self.query_one("#detail-body", Static).update(plain(str(exc), style="#ff5f5f"))
            self.query_one("#spark", Sparkline).display = False
            self.query_one("#history", DataTable).display = False
            self._detail_failed = True
            self.okr_app.reread_soon()
        else:
            self._detail_failed = False

    def _fill_detail(self) -> None:
        ref, model, period = self.selected(), self.model, self.okr_app.period
        body = self.query_one("#detail-body", Static)
        spark = self.query_one("#spark", Sparkline)
        history = self.query_one("#history", DataTable)
        if ref is None or model is None or period is None:
            spark.display = history.display = False
            return
        today = self.okr_app.today()
        if ref.kind == "objective":
            row = model.objectives.get(ref.id)
            if row is None:  # a stale cursor from before a period switch
                return
            children = [model.objectives[c] for c in row.children]
            reasons = [w.reason for w in self.kpi_warnings.get(row.id, [])]
            review = objective_review(self.okr_app.db, row.id)
            body.update(objective_detail(row, children, period, today, self.explain, reasons,
                                         review))  # fmt: skip
            spark.display = history.display = False
            return
        kr = model.key_result(ref.id)
        if kr is None:
            return
        rows = kr_history(self.okr_app.db, kr.id)
        self._history = rows
        points = [(r.created_at, r.value) for r in rows]
        projected = forecast(points, period.ends_on, period.starts_on) if points else None
        body.update(kr_detail(kr, model.objectives[kr.objective_id], period, today, projected))
        spark.data = [v for _, v in points][-self.okr_app.sparkline_length :]
        spark.display = len(points) > 1
        self._fill_history(history, kr, rows)

    def _fill_history(self, table: DataTable[object], kr: KrRow, rows: list[CheckInRow]) -> None:
        from okrtui.screens.format import history_rows
        from store.write.corrections import check_in_events

        events = check_in_events(self.okr_app.db, kr.id)
        table.clear()
        for key, cells in history_rows(rows, events, kr.unit):
            table.add_row(*cells, key=key)
        table.display = bool(rows or events)

    # --- editing ------------------------------------------------------------------

    def _selected_objective(self) -> ObjectiveRow | None:
        ref, model = self.selected(), self.model
        if ref is None or model is None:
            return None
        oid = ref.id if ref.kind == "objective" else self._objective_of(ref.id)
        return model.objectives.get(oid) if oid is not None else None

    def _run(self, action: str, fn: object, *args: object, **kwargs: object) -> object | None:
        """Call a service function; a refusal becomes a notification, nothing else happens."""
        try:
            return fn(self.okr_app.db, self.okr_app.username, *args, **kwargs)  # type: ignore[operator]
        except (DomainError, DatabaseError) as exc:
            self.notify(str(exc), title=f"{action} refused", severity="error", timeout=8)
            return None

    @opens_screen
    @work
    async def action_new_objective(self) -> None:
        from okrtui.screens.forms import ObjectiveForm

        period = self.okr_app.period
        if period is None:
            self.notify("there is no period to add objectives to", severity="error")
            return
        parent = self._selected_objective()
        result = await self.app.push_screen_wait(
            ObjectiveForm(self.okr_app, period_id=period.id, parent=parent)
        )
        if result is not None:
            self.notify(f"created O-{result}")
            self.reload(NodeRef("objective", result))

    @opens_screen
    @work
    async def action_add_kr(self) -> None:
        from okrtui.screens.forms import KeyResultForm

        objective = self._selected_objective()
        if objective is None:
            self.notify("select an objective first", severity="warning")
            return
        result = await self.app.push_screen_wait(KeyResultForm(self.okr_app, objective=objective))
        if result is not None:
            self.reload(NodeRef("kr", result))

    @opens_screen
    @work
    async def action_edit(self) -> None:
        from okrtui.screens.forms import KeyResultForm, ObjectiveForm

        ref, model = self.selected(), self.model
        if ref is None or model is None:
            return
        if ref.kind == "objective":
            row = model.objectives[ref.id]
            holds = self.rights is None or self.rights.control(row.id)
            result = await self.app.push_screen_wait(
                ObjectiveForm(self.okr_app, period_id=row.period_id, existing=row, holds=holds)
            )
        else:
            kr = model.key_result(ref.id)
            if kr is None:
                return
            objective = model.objectives[kr.objective_id]
            result = await self.app.push_screen_wait(
                KeyResultForm(self.okr_app, objective=objective, existing=kr)
            )
        if result is not None:
            self.reload(ref)

    @opens_screen
    @work
    async def action_move(self) -> None:
        from okrtui.screens.dialogs import PickDialog
        from store.write.objectives import move_objective

        ref, model = self.selected(), self.model
        if ref is None or model is None or ref.kind != "objective":
            self.notify("select an objective to move (key results stay with theirs)",
                        severity="warning")  # fmt: skip
            return
        row = model.objectives[ref.id]
        below = _descendants(model, row.id)  # a move under them would make a loop
        choices = [(None, "— top level (no parent) —")] + [
            (o.id, f"{o.ref}  {o.title}  @{o.owner}")
            for _, o in model.walk() if o.id != row.id and o.id not in below
        ]  # fmt: skip
        picked = await self.app.push_screen_wait(
            PickDialog(f"Align {row.ref} under…", choices, current=row.parent_id)
        )
        if picked is PickDialog.CANCELLED:
            return
        if self._run("Move", move_objective, row.id, picked) is not None:
            where = "the top level" if picked is None else f"O-{picked}"
            self.notify(f"{row.ref} now aligned under {where}")
            self.reload(ref)

    @opens_screen
    @work
    async def action_delete(self) -> None:
        from okrtui.screens.dialogs import ConfirmDialog
        from store.write.key_results import delete_key_result
        from store.write.objectives import delete_objective, preview_delete_objective

        ref, model = self.selected(), self.model
        if ref is None or model is None:
            return
        if ref.kind == "objective":
            row = model.objectives[ref.id]
            summary = preview_delete_objective(self.okr_app.db, row.id)
            what = (
                f"Delete {row.ref} “{row.title}” with its {summary.key_results} key result(s) "
                f"and {summary.check_ins} check-in(s)?"
            )
            if summary.orphaned_children:
                what += f" Its {summary.orphaned_children} aligned objective(s) become top-level."
            confirmed = await self.app.push_screen_wait(ConfirmDialog(what, "Delete"))
            if confirmed and self._run("Delete", delete_objective, row.id) is not None:
                self.notify(f"deleted {row.ref}")
                self.reload(NodeRef("objective", row.parent_id) if row.parent_id else None)
            return
        kr = model.key_result(ref.id)
        if kr is None:
            return
        count = len(kr_history(self.okr_app.db, kr.id))
        what = f"Delete {kr.ref} “{kr.title}” with its {count} check-in(s)?"
        confirmed = await self.app.push_screen_wait(ConfirmDialog(what, "Delete"))
        if confirmed and self._run("Delete", delete_key_result, kr.id) is not None:
            self.notify(f"deleted {kr.ref}")
            self.reload(NodeRef("objective", kr.objective_id))

    @opens_screen
    @work
    async def action_pick_period(self) -> None:
        from okrtui.screens.dialogs import PickDialog

        periods = self.okr_app.periods()
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

    def show_period(self) -> None:
        """Show the app's (newly chosen) period from the top."""
        self._tree_nodes = {}
        self.reload()

    def show_item(self, ref: NodeRef, *, check_in: bool = False) -> None:
        """Put the cursor on an objective or KR (from the palette), optionally checking it in."""
        self.action_clear_filter()  # the item may be hidden by a filter
        self.text_filter = ""  # now, not when the cleared box reports it
        self.mode = "all"
        self.call_after_refresh(self._reveal, ref)
        if check_in:
            self.call_after_refresh(lambda: self.call_after_refresh(self.action_check_in))

    # --- check-ins ----------------------------------------------------------------

    def _selected_kr(self) -> KrRow | None:
        ref, model = self.selected(), self.model
        if ref is None or model is None or ref.kind != "kr":
            return None
        return model.key_result(ref.id)

    @opens_screen
    @work
    async def action_check_in(self) -> None:
        from okrtui.screens.checkin import CheckInForm

        kr = self._selected_kr()
        if kr is None or self.model is None:
            self.notify("select a key result to check in (w walks through all of yours)",
                        severity="warning")  # fmt: skip
            return
        objective = self.model.objectives[kr.objective_id].title
        history = kr_history(self.okr_app.db, kr.id)
        saved = await self.app.push_screen_wait(CheckInForm(self.okr_app, kr, objective, history))
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
        from okrtui.screens.dialogs import NoteViewer
        from okrtui.screens.format import local_time

        title = f"{kr.ref} · {local_time(row.created_at)} · {row.author}"
        self.app.push_screen(NoteViewer(title, row.note))

    @opens_screen
    @work
    async def action_correct_check_in(self) -> None:
        from okrtui.screens.checkin import CheckInForm

        found = self._history_entry()
        if found is None or self.model is None:
            return
        kr, entry = found
        objective = self.model.objectives[kr.objective_id].title
        form = CheckInForm(self.okr_app, kr, objective, self._history, existing=entry)
        if await self.app.push_screen_wait(form) is not None:
            self.notify(f"corrected the check-in of {local_date(entry)} on {kr.ref}")
            self.reload(NodeRef("kr", kr.id))

    @opens_screen
    @work
    async def action_remove_check_in(self) -> None:
        from okrtui.screens.dialogs import ConfirmDialog
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
        if self._run("Remove", remove_check_in, entry.id) is not None:
            self.notify(f"removed the check-in of {local_date(entry)} on {kr.ref}")
            self.reload(NodeRef("kr", kr.id))


def _descendants(model: TreeModel, oid: int) -> set[int]:
    """Every objective aligned under ``oid``, however deep."""
    found: set[int] = set()
    stack = list(model.objectives[oid].children)
    while stack:
        child = stack.pop()
        if child not in found and child in model.objectives:
            found.add(child)
            stack.extend(model.objectives[child].children)
    return found
