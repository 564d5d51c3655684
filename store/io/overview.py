"""The company overview: objectives and key results by band per level and per team, the
week's biggest movers, the stale and the at-risk, all from one built report.

Computed from :class:`~store.io.report.Report` (no query of its own): the overview
screen and the HTML report show the same numbers as the weekly report, read once.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from store.domain.staleness import DEFAULT_CADENCE_DAYS, counted_since, days_without, is_stale
from store.io.report import KrLine, ObjectiveLine, Report
from store.model.enums import Band

BANDS = (Band.OVERPERFORMING, Band.ACHIEVED, Band.ON_TRACK, Band.AT_RISK, Band.OFF_TRACK,
         Band.NO_DATA)  # fmt: skip
"""The bands best first, no data last (the order of every count and bar)."""
ON_TRACK_OR_BETTER = (Band.OVERPERFORMING, Band.ACHIEVED, Band.ON_TRACK)
Of = Literal["objectives", "key_results"]
MOVERS = 5


@dataclass(frozen=True)
class BandCounts:
    """How many objectives and key results of a group are in each band."""

    name: str
    objectives: dict[Band, int] = field(default_factory=lambda: dict.fromkeys(BANDS, 0))
    key_results: dict[Band, int] = field(default_factory=lambda: dict.fromkeys(BANDS, 0))

    @property
    def objective_total(self) -> int:
        return sum(self.objectives.values())

    @property
    def kr_total(self) -> int:
        return sum(self.key_results.values())

    def share(self, band: Band, of: Of = "objectives") -> float:
        """The share of the group's objectives (or key results) in ``band``, 0 when empty."""
        counts = self.objectives if of == "objectives" else self.key_results
        total = sum(counts.values())
        return counts[band] / total if total else 0.0

    def share_on_track(self, of: Of = "objectives") -> float | None:
        """The share on track or better (achieved, overperforming); None when empty."""
        counts = self.objectives if of == "objectives" else self.key_results
        if not sum(counts.values()):
            return None
        return sum(self.share(b, of) for b in ON_TRACK_OR_BETTER)


@dataclass(frozen=True)
class Item:
    """An objective or key result a list names: enough to show it and to jump to it."""

    kind: Literal["objective", "kr"]
    id: int
    ref: str
    title: str
    owner: str
    score: float | None
    band: Band
    detail: str = ""  # why it is listed ("+12 pts", "no check-in for 20 days")
    before: float | None = None  # a mover's score a week ago


@dataclass(frozen=True)
class Overview:
    """Everything the overview shows, for the report's period as seen on its day."""

    report: Report
    total: BandCounts
    levels: tuple[BandCounts, ...]
    teams: tuple[BandCounts, ...]
    movers: tuple[Item, ...]
    stale: tuple[Item, ...]
    at_risk: tuple[Item, ...]


def _group(name: str, lines: Iterable[ObjectiveLine]) -> BandCounts:
    counts = BandCounts(name)
    for line in lines:
        counts.objectives[line.row.band] += 1
        for kr in line.key_results:
            counts.key_results[kr.row.band] += 1
    return counts


def _objective(line: ObjectiveLine, detail: str = "", before: float | None = None) -> Item:
    row = line.row
    return Item("objective", row.id, row.ref, row.title, row.owner, row.score, row.band,
                detail, before)  # fmt: skip


def _kr(kr: KrLine, detail: str = "", before: float | None = None) -> Item:
    row = kr.row
    return Item("kr", row.id, row.ref, row.title, row.owner, row.progress, row.band,
                detail, before)  # fmt: skip


def points(after: float | None, before: float | None) -> int:
    """A score's move in whole percentage points, each end capped at 1.0 (none: 0)."""
    return round((min(after or 0.0, 1.0) - min(before or 0.0, 1.0)) * 100)


def movers(report: Report, count: int = MOVERS) -> list[Item]:
    """The objectives and key results whose score moved most since a week ago."""
    found: list[tuple[int, Item]] = []
    for line in report.objectives:
        if line.row.score is not None:
            pts = points(line.row.score, line.week_ago_score)
            if pts:
                found.append((pts, _objective(line, f"{pts:+d} pts", line.week_ago_score)))
        for kr in line.key_results:
            if kr.row.progress is not None:
                pts = points(kr.row.progress, kr.week_ago_progress)
                if pts:
                    found.append((pts, _kr(kr, f"{pts:+d} pts", kr.week_ago_progress)))
    found.sort(key=lambda pair: -abs(pair[0]))  # stable: tree order among equals
    return [item for _, item in found[:count]]


def stale(report: Report, stale_after: int = DEFAULT_CADENCE_DAYS) -> list[Item]:
    """Key results checked in by hand that are stale by the one rule the tree's marks, the
    inbox and ``okrtui remind`` use (store.domain.staleness); a KPI-driven key result moves
    with its KPI: never stale here."""
    out = []
    start, today = report.period.starts_on, report.today
    for line in report.objectives:
        for kr in line.key_results:
            last, since = kr.row.current_at, counted_since(start, kr.row.created_at)
            if kr.row.kpi_id is not None or not is_stale(last, since, today, stale_after):
                continue
            age = days_without(last, since, today)
            out.append(
                _kr(kr, "never checked in" if last is None else f"last check-in {age} days ago")
            )
    return out


def at_risk(report: Report) -> list[Item]:
    """Objectives off track, then at risk (the weekly report's "needs attention", without
    those that have no data yet: the stale list names them)."""
    worrying = [o for o in report.attention() if o.row.band != Band.NO_DATA]
    return [_objective(o, f"@{o.row.owner}") for o in worrying]


def build_overview(report: Report, stale_after: int = DEFAULT_CADENCE_DAYS) -> Overview:
    """The overview of a built report (no query); ``stale_after`` is the team's cadence
    (``[reminders] stale_after_days``)."""
    levels: dict[str, list[ObjectiveLine]] = {}
    teams: dict[str, list[ObjectiveLine]] = {}
    for line in report.objectives:
        levels.setdefault(line.row.level.value, []).append(line)
        teams.setdefault(line.row.team or "no team", []).append(line)
    order = ("company", "team", "personal")
    return Overview(
        report,
        _group("all", report.objectives),
        tuple(_group(name, levels[name]) for name in order if name in levels),
        tuple(_group(name, teams[name]) for name in sorted(teams, key=str.casefold)),
        tuple(movers(report)),
        tuple(stale(report, stale_after)),
        tuple(at_risk(report)),
    )
