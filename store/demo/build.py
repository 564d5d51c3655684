"""Filling an empty database with the demo data (store/demo/data.py), deterministically:
the same seed gives the same database, check-ins and KPI history included."""

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Connection, Table, func, insert, select
from sqlmodel import SQLModel

import store.model.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from store.db.database import Database
from store.demo.data import (
    ABOVE,
    BELOW,
    BETWEEN,
    COMPANY,
    CURRENT,
    DEC,
    DEMO_SEED,
    DERIVED_KPIS,
    DERIVED_SEED,
    FINAL_PROGRESS,
    INC,
    KPI_WEEKS,
    KPIS,
    ME,
    MS,
    NOTES,
    PEOPLE,
    PREVIOUS,
    RANGES,
    REQUESTS_KPI,
    SPECIAL_NOTES,
    THREADS,
    KpiSpec,
    KrSpec,
    ObjSpec,
    P,
    Row,
)
from store.demo.warehouse import demo_requests, demo_sources, write_warehouse
from store.domain import formula
from store.domain.kpi_sources import spec_json
from store.domain.mentions import mentioned
from store.domain.quarters import quarter_bounds
from store.errors import DemoError
from store.io.transfer_import import advance_sequences
from store.model.enums import (
    EXTERNAL_SOURCES,
    Aggregation,
    Cadence,
    Confidence,
    ObjectiveState,
    PeriodState,
)
from store.sources import approval

# Demo people and their teams (teams live on objectives and KPIs, not on users).


# The latest check-in of these KRs gets this note (markup-like text and a newline
# exercise the plain-text rendering of user notes).


# --------------------------------------------------------------------------- public API


def build_demo(db: Database, me: str, today: date | None = None) -> None:
    """Fill an empty database with the Northwind Analytics demo, as seen on ``today``.

    Deterministic for a given ``me`` and ``today`` (default: the local date). A SQLite
    demo also gets its warehouse and CSV export beside it, and KPI sources reading them
    (store/demo/warehouse.py). Raises :class:`DemoError` if periods, objectives or KPIs
    already exist.
    """
    if not me or not me.strip():
        raise ValueError("the demo needs the current user's name")
    builder = _Builder(me, today or date.today())
    rows = builder.build()
    if db.target.is_sqlite and db.path is not None:
        builder.add_sources(db.path)
    with db.write() as session:
        conn = session.connection()
        _refuse_existing(conn)
        for name, data in rows.items():
            if data:
                conn.execute(insert(_table(name)), data)
        advance_sequences(conn)  # the rows carry their ids: PostgreSQL's counters follow


# --------------------------------------------------------------------------- helpers


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _refuse_existing(conn: Connection) -> None:
    for name in ("period", "objective", "kpi"):
        if conn.execute(select(func.count()).select_from(_table(name))).scalar_one():
            raise DemoError(
                f"the database already holds data (table {name!r} is not empty): "
                "demo data only goes into a new, empty database"
            )


def _round(value: float, decimals: int) -> float:
    return float(round(value, decimals))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


def _kr_progress(spec: KrSpec, value: float | None) -> float:
    """Progress capped to [0, 1] (for the closed period's grades)."""
    if value is None:
        return 0.0
    if spec.direction == ABOVE:
        return 1.0 if value >= spec.target else 0.0
    if spec.direction == BELOW:
        return 1.0 if value <= spec.target else 0.0
    if spec.direction == BETWEEN:
        return 1.0 if (spec.start or 0.0) <= value <= spec.target else 0.0
    start = spec.start or 0.0
    progress = (value - start) / (spec.target - start) if spec.target != start else 1.0
    return min(max(progress, 0.0), 1.0)


class _Builder:
    """Builds every row in memory; ids are assigned here, in insertion order."""

    def __init__(self, me: str, today: date) -> None:
        self.me = me
        self.today = today
        self.rng = random.Random(DEMO_SEED)
        names = ("period", "kpi", "objective", "collaborator", "key_result", "check_in")
        self.rows: dict[str, list[Row]] = {
            n: [] for n in (*names, "kpi_value", "kpi_source", "activity", "admin", "comment",
                            "mention")
        }  # fmt: skip
        self.kpi_ids: dict[str, int] = {}
        self.kpi_series: dict[str, list[tuple[date, float]]] = {}

    def who(self, name: str) -> str:
        return self.me if name == ME else name

    def build(self) -> dict[str, list[Row]]:
        name, start, end = quarter_bounds(self.today)
        prev_name, prev_start, prev_end = quarter_bounds(start - timedelta(days=1))
        prev_id = self.add_period(prev_name, prev_start, prev_end, PeriodState.CLOSED)
        cur_id = self.add_period(name, start, end, PeriodState.ACTIVE)
        self.add_kpis()
        self.add_objectives(prev_id, PREVIOUS, prev_start, prev_end + timedelta(days=1), True)
        self.add_objectives(cur_id, CURRENT, start, self.today, False)
        self.add_activity(name, prev_name)
        self.add_comments(cur_id)
        # The person exploring the demo is its admin, so every key works for them even
        # when the file was built by another account (a shared demo, the test suite).
        self.rows["admin"].append(
            {"username": self.me, "added_by": self.me, "added_at": _at(start, 9)}
        )
        return self.rows

    def add_comments(self, period_id: int) -> None:
        """The demo's comment threads (data.THREADS), with their mentions."""
        objectives = {o["id"] for o in self.rows["objective"] if o["period_id"] == period_id}
        krs = {k["title"]: k["id"] for k in self.rows["key_result"]
               if k["objective_id"] in objectives}  # fmt: skip
        people = {self.who(p) for p in (*PEOPLE, ME)}
        for title, comments in THREADS:
            for author, body, days_ago, hour in comments:
                text = body.replace(ME, f"@{self.me}")
                cid = self.next_id("comment")
                self.rows["comment"].append(
                    {"id": cid, "objective_id": None, "key_result_id": krs[title],
                     "check_in_id": None, "body": text, "author": self.who(author),
                     "created_at": _at(self.today - timedelta(days=days_ago), hour),
                     "edited_at": None}
                )  # fmt: skip
                for name in mentioned(text, people):
                    self.rows["mention"].append({"comment_id": cid, "username": name})

    def next_id(self, table: str) -> int:
        return len(self.rows[table]) + 1

    def add_period(self, name: str, start: date, end: date, state: PeriodState) -> int:
        pid = self.next_id("period")
        created = _at(start - timedelta(days=14), 10)
        self.rows["period"].append(
            {"id": pid, "name": name, "starts_on": start, "ends_on": end, "state": state,
             "created_at": created}
        )  # fmt: skip
        return pid

    # ----------------------------------------------------------------------- KPIs

    def kpi_dates(self) -> list[date]:
        """26 weekly Fridays, the last one strictly before today."""
        last = self.today - timedelta(days=(self.today.weekday() - 4) % 7 or 7)
        return [last - timedelta(weeks=KPI_WEEKS - 1 - i) for i in range(KPI_WEEKS)]

    def kpi_values(self, spec: KpiSpec, rng: random.Random | None = None) -> list[float]:
        rng = rng or self.rng
        if spec.formula is not None:
            # unrounded: the formula computes it so (store/demo/warehouse.py), each week
            # from its inputs' values that week
            tree = formula.parse(spec.formula)
            inputs = {name.casefold(): self.kpi_series[name] for name in self.kpi_series}
            return [
                formula.evaluate(tree, {name: series[i][1] for name, series in inputs.items()})
                for i in range(KPI_WEEKS)
            ]
        values = []
        for i in range(KPI_WEEKS):
            trend = spec.first + (spec.last - spec.first) * i / (KPI_WEEKS - 1)
            value = trend + rng.gauss(0, spec.jitter)
            if spec.unit == "%":
                value = min(value, 100.0)
            values.append(_round(value, spec.decimals))
        for week, override, _note in spec.events:
            if override is not None:
                values[week] = override
        return values

    def add_kpis(self) -> None:
        for spec in KPIS:
            self.add_weekly_kpi(spec, self.rng)
        self.add_flow_kpi()
        derived = random.Random(DERIVED_SEED)  # the rows above stay what they were
        for spec in DERIVED_KPIS:
            self.add_weekly_kpi(spec, derived)

    def add_weekly_kpi(self, spec: KpiSpec, rng: random.Random) -> None:
        """A KPI with a value each of the last 26 Fridays (a formula's from its inputs)."""
        dates = self.kpi_dates()
        kid = self.next_id("kpi")
        self.kpi_ids[spec.name] = kid
        self.rows["kpi"].append(
            {"id": kid, "name": spec.name, "unit": spec.unit,
             "description": spec.description, "category": spec.category,
             "owner": spec.owner, "team": spec.team, "direction": spec.direction,
             "target": spec.target, "green_threshold": spec.green,
             "red_threshold": spec.red,
             "parent_id": self.kpi_ids[spec.parent] if spec.parent else None,
             "archived": False, "created_at": _at(dates[0] - timedelta(days=7), 9),
             **self.kpi_shape(spec.name, Aggregation.LEVEL)}
        )  # fmt: skip
        values = self.kpi_values(spec, rng)
        self.kpi_series[spec.name] = list(zip(dates, values, strict=True))
        notes = {week: note for week, _value, note in spec.events}
        for week, (day, value) in enumerate(self.kpi_series[spec.name]):
            self.rows["kpi_value"].append(
                {"id": self.next_id("kpi_value"), "kpi_id": kid, "observed_on": day,
                 "value": value, "note": notes.get(week, ""), "author": spec.owner,
                 "created_at": _at(day, rng.randint(14, 17), rng.randrange(60)),
                 "source": ""}
            )  # fmt: skip

    def add_flow_kpi(self) -> None:
        """``Demo requests``: a flow (summed per week), counted per working day."""
        spec = REQUESTS_KPI
        kid = self.next_id("kpi")
        self.kpi_ids[spec.name] = kid
        first = self.kpi_dates()[0] - timedelta(days=7)
        self.rows["kpi"].append(
            {"id": kid, "name": spec.name, "unit": spec.unit, "description": spec.description,
             "category": spec.category, "owner": spec.owner, "team": spec.team,
             "direction": spec.direction, "target": spec.target, "green_threshold": spec.green,
             "red_threshold": spec.red, "parent_id": None, "archived": False,
             "created_at": _at(first, 9), **self.kpi_shape(spec.name, Aggregation.FLOW)}
        )  # fmt: skip
        self.kpi_series[spec.name] = [(d, float(n)) for d, n in demo_requests(self.today)]
        for day, value in self.kpi_series[spec.name]:
            self.rows["kpi_value"].append(
                {"id": self.next_id("kpi_value"), "kpi_id": kid, "observed_on": day,
                 "value": value, "note": "", "author": spec.owner, "source": "",
                 "created_at": _at(day, 18) if day < self.today else self.pulled_at()}
            )  # fmt: skip

    @staticmethod
    def kpi_shape(name: str, aggregation: Aggregation) -> Row:
        """Cadence (set for the sourced KPIs by :meth:`add_sources`), aggregation, range."""
        low, high = RANGES.get(name, (None, None))
        return {"cadence": None, "aggregation": aggregation, "range_low": low,
                "range_high": high}  # fmt: skip

    def pulled_at(self) -> datetime:
        """When the demo's sources were last pulled: this morning."""
        return _at(self.today, 9, 15)

    def add_sources(self, demo_db: Path) -> None:
        """Write the warehouse beside ``demo_db`` and define the KPI sources reading it,
        with their history marked as pulled by ``me`` (the demo database is theirs: they
        are its server owner, and approve the sql sources)."""
        write_warehouse(demo_db, self.kpi_series["MRR"], self.kpi_series["Site traffic"],
                        [(d, int(v)) for d, v in self.kpi_series["Demo requests"]])  # fmt: skip
        by_id = {row["id"]: row for row in self.rows["kpi"]}
        for name, (kind, spec) in demo_sources(demo_db).items():
            kid = self.kpi_ids[name]
            text = spec_json(spec)
            values = [v for v in self.rows["kpi_value"] if v["kpi_id"] == kid]
            for value in values:
                value.update(source=kind.value, author=self.me)
            seal = (
                approval.seal(self.me, kid, kind.value, text) if kind in EXTERNAL_SOURCES else None
            )
            self.rows["kpi_source"].append(
                {"kpi_id": kid, "kind": kind, "spec": text, "defined_by": self.me,
                 "defined_at": _at(self.kpi_dates()[0], 9), "approval": seal,
                 "last_attempt_at": self.pulled_at(), "last_success_at": self.pulled_at(),
                 "last_value": values[-1]["value"], "last_error": None}
            )  # fmt: skip
            by_id[kid]["cadence"] = Cadence.WEEKLY

    def kpi_value_on(self, name: str, day: date) -> float:
        """The KPI's latest value observed on or before ``day`` (else its first)."""
        series = self.kpi_series[name]
        before = [value for observed, value in series if observed <= day]
        return before[-1] if before else series[0][1]

    # ----------------------------------------------------------------------- objectives

    def add_objectives(
        self, period_id: int, specs: tuple[ObjSpec, ...], start: date, stop: date, closed: bool
    ) -> None:
        """Objectives, collaborators and KRs; check-ins fall in [start, stop)."""
        ids: dict[str, int] = {}
        created = _at(start - timedelta(days=3), 10)
        for position, spec in enumerate(specs):
            oid = ids[spec.key] = self.next_id("objective")
            row: Row = {
                "id": oid, "period_id": period_id,
                "parent_id": ids[spec.parent] if spec.parent else None,
                "level": spec.level, "team": spec.team, "title": spec.title,
                "description": spec.description, "owner": self.who(spec.owner),
                "state": ObjectiveState.CLOSED if closed else ObjectiveState.ACTIVE,
                "grade": None, "retro_note": None, "rolled_from_id": None,
                "position": position, "created_at": created, "updated_at": created,
            }  # fmt: skip
            self.rows["objective"].append(row)
            self.add_collaborators(oid, row["owner"], spec.collaborators)
            progress = [
                self.add_key_result(oid, kr, pos, start, stop, created)
                for pos, kr in enumerate(spec.krs)
            ]
            if closed:
                weights = [kr.weight for kr in spec.krs]
                grade = sum(p * w for p, w in zip(progress, weights, strict=True)) / sum(weights)
                row.update(grade=round(grade, 2), retro_note=spec.retro,
                           updated_at=_at(stop - timedelta(days=1), 17))  # fmt: skip

    def add_collaborators(self, objective_id: int, owner: str, names: tuple[str, ...]) -> None:
        seen = {owner}
        for name in map(self.who, names):
            if name not in seen:
                seen.add(name)
                self.rows["collaborator"].append({"objective_id": objective_id, "username": name})

    def add_key_result(
        self,
        objective_id: int,
        spec: KrSpec,
        position: int,
        start: date,
        stop: date,
        created: datetime,
    ) -> float:
        """One KR row and its check-ins; returns its final progress (0–1)."""
        kid = self.next_id("key_result")
        kpi_name = spec.profile.removeprefix("kpi:") if spec.profile.startswith("kpi:") else None
        start_value = spec.start
        if kpi_name and spec.direction in (INC, DEC):
            start_value = self.kpi_value_on(kpi_name, start - timedelta(days=1))
        check_ins = [] if kpi_name else self.check_ins(kid, spec, start, stop)
        latest = check_ins[-1] if check_ins else None
        self.rows["key_result"].append(
            {"id": kid, "objective_id": objective_id, "title": spec.title, "kind": spec.kind,
             "direction": spec.direction, "start_value": start_value,
             "target_value": spec.target, "unit": spec.unit, "owner": self.who(spec.owner),
             "kpi_id": self.kpi_ids[kpi_name] if kpi_name else None, "weight": spec.weight,
             "position": position,
             "current_value": latest["value"] if latest else None,
             "current_at": latest["created_at"] if latest else None,
             "created_at": created, "updated_at": created}
        )  # fmt: skip
        self.rows["check_in"].extend(check_ins)
        return _kr_progress(spec, latest["value"] if latest else None)

    # ----------------------------------------------------------------------- check-ins

    def check_in_times(self, start: date, stop: date) -> list[datetime]:
        """Check-in times in [start, stop): a baseline on the period's first working day,
        then one a week on the owner's habitual weekday (at least four days later)."""
        first = start + timedelta(days=7 - start.weekday() if start.weekday() > 4 else 0)
        weekday = self.rng.randrange(5)
        day = first + timedelta(days=4 + (weekday - first.weekday() - 4) % 7)
        days = [first] if first < stop else []
        while day < stop:
            days.append(day)
            day += timedelta(weeks=1)
        return [_at(d, self.rng.randint(8, 17), self.rng.randrange(60)) for d in days]

    def check_ins(self, kr_id: int, spec: KrSpec, start: date, stop: date) -> list[Row]:
        if spec.profile == "none":
            return []
        times = self.check_in_times(start, stop)
        values = self.values(spec, len(times))
        rows: list[Row] = []
        for i, (when, value) in enumerate(zip(times, values, strict=True)):
            confidence = self.confidence(spec.profile, i, len(times))
            if i == 0:
                note = "Baseline recorded."
            elif self.rng.random() < 0.75:
                note = self.rng.choice(NOTES[confidence])
            else:
                note = ""
            rows.append(
                {"id": self.next_id("check_in") + i, "key_result_id": kr_id, "value": value,
                 "confidence": confidence, "note": note, "author": self.who(spec.owner),
                 "created_at": when}
            )  # fmt: skip
        if rows and spec.title in SPECIAL_NOTES:
            rows[-1]["note"] = SPECIAL_NOTES[spec.title]
        return rows

    def confidence(self, profile: str, i: int, n: int) -> Confidence | None:
        """Roughly what an owner would say at this point of a KR with this profile."""
        if self.rng.random() < 0.08:
            return None
        t = i / (n - 1) if n > 1 else 1.0
        if profile == "risk":
            return Confidence.ON_TRACK if t < 0.3 else Confidence.AT_RISK
        if profile == "off":
            if t < 0.2:
                return Confidence.ON_TRACK
            return Confidence.AT_RISK if t < 0.6 else Confidence.OFF_TRACK
        if profile == "on" and t < 0.5 and self.rng.random() < 0.15:
            return Confidence.AT_RISK
        return Confidence.ON_TRACK

    def values(self, spec: KrSpec, n: int) -> list[float]:
        """``n`` weekly values whose last one lands in the profile's status band."""
        if n == 0:
            return []
        if spec.direction == BETWEEN:
            return self.range_values(spec, n)
        if spec.direction in (ABOVE, BELOW):
            return self.line_values(spec, n)
        low, high = FINAL_PROGRESS[spec.profile]
        final = self.rng.uniform(low, high)
        if spec.kind == MS:
            done = spec.profile in ("over", "on")
            done_from = self.rng.randint(n // 3, n - 1) if done else n
            return [1.0 if i >= done_from else 0.0 for i in range(n)]
        shape = self.rng.uniform(0.8, 1.3)
        path, best = [], -0.03
        for i in range(n):
            f = i / (n - 1) if n > 1 else 1.0
            noise = self.rng.gauss(0, 0.02) if 0 < i < n - 1 else 0.0
            best = max(best, final * f**shape + noise)
            path.append(best)
        start = spec.start or 0.0
        values = [start + (spec.target - start) * p for p in path]
        if spec.kind == P:
            values = [min(max(v, 0.0), 100.0) for v in values]
        return [_round(max(v, 0.0), spec.decimals) for v in values]

    def _breaches(self, spec: KrSpec, n: int) -> set[int]:
        return {
            "risk": {n // 2} if n > 2 else set(),
            "off": {n - 1, n - 2} if n > 3 else {n - 1},
        }.get(spec.profile, set())

    def range_values(self, spec: KrSpec, n: int) -> list[float]:
        """Values inside a stay-between range; a breach goes past its high end. One draw
        per value, as for a line, so the values after it stay the seed's."""
        low = spec.start or 0.0
        breaches = self._breaches(spec, n)
        values = []
        for i in range(n):
            if i in breaches:
                value = spec.target + self.rng.uniform(0.15, 0.6) * spec.spread
            else:
                value = low + (spec.target - low) * (self.rng.uniform(0.2, 1.0) - 0.1)
            values.append(_round(value, spec.decimals))
        return values

    def line_values(self, spec: KrSpec, n: int) -> list[float]:
        """Values around a stay-above/stay-below line; ``off`` breaks it at the end."""
        side = 1.0 if spec.direction == ABOVE else -1.0
        breaches = self._breaches(spec, n)
        values = []
        for i in range(n):
            if i in breaches:
                offset = -side * self.rng.uniform(0.15, 0.6) * spec.spread
            else:
                offset = side * self.rng.uniform(0.2, 1.0) * spec.spread
            values.append(_round(spec.target + offset, spec.decimals))
        return values

    # ----------------------------------------------------------------------- activity

    def add_activity(self, current: str, previous: str) -> None:
        counts = {name: len(rows) for name, rows in self.rows.items() if name != "activity"}
        detail = {
            "company": COMPANY, "seed": DEMO_SEED, "today": self.today.isoformat(),
            "periods": [previous, current], "counts": counts,
        }  # fmt: skip
        self.rows["activity"].append(
            {"id": 1, "at": _at(self.today - timedelta(days=1), 23, 59), "author": self.me,
             "entity": "demo", "entity_id": None, "action": "create",
             "detail": json.dumps(detail, sort_keys=True)}
        )  # fmt: skip
