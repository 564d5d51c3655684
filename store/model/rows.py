"""The rows the read models return: plain frozen dataclasses, no SQL, no ORM object.

Kept apart from the readers (store/read/tree.py) so widgets and other code that only
hands rows around can import them without the database layer. Reading a field never
queries: a row holds what was read; what was not read yet is asked from its reader by
a method whose name says so (``TreeReader.key_results(oid)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from store.model.enums import (
    Aggregation,
    Band,
    Cadence,
    Confidence,
    Direction,
    Kind,
    KpiDirection,
    Level,
    PeriodState,
)


@dataclass(frozen=True)
class PeriodRow:
    id: int
    name: str
    starts_on: date
    ends_on: date
    state: PeriodState


@dataclass(frozen=True)
class KrRow:
    """A key result with its current value and score."""

    id: int
    objective_id: int
    title: str
    kind: Kind
    direction: Direction
    start: float | None
    target: float | None
    unit: str
    owner: str
    kpi_id: int | None
    kpi_name: str | None
    weight: float
    position: int
    current: float | None
    current_at: datetime | date | None
    progress: float | None
    band: Band
    created_at: datetime | None
    """When it was added: a key result added mid-period owes check-ins from then."""

    @property
    def ref(self) -> str:
        return f"KR-{self.id}"


@dataclass(frozen=True)
class ObjectiveHead:
    """An objective's own columns, its collaborators and its aligned children (ids, in
    display order): what the outline of a tree knows before any key result is read."""

    id: int
    period_id: int
    parent_id: int | None
    level: Level
    team: str | None
    title: str
    description: str
    owner: str
    state: str
    grade: float | None
    position: int
    collaborators: tuple[str, ...]
    children: tuple[int, ...]

    @property
    def ref(self) -> str:
        return f"O-{self.id}"

    def involves(self, username: str) -> bool:
        """Owner or collaborator (what "mine" means for an objective)."""
        return self.owner == username or username in self.collaborators


@dataclass(frozen=True)
class ObjectiveRow(ObjectiveHead):
    """An objective with its key results and its rolled-up score."""

    key_results: tuple[KrRow, ...]
    score: float | None
    band: Band


Head = TypeVar("Head", bound=ObjectiveHead)
Row = TypeVar("Row", KrRow, ObjectiveHead, ObjectiveRow)


_NAMES: dict[type, tuple[str, ...]] = {}


def built(cls: type[Row], values: Iterable[Any]) -> Row:
    """A frozen row from its field values in field order, equal to ``cls(*values)``.

    Without the frozen dataclass ``__init__``, which sets each field through
    ``object.__setattr__``: ≈3.5 µs a key result, ≈110 ms of reading the large
    organisation's 30,000 (bench/README.md, ``status --json``). For these rows only,
    whose fields take the values as they are (no ``__post_init__``, no defaults).
    """
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in fields(cls))
    row = object.__new__(cls)
    row.__dict__.update(zip(names, values, strict=True))
    return row


@dataclass(frozen=True)
class TreeOutline(Generic[Head]):
    """The objectives of one period, aligned: ``roots`` in display order, each row's
    ``children`` below it."""

    period: PeriodRow
    objectives: Mapping[int, Head]
    roots: tuple[int, ...]

    def walk(self) -> Iterator[tuple[int, Head]]:
        """Depth-first (depth, objective), roots first in display order."""
        stack = [(0, oid) for oid in reversed(self.roots)]
        while stack:
            depth, oid = stack.pop()
            row = self.objectives[oid]
            yield depth, row
            stack.extend((depth + 1, child) for child in reversed(row.children))

    def descendants(self, oid: int) -> set[int]:
        """Every objective aligned under ``oid``, however deep."""
        found: set[int] = set()
        stack = list(self.objectives[oid].children)
        while stack:
            child = stack.pop()
            if child not in found and child in self.objectives:
                found.add(child)
                stack.extend(self.objectives[child].children)
        return found


@dataclass(frozen=True)
class TreeModel(TreeOutline[ObjectiveRow]):
    """The alignment tree of one period with every key result and score read."""

    _by_id: dict[int, KrRow] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {kr.id: kr for row in self.objectives.values() for kr in row.key_results}
        object.__setattr__(self, "_by_id", index)  # frozen: the dataclass way to set it

    def key_result(self, kr_id: int) -> KrRow | None:
        """A KR of the period by id (None when it is not one of them)."""
        return self._by_id.get(kr_id)

    def kr_owners(self) -> dict[int, tuple[int, str]]:
        """Every KR of the period: id → (objective id, owner)."""
        return {kr.id: (o.id, kr.owner) for o in self.objectives.values() for kr in o.key_results}


@dataclass(frozen=True)
class CheckInRow:
    id: int
    key_result_id: int
    value: float
    confidence: Confidence | None
    note: str
    author: str
    created_at: datetime


@dataclass(frozen=True)
class KpiPanel:
    """A KPI with its last N values (oldest first) for a dashboard panel."""

    id: int
    name: str
    unit: str
    category: str
    owner: str
    team: str | None
    direction: KpiDirection
    target: float | None
    green: float | None
    red: float | None
    parent_id: int | None
    archived: bool
    values: tuple[tuple[date, float], ...]
    # Issue 18: how often a value is due, how values add up, the range to stay within.
    cadence: Cadence | None = None
    aggregation: Aggregation = Aggregation.LEVEL
    range_low: float | None = None
    range_high: float | None = None

    @property
    def latest(self) -> tuple[date, float] | None:
        return self.values[-1] if self.values else None

    @property
    def previous(self) -> tuple[date, float] | None:
        return self.values[-2] if len(self.values) > 1 else None


@dataclass(frozen=True)
class ObjectiveOutcome:
    """What a period's close recorded on an objective, and the one it was rolled over from."""

    grade: float | None
    retro_note: str
    rolled_from: str | None  # 'O-3 "title" (2026-Q3)'


CORRECTED = "check_in_corrected"


REMOVED = "check_in_removed"


UNREADABLE = "unreadable"
"""The action of a :class:`CheckInEvent` whose activity row okrtui could not read."""


@dataclass(frozen=True)
class CheckInEvent:
    """A correction or removal of one of a KR's check-ins, as the history shows it.

    An activity row okrtui did not write (a malformed detail, a time without a time
    zone: someone with direct access to the database) is returned with the action
    :data:`UNREADABLE`, ``problem`` saying what is wrong and an empty detail, so that
    a screen shows it as unreadable instead of failing on it.
    """

    check_in_id: int
    action: str  # CORRECTED, REMOVED or UNREADABLE
    author: str
    at: datetime
    detail: dict[str, Any]
    problem: str | None = None


@dataclass(frozen=True)
class CommentRow:
    """One comment; ``subject`` is the reference of what it is about (``KR-12``)."""

    id: int
    subject: str
    author: str
    body: str
    created_at: datetime
    edited_at: datetime | None

    @property
    def ref(self) -> str:
        return f"#{self.id}"
