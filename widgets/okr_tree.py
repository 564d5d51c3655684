"""The alignment tree widget: objectives and their key results as lines, drawn from rows
already read.

It holds a :class:`TreeData` (the period's outline and the objectives read so far) and
never reads anything itself: an objective shown before its row is read draws a
placeholder, and expanding one whose row is missing posts :class:`OkrTree.RowsWanted`;
the screen reads them in a worker and hands them over with :meth:`OkrTree.add_rows`.
Nodes are added when their parent is first expanded and labels are built when drawn:
a 40,000-line tree holds one shared empty label instead of 40,000 styled texts.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar, Literal, NamedTuple

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from store.domain.staleness import DEFAULT_CADENCE_DAYS, counted_since, days_without, is_stale
from store.format import format_percent, kr_value
from store.model.enums import Level, PeriodState
from store.model.rows import KrRow, ObjectiveHead, ObjectiveRow, PeriodRow, TreeOutline
from widgets.text import BAND_STYLE, plain, progress_bar, truncate

RECOMMENDED_KRS = (1, 5)


class NodeRef(NamedTuple):
    """What a tree node stands for: an objective or a key result, by id.

    A tuple of a string and an int, which the garbage collector stops tracking: a
    fully expanded tree holds 40,000 of them.
    """

    kind: Literal["objective", "kr"]
    id: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


# --- one line of the tree ------------------------------------------------------------


def kr_count_warning(row: ObjectiveRow) -> str | None:
    """The OKR guides' 1–5 key results rule, as a hint (never a refusal)."""
    count = len(row.key_results)
    if count == 0 and not row.children:
        return "no key results: add 1–5 to make it measurable"
    if count > RECOMMENDED_KRS[1]:
        return f"{count} key results: OKR guides recommend at most 5"
    return None


def is_orphan(row: ObjectiveHead) -> bool:
    """A non-company objective aligned under nothing."""
    return row.parent_id is None and row.level != Level.COMPANY


MIN_TITLE = 8
"""A title is cut to no fewer characters than this, however narrow the tree."""

_HEAD = 8 + 6  # the progress bar and " 100% " before the reference


def _fit(title: str, width: int, rest: int) -> str:
    """``title`` cut to what ``width`` leaves after the bar, score and ``rest`` cells."""
    return truncate(title, max(MIN_TITLE, width - _HEAD - rest))


def _markers(row: ObjectiveHead, kpi_warning: bool, stale: bool) -> list[tuple[str, str]]:
    marks = []
    if stale:
        marks.append(("  ⧗", "yellow"))
    if is_orphan(row):
        marks.append(("  ⊘ unaligned", "italic yellow"))
    if isinstance(row, ObjectiveRow) and kr_count_warning(row):
        marks.append(("  ⚠", "yellow"))
    if kpi_warning:
        marks.append(("  ⚠ KPI", "bold yellow"))
    return marks


def objective_label(
    row: ObjectiveRow, width: int = 72, kpi_warning: bool = False, stale: bool = False
) -> Text:
    """``bar pct O-3 Title @owner`` with markers, in ``width`` cells: only the title is
    cut, and only by what the rest needs.

    ``kpi_warning``: a KPI one of its KRs follows is trending the wrong way (⚠ KPI);
    ``stale``: one of its KRs has gone without a check-in too long (⧗).
    """
    owner = f"  @{row.owner}"
    marks = _markers(row, kpi_warning, stale)
    rest = len(row.ref) + 1 + len(owner) + sum(len(mark) for mark, _style in marks)
    return Text.assemble(
        progress_bar(row.score, 8, row.band),
        (f" {format_percent(row.score):>4} ", BAND_STYLE[row.band]),
        (f"{row.ref} ", "bold"),
        plain(_fit(row.title, width, rest), style="bold"),
        (owner, "dim"),
        *marks,
    )


def pending_label(head: ObjectiveHead, width: int = 72) -> Text:
    """An objective whose key results and score are still being read."""
    owner = f"  @{head.owner}"
    title = _fit(head.title, width, len(head.ref) + 1 + len(owner))
    return Text.assemble(("········    … ", "dim"), (f"{head.ref} ", "bold"),
                         plain(title, style="bold"), (owner, "dim"))  # fmt: skip


def kr_label(kr: KrRow, width: int = 72, stale_days: int | None = None) -> Text:
    """``bar pct KR-12 Title value / target`` in ``width`` cells: the value is never cut,
    the title takes what is left. ``stale_days``: days without a check-in, shown (⧗ 12d)
    when the KR is stale."""
    kpi = "  ⇢ KPI" if kr.kpi_id is not None else ""
    if stale_days is not None:
        kpi += f"  ⧗ {stale_days}d"
    value = f"  {kr_value(kr)}"
    if width - _HEAD - len(kr.ref) - 1 - len(value) - len(kpi) < MIN_TITLE:
        value = f"  {kr_value(kr, unit_once=True)}"  # "11.2K / 12K prospects"
    title = _fit(kr.title, width, len(kr.ref) + 1 + len(value) + len(kpi))
    text = Text.assemble(
        progress_bar(kr.progress, 8, kr.band),
        (f" {format_percent(kr.progress):>4} ", BAND_STYLE[kr.band]),
        (f"{kr.ref} ", "dim"),
        plain(title),
        (value, "dim"),
    )
    if kr.kpi_id is not None:
        text.append("  ⇢ KPI", "italic dim")
    if stale_days is not None:
        text.append(f"  ⧗ {stale_days}d", "yellow")
    return text


# --- what the tree shows ---------------------------------------------------------------


@dataclass
class TreeData:
    """A period's outline, the objective rows read so far, and the objectives flagged by a
    KPI early warning. Only what was read: asking for an unread row answers None."""

    outline: TreeOutline[ObjectiveHead]
    rows: dict[int, ObjectiveRow] = field(default_factory=dict)
    warned: frozenset[int] = frozenset()
    today: date | None = None
    """For the stale marks (none without it, or in a closed period)."""
    stale_after: int = DEFAULT_CADENCE_DAYS
    _krs: dict[int, KrRow] = field(default_factory=dict, repr=False)

    def stale_days(self, kr: KrRow) -> int | None:
        """Days without a check-in when ``kr`` is stale (a KPI-driven KR follows its KPI)."""
        period, today = self.outline.period, self.today
        if today is None or kr.kpi_id is not None or period.state == PeriodState.CLOSED:
            return None
        since = counted_since(period.starts_on, kr.created_at)
        if not is_stale(kr.current_at, since, today, self.stale_after):
            return None
        return days_without(kr.current_at, since, today)

    def __post_init__(self) -> None:
        self._krs.update((kr.id, kr) for row in self.rows.values() for kr in row.key_results)

    @property
    def period(self) -> PeriodRow:
        return self.outline.period

    @property
    def objectives(self) -> Mapping[int, ObjectiveHead]:
        return self.outline.objectives

    @property
    def roots(self) -> tuple[int, ...]:
        return self.outline.roots

    @property
    def complete(self) -> bool:
        """Every objective's row is read (a filter can look at every key result)."""
        return len(self.rows) == len(self.outline.objectives)

    def walk(self) -> Iterator[tuple[int, ObjectiveHead]]:
        return self.outline.walk()

    def add(self, rows: Mapping[int, ObjectiveRow]) -> None:
        self.rows.update(rows)
        self._krs.update((kr.id, kr) for row in rows.values() for kr in row.key_results)

    def row(self, oid: int) -> ObjectiveRow | None:
        return self.rows.get(oid)

    def key_result(self, kr_id: int) -> KrRow | None:
        return self._krs.get(kr_id)

    def missing(self, oids: Iterable[int]) -> tuple[int, ...]:
        """Those of ``oids`` whose rows are not read yet."""
        return tuple(o for o in oids if o not in self.rows and o in self.outline.objectives)


# Textual 8.2.8 draws the expand toggle with this style in Tree.render_label (the constant
# lives in the private textual.widgets._tree): restated so the override draws it the same.
TOGGLE_STYLE = Style.from_meta({"toggle": True})
EMPTY_LABEL = Text("")
"""The label every node is created with; :meth:`OkrTree.render_label` builds the real one."""


class OkrTree(Tree[NodeRef]):
    """The alignment tree widget; children are added when a node is first expanded.

    | Key | Action |
    | --- | --- |
    | up/down, j/k | Move the cursor |
    | enter, space | Expand or collapse |
    | left/right, h/l | Parent / expand |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("right,l", "expand_node", "Expand", show=False),
        Binding("left,h", "collapse_or_parent", "Parent", show=False),
    ]

    class RowsWanted(Message):
        """Objectives shown or expanded whose rows are not read yet."""

        def __init__(self, oids: tuple[int, ...]) -> None:
            super().__init__()
            self.oids = oids

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(label, id=id)
        self.tree_data: TreeData | None = None
        self.nodes: dict[str, TreeNode[NodeRef]] = {}
        self._populated: set[int] = set()  # objectives whose child nodes were added
        self._waiting: set[int] = set()  # populated objectives whose KRs are on their way
        self._asking = False
        self._labels: dict[tuple[int, int], Text] = {}  # (node id, width) → label
        self._visible: set[int] | None = None
        self._kr_shown: Callable[[KrRow], bool] | None = None

    # --- building nodes -------------------------------------------------------------

    def show(
        self,
        data: TreeData | None,
        *,
        visible: set[int] | None = None,
        kr_shown: Callable[[KrRow], bool] | None = None,
        expanded: Iterable[str] = (),
        expand: Literal["roots", "all", "none"] = "none",
    ) -> None:
        """Rebuild every line from ``data``: the objectives in ``visible`` (all when None),
        the KRs ``kr_shown`` accepts, re-expanding ``expanded`` node keys (plus the roots or
        every visible objective)."""
        self.clear()
        self.tree_data, self.nodes, self._visible, self._kr_shown = data, {}, visible, kr_shown
        self._labels.clear()
        self._populated.clear()
        self._waiting.clear()
        if data is None:
            return
        keep = set(expanded)
        with self.prevent(Tree.NodeExpanded):
            for oid in data.roots:
                if self._shows(oid):
                    self._add_objective(self.root, data.objectives[oid])
            queue = list(self.root.children)
            while queue:
                node = queue.pop(0)
                ref, head = node.data, self._head(node)
                if ref is None or head is None:
                    continue
                if ref.key in keep or expand == "all" or (expand == "roots" and
                                                          head.parent_id is None):  # fmt: skip
                    self.populate(node)
                    node.expand()
                    queue.extend(node.children)
        self._ask_soon()

    def _shows(self, oid: int) -> bool:
        return self._visible is None or oid in self._visible

    def _head(self, node: TreeNode[NodeRef]) -> ObjectiveHead | None:
        ref, data = node.data, self.tree_data
        if ref is None or data is None or ref.kind != "objective":
            return None
        return data.objectives.get(ref.id)

    def _add_objective(self, parent: TreeNode[NodeRef], head: ObjectiveHead) -> None:
        assert self.tree_data is not None
        ref = NodeRef("objective", head.id)
        row = self.tree_data.row(head.id)
        can_expand = bool(head.children) or row is None or bool(row.key_results)
        self.nodes[ref.key] = parent.add(EMPTY_LABEL, ref, allow_expand=can_expand)

    def populate(self, node: TreeNode[NodeRef]) -> None:
        """Add an objective node's child objectives and, once its row is read, its KRs
        above them (until then the rows are asked for)."""
        head, data = self._head(node), self.tree_data
        if head is None or data is None or head.id in self._populated:
            return
        self._populated.add(head.id)
        for child in head.children:
            if self._shows(child):
                self._add_objective(node, data.objectives[child])
        self._waiting.add(head.id)
        self._add_key_results(node, head.id)
        self._ask_soon()

    def _add_key_results(self, node: TreeNode[NodeRef], oid: int) -> None:
        row = self.tree_data.row(oid) if self.tree_data is not None else None
        if row is None or oid not in self._waiting:
            return
        self._waiting.discard(oid)
        shown = [kr for kr in row.key_results if self._kr_shown is None or self._kr_shown(kr)]
        for index, kr in enumerate(shown):  # KRs first, then the aligned objectives
            ref = NodeRef("kr", kr.id)
            self.nodes[ref.key] = node.add(EMPTY_LABEL, ref, before=index, allow_expand=False)

    def _ask_soon(self) -> None:
        if not self._asking:
            self._asking = True
            self.call_after_refresh(self._ask_for_rows)

    def _ask_for_rows(self) -> None:
        """Post the rows the objectives now in the tree need (once per refresh)."""
        self._asking = False
        data = self.tree_data
        if data is None:
            return
        shown = [n.data.id for n in self.nodes.values() if n.data and n.data.kind == "objective"]
        wanted = data.missing(shown)
        if wanted:
            self.post_message(self.RowsWanted(wanted))

    def _on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeRef]) -> None:
        if event.node.tree is self:
            self.populate(event.node)

    def add_rows(self, rows: Mapping[int, ObjectiveRow]) -> None:
        """Rows read since the tree was shown: redraw their lines, fill waiting expansions."""
        data = self.tree_data
        if data is None or not rows:
            return
        data.add(rows)
        self._labels.clear()
        for oid, row in rows.items():
            node = self.nodes.get(f"objective:{oid}")
            if node is None:
                continue
            node.allow_expand = bool(row.children or row.key_results)
            self._add_key_results(node, oid)
            node.refresh()

    def expanded_keys(self) -> set[str]:
        return {k for k, n in self.nodes.items() if n.is_expanded}

    def reveal(self, ref: NodeRef, objective_id: int | None) -> None:
        """Expand the path to ``ref`` (a KR of ``objective_id``) and put the cursor on it."""
        data = self.tree_data
        if data is None:
            return
        oid, chain = objective_id, []
        while oid is not None and oid in data.objectives:
            chain.append(oid)
            oid = data.objectives[oid].parent_id
        for ancestor in reversed(chain[1:] if ref.kind == "objective" else chain):
            node = self.nodes.get(f"objective:{ancestor}")
            if node is not None:
                self.populate(node)
                node.expand()
        target = self.nodes.get(ref.key)
        if target is not None:
            self.call_after_refresh(self.move_cursor_to, target)

    # --- drawing ----------------------------------------------------------------------

    def process_label(self, label: str | Text) -> Text:
        return label if label is EMPTY_LABEL else super().process_label(label)

    def render_label(self, node: TreeNode[NodeRef], base_style: Style, style: Style) -> Text:
        """The line of ``node`` from the rows read (Tree.render_label's layout, with the
        label built here instead of stored on the node)."""
        label = self.label_of(node).copy()
        label.stylize(style)
        if node.allow_expand:
            icon = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
            return Text.assemble((icon, base_style + TOGGLE_STYLE), label)
        return Text.assemble(("", base_style), label)

    def get_label_width(self, node: TreeNode[NodeRef]) -> int:
        """No label is measured: labels are cut to the tree's width when drawn."""
        return 0

    def label_of(self, node: TreeNode[NodeRef]) -> Text:
        """A node's label: bar, score, reference, title cut to the room left at its depth,
        and markers (kept until the rows or the tree change: a cursor move redraws two
        lines whose labels have not)."""
        # less a scrollbar when shown, and a blank cell before the detail pane
        width = (self.scrollable_content_region.width or 73) - 1
        label = self._labels.get((node.id, width))
        if label is None:
            if len(self._labels) > 4096:
                self._labels.clear()
            label = self._labels[node.id, width] = self._make_label(node, width)
        return label

    def _make_label(self, node: TreeNode[NodeRef], tree_width: int) -> Text:
        ref, data = node.data, self.tree_data
        if ref is None or data is None:
            return Text("")
        depth, parent = 0, node.parent
        while parent is not None and parent.parent is not None:
            depth, parent = depth + 1, parent.parent
        # what the line leaves the label: the guides and the expand icon go first
        icon = len(self.ICON_NODE) if node.allow_expand else 0
        width = tree_width - depth * self.guide_depth - icon
        if ref.kind == "kr":
            kr = data.key_result(ref.id)
            return kr_label(kr, width, data.stale_days(kr)) if kr is not None else Text("")
        row = data.row(ref.id)
        if row is not None:
            stale = any(data.stale_days(kr) is not None for kr in row.key_results)
            return objective_label(row, width, row.id in data.warned, stale)
        head = data.objectives.get(ref.id)
        return pending_label(head, width) if head is not None else Text("")

    # --- keys ---------------------------------------------------------------------------

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


# --- filtering ------------------------------------------------------------------------

FilterMode = Literal["all", "mine", "team"]
FILTER_MODES: tuple[FilterMode, ...] = ("all", "mine", "team")


@dataclass(frozen=True)
class Shown:
    """Which objectives a filter shows (``visible``: the matches and their ancestors) and
    which matched on their own text (they show every KR; the others only matching KRs)."""

    visible: set[int] | None
    matched: set[int]
    needle: str

    def shows_kr(self, kr: KrRow) -> bool:
        return (
            not self.needle or kr.objective_id in self.matched or kr_matches_text(kr, self.needle)
        )


def kr_matches_text(kr: KrRow, needle: str) -> bool:
    return bool(needle) and any(
        needle in s.lower() for s in (kr.title, kr.ref, kr.owner, kr.kpi_name or "")
    )


def objective_matches(row: ObjectiveHead, needle: str) -> bool:
    return any(needle in s.lower() for s in (row.title, row.ref, row.owner, row.team or "",
                                              row.description))  # fmt: skip


def shown_by(data: TreeData, text: str, mode: FilterMode, user: str) -> Shown:
    """Which objectives show for a text filter and a scope (every row must be read when
    either is set: a filter looks at every key result)."""
    needle = text.lower()
    if mode == "all" and not needle:
        return Shown(None, set(), "")
    heads = data.objectives
    my_teams = {r.team for r in heads.values() if r.team and r.involves(user)}
    matched = set()
    for oid, head in heads.items():
        krs = row.key_results if (row := data.row(oid)) is not None else ()
        if mode == "mine" and not (head.involves(user) or any(k.owner == user for k in krs)):
            continue
        if mode == "team" and not (head.team in my_teams or head.involves(user)):
            continue
        if (
            not needle
            or objective_matches(head, needle)
            or any(kr_matches_text(k, needle) for k in krs)
        ):
            matched.add(oid)
    visible = set(matched)
    for oid in matched:
        parent = heads[oid].parent_id
        while parent is not None and parent not in visible and parent in heads:
            visible.add(parent)
            parent = heads[parent].parent_id
    own = {oid for oid in matched if objective_matches(heads[oid], needle)} if needle else set()
    return Shown(visible, own, needle)
