"""Burn-up series: a key result's or an objective's progress over its period.

Pure computations for the burn-up chart (the TUI's detail pane and the HTML report draw
the same numbers): each check-in's progress by :func:`~store.domain.scoring.kr_progress`,
the expected line of :func:`~store.domain.pace.expected_progress` (0 at the period's
start, 1 at its end), and the forecast of :func:`~store.domain.pace.forecast` (its
least-squares line, drawn from the last check-in to the period's end, only when the
scoring rules make a forecast at all).

An objective's series is its score as the roll-up rule gives it on each day one of its
key results was checked in: each key result at its latest value up to that day (none
yet counts as 0, :func:`~store.domain.scoring.objective_score`). Its confidence on that
day is the worst of its key results' latest confidences: one key result the owner fears
for is what a reader of the objective needs to see.

Progress is a share (1.0 = target), uncapped for a key result (overperforming shows)
and capped for an objective, as everywhere else.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from store.domain.pace import expected_progress, forecast
from store.domain.scoring import kr_progress, objective_score
from store.model.enums import Confidence, Direction, Kind

CONFIDENCE_RANK = {Confidence.ON_TRACK: 0, Confidence.AT_RISK: 1, Confidence.OFF_TRACK: 2}
"""Worse is higher: an objective's confidence on a day is its KRs' highest rank."""


def day_of(moment: datetime | date) -> date:
    """The calendar day of a check-in (as the time carries it) or of a KPI value."""
    return moment.date() if isinstance(moment, datetime) else moment


@dataclass(frozen=True)
class Sample:
    """One recorded value: a check-in (with its confidence) or a KPI value (none)."""

    at: datetime | date
    value: float
    confidence: Confidence | None = None


@dataclass(frozen=True)
class KrSpec:
    """What turns a key result's values into progress (its scoring inputs)."""

    kind: Kind
    direction: Direction
    start: float | None
    target: float | None
    weight: float = 1.0

    def progress(self, value: float | None) -> float | None:
        return kr_progress(self.kind, self.direction, self.start, self.target, value)

    @property
    def forecastable(self) -> bool:
        """Only a quantity moving towards a target has a trend worth projecting; a
        milestone or a line to hold scores 0 or 1, which a straight line cannot show."""
        if self.kind == Kind.PERCENT:
            return True
        return self.kind == Kind.METRIC and self.direction in (
            Direction.INCREASE,
            Direction.DECREASE,
        )


@dataclass(frozen=True)
class BurnUp:
    """A progress series over a period, ready to draw.

    ``points`` are (day, progress), one per day (the day's last value), oldest first,
    clipped to the period; ``confidences`` the confidence given on each of those days
    (None: none given); ``forecast`` the projected line as two (day, progress) ends, or
    None when the scoring rules make no forecast.
    """

    start: date
    end: date
    today: date
    points: tuple[tuple[date, float], ...]
    confidences: tuple[tuple[date, Confidence | None], ...]
    forecast: tuple[tuple[date, float], tuple[date, float]] | None

    def expected(self, day: date) -> float:
        """The expected progress on ``day``: the share of the period elapsed."""
        return expected_progress(self.start, self.end, day)

    @property
    def expected_line(self) -> tuple[tuple[date, float], tuple[date, float]]:
        """The expected pace from the period's start (0) to its end (1.0)."""
        return (self.start, 0.0), (self.end, 1.0)

    @property
    def today_in_period(self) -> bool:
        return self.start <= self.today <= self.end

    @property
    def top(self) -> float:
        """The highest progress the chart must show: at least the target (1.0)."""
        values = [v for _, v in self.points]
        if self.forecast is not None:
            values.append(self.forecast[1][1])
        return max([1.0, *values])


def _clip(day: date, start: date, end: date) -> date:
    return min(max(day, start), end)


def _per_day(pairs: Sequence[tuple[date, float]]) -> list[tuple[date, float]]:
    """One point per day, the day's last; ``pairs`` oldest first."""
    by_day: dict[date, float] = {}
    for day, value in pairs:
        by_day[day] = value
    return sorted(by_day.items())


def _fitted_line(
    samples: Sequence[tuple[datetime | date, float]], start: date, end: date, last_day: date
) -> tuple[tuple[date, float], tuple[date, float]] | None:
    """The forecast's straight line at ``last_day`` and at ``end`` (raw values), or None
    when :func:`~store.domain.pace.forecast` makes none."""
    at_end = forecast(samples, end, start)
    if at_end is None:
        return None
    at_last = forecast(samples, last_day, start)
    if at_last is None:  # cannot happen once the end has one (a shorter span is allowed)
        return None
    return (last_day, at_last), (end, at_end)


def kr_burnup(
    spec: KrSpec, samples: Sequence[Sample], start: date, end: date, today: date
) -> BurnUp:
    """A key result's burn-up: each value's progress, its confidences and its forecast.

    ``samples`` oldest first. Values before the period's start are drawn on its first
    day (a start value checked in early), values after its end on its last.
    """
    scored = [(s, spec.progress(s.value)) for s in samples]
    usable = [(s, p) for s, p in scored if p is not None]
    points = _per_day([(_clip(day_of(s.at), start, end), p) for s, p in usable])
    confidences: dict[date, Confidence | None] = {}
    for s, _ in usable:
        confidences[_clip(day_of(s.at), start, end)] = s.confidence
    line = None
    if spec.forecastable and points:
        raw = _fitted_line([(s.at, s.value) for s, _ in usable], start, end, points[-1][0])
        if raw is not None:
            (d0, v0), (d1, v1) = raw
            p0, p1 = spec.progress(v0), spec.progress(v1)
            if p0 is not None and p1 is not None:
                line = (d0, p0), (d1, p1)
    return BurnUp(start, end, today, tuple(points), tuple(sorted(confidences.items())), line)


def _worst(confidences: Sequence[Confidence | None]) -> Confidence | None:
    given = [c for c in confidences if c is not None]
    return max(given, key=CONFIDENCE_RANK.__getitem__) if given else None


def objective_burnup(
    key_results: Sequence[tuple[KrSpec, Sequence[Sample]]], start: date, end: date, today: date
) -> BurnUp:
    """An objective's score over the period from its key results' histories.

    On each day any key result has a value, every key result counts at its latest
    value up to that day (none yet: 0), weighted and capped as the objective's score.
    The forecast is the same least-squares rule applied to the score itself.
    """
    days = sorted({_clip(day_of(s.at), start, end) for _, samples in key_results for s in samples})
    timelines = [
        (spec, sorted(((_clip(day_of(s.at), start, end), s) for s in samples),
                      key=lambda pair: pair[0]))
        for spec, samples in key_results
    ]  # fmt: skip
    points: list[tuple[date, float]] = []
    confidences: list[tuple[date, Confidence | None]] = []
    latest: list[Sample | None] = [None] * len(timelines)  # each KR's, up to the day
    seen = [0] * len(timelines)  # how far into each timeline the days have gone
    for day in days:  # ascending: each timeline is walked once
        for k, (_spec, timeline) in enumerate(timelines):
            while seen[k] < len(timeline) and timeline[seen[k]][0] <= day:
                latest[k] = timeline[seen[k]][1]
                seen[k] += 1
        scores = [(spec.progress(last.value) if last else None, spec.weight)
                  for (spec, _), last in zip(timelines, latest, strict=True)]  # fmt: skip
        score = objective_score(scores)
        if score is not None:
            points.append((day, score))
            confidences.append((day, _worst([last.confidence if last else None
                                             for last in latest])))  # fmt: skip
    line = None
    if points:
        raw = _fitted_line(points, start, end, points[-1][0])
        if raw is not None:
            (d0, v0), (d1, v1) = raw
            line = (d0, min(max(v0, 0.0), 1.0)), (d1, min(max(v1, 0.0), 1.0))
    return BurnUp(start, end, today, tuple(points), tuple(confidences), line)
