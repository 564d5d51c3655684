"""What a weekly check-in changed: KR scores before and after, and objectives whose
status band moved. The before/after reads happen in the weekly screen's workers; this
module only compares and draws them."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from okrtui.screens.base import OkrScreen
from store.format import counted, format_percent
from store.model.enums import Band
from store.model.rows import TreeModel
from widgets.footer import KeyFooter
from widgets.text import band_text, plain, truncate
from widgets.title import TitleBar

if TYPE_CHECKING:
    from okrtui.screens.weekly import Item


@dataclass(frozen=True)
class Change:
    ref: str
    title: str
    old: float | None
    new: float | None
    band: Band


def kr_changes(items: "list[Item]", after: TreeModel) -> list[Change]:
    """Old → new score of every KR checked in during the run.

    The old score is the one read when the run started (``item.kr``).
    """
    changes = []
    for item in items:
        if item.saved is None:
            continue
        new = after.key_result(item.kr.id)
        changes.append(
            Change(
                item.kr.ref,
                item.kr.title,
                item.kr.progress,
                new.progress if new else None,
                new.band if new else Band.NO_DATA,
            )
        )
    return changes


def band_snapshot(model: TreeModel, objective_ids: set[int]) -> dict[int, Band]:
    """The bands of these objectives and of every objective above them, read now.

    Only these can change band when their KRs are checked in. The read model
    scores objectives on first use, so reading them here, before any write, is
    what makes them "before".
    """
    bands: dict[int, Band] = {}
    for oid in objective_ids:
        current: int | None = oid
        while current is not None and current not in bands:
            row = model.objectives.get(current)
            if row is None:
                break
            bands[current] = row.band
            current = row.parent_id
    return bands


Moved = tuple[str, str, Band, Band]
"""An objective whose band moved: ref, title, old band, new band."""


def band_changes(before: dict[int, Band], after: TreeModel) -> list[Moved]:
    """Objectives whose band moved: (ref, title, old band, new band), in tree order."""
    moved = []
    for _, row in after.walk():
        old = before.get(row.id)
        if old is not None and old != row.band:
            moved.append((row.ref, row.title, old, row.band))
    return moved


class WeeklySummary(OkrScreen[None]):
    """What this week's check-ins changed: KR scores, and objectives that changed band."""

    GUIDED = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Done", id="weekly_done"),
    ]

    def __init__(self, changes: list[Change], moved: list[Moved], skipped: list[str]) -> None:
        super().__init__()
        self.changes = changes
        self.moved = moved
        self.skipped = skipped

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Vertical(id="wk-summary"):
            yield Static(id="wk-summary-head")
            table: DataTable[object] = DataTable(
                id="wk-krs", cursor_type="none", zebra_stripes=True
            )
            table.can_focus = False  # enter and escape close the summary
            yield table
            yield Static(id="wk-moved")
        yield KeyFooter()

    def on_mount(self) -> None:
        head = Text.assemble(
            ("Weekly check-in done", "bold"),
            f"  · {counted(len(self.changes), 'key result')} checked in",
            f" · {len(self.skipped)} skipped" if self.skipped else "",
        )
        self.query_one("#wk-summary-head", Static).update(head)
        table = self.query_one("#wk-krs", DataTable)
        table.add_columns("KR", "Title", "Score before", "Score now", "Band")
        for change in self.changes:
            table.add_row(
                change.ref,
                plain(truncate(change.title, 50)),
                format_percent(change.old),
                Text(format_percent(change.new), "bold"),
                band_text(change.band),
            )
        moved = Text("\nObjectives whose status changed\n", "bold")
        if not self.moved:
            moved.append("none: every objective kept its band\n", "dim")
        for ref, title, old, new in self.moved:
            moved.append(f"{ref}  ")
            moved.append_text(plain(truncate(title, 50)))
            moved.append("  ")
            moved.append_text(band_text(old))
            moved.append(" → ")
            moved.append_text(band_text(new))
            moved.append("\n")
        self.query_one("#wk-moved", Static).update(moved)

    def action_close(self) -> None:
        self.dismiss(None)
