"""Small formatting helpers shared by screens (local time, history rows)."""

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from store.format import format_number
from store.model.enums import Confidence
from store.model.rows import CheckInRow
from widgets.text import plain, styled, truncate

if TYPE_CHECKING:
    from store.model.rows import CheckInEvent

CONFIDENCE_TEXT = {
    Confidence.ON_TRACK: styled("on track", "green"),
    Confidence.AT_RISK: styled("at risk", "yellow"),
    Confidence.OFF_TRACK: styled("off track", "red"),
}


def local_time(moment: datetime) -> str:
    """A stored UTC timestamp in the viewer's local time zone."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def local_date(row: CheckInRow) -> str:
    """A check-in's day in the viewer's time zone, as people refer to it."""
    return row.created_at.astimezone().strftime("%Y-%m-%d")


def _one_line(note: str) -> str:
    return " ⏎ ".join(line for line in note.splitlines() if line.strip())


def _confidence(value: Confidence | str | None) -> Text:
    try:
        return CONFIDENCE_TEXT[Confidence(value)] if value else Text("—", "dim")
    except ValueError:
        return Text("—", "dim")


def history_row(row: CheckInRow, unit: str = "", corrected_by: str = "") -> tuple[Text | str, ...]:
    """One check-in as a table row; the note is shown on one line, as plain text."""
    note = plain(truncate(_one_line(row.note), 60))
    if corrected_by:
        note = Text.assemble(("✎ corrected", "italic yellow"), "  ", note)
    return (
        local_time(row.created_at),
        plain(format_number(row.value, unit)),  # the unit is user text: never markup
        _confidence(row.confidence),
        note,
        plain(row.author),
    )


def _removed_row(event: "CheckInEvent", when: datetime, unit: str) -> tuple[Text | str, ...]:
    detail = event.detail
    value = detail.get("value")
    number = format_number(float(value), unit) if isinstance(value, int | float) else "?"
    return (
        Text(local_time(when), "dim strike"),
        Text(number, "dim strike"),
        _confidence(detail.get("confidence")),
        Text.assemble(
            (f"✗ removed by {event.author} on {local_time(event.at)}", "italic dim"),
            "  ",
            plain(truncate(_one_line(str(detail.get("note", ""))), 40), style="dim"),
        ),
        Text(event.author, "dim"),
    )


def _unreadable_row(event: "CheckInEvent") -> tuple[Text | str, ...]:
    return (
        Text(local_time(event.at), "dim"),
        Text("?", "dim"),
        Text("—", "dim"),
        Text.assemble(("⚠ ", "red"), plain(event.problem or "unreadable", style="italic")),
        plain(event.author, style="dim"),
    )


def history_rows(
    rows: Sequence[CheckInRow], events: Sequence["CheckInEvent"], unit: str = ""
) -> list[tuple[str, tuple[Text | str, ...]]]:
    """The history table, newest first: live check-ins keyed by id, removed ones shown struck.

    Corrections and removals come from the Activity log, so the table says what
    was changed after the fact instead of silently showing the new value.
    """
    from store.model.rows import CORRECTED, REMOVED, UNREADABLE

    corrected = {e.check_in_id: e.author for e in events if e.action == CORRECTED}
    keyed: list[tuple[datetime, str, tuple[Text | str, ...]]] = [
        (r.created_at, str(r.id), history_row(r, unit, corrected.get(r.id, ""))) for r in rows
    ]
    for n, event in enumerate(events):
        if event.action == REMOVED:
            when = datetime.fromisoformat(str(event.detail.get("created_at", event.at)))
            keyed.append((when, f"removed-{event.check_in_id}", _removed_row(event, when, unit)))
        elif event.action == UNREADABLE:  # written by someone outside okrtui: shown, not used
            keyed.append((event.at, f"unreadable-{n}", _unreadable_row(event)))
    keyed.sort(key=lambda item: item[0], reverse=True)
    return [(key, cells) for _, key, cells in keyed]
