"""Read models for the screens and the CLI: plain dataclasses from a fixed number of queries.

The alignment tree of a period is three queries (period, objectives, collaborators)
however many nodes it has; key results and scores are read by sibling group when first
used (``load_tree``). Big reads use plain rows, not ORM objects, and the tree's reads
need neither SQLAlchemy nor the ORM models (``Database.plain_read``): the TUI draws its
first frame before importing them. Queries built with SQLAlchemy import it inside.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from store.db.database import Database
from store.db.sql import readable_day, readable_number, readable_time
from store.domain.scoring import Thresholds, band, kr_progress, objective_score
from store.domain.validation import clean_line, parse_reference
from store.errors import NotFoundError
from store.model.enums import (
    Band,
    Confidence,
    Direction,
    Kind,
    KpiDirection,
    Level,
    ObjectiveState,
    PeriodState,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection

_TABLE_NAMES = frozenset({"P", "OB", "KR", "C", "CI", "K", "KV", "OBJECTIVE_T", "KR_T", "KPI_T",
                          "KV_T"})  # fmt: skip


def __getattr__(name: str) -> Any:
    """The table handles other modules import from here (``from store.queries import KR``),
    now in store/model/handles.py: loaded on first use, since they import the ORM models."""
    if name in _TABLE_NAMES:
        from store.model import handles as tables

        return getattr(tables, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

    @property
    def ref(self) -> str:
        return f"KR-{self.id}"


class _Lazy:
    """A field of :class:`ObjectiveRow` computed by its tree on first read (then kept).

    A dataclass field whose default is a descriptor: ``asdict``, ``==`` and ``repr``
    read it like any field, so the row's public shape is unchanged.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.slot = f"_{name}"

    def __get__(self, row: ObjectiveRow | None, owner: type) -> object:
        if row is None:
            return _PENDING  # the dataclass default
        value = row.__dict__.get(self.slot, _PENDING)
        if value is _PENDING:
            value = row._compute(self.name)
            row.__dict__[self.slot] = value
        return value

    def __set__(self, row: ObjectiveRow, value: object) -> None:
        row.__dict__[self.slot] = value


_PENDING: object = object()
_LAZY_FIELDS = ("key_results", "score", "band")


@dataclass
class ObjectiveRow:
    """An objective with its KRs, children and rolled-up score.

    ``key_results``, ``score`` and ``band`` are read from the database when first used
    (see ``load_tree``); they behave as plain fields otherwise.
    """

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
    collaborators: tuple[str, ...] = ()
    key_results: list[KrRow] = _Lazy()  # type: ignore[assignment]
    children: list[int] = field(default_factory=list)
    score: float | None = _Lazy()  # type: ignore[assignment]
    band: Band = _Lazy()  # type: ignore[assignment]

    @property
    def ref(self) -> str:
        return f"O-{self.id}"

    def involves(self, username: str) -> bool:
        """Owner or collaborator (what "mine" means for an objective)."""
        return self.owner == username or username in self.collaborators

    def _compute(self, name: str) -> object:
        source: _TreeSource | None = self.__dict__.get("_source")
        if name == "key_results":
            return source.key_results(self.id) if source else []
        if name == "score":
            return source.score(self.id) if source else None
        return band(self.score, source.th if source else Thresholds())


@dataclass
class TreeModel:
    """The alignment tree of one period."""

    period: PeriodRow
    objectives: dict[int, ObjectiveRow]
    roots: list[int]

    def walk(self) -> Iterator[tuple[int, ObjectiveRow]]:
        """Depth-first (depth, objective), roots first in display order."""
        stack = [(0, oid) for oid in reversed(self.roots)]
        while stack:
            depth, oid = stack.pop()
            row = self.objectives[oid]
            yield depth, row
            stack.extend((depth + 1, child) for child in reversed(row.children))

    def __eq__(self, other: object) -> bool:
        """Equal when everything shown is: compares every KR (reading the rest of both)."""
        if not isinstance(other, TreeModel):
            return NotImplemented
        for tree in (self, other):
            source = tree.__dict__.get("_source")
            if source is not None:
                source.load_all()
        return (self.period, self.objectives, self.roots) == (
            other.period,
            other.objectives,
            other.roots,
        )

    def same_as_read(self, fresh: TreeModel) -> bool:
        """Whether ``fresh`` (a new read of the same period) holds the same as this tree
        has read so far: what a screen shows. Cheaper than ``==``, which reads every KR
        of both; the parts not read yet will be read from the database when first used.
        """
        if (self.period, self.roots) != (fresh.period, fresh.roots):
            return False
        if self.objectives.keys() != fresh.objectives.keys():
            return False
        for oid, row in self.objectives.items():
            other = fresh.objectives[oid]
            if any(row.__dict__[f] != other.__dict__[f] for f in _OBJECTIVE_FIELDS):
                return False
            for name in _LAZY_FIELDS:
                if f"_{name}" in row.__dict__ and getattr(row, name) != getattr(other, name):
                    return False
        return True

    def load_all(self) -> None:
        """Read every key result now (before walking all of them, say)."""
        source = self.__dict__.get("_source")
        if source is not None:
            source.load_all()

    def kr_owners(self) -> dict[int, tuple[int, str]]:
        """Every KR of the period: id → (objective id, owner), without building KRs."""
        source = self.__dict__.get("_source")
        if source is not None:
            return source.kr_owners()  # type: ignore[no-any-return]
        return {kr.id: (o.id, kr.owner) for o in self.objectives.values() for kr in o.key_results}

    def key_result(self, kr_id: int) -> KrRow | None:
        """A KR by id: looked up among the KRs read so far, else its objective's are read."""
        source = self.__dict__.get("_source")
        if source is not None:
            found = source.by_id.get(kr_id)
            if found is not None or source.complete:
                return found
            oid = source.objective_of(kr_id)
            row = self.objectives.get(oid) if oid is not None else None
            krs = row.key_results if row is not None else []
        else:
            krs = [kr for row in self.objectives.values() for kr in row.key_results]
        return next((kr for kr in krs if kr.id == kr_id), None)


def _period_row(row: tuple[Any, ...]) -> PeriodRow | None:
    """A period, or None when its dates are not ones okrtui could have written (someone
    with the SQLite file, or a PostgreSQL row from before migration 0006)."""
    pid, name, starts_on, ends_on, state = row
    start, end = readable_day(starts_on), readable_day(ends_on)
    if start is None or end is None or state not in _PERIOD_STATES:
        return None
    return PeriodRow(pid, name, start, end, _PERIOD_STATES[state])


def list_periods(db: Database) -> list[PeriodRow]:
    """Every period okrtui can read, newest first (one with unreadable dates is left out:
    every screen sorts and compares them)."""
    with db.plain_read() as fetch:
        rows = fetch(
            "SELECT id, name, starts_on, ends_on, state FROM period ORDER BY starts_on DESC",
            {},
        )
    return [p for p in map(_period_row, rows) if p is not None]


def default_period(db: Database, today: date | None = None) -> PeriodRow | None:
    """The active period; else the one containing today; else the latest."""
    periods = list_periods(db)
    today = today or date.today()
    for test in (
        lambda p: p.state == PeriodState.ACTIVE,
        lambda p: p.starts_on <= today <= p.ends_on,
        lambda p: True,
    ):
        for period in periods:
            if test(period):
                return period
    return None


def resolve_period(db: Database, text: str | None) -> PeriodRow:
    """A period by name or id, or the default one when ``text`` is None."""
    if text is None:
        period = default_period(db)
        if period is None:
            raise NotFoundError("there is no period yet: create one first")
        return period
    periods = list_periods(db)
    wanted = clean_line(text)
    for period in periods:
        if period.name.lower() == wanted.lower() or str(period.id) == wanted:
            return period
    raise NotFoundError(f"no period {wanted!r}", tuple(p.name for p in periods[:5]))


def _kpi_current(period_end: object) -> object:
    """The linked KPI's latest value on or before the period's end (NULL if not KPI-driven)."""
    from sqlalchemy import case, select

    from store.model.handles import KR, KV

    latest = (
        select(KV.value)
        .where(KV.kpi_id == KR.kpi_id, KV.observed_on <= period_end)
        .order_by(KV.observed_on.desc())
        .limit(1)
        .scalar_subquery()
    )
    return case((KR.kpi_id.is_(None), None), else_=latest)


def _kpi_current_on(period_end: object) -> object:
    from sqlalchemy import case, select

    from store.model.handles import KR, KV

    latest = (
        select(KV.observed_on)
        .where(KV.kpi_id == KR.kpi_id, KV.observed_on <= period_end)
        .order_by(KV.observed_on.desc())
        .limit(1)
        .scalar_subquery()
    )
    return case((KR.kpi_id.is_(None), None), else_=latest)


def _kr_rows(conn: Connection, where: object, period_end: date, th: Thresholds) -> list[KrRow]:
    """KrRows read as the tree reads them (``_tree_kr_rows``): values and times as
    stored, unreadable ones as unknown."""
    from sqlalchemy import select, type_coerce
    from sqlalchemy.types import NullType

    from store.model.handles import KPI_T, KR, KR_T, OB, OBJECTIVE_T, K

    def raw(column: Any) -> Any:  # the driver's value: SQLite text is parsed by readers
        return type_coerce(column, NullType())

    stmt = (
        select(
            KR.id,
            KR.objective_id,
            KR.title,
            KR.kind,
            KR.direction,
            KR.start_value,
            KR.target_value,
            KR.unit,
            KR.owner,
            KR.kpi_id,
            K.name.label("kpi_name"),
            KR.weight,
            KR.position,
            KR.current_value,
            raw(KR.current_at).label("current_at"),
            _kpi_current(period_end).label("kpi_value"),
            raw(_kpi_current_on(period_end)).label("kpi_on"),
        )
        .select_from(
            KR_T.join(OBJECTIVE_T, OB.id == KR.objective_id).outerjoin(KPI_T, K.id == KR.kpi_id)
        )
        .where(where)
        .order_by(KR.objective_id, KR.position, KR.id)
    )
    out = []
    for r in conn.execute(stmt):
        driven = r.kpi_id is not None
        current = readable_number(r.kpi_value if driven else r.current_value)
        when: datetime | date | None = (
            readable_day(r.kpi_on) if driven else readable_time(r.current_at)
        )
        if current is None or when is None:
            current, when = None, None
        start, target = readable_number(r.start_value), readable_number(r.target_value)
        progress = kr_progress(r.kind, r.direction, start, target, current)
        out.append(
            KrRow(
                r.id,
                r.objective_id,
                r.title,
                r.kind,
                r.direction,
                start,
                target,
                r.unit,
                r.owner,
                r.kpi_id,
                r.kpi_name,
                readable_number(r.weight) or 0.0,
                r.position,
                current,
                when,
                progress,
                band(progress, th),
            )
        )
    return out


# The tree's queries as plain SQL, shared with the benchmark's raw-sqlite3 baseline
# (bench/run.py). A KPI-driven KR's value is its KPI's latest on or before the period's
# end, looked up only on the rows that follow a KPI (an indexed LIMIT 1 each).
TREE_PERIOD = "SELECT id, name, starts_on, ends_on, state FROM period WHERE id = :period"
TREE_OBJECTIVES = (
    "SELECT id, period_id, parent_id, level, team, title, description, owner, state, grade, "
    "position FROM objective WHERE period_id = :period ORDER BY position, id"
)
TREE_COLLABORATORS = (
    "SELECT c.objective_id, c.username FROM collaborator c JOIN objective o "
    "ON o.id = c.objective_id WHERE o.period_id = :period ORDER BY c.username"
)
_KPI_LATEST = (
    "(CASE WHEN k.kpi_id IS NULL THEN NULL ELSE (SELECT v.{col} FROM kpi_value v "
    "WHERE v.kpi_id = k.kpi_id AND v.observed_on <= :end "
    "ORDER BY v.observed_on DESC LIMIT 1) END)"
)
_TREE_KRS = (
    "SELECT k.id, k.objective_id, k.title, k.kind, k.direction, k.start_value, "
    "k.target_value, k.unit, k.owner, k.kpi_id, k.weight, k.position, k.current_value, "
    f"k.current_at, p.name, {_KPI_LATEST.format(col='value')}, "
    f"{_KPI_LATEST.format(col='observed_on')} FROM key_result k "
    "LEFT JOIN kpi p ON p.id = k.kpi_id WHERE {where} ORDER BY k.objective_id, k.position, k.id"
)
TREE_KRS = _TREE_KRS.format(
    where="k.objective_id IN (SELECT id FROM objective WHERE period_id = :period)"
)
TREE_KR_OWNERS = (
    "SELECT k.id, k.objective_id, k.owner FROM key_result k JOIN objective o "
    "ON o.id = k.objective_id WHERE o.period_id = :period"
)
TREE_KR_OBJECTIVE = (
    "SELECT k.objective_id FROM key_result k JOIN objective o ON o.id = k.objective_id "
    "WHERE k.id = :kr AND o.period_id = :period"
)
_KR_FIELDS = tuple(KrRow.__dataclass_fields__)
_KINDS = {k.value: k for k in Kind}
_DIRECTIONS = {d.value: d for d in Direction}
_LEVELS = {v.value: v for v in Level}
_STATES = {v.value: v for v in ObjectiveState}
_PERIOD_STATES = {v.value: v for v in PeriodState}
_OBJECTIVE_FIELDS = tuple(f for f in ObjectiveRow.__dataclass_fields__ if f not in _LAZY_FIELDS)
BATCH_LIMIT = 500
"""Most objectives whose key results one lazy read fetches (they are siblings)."""
READS_BEFORE_BULK = 32
"""Lazy reads after which the rest of the period's key results are read in one go (a
caller walking every objective should not cost one query per objective)."""


def _tree_kr_rows(rows: list[tuple], th: Thresholds) -> list[KrRow]:  # type: ignore[type-arg]
    """KrRows from TREE_KRS rows, each filled through ``__dict__`` (a frozen dataclass's
    ``__init__`` costs twice as much, which matters 30,000 times).

    Numbers and times okrtui could not have written (NaN, infinity, text, a date out of
    range: the SQLite file edited by hand, a PostgreSQL row from before migration 0006)
    read as unknown (None; a weight as 0, counting for nothing), never as a crash.
    """
    out = []
    new, fields, kinds, directions = object.__new__, _KR_FIELDS, _KINDS, _DIRECTIONS
    number, time = readable_number, readable_time
    when: datetime | date | None
    for r in rows:
        kind, direction = kinds[r[3]], directions[r[4]]
        kpi_id = r[9]
        if kpi_id is None:
            kpi_name, current, when = None, number(r[12]), time(r[13])
        else:
            kpi_name, current, when = r[14], number(r[15]), readable_day(r[16])
        if current is None or when is None:  # a value and its time, or neither
            current, when = None, None
        start, target = number(r[5]), number(r[6])
        progress = kr_progress(kind, direction, start, target, current)
        kr = new(KrRow)
        kr.__dict__.update(zip(fields, (
            r[0], r[1], r[2], kind, direction, start, target, r[7], r[8], kpi_id, kpi_name,
            number(r[10]) or 0.0, r[11], current, when, progress, band(progress, th),
        ), strict=True))  # fmt: skip
        out.append(kr)
    return out


class _TreeSource:
    """Where a tree's key results and scores come from when first asked for.

    Reads the key results of an objective together with its siblings (a screen shows
    them together), one query each time; after :data:`READS_BEFORE_BULK` such reads,
    or when asked for everything, the rest of the period in one query. Later reads see
    the database as it is then: a screen that must stay consistent with what others
    write re-reads the tree when they commit (okrtui/live.py).
    """

    def __init__(self, db: Database, period: PeriodRow, th: Thresholds) -> None:
        self.db = db
        self.period = period
        self.th = th
        self.tree: TreeModel | None = None
        self.krs: dict[int, list[KrRow]] = {}
        self.by_id: dict[int, KrRow] = {}  # the detail pane asks on every cursor move
        self.scores: dict[int, float | None] = {}
        self.reads = 0
        self.complete = False

    def _params(self) -> dict[str, object]:
        return {"period": self.period.id, "end": self.period.ends_on.isoformat()}

    def _store(self, rows: list[tuple], wanted: Iterable[int]) -> None:  # type: ignore[type-arg]
        krs: dict[int, list[KrRow]] = {oid: [] for oid in wanted}
        for kr in _tree_kr_rows(rows, self.th):
            krs[kr.objective_id].append(kr)
        for oid, found in krs.items():
            if oid not in self.krs:
                self.krs[oid] = found
                self.by_id.update((kr.id, kr) for kr in found)

    def load_all(self) -> None:
        """Every key result of the period not read yet, in one query."""
        if self.complete:
            return
        assert self.tree is not None
        with self.db.plain_read() as fetch:
            rows = fetch(TREE_KRS, self._params())
        self._store(rows, self.tree.objectives)
        self.complete = True

    def key_results(self, oid: int) -> list[KrRow]:
        found = self.krs.get(oid)
        if found is not None:
            return found
        tree = self.tree
        assert tree is not None
        self.reads += 1
        if self.reads > READS_BEFORE_BULK:
            self.load_all()
            return self.krs.setdefault(oid, [])
        row = tree.objectives.get(oid)
        parent = tree.objectives.get(row.parent_id) if row and row.parent_id else None
        family = parent.children if parent is not None else tree.roots
        wanted = [o for o in family if o not in self.krs][:BATCH_LIMIT]
        if oid not in wanted:
            wanted.append(oid)
        marks = ", ".join(f":o{i}" for i in range(len(wanted)))
        params = self._params() | {f"o{i}": o for i, o in enumerate(wanted)}
        with self.db.plain_read() as fetch:
            rows = fetch(_TREE_KRS.format(where=f"k.objective_id IN ({marks})"), params)
        self._store(rows, wanted)
        return self.krs[oid]

    def score(self, oid: int) -> float | None:
        """objective_score of an objective: its KRs, or its children's mean when it has no
        KR with a positive weight (computed children first, without recursion)."""
        scores, tree = self.scores, self.tree
        assert tree is not None
        stack = [oid]
        while stack:
            current = stack[-1]
            if current in scores:
                stack.pop()
                continue
            row = tree.objectives[current]
            krs = [(kr.progress, kr.weight) for kr in self.key_results(current)]
            if any(w > 0.0 and math.isfinite(w) for _, w in krs):
                scores[current] = objective_score(krs)
            else:
                pending = [c for c in row.children if c not in scores and c not in stack]
                if pending:
                    stack.extend(pending)
                    continue
                scores[current] = objective_score(krs, [scores.get(c) for c in row.children])
            stack.pop()
        return scores[oid]

    def kr_owners(self) -> dict[int, tuple[int, str]]:
        """KR id → (objective id, owner) for the whole period (rights), without KrRows."""
        if self.complete:
            return {kr.id: (oid, kr.owner) for oid, krs in self.krs.items() for kr in krs}
        with self.db.plain_read() as fetch:
            rows = fetch(TREE_KR_OWNERS, self._params())
        return {kr_id: (oid, owner) for kr_id, oid, owner in rows}

    def objective_of(self, kr_id: int) -> int | None:
        with self.db.plain_read() as fetch:
            rows = fetch(TREE_KR_OBJECTIVE, {"kr": kr_id, "period": self.period.id})
        return rows[0][0] if rows else None


def load_tree(db: Database, period_id: int, thresholds: Thresholds | None = None) -> TreeModel:
    """The alignment tree of a period: every objective now; key results and scores read
    on first use, by sibling group (see ``_TreeSource``).

    Built for 10,000 objectives and 30,000 KRs (bench/): reading and scoring every KR up
    front costs more than all the rest of a screen's first frame, which shows a hundred
    objectives at most. Objective rows are plain rows filled through ``__dict__``.
    """
    th = thresholds or Thresholds()
    with db.plain_read() as fetch:
        prow = fetch(TREE_PERIOD, {"period": period_id})
        if not prow:
            raise NotFoundError(f"period {period_id} does not exist")
        found = _period_row(prow[0])
        if found is None:
            raise NotFoundError(f"period {period_id} has dates okrtui cannot read")
        period = found
        params = {"period": period_id}
        rows = fetch(TREE_OBJECTIVES, params)
        collaborators = fetch(TREE_COLLABORATORS, params)
    source = _TreeSource(db, period, th)
    objectives: dict[int, ObjectiveRow] = {}
    new, fields, levels, states = object.__new__, _OBJECTIVE_FIELDS, _LEVELS, _STATES
    for r in rows:
        row = new(ObjectiveRow)
        row.__dict__.update(zip(fields, (
            *r[:3], levels[r[3]], *r[4:8], states.get(r[8], r[8]), readable_number(r[9]),
            r[10], (), [],
        ), strict=True), _source=source)  # fmt: skip
        objectives[r[0]] = row
    for oid, username in collaborators:
        row = objectives.get(oid)
        if row is not None:
            row.collaborators += (username,)
    roots = []
    for row in objectives.values():
        parent = objectives.get(row.parent_id) if row.parent_id is not None else None
        if parent is None:
            roots.append(row.id)
        else:
            parent.children.append(row.id)
    tree = TreeModel(period, objectives, roots)
    source.tree = tree
    tree.__dict__["_source"] = source
    return tree


def my_key_results(
    db: Database, username: str, period_id: int, thresholds: Thresholds | None = None
) -> list[tuple[str, KrRow]]:
    """KRs the user owns, or whose objective they own or collaborate on: (objective title, KR)."""
    from sqlalchemy import and_, or_, select

    from store.model.handles import KR, OB, C, P

    th = thresholds or Thresholds()
    with db.read() as conn:
        period = conn.execute(select(P.ends_on).where(P.id == period_id)).scalar_one_or_none()
        if period is None:
            raise NotFoundError(f"period {period_id} does not exist")
        collab = select(C.objective_id).where(C.username == username)
        where = and_(
            OB.period_id == period_id,
            or_(KR.owner == username, OB.owner == username, OB.id.in_(collab)),
        )
        krs = _kr_rows(conn, where, period, th)
        titles = dict(
            conn.execute(
                select(OB.id, OB.title).where(OB.id.in_({kr.objective_id for kr in krs}))
            ).all()
        )
    return [(titles[kr.objective_id], kr) for kr in krs]


@dataclass(frozen=True)
class CheckInRow:
    id: int
    key_result_id: int
    value: float
    confidence: Confidence | None
    note: str
    author: str
    created_at: datetime


KR_HISTORY = (
    "SELECT id, key_result_id, value, confidence, note, author, created_at FROM check_in "
    "WHERE key_result_id = :kr ORDER BY created_at DESC, id DESC"
)
_CONFIDENCES = {c.value: c for c in Confidence}


def kr_history(db: Database, kr_id: int, limit: int | None = None) -> list[CheckInRow]:
    """A KR's check-ins, oldest first (the last ``limit`` when given).

    Read raw and checked row by row: a row okrtui did not write (a time that is not one,
    a value that is not a number: someone with direct access to the database) is left
    out rather than failing the read; an unknown confidence reads as none.
    """
    sql = KR_HISTORY if limit is None else f"{KR_HISTORY} LIMIT {max(0, int(limit))}"
    with db.plain_read() as fetch:
        rows = fetch(sql, {"kr": kr_id})
    out = []
    for row_id, kr, value, confidence, note, author, created_at in rows:
        when = readable_time(created_at)
        number = readable_number(value)
        if when is None or number is None or not isinstance(row_id, int):
            continue
        out.append(
            CheckInRow(
                row_id, kr, number, _CONFIDENCES.get(confidence) if confidence else None,
                note if isinstance(note, str) else "", str(author), when,
            )
        )  # fmt: skip
    return out[::-1]


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

    @property
    def latest(self) -> tuple[date, float] | None:
        return self.values[-1] if self.values else None

    @property
    def previous(self) -> tuple[date, float] | None:
        return self.values[-2] if len(self.values) > 1 else None


def kpi_panels(
    db: Database, last: int = 26, include_archived: bool = False, as_of: date | None = None
) -> list[KpiPanel]:
    """Every KPI with only its last ``last`` values (up to ``as_of``, when given: a closed
    period's report shows the KPIs as they stood at its end), never the whole history.

    One indexed ``ORDER BY observed_on DESC LIMIT n`` per KPI (≈0.1 ms each): joining the
    values to a per-KPI cutoff made SQLite evaluate the cutoff for every stored value,
    ≈200 ms for 50 KPIs × 5 years of daily values (bench/).
    """
    from sqlalchemy import bindparam, select, type_coerce
    from sqlalchemy.types import NullType

    from store.model.handles import KV, K

    kpis_stmt = select(
        K.id,
        K.name,
        K.unit,
        K.category,
        K.owner,
        K.team,
        K.direction,
        K.target,
        K.green_threshold,
        K.red_threshold,
        K.parent_id,
        K.archived,
    ).order_by(K.category, K.name)
    if not include_archived:
        kpis_stmt = kpis_stmt.where(K.archived.is_(False))
    latest = (
        select(type_coerce(KV.observed_on, NullType()), KV.value)  # as stored: see below
        .where(KV.kpi_id == bindparam("kpi"))
        .order_by(KV.observed_on.desc())
        .limit(max(last, 1))
    )
    if as_of is not None:
        latest = latest.where(KV.observed_on <= as_of)
    with db.read() as conn:
        kpis = conn.execute(kpis_stmt).all()
        values: dict[int, list[tuple[date, float]]] = {}
        for k in kpis:
            rows = conn.execute(latest, {"kpi": k.id}).all()
            values[k.id] = _readable_values(reversed(rows))
    return [
        KpiPanel(
            k.id,
            k.name,
            k.unit,
            k.category,
            k.owner,
            k.team,
            k.direction,
            readable_number(k.target),
            readable_number(k.green_threshold),
            readable_number(k.red_threshold),
            k.parent_id,
            k.archived,
            tuple(values.get(k.id, ())),
        )
        for k in kpis
    ]


def _readable_values(rows: Iterable[Any]) -> list[tuple[date, float]]:
    """(day, value) rows of a KPI without those okrtui cannot read (a day that is not one
    or out of range, a value that is not a finite number: the SQLite file edited by
    hand, a PostgreSQL row from before migration 0006); they would crash the chart."""
    out = []
    for day, value in rows:
        on, number = readable_day(day), readable_number(value)
        if on is not None and number is not None:
            out.append((on, number))
    return out


def _suggest(rows: Iterable[tuple[Any, ...]], prefix: str, wanted: str) -> tuple[str, ...]:
    """Close matches for a mistyped reference among (id, label) rows, as "REF (title)"."""
    import difflib

    labels = {label: f"{prefix}-{key}" for key, label in rows}
    lowered = {label.lower(): label for label in labels}
    key = clean_line(wanted).lower()
    hits = difflib.get_close_matches(key, list(lowered), n=5, cutoff=0.4)
    hits += [low for low in lowered if key and key in low and low not in hits]
    return tuple(f"{labels[lowered[h]]} ({lowered[h]})" for h in hits[:5])


def _same_name(rows: Iterable[tuple[Any, ...]], text: str) -> list[int]:
    """Ids of (id, label) rows whose label equals ``text`` ignoring case, in id order.

    Compared in Python: SQLite's lower() folds ASCII only ("ÄRGER" != "ärger").
    """
    wanted = clean_line(text).casefold()
    if not wanted:
        return []
    return sorted(key for key, label in rows if clean_line(label).casefold() == wanted)


def resolve_key_result(db: Database, text: str) -> int:
    """A KR id from ``KR-12``/``12`` or a unique title; else NotFoundError with suggestions.

    Plain SQL (``plain_read``): ``okrtui checkin`` resolves its KR without SQLAlchemy.
    """
    with db.plain_read() as fetch:
        kr_id = parse_reference(text, "KR")
        if kr_id is not None and fetch("SELECT id FROM key_result WHERE id = :id", {"id": kr_id}):
            return kr_id
        pool = fetch("SELECT id, title FROM key_result", {})
    matches = _same_name(pool, text)
    if len(matches) == 1:
        return matches[0]
    if matches:
        refs = tuple(f"KR-{m}" for m in matches[:5])
        raise NotFoundError(f"{clean_line(text)!r} names {len(matches)} key results", refs)
    raise NotFoundError(f"no key result {clean_line(text)!r}", _suggest(pool, "KR", text))


def kpi_driven(db: Database, kr_id: int) -> bool:
    """Whether the KR follows a KPI (its check-in then takes no value)."""
    with db.plain_read() as fetch:
        rows = fetch("SELECT kpi_id FROM key_result WHERE id = :id", {"id": kr_id})
    return bool(rows) and rows[0][0] is not None


def resolve_kpi(db: Database, text: str) -> int:
    """A KPI id from ``KPI-3``/``3`` or its name (any case); else NotFoundError with suggestions."""
    from sqlalchemy import select

    from store.model.handles import K

    with db.read() as conn:
        kpi_id = parse_reference(text, "KPI")
        if kpi_id is not None and conn.execute(select(K.id).where(K.id == kpi_id)).first():
            return kpi_id
        pool = [tuple(row) for row in conn.execute(select(K.id, K.name))]
    matches = _same_name(pool, text)
    if matches:
        return matches[0]
    raise NotFoundError(f"no KPI {clean_line(text)!r}", _suggest(pool, "KPI", text))
