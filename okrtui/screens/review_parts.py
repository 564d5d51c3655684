"""The period review's parts that draw: one objective's facts and key results, the
roll-over checkbox, and the objectives as read for the review (plain values)."""

from dataclasses import dataclass
from typing import Literal

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Checkbox

from store.format import format_percent, kr_value, status_label
from store.model.enums import Band
from store.model.rows import KrRow, ObjectiveRow, TreeModel
from widgets.text import BAND_STYLE, plain, progress_bar, styled, truncate


@dataclass(frozen=True)
class ReviewItem:
    """One objective of the review, with everything drawing it needs already read."""

    depth: int
    row: ObjectiveRow
    score: float | None
    band: Band
    krs: tuple[KrRow, ...]


def review_items(model: TreeModel) -> list[ReviewItem]:
    """The period's objectives in tree order, scored and with their KRs: reads the
    database (the read model scores and reads KRs on first use), so off the event loop."""
    return [
        ReviewItem(depth, row, row.score, row.band, tuple(row.key_results))
        for depth, row in model.walk()
    ]


class RollCheckbox(Checkbox):
    """The roll-over choice, plainly on or off: Textual's checkbox draws its X in both states
    (only dimmer when off), so it looked ticked either way."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # a class attribute in Textual
        return "✔" if self.value else " "

    def show(self, target: str) -> None:
        """Say the state in words too ("…: yes" / "…: no"), green and bold when on."""
        self.set_class(self.value, "-on")
        self.label = f"Roll over into {target}: {'yes' if self.value else 'no'}"


def about(item: ReviewItem) -> Group:
    """Who holds the objective, its score and band, where it is aligned, its description."""
    row = item.row
    title = Text.assemble((f"{row.ref} ", "bold"), plain(row.title, style="bold"))
    facts = Text.assemble(
        (f"@{row.owner}", "dim"),
        f" · {row.level.value}" + (f" · {row.team}" if row.team else ""),
        "  ",
        progress_bar(item.score, 10, item.band),
        (
            f" {format_percent(item.score)} {status_label(item.band, item.score)}",
            BAND_STYLE[item.band],
        ),
    )
    parts: list[Text] = [title, facts]
    if row.parent_id is not None:
        parts.append(Text(f"aligned under O-{row.parent_id}", style="dim"))
    if row.description:
        parts.append(plain(truncate(row.description, 300), multiline=True, style="italic"))
    parts.append(Text(""))
    return Group(*parts)


def kr_table(krs: tuple[KrRow, ...]) -> Table | Text:
    """The objective's key results: where each one ended."""
    if not krs:
        return Text("No key results: the grade is your judgement.", style="dim")
    table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
    columns: tuple[tuple[str, Literal["left", "right"]], ...] = (
        ("", "left"),
        ("Key result", "left"),
        ("Value", "right"),
        ("Score", "right"),
    )
    for column, justify in columns:
        table.add_column(column, justify=justify, no_wrap=column != "Key result")
    for kr in krs:
        table.add_row(
            progress_bar(kr.progress, 6, kr.band),
            Text.assemble((f"{kr.ref} ", "dim"), plain(kr.title), (f" @{kr.owner}", "dim")),
            plain(kr_value(kr)),
            styled(format_percent(kr.progress), BAND_STYLE[kr.band]),
        )
    return table
