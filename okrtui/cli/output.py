"""Plain-text renderings for the CLI (status tree, check-in confirmations).

Everything user-typed passes through :func:`safe` before it reaches the
terminal, so a stored title can never move the cursor or set the clipboard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.domain.validation import clean_line
from store.format import (
    format_number,
    format_percent,
    hold_text,
    kr_value,
    milestone_text,
    status_label,
)

if TYPE_CHECKING:  # annotations only: okrtui checkin pays for neither (≈15 ms)
    from store.model.rows import KrRow, ObjectiveRow, TreeModel
    from store.write.checkins import CheckInResult


def safe(text: str | None, width: int | None = None) -> str:
    """One line of user text with control characters removed, cut to ``width``."""
    line = clean_line(text or "")
    if width is not None and len(line) > width:
        return line[: max(width - 1, 0)] + "…"
    return line


def status_lines(tree: TreeModel, only: set[int] | None = None) -> list[str]:
    """The alignment tree as an indented table; ``only`` limits it to some objectives."""
    p = tree.period
    lines = [f"{safe(p.name)}  {p.starts_on} → {p.ends_on}  ({p.state.value})"]
    if not tree.objectives:
        lines.append("  (no objectives yet: open okrtui and press n)")
    for depth, row in tree.walk():
        if only is not None and row.id not in only:
            continue
        lines.append(_objective_line(depth, row))
        for kr in row.key_results:
            lines.append(_kr_line(depth + 1, kr))
    return lines


def _objective_line(depth: int, row: ObjectiveRow) -> str:
    pad = "  " * depth
    title = safe(row.title, max(20, 58 - len(pad)))
    return (
        f"{pad}{row.ref:<7} {title:<{max(20, 58 - len(pad))}} {safe(row.owner, 10):<10} "
        f"{format_percent(row.score):>5}  {status_label(row.band, row.score)}"
    )


def _kr_line(depth: int, kr: KrRow) -> str:
    pad = "  " * depth
    width = max(20, 44 - len(pad))
    title = safe(kr.title, width)
    return (
        # the value is never cut ("11.4K prospects / 12K…" hid the target's unit)
        f"{pad}{kr.ref:<7} {title:<{width}} {safe(kr_value(kr)):>22}  "
        f"{format_percent(kr.progress):>5}  "
        f"{status_label(kr.band, kr.progress, kr.kind, kr.direction)}"
    )


def checkin_line(result: CheckInResult) -> str:
    """One line confirming a check-in: what moved, and the score and band it gives."""
    if result.kind == "milestone":  # "1 → 1 (target 1)" said nothing
        moved = f"{milestone_text(result.previous)} → {milestone_text(result.value)}"
        target = ""
    else:
        after = format_number(result.value, result.unit)
        if result.kpi_driven:
            moved = f"{after} (the KPI's latest value)"
        else:
            moved = f"{format_number(result.previous, result.unit)} → {after}"
        hold = hold_text(result.kind, result.direction, result.start, result.target,
                         result.unit)  # fmt: skip
        target = f"({hold or 'target ' + format_number(result.target, result.unit)}) "
    return (
        f"KR-{result.key_result_id} {safe(result.title, 60)}: {moved} "
        f"{target}score {format_percent(result.progress)} "
        f"{status_label(result.band, result.progress, result.kind, result.direction)}"
    )
