"""Domain enumerations shared by the models, scoring and the UI.

Kept free of SQLModel so pure modules (scoring, widgets) can use them cheaply.
"""

from enum import StrEnum


class Kind(StrEnum):
    """How a key result is measured."""

    METRIC = "metric"
    PERCENT = "percent"
    MILESTONE = "milestone"


class Direction(StrEnum):
    """Which way a key result's metric should move (or the line it must hold)."""

    INCREASE = "increase"
    DECREASE = "decrease"
    STAY_ABOVE = "stay_above"
    STAY_BELOW = "stay_below"
    STAY_BETWEEN = "stay_between"
    """A range to hold: the low end is the KR's start, the high end its target."""


HOLD_DIRECTIONS = frozenset({Direction.STAY_ABOVE, Direction.STAY_BELOW, Direction.STAY_BETWEEN})
"""A level or a range to keep, scored held (1.0) or not (0.0), rather than a distance."""


class KpiDirection(StrEnum):
    """Whether a KPI is better when higher or when lower."""

    HIGHER = "higher"
    LOWER = "lower"


class Confidence(StrEnum):
    """An owner's confidence at check-in time."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


class Band(StrEnum):
    """Status band derived from a score (thresholds are configurable)."""

    OVERPERFORMING = "overperforming"
    ACHIEVED = "achieved"  # exactly the target: 1.0
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


class PeriodState(StrEnum):
    """Life cycle of a period: planned, in progress, or closed (read-only)."""

    PLANNING = "planning"
    ACTIVE = "active"
    CLOSED = "closed"


class ObjectiveState(StrEnum):
    """Life cycle of an objective."""

    ACTIVE = "active"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Level(StrEnum):
    """Where an objective sits in the alignment tree."""

    COMPANY = "company"
    TEAM = "team"
    PERSONAL = "personal"


BAND_LABEL: dict[Band, str] = {
    Band.OVERPERFORMING: "overperforming",
    Band.ACHIEVED: "achieved",
    Band.ON_TRACK: "on track",
    Band.AT_RISK: "at risk",
    Band.OFF_TRACK: "off track",
    Band.NO_DATA: "no data",
}
"""How a band reads to people, in the TUI and the CLI alike."""


class Cadence(StrEnum):
    """How often a KPI's value is due (issue 18): one value per period of this length."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class Aggregation(StrEnum):
    """How a KPI's values add up: a level (MRR: the latest value counts) or a flow
    (bookings, leads: the values of a period are summed)."""

    LEVEL = "level"
    FLOW = "flow"


class SourceKind(StrEnum):
    """Where ``okrtui kpi pull`` fetches a KPI's value (store/io/sources/)."""

    SQL = "sql"
    COMMAND = "command"
    FILE = "file"
    HTTP = "http"
    FORMULA = "formula"


EXTERNAL_SOURCES: frozenset[SourceKind] = frozenset(
    {SourceKind.SQL, SourceKind.COMMAND, SourceKind.HTTP}
)
"""Sources that run a query, a program or a request: only the server owner's pull runs them,
and only once that owner approved their definition (store/io/kpi_pull.py)."""
