"""The detail pane: what the selected objective or key result is, why it scores what it
does, and (for a key result) its check-ins as a sparkline and a table.

Everything shown arrives as rows already read; the pane draws and never reads. User
text (titles, notes, names) is plain ``Text``, never markup.
"""

from collections.abc import Iterable, Sequence
from datetime import date

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Sparkline, Static

from store.domain.burnup import BurnUp
from store.domain.explain import explain_kr, explain_objective
from store.domain.pace import expected_progress, is_behind_pace
from store.format import (
    current_text,
    format_number,
    format_percent,
    kr_value,
    status_label,
)
from store.model.enums import HOLD_DIRECTIONS, Band, Direction, Kind, PeriodState
from store.model.rows import CommentRow, KrRow, ObjectiveOutcome, ObjectiveRow, PeriodRow
from widgets.comment_thread import thread_text
from widgets.history_table import Cells, HistoryTable
from widgets.okr_tree import is_orphan, kr_count_warning
from widgets.text import BAND_STYLE, plain, styled, truncate


def _field(label: str, value: Text | str) -> Text:
    return Text.assemble((f"{label:<15}", "dim"), value)


def _pace(score: float | None, period: PeriodRow, today: date) -> Text:
    expected = expected_progress(period.starts_on, period.ends_on, today)
    if score is None:
        return Text(f"expected {format_percent(expected)} by today; no data yet", "dim")
    behind = is_behind_pace(score, expected)
    gap = abs(score - expected) * 100
    points = "1 pt" if f"{gap:.0f}" == "1" else f"{gap:.0f} pts"
    word = f"behind pace by {points}" if behind else f"ahead of pace by {points}"
    return styled(f"expected {format_percent(expected)}, actual {format_percent(score)}: {word}",
                  "yellow" if behind else "green")  # fmt: skip


def score_text(
    score: float | None, band: Band, kind: Kind | None = None, direction: Direction | None = None
) -> Text:
    """A score and its band; exactly 1.0 reads "achieved" (a milestone "done", a line "held")."""
    return Text.assemble(
        (f"{format_percent(score)}  ", "bold"),
        (f"● {status_label(band, score, kind, direction)}", BAND_STYLE[band]),
    )


def objective_detail(
    row: ObjectiveRow,
    children: list[ObjectiveRow],
    period: PeriodRow,
    today: date,
    explain: bool,
    kpi_warnings: Sequence[str] = (),
    review: ObjectiveOutcome | None = None,
) -> RenderableType:
    """The detail pane of an objective; ``kpi_warnings`` are the KPI early-warning reasons.

    A closed period's objective shows its final grade and retro note instead of a pace
    (which means nothing once the period is over); a rolled-over one names its original.
    """
    closed = period.state == PeriodState.CLOSED
    parts: list[RenderableType] = [
        Text.assemble((f"{row.ref}  ", "bold"), plain(row.title, style="bold")),
        Text(""),
        _field("Owner", plain(row.owner)),
        _field("Collaborators", plain(", ".join(row.collaborators) or "—")),
        _field("Level / team", plain(f"{row.level.value} · {row.team or '—'}")),
        _field("Period", f"{period.name}  {period.starts_on} → {period.ends_on}"),
        _field("Score", score_text(row.score, row.band)),
    ]
    if not closed:
        parts.append(_field("Pace", _pace(row.score, period, today)))
    if review is not None and (closed or review.grade is not None):
        grade = "not graded" if review.grade is None else f"{review.grade:.2f}"
        parts.append(_field("Final grade", Text(grade, "bold")))
        parts.append(_field("Retro note", plain(review.retro_note or "—", multiline=True)))
    if review is not None and review.rolled_from:
        parts.append(_field("Rolled over", Text.assemble(("from ", "dim"),
                                                         plain(review.rolled_from))))  # fmt: skip
    if is_orphan(row):
        parts.append(styled("⊘ not aligned under any objective: press m to align it", "yellow"))
    warning = kr_count_warning(row)
    if warning:
        parts.append(styled(f"⚠ {warning}", "yellow"))
    for reason in kpi_warnings:
        parts.append(Text.assemble(("⚠ KPI early warning: ", "bold yellow"),
                                   plain(reason, style="yellow")))  # fmt: skip
    if row.description:
        parts += [Text(""), plain(row.description, multiline=True)]
    parts += [Text(""), Text("Key results", "bold underline")]
    for kr in row.key_results:
        parts.append(Text.assemble(
            (f"{kr.ref:<7}", "dim"), plain(truncate(kr.title, 40)), "  ",
            (kr_value(kr), ""), "  ", score_text(kr.progress, kr.band, kr.kind, kr.direction),
        ))  # fmt: skip
    if not row.key_results:
        parts.append(Text("none yet: press a to add one", "dim"))
    if explain:
        expl = explain_objective(
            [(kr.ref, kr.progress, kr.weight) for kr in row.key_results],
            [(child.ref, child.score) for child in children],
        )
        parts += [Text(""), Text("How the score is computed", "bold underline"), Text(str(expl))]
    else:
        parts += [Text(""), Text("x: show how the score is computed", "dim")]
    return Group(*parts)


def _direction_text(kr: KrRow) -> str:
    if kr.kind != Kind.METRIC:
        return kr.kind.value
    words = {
        Direction.INCREASE: "increase to target",
        Direction.DECREASE: "decrease to target",
        Direction.STAY_ABOVE: "stay at or above",
        Direction.STAY_BELOW: "stay at or below",
        Direction.STAY_BETWEEN: "stay between",
    }
    return f"metric · {words[kr.direction]}"


def _ends(kr: KrRow) -> list[RenderableType]:
    """Start, current and target; a range's start and target are its low and high end."""
    low, high = ("Low end", "High end") if kr.direction == Direction.STAY_BETWEEN else (
        "Start", "Target")  # fmt: skip
    return [
        _field(low, format_number(kr.start, kr.unit)),
        _field("Current", current_text(kr)),
        _field(high, format_number(kr.target, kr.unit)),
    ]


def kr_detail(
    kr: KrRow,
    objective: ObjectiveRow,
    period: PeriodRow,
    today: date,
    forecast: float | None,
) -> RenderableType:
    """The detail pane of a key result (the history table and sparkline sit below it)."""
    unit = kr.unit
    parts: list[RenderableType] = [
        Text.assemble((f"{kr.ref}  ", "bold"), plain(kr.title, style="bold")),
        Text.assemble(("of ", "dim"), (f"{objective.ref} ", "dim"), plain(objective.title)),
        Text(""),
        _field("Kind", _direction_text(kr)),
        _field("Owner", plain(kr.owner)),
        _field("Weight", f"{kr.weight:g}"),
        *_ends(kr),
        _field("Score", score_text(kr.progress, kr.band, kr.kind, kr.direction)),
    ]
    if kr.kind == Kind.METRIC and kr.direction in HOLD_DIRECTIONS:
        # Held or not is all there is: no share of the way to compare with the calendar.
        parts.append(_field("Pace", Text("none: a line or range to hold", "dim")))
    else:
        parts.append(_field("Pace", _pace(kr.progress, period, today)))
    if kr.kpi_id is not None:
        parts.append(_field("Driven by", Text.assemble(
            ("KPI ", "dim"), plain(kr.kpi_name or "?"), (f" (latest value on {kr.current_at})",
                                                          "dim"),
        )))  # fmt: skip
    if forecast is not None:
        parts.append(_field("Forecast", f"{format_number(forecast, unit)} at {period.ends_on} "
                                        "(linear, from the check-ins)"))  # fmt: skip
    elif kr.kind != Kind.MILESTONE and kr.kpi_id is None:
        parts.append(_field("Forecast", Text("not enough data yet (check-ins on two or more "
                                             "days, a week apart)", "dim")))  # fmt: skip
    expl = explain_kr(kr.kind, kr.direction, kr.start, kr.target, kr.current)
    parts += [Text(""), Text("How the score is computed", "bold underline"), Text(str(expl))]
    if kr.weight != 1:
        parts.append(Text(f"weight {kr.weight:g} in its objective's weighted mean", "dim"))
    return Group(*parts)


def chart_title(ref: str, title: str, why_none: str = "") -> Text:
    """The chart's heading: "Burn-up  KR-12 Grow MRR…" (the title is user text: plain),
    or why there is no chart."""
    head = Text.assemble(("Burn-up  ", "bold"), (f"{ref} ", "bold"), plain(truncate(title, 50)))
    if why_none:
        head.append(f"\n{why_none}", "dim")
    return head


class DetailPane(VerticalScroll):
    """The detail pane: the burn-up chart (when asked for), a body, a sparkline and the
    history table (shown for a KR)."""

    def compose(self) -> ComposeResult:
        yield Static(id="detail-body")
        yield Sparkline([], id="spark")
        yield HistoryTable(id="history", cursor_type="row", zebra_stripes=True)
        yield Static(id="detail-comments")

    def show_burnup(self, title: Text | None, burn: BurnUp | None = None) -> None:
        """The burn-up chart above the body (``title`` None: no chart).

        The chart is made on first use: its plotting library (textual-plotext and plotext,
        ≈25 ms of imports) is then not on the way to the app's first frame."""
        found = self.query("#burnup")
        if title is None:
            for widget in found:
                widget.display = False
            return
        from widgets.burnup_chart import BurnUpChart

        if found:
            chart = found.first(BurnUpChart)
        else:
            chart = BurnUpChart(id="burnup")
            self.mount(chart, before="#detail-body")
        chart.display = True
        chart.show(title, burn)

    def show_text(self, text: Text) -> None:
        """Only a message (nothing selected, nothing to show, an error)."""
        self.show_burnup(None)
        self.query_one("#detail-body", Static).update(text)
        self.query_one("#spark", Sparkline).display = False
        self.query_one(HistoryTable).display = False
        self.query_one("#detail-comments", Static).display = False

    def show_comments(self, comments: Sequence[CommentRow], ref: str) -> None:
        """The thread of what is shown, under it (newest last)."""
        thread = self.query_one("#detail-comments", Static)
        thread.update(thread_text(comments, ref))
        thread.display = True

    def show_objective(self, body: RenderableType) -> None:
        self.show_text(Text(""))
        self.query_one("#detail-body", Static).update(body)

    def show_key_result(
        self, body: RenderableType, values: Sequence[float], history: Iterable[tuple[str, Cells]]
    ) -> None:
        """A KR's body, the sparkline of its last ``values`` and its history rows."""
        self.query_one("#detail-body", Static).update(body)
        spark = self.query_one("#spark", Sparkline)
        spark.data = list(values)
        spark.display = len(values) > 1
        self.query_one(HistoryTable).show(history)
