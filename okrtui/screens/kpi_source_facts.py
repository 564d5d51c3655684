"""The KPI detail's lines about how a KPI keeps itself current (issue 18): cadence and
overdue, level or flow, range, and its source — the definition, whether the server's
owner approved it, how the last pull went.

Every piece of user or source text (a query, a path, an error) is plain Text, never
markup. The approval is shown as recorded; only the owner's pull can verify the seal
(store/sources/approval.py), so the detail says whose it is, not that it is valid.
"""

from collections.abc import Sequence

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from store.domain.cadence import due_by
from store.domain.kpi_sources import describe, read_spec
from store.errors import ValidationError
from store.format import format_number
from store.model.enums import EXTERNAL_SOURCES, Aggregation, SourceKind
from store.read.kpi_sources import SourceRow
from store.read.kpi_status import KpiStatus
from store.read.kpis import KpiDetail
from widgets.kpi_card import OVERDUE, OVERDUE_STYLE, PanelData, range_text
from widgets.text import plain

SOURCE_NAME = {"": "typed", **{k.value: k.value for k in SourceKind}}
"""What the history's Source column says for a stored ``kpi_value.source``."""


def source_name(stored: str) -> str:
    """``typed`` for a value a person entered or imported, else the source's kind."""
    return SOURCE_NAME.get(stored, stored)


LABEL_WIDTH = 12

Fact = tuple[str, Text | str]


def fields(facts: Sequence[Fact]) -> Table:
    """Labelled facts, a label column and a value column: a long value (a query, a path,
    an error) wraps inside its column, under its own start, so every line of it still
    reads as that label's, at any width (a path with no space is folded)."""
    grid = Table.grid()
    grid.add_column(width=LABEL_WIDTH, no_wrap=True, style="dim")
    grid.add_column(overflow="fold")
    for label, value in facts:
        grid.add_row(label, value)
    return grid


def _when(row: SourceRow) -> str:
    moment = row.last_success_at
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "never"


def approval_text(row: SourceRow) -> Text:
    """Whether the definition waits for the server owner's approval."""
    if row.kind not in EXTERNAL_SOURCES:
        what = "a formula is pure" if row.kind == SourceKind.FORMULA else "reads its owner's file"
        return Text(f"not needed ({what})", "dim")
    if row.approval and ":" in row.approval:
        approver = row.approval.rsplit(":", 1)[0]
        return Text.assemble(("approved by ", "green"), plain(f"@{approver}", style="green"))
    return Text(
        f"waiting: the server's owner runs okrtui kpi source approve KPI-{row.kpi_id}", "yellow"
    )


def pull_text(row: SourceRow, unit: str) -> Text:
    """How the last pull went: its error and last success, or its last value."""
    if row.last_error:
        return Text.assemble(("✗ failed: ", "bold red"), plain(row.last_error, style="red"),
                             (f"  (last success {_when(row)})", "dim"))  # fmt: skip
    if row.last_success_at is None:
        return Text("not pulled yet", "dim")
    value = format_number(row.last_value, unit) if row.last_value is not None else ""
    return Text.assemble(("✓ ", "green"), f"{_when(row)}  ", (value, "bold"))


def keeping_current(d: KpiDetail, status: KpiStatus, source: SourceRow | None) -> RenderableType:
    """Cadence, aggregation, range and source lines for the detail's facts column."""
    lines: list[Fact] = []
    if d.cadence is not None:
        cadence = Text(d.cadence.value)
        if status.overdue:
            due = f" (due by {due_by(d.cadence, status.figure_on)})" if status.figure_on else ""
            cadence.append(f"  {OVERDUE} overdue{due}", OVERDUE_STYLE)
        lines.append(("Cadence", cadence))
    if d.aggregation == Aggregation.FLOW:
        total = format_number(status.figure, d.unit) if status.figure is not None else "no values"
        lines.append(("Values", Text.assemble("flow: ", (status.label, "dim"), " ",
                                                    (total, "bold"))))  # fmt: skip
    else:
        lines.append(("Values", Text("level: latest counts", "dim")))
    data = PanelData(d.id, d.name, d.unit, range_low=d.range_low, range_high=d.range_high,
                     in_range=status.in_range)  # fmt: skip
    shown_range = range_text(data)
    if shown_range.plain:
        lines.append(("Range", shown_range))
    if source is None:
        lines.append(("Source", Text("none: values are typed or imported", "dim")))
        return fields(lines)
    try:
        definition = describe(source.kind, read_spec(source.kind, source.spec))
    except ValidationError as exc:
        definition = f"{source.kind.value} (unusable: {exc})"
    lines += [  # the news first: a small terminal shows the top of this column
        ("Last pull", pull_text(source, d.unit)),
        ("Approval", approval_text(source)),
        ("Source", plain(definition)),
        ("Defined by", plain(f"@{source.defined_by}")),
    ]
    return fields(lines)
