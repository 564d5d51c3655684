"""Read models for the screens and the CLI: plain dataclasses from a fixed number of queries.

The alignment tree of a period is three queries (objectives, collaborators,
key results with their current values) however many nodes it has; scores are
rolled up in Python from those rows. Big reads use Core rows, not ORM objects.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Connection, and_, bindparam, case, or_, select, text

from store.db import Database
from store.enums import (
    Band,
    Confidence,
    Direction,
    Kind,
    KpiDirection,
    Level,
    ObjectiveState,
    PeriodState,
)
from store.errors import NotFoundError
from store.models import CheckIn, Collaborator, KeyResult, Kpi, KpiValue, Objective, Period
from store.scoring import Thresholds, band, kr_progress, objective_score
from store.validation import clean_line, parse_reference

_TABLES = {t.name: t for t in (Period.__table__, Objective.__table__, KeyResult.__table__,
                               Collaborator.__table__, CheckIn.__table__, Kpi.__table__,
                               KpiValue.__table__)}  # fmt: skip
# Column collections, short because the queries below use them on every line.
P, OB, KR, C = (_TABLES[n].c for n in ("period", "objective", "key_result", "collaborator"))
CI, K, KV = (_TABLES[n].c for n in ("check_in", "kpi", "kpi_value"))
OBJECTIVE_T, KR_T, KPI_T, KV_T = (
    _TABLES[n] for n in ("objective", "key_result", "kpi", "kpi_value")
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

    @property
    def ref(self) -> str:
        return f"KR-{self.id}"


@dataclass
class ObjectiveRow:
    """An objective with its KRs, children and rolled-up score."""

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
    key_results: list[KrRow] = field(default_factory=list)
    children: list[int] = field(default_factory=list)
    score: float | None = None
    band: Band = Band.NO_DATA

    @property
    def ref(self) -> str:
        return f"O-{self.id}"

    def involves(self, username: str) -> bool:
        """Owner or collaborator (what "mine" means for an objective)."""
        return self.owner == username or username in self.collaborators


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

    def key_result(self, kr_id: int) -> KrRow | None:
        """A KR by id: a dict lookup (the detail pane asks on every cursor move, and a scan
        of 30,000 KRs is a visible fraction of a frame); a scan only on a miss."""
        index = self.__dict__.get("_kr_index")
        if index is None:
            index = {kr.id: kr for row in self.objectives.values() for kr in row.key_results}
            self.__dict__["_kr_index"] = index
        found = index.get(kr_id)
        if found is not None:
            return found
        for row in self.objectives.values():
            for kr in row.key_results:
                if kr.id == kr_id:
                    return kr
        return None


def _period_row(row: object) -> PeriodRow:
    return PeriodRow(row.id, row.name, row.starts_on, row.ends_on, row.state)  # type: ignore[attr-defined]


def list_periods(db: Database) -> list[PeriodRow]:
    """Every period, newest first."""
    with db.read() as conn:
        rows = conn.execute(
            select(P.id, P.name, P.starts_on, P.ends_on, P.state).order_by(P.starts_on.desc())
        )
        return [_period_row(r) for r in rows]


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
    latest = (
        select(KV.value)
        .where(KV.kpi_id == KR.kpi_id, KV.observed_on <= period_end)
        .order_by(KV.observed_on.desc())
        .limit(1)
        .scalar_subquery()
    )
    return case((KR.kpi_id.is_(None), None), else_=latest)


def _kpi_current_on(period_end: object) -> object:
    latest = (
        select(KV.observed_on)
        .where(KV.kpi_id == KR.kpi_id, KV.observed_on <= period_end)
        .order_by(KV.observed_on.desc())
        .limit(1)
        .scalar_subquery()
    )
    return case((KR.kpi_id.is_(None), None), else_=latest)


def _kr_rows(conn: Connection, where: object, period_end: date, th: Thresholds) -> list[KrRow]:
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
            KR.current_at,
            _kpi_current(period_end).label("kpi_value"),
            _kpi_current_on(period_end).label("kpi_on"),
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
        current = r.kpi_value if driven else r.current_value
        progress = kr_progress(r.kind, r.direction, r.start_value, r.target_value, current)
        out.append(
            KrRow(
                r.id,
                r.objective_id,
                r.title,
                r.kind,
                r.direction,
                r.start_value,
                r.target_value,
                r.unit,
                r.owner,
                r.kpi_id,
                r.kpi_name,
                r.weight,
                r.position,
                current,
                r.kpi_on if driven else r.current_at,
                progress,
                band(progress, th),
            )
        )
    return out


# The tree's queries as plain SQL, shared with the benchmark's raw-sqlite3 baseline
# (bench/run.py), which reads exactly these rows. A KPI-driven KR's value is looked up
# once per linked KPI (TREE_KPIS), not with a subquery on every KR row.
TREE_PERIOD = "SELECT id, name, starts_on, ends_on, state FROM period WHERE id = :period"
TREE_OBJECTIVES = (
    "SELECT id, period_id, parent_id, level, team, title, description, owner, state, grade, "
    "position FROM objective WHERE period_id = :period ORDER BY position, id"
)
TREE_COLLABORATORS = (
    "SELECT c.objective_id, c.username FROM collaborator c JOIN objective o "
    "ON o.id = c.objective_id WHERE o.period_id = :period ORDER BY c.username"
)
TREE_KRS = (
    "SELECT k.id, k.objective_id, k.title, k.kind, k.direction, k.start_value, "
    "k.target_value, k.unit, k.owner, k.kpi_id, k.weight, k.position, k.current_value, "
    "k.current_at FROM key_result k JOIN objective o ON o.id = k.objective_id "
    "WHERE o.period_id = :period ORDER BY k.objective_id, k.position, k.id"
)
_KPI_LATEST = (
    "(SELECT v.{col} FROM kpi_value v WHERE v.kpi_id = p.id AND v.observed_on <= :end "
    "ORDER BY v.observed_on DESC LIMIT 1)"
)
TREE_KPIS = (
    f"SELECT p.id, p.name, {_KPI_LATEST.format(col='value')}, "
    f"{_KPI_LATEST.format(col='observed_on')} FROM kpi p WHERE p.id IN "
    "(SELECT k.kpi_id FROM key_result k JOIN objective o ON o.id = k.objective_id "
    "WHERE o.period_id = :period AND k.kpi_id IS NOT NULL)"
)
_KR_FIELDS = tuple(KrRow.__dataclass_fields__)
_KINDS = {k.value: k for k in Kind}
_DIRECTIONS = {d.value: d for d in Direction}
_LEVELS = {v.value: v for v in Level}
_STATES = {v.value: v for v in ObjectiveState}


def _fetch(conn: Connection, sql: str, params: dict[str, object]) -> list[tuple]:  # type: ignore[type-arg]
    """Rows as plain tuples. On SQLite straight from the driver's cursor: for the tens of
    thousands of rows of a big tree, SQLAlchemy's per-row processing would cost more
    than the query itself."""
    if conn.dialect.name == "sqlite":
        cursor = conn.connection.cursor()
        try:
            return cursor.execute(sql, params).fetchall()  # type: ignore[no-any-return]
        finally:
            cursor.close()
    return [tuple(r) for r in conn.execute(text(sql), params)]


def _when(value: object) -> datetime | None:
    """A stored UTC timestamp (SQLite gives text, other drivers a datetime), made aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _day(value: object) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def load_tree(db: Database, period_id: int, thresholds: Thresholds | None = None) -> TreeModel:
    """The whole alignment tree of a period with scores, in five queries.

    Built for 10,000 objectives and 30,000 KRs (bench/): plain rows, no ORM, and each
    KrRow filled through its ``__dict__`` (a frozen dataclass's ``__init__`` costs twice
    as much, which matters 30,000 times).
    """
    th = thresholds or Thresholds()
    with db.read() as conn:
        prow = _fetch(conn, TREE_PERIOD, {"period": period_id})
        if not prow:
            raise NotFoundError(f"period {period_id} does not exist")
        pid, name, starts_on, ends_on, state = prow[0]
        period = PeriodRow(pid, name, _day(starts_on), _day(ends_on), PeriodState(state))
        params = {"period": period_id, "end": period.ends_on.isoformat()}
        objectives = {
            r[0]: ObjectiveRow(*r[:3], _LEVELS[r[3]], *r[4:8], _STATES.get(r[8], r[8]), *r[9:])
            for r in _fetch(conn, TREE_OBJECTIVES, params)
        }
        collab: dict[int, list[str]] = {}
        for oid, username in _fetch(conn, TREE_COLLABORATORS, params):
            collab.setdefault(oid, []).append(username)
        kr_rows = _fetch(conn, TREE_KRS, params)
        linked = any(r[9] is not None for r in kr_rows)
        kpis = {r[0]: r[1:] for r in _fetch(conn, TREE_KPIS, params)} if linked else {}
    krs = []
    new, fields, kinds, directions = object.__new__, _KR_FIELDS, _KINDS, _DIRECTIONS
    for r in kr_rows:
        kind, direction = kinds[r[3]], directions[r[4]]
        kpi_id = r[9]
        if kpi_id is None:
            kpi_name, current, when = None, r[12], _when(r[13])
        else:
            kpi_name, current, on = kpis.get(kpi_id, (None, None, None))
            when = _day(on) if on is not None else None
        progress = kr_progress(kind, direction, r[5], r[6], current)
        kr = new(KrRow)
        kr.__dict__.update(zip(fields, (
            r[0], r[1], r[2], kind, direction, r[5], r[6], r[7], r[8], kpi_id, kpi_name,
            r[10], r[11], current, when, progress, band(progress, th),
        ), strict=True))  # fmt: skip
        krs.append(kr)
    return _assemble(period, objectives, collab, krs, th)


def _assemble(
    period: PeriodRow,
    objectives: dict[int, ObjectiveRow],
    collab: dict[int, list[str]],
    krs: list[KrRow],
    th: Thresholds,
) -> TreeModel:
    for oid, names in collab.items():
        if oid in objectives:
            objectives[oid].collaborators = tuple(names)
    for kr in krs:
        objectives[kr.objective_id].key_results.append(kr)
    roots = []
    for row in objectives.values():
        parent = objectives.get(row.parent_id) if row.parent_id is not None else None
        if parent is None:
            roots.append(row.id)
        else:
            parent.children.append(row.id)
    tree = TreeModel(period, objectives, roots)
    order = [row for _, row in tree.walk()]
    for row in reversed(order):  # children before parents
        row.score = objective_score(
            [(kr.progress, kr.weight) for kr in row.key_results],
            [objectives[c].score for c in row.children],
        )
        row.band = band(row.score, th)
    return tree


def my_key_results(
    db: Database, username: str, period_id: int, thresholds: Thresholds | None = None
) -> list[tuple[str, KrRow]]:
    """KRs the user owns, or whose objective they own or collaborate on: (objective title, KR)."""
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


def kr_history(db: Database, kr_id: int, limit: int | None = None) -> list[CheckInRow]:
    """A KR's check-ins, oldest first (the last ``limit`` when given)."""
    stmt = (
        select(CI.id, CI.key_result_id, CI.value, CI.confidence, CI.note, CI.author, CI.created_at)
        .where(CI.key_result_id == kr_id)
        .order_by(CI.created_at.desc(), CI.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    with db.read() as conn:
        rows = [CheckInRow(*r) for r in conn.execute(stmt)]
    return rows[::-1]


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


def kpi_panels(db: Database, last: int = 26, include_archived: bool = False) -> list[KpiPanel]:
    """Every KPI with only its last ``last`` values, never the whole history.

    One indexed ``ORDER BY observed_on DESC LIMIT n`` per KPI (≈0.1 ms each): joining the
    values to a per-KPI cutoff made SQLite evaluate the cutoff for every stored value,
    ≈200 ms for 50 KPIs × 5 years of daily values (bench/).
    """
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
        select(KV.observed_on, KV.value)
        .where(KV.kpi_id == bindparam("kpi"))
        .order_by(KV.observed_on.desc())
        .limit(max(last, 1))
    )
    with db.read() as conn:
        kpis = conn.execute(kpis_stmt).all()
        values: dict[int, list[tuple[date, float]]] = {}
        for k in kpis:
            rows = conn.execute(latest, {"kpi": k.id}).all()
            values[k.id] = [(r.observed_on, r.value) for r in reversed(rows)]
    return [
        KpiPanel(
            k.id,
            k.name,
            k.unit,
            k.category,
            k.owner,
            k.team,
            k.direction,
            k.target,
            k.green_threshold,
            k.red_threshold,
            k.parent_id,
            k.archived,
            tuple(values.get(k.id, ())),
        )
        for k in kpis
    ]


def _suggest(conn: Connection, stmt: object, prefix: str, wanted: str) -> tuple[str, ...]:
    """Close matches for a mistyped reference, as "REF (title)"."""
    import difflib

    labels = {label: f"{prefix}-{key}" for key, label in conn.execute(stmt)}  # type: ignore[call-overload]
    lowered = {label.lower(): label for label in labels}
    key = clean_line(wanted).lower()
    hits = difflib.get_close_matches(key, list(lowered), n=5, cutoff=0.4)
    hits += [low for low in lowered if key and key in low and low not in hits]
    return tuple(f"{labels[lowered[h]]} ({lowered[h]})" for h in hits[:5])


def _same_name(conn: Connection, stmt: object, text: str) -> list[int]:
    """Ids whose title/name equals ``text`` ignoring case, in id order.

    Compared in Python: SQLite's lower() folds ASCII only ("ÄRGER" != "ärger").
    """
    wanted = clean_line(text).casefold()
    if not wanted:
        return []
    rows = conn.execute(stmt)  # type: ignore[call-overload]
    return sorted(key for key, label in rows if clean_line(label).casefold() == wanted)


def resolve_key_result(db: Database, text: str) -> int:
    """A KR id from ``KR-12``/``12`` or a unique title; else NotFoundError with suggestions."""
    with db.read() as conn:
        kr_id = parse_reference(text, "KR")
        if kr_id is not None and conn.execute(select(KR.id).where(KR.id == kr_id)).first():
            return kr_id
        pool = select(KR.id, KR.title)
        matches = _same_name(conn, pool, text)
        if len(matches) == 1:
            return matches[0]
        if matches:
            refs = tuple(f"KR-{m}" for m in matches[:5])
            raise NotFoundError(f"{clean_line(text)!r} names {len(matches)} key results", refs)
        raise NotFoundError(f"no key result {clean_line(text)!r}", _suggest(conn, pool, "KR", text))


def resolve_kpi(db: Database, text: str) -> int:
    """A KPI id from ``KPI-3``/``3`` or its name (any case); else NotFoundError with suggestions."""
    with db.read() as conn:
        kpi_id = parse_reference(text, "KPI")
        if kpi_id is not None and conn.execute(select(K.id).where(K.id == kpi_id)).first():
            return kpi_id
        pool = select(K.id, K.name)
        matches = _same_name(conn, pool, text)
        if matches:
            return matches[0]
        raise NotFoundError(f"no KPI {clean_line(text)!r}", _suggest(conn, pool, "KPI", text))
