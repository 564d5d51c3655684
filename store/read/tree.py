"""Read models for the screens and the CLI: plain frozen rows (store/model/rows.py) from a
fixed number of queries.

The alignment tree is read by :class:`TreeReader` in steps whose names say when they
query (``outline``, ``prefetch``, ``key_results``, ``score``), never by reading a field;
``load_tree`` reads all of it. The tree's reads are plain SQL through
``Database.plain_read``: the TUI draws its first frame before importing SQLAlchemy or
the ORM models. Queries built with SQLAlchemy import it inside.
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

from store.db.database import Database
from store.db.sql import Fetch, readable_day, readable_number, readable_time
from store.domain.scoring import Thresholds, band, kr_progress, objective_score
from store.errors import NotFoundError
from store.model.enums import Direction, Kind, Level, ObjectiveState, PeriodState
from store.model.rows import (
    KrRow,
    ObjectiveHead,
    ObjectiveOutcome,
    ObjectiveRow,
    PeriodRow,
    TreeModel,
    TreeOutline,
    built,
)

# --- the alignment tree --------------------------------------------------------------
# Plain SQL, shared with the benchmark's raw-sqlite3 baseline (bench/run.py). Each
# SELECT is written from a list of (expression, name) pairs, and its rows are read by
# those names (a named tuple type made once per list); the 30,000 key-result rows of a
# large organisation are unpacked in _KR's order instead (_kr_rows), for speed.


_PERIOD_STATES = {v.value: v for v in PeriodState}


def period_row(row: tuple[Any, ...]) -> PeriodRow | None:
    """A period, or None when its dates are not ones okrtui could have written (someone
    with the SQLite file, or a PostgreSQL row from before migration 0006)."""
    pid, name, starts_on, ends_on, state = row
    start, end = readable_day(starts_on), readable_day(ends_on)
    if start is None or end is None or state not in _PERIOD_STATES:
        return None
    return PeriodRow(pid, name, start, end, _PERIOD_STATES[state])


class _Columns:
    """A SELECT list and the named-tuple type its rows are read into."""

    def __init__(self, *pairs: tuple[str, str]) -> None:
        self.sql = ", ".join(f"{expr} AS {name}" for expr, name in pairs)
        names = [name for _, name in pairs]
        make_type: Callable[..., Any] = namedtuple  # field names known only at run time
        row = make_type("Row", names)
        self._make: Callable[[Iterable[Any]], Any] = row._make

    def read(self, rows: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        """Each row as a named tuple: ``r.kind``, never ``r[3]``."""
        make = self._make
        return (make(r) for r in rows)


_OBJECTIVE = _Columns(
    ("id", "id"), ("period_id", "period_id"), ("parent_id", "parent_id"), ("level", "level"),
    ("team", "team"), ("title", "title"), ("description", "description"), ("owner", "owner"),
    ("state", "state"), ("grade", "grade"), ("position", "position"),
)  # fmt: skip
KPI_FLOW_SUM = (
    "CASE WHEN p.aggregation = 'flow' THEN (SELECT sum(f.value) FROM kpi_value f "
    "WHERE f.kpi_id = k.kpi_id AND f.observed_on >= :start AND f.observed_on <= :end) END"
)
"""A flow KPI's values summed over the KR's period (``:start``..``:end``): what a key result
driven by bookings or leads reads (a level KPI reads its latest value, ``KPI_LATEST``).
One indexed range per KR that follows a flow KPI, inside the KR query."""
_KR = _Columns(
    ("k.id", "id"), ("k.objective_id", "objective_id"), ("k.title", "title"),
    ("k.kind", "kind"), ("k.direction", "direction"), ("k.start_value", "start"),
    ("k.target_value", "target"), ("k.unit", "unit"), ("k.owner", "owner"),
    ("k.kpi_id", "kpi_id"), ("p.name", "kpi_name"), ("k.weight", "weight"),
    ("k.position", "position"), ("k.current_value", "checked"), ("k.current_at", "checked_at"),
    ("v.value", "kpi_value"), ("v.observed_on", "kpi_on"), ("p.aggregation", "kpi_aggregation"),
    (KPI_FLOW_SUM, "kpi_sum"), ("k.created_at", "created_at"),
)  # fmt: skip

KPI_LATEST = (
    "v.id = (SELECT id FROM kpi_value WHERE kpi_id = k.kpi_id AND observed_on <= :end "
    "ORDER BY observed_on DESC LIMIT 1)"
)
"""Joins ``kpi_value v`` to a KR's KPI's latest value on or before ``:end`` (the period's
end): a KPI-driven KR's current value. One indexed ``LIMIT 1`` per KR that follows a KPI."""

TREE_PERIOD = "SELECT id, name, starts_on, ends_on, state FROM period WHERE id = :period"
TREE_OBJECTIVES = (
    f"SELECT {_OBJECTIVE.sql} FROM objective WHERE period_id = :period ORDER BY position, id"
)
TREE_COLLABORATORS = (
    "SELECT c.objective_id, c.username FROM collaborator c JOIN objective o "
    "ON o.id = c.objective_id WHERE o.period_id = :period ORDER BY c.username"
)
KR_SELECT = (
    f"SELECT {_KR.sql} FROM key_result k JOIN objective o ON o.id = k.objective_id "
    f"LEFT JOIN kpi p ON p.id = k.kpi_id LEFT JOIN kpi_value v ON {KPI_LATEST} "
    "WHERE {where} ORDER BY k.objective_id, k.position, k.id"
)
"""The one way key results are read (``{where}`` filters on ``k`` and its objective ``o``)."""
TREE_KRS = KR_SELECT.format(where="o.period_id = :period")
TREE_KR_OWNERS = (
    "SELECT k.id, k.objective_id, k.owner FROM key_result k JOIN objective o "
    "ON o.id = k.objective_id WHERE o.period_id = :period"
)
TREE_KR_OBJECTIVE = (
    "SELECT k.objective_id FROM key_result k JOIN objective o ON o.id = k.objective_id "
    "WHERE k.id = :kr AND o.period_id = :period"
)
BATCH_LIMIT = 500
"""Most objectives one ``prefetch`` query names (SQLite's bound-parameter limit)."""
_KINDS = {k.value: k for k in Kind}
_DIRECTIONS = {d.value: d for d in Direction}
_LEVELS = {v.value: v for v in Level}
_STATES = {v.value: v for v in ObjectiveState}


def _kr_rows(rows: Iterable[tuple[Any, ...]], th: Thresholds) -> list[KrRow]:
    """KrRows from ``KR_SELECT`` rows: a KPI-driven KR's value is its KPI's (a flow KPI's
    sum over the period, else its latest value), else its own.

    Numbers and times okrtui could not have written (NaN, infinity, text, a date out of
    range: the SQLite file edited by hand, a PostgreSQL row from before migration 0006)
    read as unknown (None; a weight as 0, counting for nothing), never as a crash.
    """
    out = []
    number, time, day, th_band = readable_number, readable_time, readable_day, band
    kinds, directions = _KINDS, _DIRECTIONS
    when: datetime | date | None
    for (kr_id, oid, title, kind_text, direction_text, start_value, target_value, unit,
         owner, kpi_id, kpi_name, weight, position, checked, checked_at, kpi_value,
         kpi_on, kpi_aggregation, kpi_sum, created_at) in rows:  # _KR's, in order  # fmt: skip
        kind, direction = kinds[kind_text], directions[direction_text]
        if kpi_id is None:
            current, when = number(checked), time(checked_at)
        else:
            # A flow's sum is None without a value in the period: no data, not zero.
            flow = kpi_aggregation == "flow"
            current, when = number(kpi_sum if flow else kpi_value), day(kpi_on)
        if current is None or when is None:
            current, when = None, None
        start, target = number(start_value), number(target_value)
        progress = kr_progress(kind, direction, start, target, current)
        out.append(built(KrRow, (
            kr_id, oid, title, kind, direction, start, target, unit, owner, kpi_id,
            kpi_name if kpi_id is not None else None, number(weight) or 0.0, position,
            current, when, progress, th_band(progress, th), time(created_at),
        )))  # fmt: skip
    return out


class TreeReader:
    """The alignment tree of one period, read in steps whose names say when they query.

    ``outline()`` reads the period and every objective (three queries, however many);
    ``prefetch(oids)`` reads the key results of many objectives in one query;
    ``key_results(oid)``, ``score(oid)`` and ``rows(oids)`` read whatever they still
    need (scoring an objective without weighted KRs reads its children's, a level at a
    time); ``everything()`` reads the rest of the period in one query. What was read is
    kept: a reader is a snapshot in the making, used from one thread at a time (a
    screen's worker); a fresh read is a new reader.
    """

    def __init__(self, db: Database, period_id: int, thresholds: Thresholds | None = None):
        self.db = db
        self.period_id = period_id
        self.th = thresholds or Thresholds()
        self._outline: TreeOutline[ObjectiveHead] | None = None
        self._krs: dict[int, tuple[KrRow, ...]] = {}
        self._scores: dict[int, float | None] = {}
        self._weights: dict[int, bool] = {}  # whether an objective has a weighted KR

    def _params(self) -> dict[str, object]:
        period = self.outline().period
        return {"period": period.id, "start": period.starts_on.isoformat(),
                "end": period.ends_on.isoformat()}  # fmt: skip

    def outline(self) -> TreeOutline[ObjectiveHead]:
        """The period and its objectives, aligned (read on the first call)."""
        if self._outline is None:
            self._outline = _read_outline(self.db, self.period_id)
        return self._outline

    def prefetch(self, oids: Iterable[int]) -> None:
        """Read the key results of every objective in ``oids`` not read yet, in one query
        (one per :data:`BATCH_LIMIT` objectives)."""
        wanted = [oid for oid in dict.fromkeys(oids) if oid not in self._krs]
        for start in range(0, len(wanted), BATCH_LIMIT):
            batch = wanted[start : start + BATCH_LIMIT]
            marks = ", ".join(f":o{i}" for i in range(len(batch)))
            params = self._params() | {f"o{i}": oid for i, oid in enumerate(batch)}
            with self.db.plain_read() as fetch:
                rows = fetch(KR_SELECT.format(where=f"k.objective_id IN ({marks})"), params)
            self._keep(_kr_rows(rows, self.th), batch)

    def _keep(self, krs: list[KrRow], oids: Iterable[int]) -> None:
        found: dict[int, list[KrRow]] = {oid: [] for oid in oids}
        for kr in krs:
            found.setdefault(kr.objective_id, []).append(kr)
        for oid, rows in found.items():
            self._krs.setdefault(oid, tuple(rows))

    def key_results(self, oid: int) -> tuple[KrRow, ...]:
        """An objective's key results in display order (read now if not read yet)."""
        if oid not in self._krs:
            self.prefetch([oid])
        return self._krs[oid]

    def _weighted(self, oid: int) -> bool:
        known = self._weights.get(oid)
        if known is None:
            known = self._weights[oid] = any(
                kr.weight > 0.0 and math.isfinite(kr.weight) for kr in self.key_results(oid)
            )
        return known

    def score(self, oid: int) -> float | None:
        """``objective_score`` of an objective: its KRs, or when none has a positive weight
        its children's mean (children read a level at a time, scored without recursion)."""
        scores, objectives = self._scores, self.outline().objectives
        stack = [oid]
        while stack:
            current = stack[-1]
            if current in scores:
                stack.pop()
                continue
            krs = [(kr.progress, kr.weight) for kr in self.key_results(current)]
            children = objectives[current].children
            if not self._weighted(current):
                pending = [c for c in children if c not in scores and c not in stack]
                if pending:
                    self.prefetch(pending)
                    stack.extend(pending)
                    continue
            scores[current] = (
                objective_score(krs)
                if self._weighted(current)
                else objective_score(krs, [scores.get(c) for c in children])
            )
            stack.pop()
        return scores[oid]

    def rows(self, oids: Iterable[int]) -> dict[int, ObjectiveRow]:
        """Objectives with their key results and scores: one query for all of them, and
        one per level below those whose score is their children's."""
        wanted = list(dict.fromkeys(oids))
        objectives = self.outline().objectives
        level = wanted
        while level:
            self.prefetch(level)
            level = [c for oid in level if not self._weighted(oid)
                     for c in objectives[oid].children if c not in self._scores]  # fmt: skip
        out = {}
        for oid in wanted:
            head, score = objectives[oid], self.score(oid)
            out[oid] = built(ObjectiveRow, (*head.__dict__.values(), self._krs[oid], score,
                                            band(score, self.th)))  # fmt: skip
        return out

    def everything(self) -> TreeModel:
        """The whole tree with every key result and score (one more query at most)."""
        outline = self.outline()
        if len(self._krs) < len(outline.objectives):
            with self.db.plain_read() as fetch:
                rows = fetch(TREE_KRS, self._params())
            self._keep(_kr_rows(rows, self.th), outline.objectives)
        return TreeModel(outline.period, self.rows(outline.objectives), outline.roots)

    def kr_owners(self) -> dict[int, tuple[int, str]]:
        """Every KR of the period: id → (objective id, owner), without building KRs."""
        with self.db.plain_read() as fetch:
            rows = fetch(TREE_KR_OWNERS, {"period": self.period_id})
        return {kr_id: (oid, owner) for kr_id, oid, owner in rows}

    def objective_of(self, kr_id: int) -> int | None:
        """The objective of a KR of this period (None for a KR of another period)."""
        with self.db.plain_read() as fetch:
            rows = fetch(TREE_KR_OBJECTIVE, {"kr": kr_id, "period": self.period_id})
        return rows[0][0] if rows else None


def _read_outline(db: Database, period_id: int) -> TreeOutline[ObjectiveHead]:
    with db.plain_read() as fetch:
        period = _read_period(fetch, period_id)
        rows = fetch(TREE_OBJECTIVES, {"period": period_id})
        collaborators = fetch(TREE_COLLABORATORS, {"period": period_id})
    people: dict[int, list[str]] = {}
    for oid, username in collaborators:
        people.setdefault(oid, []).append(username)
    objectives = list(_OBJECTIVE.read(rows))
    ids = {r.id for r in objectives}
    children: dict[int | None, list[int]] = {}
    for r in objectives:  # in display order: so are roots and every children list
        children.setdefault(r.parent_id if r.parent_id in ids else None, []).append(r.id)
    heads = {
        r.id: built(ObjectiveHead, (
            r.id, r.period_id, r.parent_id, _LEVELS[r.level], r.team, r.title, r.description,
            r.owner, _STATES.get(r.state, r.state), readable_number(r.grade), r.position,
            tuple(people.get(r.id, ())), tuple(children.get(r.id, ())),
        ))
        for r in objectives
    }  # fmt: skip
    return TreeOutline(period, heads, tuple(children.get(None, ())))


def load_tree(db: Database, period_id: int, thresholds: Thresholds | None = None) -> TreeModel:
    """The alignment tree of a period with every key result and score: four queries.

    For callers that use all of it (reports, exports, the CLI); a screen that shows a
    part reads in steps with :class:`TreeReader`.
    """
    return TreeReader(db, period_id, thresholds).everything()


def my_key_results(
    db: Database, username: str, period_id: int, thresholds: Thresholds | None = None
) -> list[tuple[str, KrRow]]:
    """KRs the user owns, or whose objective they own or collaborate on: (objective title, KR)."""
    th = thresholds or Thresholds()
    mine = KR_SELECT.format(where=(
        "o.period_id = :period AND (k.owner = :user OR o.owner = :user OR o.id IN "
        "(SELECT objective_id FROM collaborator WHERE username = :user))"
    ))  # fmt: skip
    with db.plain_read() as fetch:
        rows = fetch(mine, {**_period_params(fetch, period_id), "user": username})
        titles = dict(fetch("SELECT id, title FROM objective WHERE period_id = :period",
                            {"period": period_id}))  # fmt: skip
    return [(titles[kr.objective_id], kr) for kr in _kr_rows(rows, th)]


def owned_key_results(
    db: Database, period_id: int, owner: str | None = None, thresholds: Thresholds | None = None
) -> list[KrRow]:
    """The KRs of a period owned by ``owner`` (by anyone when None): what the inbox and
    ``okrtui remind`` find owed or stale. One query."""
    where = "o.period_id = :period" + (" AND k.owner = :user" if owner is not None else "")
    with db.plain_read() as fetch:
        rows = fetch(KR_SELECT.format(where=where), {**_period_params(fetch, period_id),
                                                     "user": owner})  # fmt: skip
    return _kr_rows(rows, thresholds or Thresholds())


def _read_period(fetch: Fetch, period_id: int) -> PeriodRow:
    """The period, read in the caller's transaction; NotFoundError when it is missing or
    its dates are unreadable."""
    found = fetch(TREE_PERIOD, {"period": period_id})
    if not found:
        raise NotFoundError(f"period {period_id} does not exist")
    period = period_row(found[0])
    if period is None:
        raise NotFoundError(f"period {period_id} has dates okrtui cannot read")
    return period


def _period_params(fetch: Fetch, period_id: int) -> dict[str, object]:
    """``KR_SELECT``'s period parameters (its id, first and last day) for a period read in
    the same transaction."""
    period = _read_period(fetch, period_id)
    return {"period": period_id, "start": period.starts_on.isoformat(),
            "end": period.ends_on.isoformat()}  # fmt: skip


OBJECTIVE_OUTCOME = (
    "SELECT o.grade, o.retro_note, src.id, src.title, p.name FROM objective o "
    "LEFT JOIN objective src ON src.id = o.rolled_from_id "
    "LEFT JOIN period p ON p.id = src.period_id WHERE o.id = :oid"
)


def objective_outcome(db: Database, objective_id: int) -> ObjectiveOutcome | None:
    """The final grade, retro note and roll-over origin of an objective (the tree's rows
    carry none of them: the detail pane reads them for the objective it shows)."""
    with db.plain_read() as fetch:
        rows = fetch(OBJECTIVE_OUTCOME, {"oid": objective_id})
    if not rows:
        return None
    grade, note, source_id, source_title, source_period = rows[0]
    origin = None
    if isinstance(source_id, int):
        origin = f"O-{source_id} “{source_title}” ({source_period})"
    number = grade if isinstance(grade, (int, float)) else None
    return ObjectiveOutcome(number, note if isinstance(note, str) else "", origin)
