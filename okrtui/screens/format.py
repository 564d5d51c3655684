"""Small formatting helpers shared by screens (local time, history rows)."""

from datetime import datetime

from rich.text import Text

from store.enums import Confidence
from store.queries import CheckInRow
from store.scoring import format_number
from widgets.text import plain, truncate

CONFIDENCE_TEXT = {
    Confidence.ON_TRACK: Text("on track", "#5fd75f"),
    Confidence.AT_RISK: Text("at risk", "#ffaf00"),
    Confidence.OFF_TRACK: Text("off track", "#ff5f5f"),
}


def local_time(moment: datetime) -> str:
    """A stored UTC timestamp in the viewer's local time zone."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def history_row(row: CheckInRow, unit: str = "") -> tuple[str | Text, ...]:
    """One check-in as a table row; the note is shown on one line, as plain text."""
    note = " ⏎ ".join(line for line in row.note.splitlines() if line.strip())
    return (
        local_time(row.created_at),
        format_number(row.value, unit),
        CONFIDENCE_TEXT.get(row.confidence, Text("—", "dim"))
        if row.confidence
        else Text("—", "dim"),
        plain(truncate(note, 60)),
        plain(row.author),
    )
