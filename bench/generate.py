"""A large organisation, generated deterministically for the benchmark.

The full size is the one issue 8 asks for: 10,000 objectives over 4 levels
(company → team → sub-team → personal) in one active period, 30,000 key results,
1,000,000 check-ins and 50 KPIs with 5 years of daily values. Everything comes
from one ``random.Random(SEED)``, so two runs of the same generator version give
the same rows, ids included.

Rows are written with SQLAlchemy Core ``executemany`` in one transaction, in
chunks built lazily (a million check-in dicts at once would cost ~400 MB). The
database is cached under the temp directory, keyed by :data:`GENERATOR_VERSION`,
the schema revision and the size, so only the first run pays for generating it.

Run ``python -m bench.generate [--quick]`` to (re)build the cache and print its path.
"""

import argparse
import os
import random
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

GENERATOR_VERSION = 1
SEED = 8_2026
TODAY = date(2026, 11, 23)
PERIOD = ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
CHUNK = 50_000
# One KR in this many follows a KPI (its value comes from the KPI, no check-ins of its own).
KPI_DRIVEN_EVERY = 100

Row = dict[str, Any]


@dataclass(frozen=True)
class Size:
    """How big an organisation to generate."""

    name: str
    objectives: int
    key_results: int
    check_ins: int
    kpis: int
    kpi_days: int
    users: int


FULL = Size("full", 10_000, 30_000, 1_000_000, 50, 5 * 365 + 1, 500)
QUICK = Size("quick", 200, 600, 6_000, 5, 60, 20)
# Share of the objectives on each of the four levels (company, team, sub-team, personal).
LEVEL_SHARES = (0.001, 0.009, 0.09)


def cache_dir() -> Path:
    """Where generated databases are kept between runs (``OKRTUI_BENCH_CACHE`` overrides)."""
    override = os.environ.get("OKRTUI_BENCH_CACHE")
    return Path(override) if override else Path(tempfile.gettempdir()) / "okrtui-bench"


def cached_path(size: Size) -> Path:
    from store.db.schema import HEAD

    return cache_dir() / f"org-g{GENERATOR_VERSION}-s{HEAD}-{size.name}.db"


def ensure_database(size: Size) -> Path:
    """The cached database for ``size``, generated first if it is missing."""
    path = cached_path(size)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
    try:
        generate(partial, size)
        os.replace(partial, path)
    finally:
        for leftover in (partial, *(partial.with_name(partial.name + s) for s in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
    return path


def generate(path: Path, size: Size) -> None:
    """Create the schema at ``path`` (through the real migrations) and fill it."""
    from sqlalchemy import bindparam, insert, update
    from sqlmodel import SQLModel

    import store.model.tables  # noqa: F401  (registers the tables)
    from store.db.database import open_database

    db = open_database(path, create=True)
    try:
        tables = SQLModel.metadata.tables
        builder = _Builder(size)
        with db.write() as session:
            conn = session.connection()
            for name, rows in builder.tables():
                for chunk in _chunks(rows, CHUNK):
                    conn.execute(insert(tables[name]), chunk)
            kr = tables["key_result"]
            latest = (
                update(kr)
                .where(kr.c.id == bindparam("kr_id"))
                .values(current_value=bindparam("value"), current_at=bindparam("at"))
            )
            conn.execute(latest, builder.latest)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("ANALYZE")
    finally:
        db.close()


def _chunks(rows: Iterable[Row], n: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while chunk := list(islice(it, n)):
        yield chunk


def _at(day: date, minute_of_day: int) -> datetime:
    return datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60), UTC)


def level_counts(total: int) -> list[int]:
    """Objectives per level, each level at least one, summing to ``total``."""
    counts = [max(1, round(total * share)) for share in LEVEL_SHARES]
    counts.append(total - sum(counts))
    if counts[-1] < 1:
        raise ValueError(f"{total} objectives cannot fill four levels")
    return counts


class _Builder:
    """Builds the rows table by table, in insertion order, with explicit ids."""

    def __init__(self, size: Size) -> None:
        self.size = size
        self.rng = random.Random(SEED)
        self.users = [f"user{i:04d}" for i in range(1, size.users + 1)]
        self.created = _at(PERIOD[1] - timedelta(days=3), 10 * 60)
        # (KR id, latest value, its time), filled as the check-ins are generated.
        self.latest: list[Row] = []

    def tables(self) -> Iterator[tuple[str, Iterable[Row]]]:
        name, starts_on, ends_on = PERIOD
        yield "period", [{"id": 1, "name": name, "starts_on": starts_on, "ends_on": ends_on,
                          "state": "active", "created_at": self.created}]  # fmt: skip
        yield "kpi", self.kpis()
        yield "kpi_value", self.kpi_values()
        objectives = self.objectives()
        yield "objective", objectives
        yield "collaborator", self.collaborators(objectives)
        key_results, plans = self.key_results(objectives)
        yield "key_result", key_results
        yield "check_in", self.check_ins(plans)

    # --- KPIs -----------------------------------------------------------------------

    def kpis(self) -> list[Row]:
        rows = []
        for i in range(1, self.size.kpis + 1):
            higher = i % 4 != 0
            rows.append(
                {"id": i, "name": f"KPI {i:02d} {'revenue' if higher else 'churn'} metric",
                 "unit": "$" if higher else "%", "description": f"Generated KPI number {i}.",
                 "category": f"Category {i % 5}", "owner": self.users[i % len(self.users)],
                 "team": f"Team {i % 10}", "direction": "higher" if higher else "lower",
                 "target": 1000.0 + i, "green_threshold": 900.0 + i, "red_threshold": 500.0 + i,
                 "parent_id": None if i <= 5 else 1 + i % 5, "archived": False,
                 "created_at": self.created}
            )  # fmt: skip
        return rows

    def kpi_values(self) -> Iterator[Row]:
        first_day = TODAY - timedelta(days=self.size.kpi_days)
        row_id = 0
        for kpi_id in range(1, self.size.kpis + 1):
            level = 600.0 + kpi_id
            for d in range(self.size.kpi_days):
                day = first_day + timedelta(days=d)
                level = max(0.0, level + self.rng.gauss(0.2, 5.0))
                row_id += 1
                value = round(level, 2)
                yield {"id": row_id, "kpi_id": kpi_id, "observed_on": day, "value": value,
                       "note": "", "author": "system", "created_at": _at(day, 18 * 60)}  # fmt: skip

    # --- objectives -----------------------------------------------------------------

    def objectives(self) -> list[Row]:
        rows: list[Row] = []
        previous: list[int] = []
        levels = ("company", "team", "team", "personal")
        for depth, count in enumerate(level_counts(self.size.objectives)):
            current = []
            for j in range(count):
                oid = len(rows) + 1
                parent = previous[j * len(previous) // count] if previous else None
                owner = self.rng.choice(self.users)
                team = None if depth == 0 else f"Team {(parent or 0) % 97}"
                rows.append(
                    {"id": oid, "period_id": 1, "parent_id": parent, "level": levels[depth],
                     "team": team, "title": f"Objective {oid}: improve area {j} at depth {depth}",
                     "description": "" if j % 3 else f"Why objective {oid} matters.",
                     "owner": owner, "state": "active", "grade": None, "retro_note": None,
                     "rolled_from_id": None, "position": j, "created_at": self.created,
                     "updated_at": self.created}
                )  # fmt: skip
                current.append(oid)
            previous = current
        return rows

    def collaborators(self, objectives: list[Row]) -> list[Row]:
        rows = []
        for o in objectives:
            if o["id"] % 5 == 0:
                name = self.rng.choice(self.users)
                if name != o["owner"]:
                    rows.append({"objective_id": o["id"], "username": name})
        return rows

    # --- key results and check-ins ------------------------------------------------------

    def kr_counts(self, n: int) -> list[int]:
        """KRs per objective: between 1 and 5, varied in pairs so the total is exact."""
        base, extra = divmod(self.size.key_results, n)
        counts = [base + (1 if i < extra else 0) for i in range(n)]
        for i in range(0, n - 1, 2):
            room = min(counts[i] - 1, 5 - counts[i], counts[i + 1] - 1, 5 - counts[i + 1])
            if room > 0:
                d = self.rng.randint(-room, room)
                counts[i] += d
                counts[i + 1] -= d
        return counts

    def key_results(self, objectives: list[Row]) -> tuple[list[Row], list[tuple[Row, int]]]:
        """KR rows and, for each KR with check-ins, how many it gets."""
        rows: list[Row] = []
        for o, count in zip(objectives, self.kr_counts(len(objectives)), strict=True):
            for position in range(count):
                rows.append(self.key_result(len(rows) + 1, o, position))
        own = [r for r in rows if r["kpi_id"] is None]
        base, extra = divmod(self.size.check_ins, len(own))
        plans = [(r, base + (1 if i < extra else 0)) for i, r in enumerate(own)]
        return rows, plans

    def key_result(self, kid: int, objective: Row, position: int) -> Row:
        roll = self.rng.random()
        kpi_id = None
        if kid % KPI_DRIVEN_EVERY == 0 and self.size.kpis:
            kind, direction, start, target, unit = "metric", "increase", 600.0, 1200.0, "$"
            kpi_id = 1 + kid // KPI_DRIVEN_EVERY % self.size.kpis
        elif roll < 0.6:
            start = float(self.rng.randrange(0, 500))
            kind, direction, target, unit = "metric", "increase", start * 2 + 100, "deals"
        elif roll < 0.75:
            start = float(self.rng.randrange(100, 500))
            kind, direction, target, unit = "metric", "decrease", start / 2, "ms"
        elif roll < 0.8:
            kind, direction, start, target, unit = "metric", "stay_above", None, 95.0, "%"
        elif roll < 0.92:
            kind, direction, start, target, unit = "percent", "increase", 0.0, 100.0, "%"
        else:
            kind, direction, start, target, unit = "milestone", "increase", 0.0, 1.0, ""
        return {"id": kid, "objective_id": objective["id"], "title": f"Key result {kid}",
                "kind": kind, "direction": direction, "start_value": start,
                "target_value": target, "unit": unit,
                "owner": objective["owner"] if position == 0 else self.rng.choice(self.users),
                "kpi_id": kpi_id, "weight": 1.0 if roll < 0.9 else 2.0, "position": position,
                "current_value": None, "current_at": None, "created_at": self.created,
                "updated_at": self.created}  # fmt: skip

    def check_ins(self, plans: list[tuple[Row, int]]) -> Iterator[Row]:
        """Each KR's check-ins spread over the period up to yesterday; the latest goes to
        :attr:`latest` for the KR row's ``current_value``, as the service keeps it."""
        first = PERIOD[1]
        span = (TODAY - first).days * 24 * 60 - 1
        confidences = ("on_track", "on_track", "at_risk", "off_track", None)
        row_id = 0
        for kr, count in plans:
            goal = self.rng.uniform(0.1, 1.3)
            start, target = kr["start_value"], kr["target_value"]
            for i in range(count):
                minute = span * (i + 1) // (count + 1)
                when = _at(first, 0) + timedelta(minutes=minute)
                share = goal * (i + 1) / count
                if kr["kind"] == "milestone":
                    value = 1.0 if share >= 1 else 0.0
                elif start is None:
                    value = round(target + self.rng.uniform(-5, 5), 1)
                else:
                    value = round(start + (target - start) * share, 1)
                row_id += 1
                yield {"id": row_id, "key_result_id": kr["id"], "value": value,
                       "confidence": self.rng.choice(confidences),
                       "note": "" if i % 4 else f"Check-in {i + 1} of KR-{kr['id']}.",
                       "author": kr["owner"], "created_at": when}  # fmt: skip
            if count:
                self.latest.append({"kr_id": kr["id"], "value": value, "at": when})


def describe(size: Size) -> str:
    counts = "/".join(str(c) for c in level_counts(size.objectives))
    return (
        f"{size.objectives:,} objectives ({counts} per level), {size.key_results:,} KRs, "
        f"{size.check_ins:,} check-ins, {size.kpis} KPIs × {size.kpi_days:,} days"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small CI-sized organisation")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    print(ensure_database(size))
    print(describe(size))


if __name__ == "__main__":
    main()
