"""The new-period form: name, first and last day, planning or active.

Opens with a suggestion (the quarter after the latest period, read by the screen) and
returns a :class:`PeriodEntry`; the periods screen creates the period.
"""

from dataclasses import dataclass
from datetime import date

from textual.app import ComposeResult
from textual.widgets import Input, Select

from okrtui.modals.form import Check, FormScreen, field_label
from store.domain.validation import parse_date, require_text
from store.errors import ValidationError


@dataclass(frozen=True)
class PeriodEntry:
    """A period as entered."""

    name: str
    starts_on: date
    ends_on: date
    activate: bool


class NewPeriodForm(FormScreen[PeriodEntry]):
    """Create a period; every field starts at ``suggestion`` (name, first day, last day)."""

    heading = "New period"

    def __init__(
        self,
        suggestion: tuple[str, date, date],
        *,
        draft: PeriodEntry | None = None,
        error: str = "",
    ) -> None:
        super().__init__(draft=draft, error=error)
        name, start, end = suggestion
        self.start = draft or PeriodEntry(name, start, end, activate=False)

    def fields(self) -> ComposeResult:
        start = self.start
        yield field_label("Name")
        yield Input(start.name, id="name", classes="field")
        yield field_label("First day (YYYY-MM-DD)")
        yield Input(start.starts_on.isoformat(), id="start", classes="field")
        yield field_label("Last day (YYYY-MM-DD)")
        yield Input(start.ends_on.isoformat(), id="end", classes="field")
        yield field_label("State")
        yield Select(
            [
                ("Planning: prepare its OKRs", "planning"),
                ("Active: make it the current one", "active"),
            ],
            value="active" if start.activate else "planning",
            allow_blank=False,
            id="state",
            classes="field",
        )

    def _dates(self) -> tuple[date, date]:
        start = parse_date(self.value("start"), "first day")
        end = parse_date(self.value("end"), "last day")
        if end <= start:
            raise ValidationError(f"the period must end after it starts ({start} → {end})")
        return start, end

    def checks(self) -> dict[str, Check]:
        return {
            "name": lambda: require_text(self.value("name"), "name", max_length=64),
            "start": lambda: parse_date(self.value("start"), "first day"),
            "end": self._dates,
        }

    def entered(self) -> PeriodEntry:
        start, end = self._dates()
        return PeriodEntry(self.value("name"), start, end, self.value("state") == "active")
