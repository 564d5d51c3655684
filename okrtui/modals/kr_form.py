"""The key result form: add a KR to an objective or edit one.

Returns a :class:`KrEntry`; the screen writes it. The KPIs a KR may follow are read by
the screen before the form opens (``kpis``), so the form never reads the database.
"""

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from okrtui.modals.form import Check, FormScreen, field_label, input_row, number_text
from store.domain.checks import check_kr_values, check_username, check_weight
from store.domain.validation import optional_number, optional_text, require_text
from store.model.enums import Direction, Kind
from store.model.rows import KrRow, ObjectiveRow
from widgets.text import plain

KIND_OPTIONS = [
    ("Metric: a number from start to target", Kind.METRIC.value),
    ("Percent complete (0–100)", Kind.PERCENT.value),
    ("Milestone: done / not done", Kind.MILESTONE.value),
]
DIRECTION_OPTIONS = [
    ("Increase to target (higher is better)", Direction.INCREASE.value),
    ("Decrease to target (lower is better)", Direction.DECREASE.value),
    ("Stay at or above the target", Direction.STAY_ABOVE.value),
    ("Stay at or below the target", Direction.STAY_BELOW.value),
    ("Stay between a low and a high end", Direction.STAY_BETWEEN.value),
]
ENDS = {True: ("Low end", "High end"), False: ("Start", "Target")}
"""The start and target fields' labels: a range keeps its low end as the start."""


@dataclass(frozen=True)
class KrEntry:
    """A key result as entered (numbers as typed: the store parses them); the keyword
    arguments of ``create_key_result`` and ``update_key_result``."""

    title: str
    kind: str
    direction: str
    start: str | None
    target: str | None
    unit: str
    owner: str
    weight: str
    kpi_id: int | None


class KeyResultForm(FormScreen[KrEntry]):
    """Add a KR to ``objective`` or edit ``existing``; ``kpis`` are (id, name) pairs."""

    def __init__(
        self,
        *,
        objective: ObjectiveRow,
        kpis: list[tuple[int, str]],
        existing: KrRow | None = None,
        draft: KrEntry | None = None,
        error: str = "",
    ) -> None:
        super().__init__(draft=draft, error=error)
        self.objective = objective
        self.kpis = kpis
        self.existing = existing
        self.heading = (
            f"Edit {existing.ref}"
            if existing
            else f"New key result for {objective.ref} {objective.title}"
        )

    def initial(self) -> KrEntry:
        """What the fields start with: the last entry, else the KR, else defaults."""
        if self.draft is not None:
            return self.draft
        kr = self.existing
        if kr is None:
            return KrEntry("", Kind.METRIC.value, Direction.INCREASE.value, "", "", "",
                           self.objective.owner, "1", None)  # fmt: skip
        return KrEntry(kr.title, kr.kind.value, kr.direction.value, number_text(kr.start),
                       number_text(kr.target), kr.unit, kr.owner, number_text(kr.weight),
                       kr.kpi_id)  # fmt: skip

    def fields(self) -> ComposeResult:
        start = self.initial()
        # Names are other people's text: plain, never markup (a "[@click=…]" name ran actions).
        kpis = [(plain(name), str(kpi_id)) for kpi_id, name in self.kpis]
        yield field_label("Title (a measurable outcome)")
        yield Input(start.title, id="title", classes="field")
        yield field_label("Kind")
        yield Select(KIND_OPTIONS, value=start.kind, allow_blank=False, id="kind",
                     classes="field")  # fmt: skip
        yield Label("Direction", classes="field-label metric-only")  # hidden with its field
        yield Select(DIRECTION_OPTIONS, value=start.direction, allow_blank=False,
                     id="direction", classes="field metric-only")  # fmt: skip
        yield from input_row(
            (ENDS[False][0], start.start or "", "start"),
            (ENDS[False][1], start.target or "", "target"),
            ("Unit", start.unit, "unit"),
            classes="row metric-only",
        )
        yield from input_row(("Owner", start.owner, "owner"), ("Weight", start.weight, "weight"))
        yield field_label("Driven by KPI (its latest value becomes the current value)")
        yield Select(kpis, value=str(start.kpi_id) if start.kpi_id else Select.NULL,
                     prompt="— none: check in by hand —", id="kpi", classes="field")  # fmt: skip

    def on_mount(self) -> None:
        self._show_kind_fields()
        self._name_ends()
        super().on_mount()

    @on(Select.Changed, "#direction")
    def _name_ends(self) -> None:
        names = ENDS[self.value("direction") == Direction.STAY_BETWEEN.value]
        for field_id, name in zip(("start", "target"), names, strict=True):
            parent = self.query_one(f"#{field_id}", Input).parent
            assert parent is not None
            parent.query_one(Label).update(name)

    @on(Select.Changed, "#kind")
    def _show_kind_fields(self) -> None:
        metric = self.value("kind") == Kind.METRIC.value
        for widget in self.query(".metric-only"):
            widget.display = metric

    def _numbers(self) -> tuple[float | None, float | None]:
        kind = Kind(self.value("kind"))
        if kind != Kind.METRIC:
            return check_kr_values(kind, Direction.INCREASE, None, None)
        start = optional_number(self.value("start"), "start")
        target = optional_number(self.value("target"), "target")
        return check_kr_values(kind, Direction(self.value("direction")), start, target)

    def checks(self) -> dict[str, Check]:
        return {
            "title": lambda: require_text(self.value("title"), "title", max_length=300),
            "start": lambda: optional_number(self.value("start"), "start"),
            "target": self._numbers,
            "unit": lambda: optional_text(self.value("unit"), "unit", max_length=32),
            "owner": lambda: check_username(self.value("owner")),
            "weight": lambda: check_weight(self.value("weight")),
        }

    def entered(self) -> KrEntry:
        metric = self.value("kind") == Kind.METRIC.value
        kpi = self.value("kpi")
        return KrEntry(
            title=self.value("title"),
            kind=self.value("kind"),
            direction=self.value("direction") if metric else Direction.INCREASE.value,
            start=self.value("start") if metric else None,
            target=self.value("target") if metric else None,
            unit=self.value("unit") if metric else "",
            owner=self.value("owner"),
            weight=self.value("weight"),
            kpi_id=int(kpi) if kpi else None,
        )
