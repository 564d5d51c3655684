"""The demo's data where it lives (issue 18): a small "warehouse" SQLite database and a
CSV export written beside the demo database, and the KPI sources reading them, so that
``okrtui kpi pull`` on the demo fetches real numbers.

* ``<demo>.warehouse.db``: ``mrr_by_plan`` (each Friday's MRR split over three plans: the
  MRR KPI's ``sql`` source sums it per day) and ``demo_requests`` (one row per request
  for a product demo, with its company and channel: the ``Demo requests`` KPI, a flow,
  counts them per day);
* ``<demo>.site-traffic.csv``: weekly visits (the ``Site traffic`` KPI's ``file`` source);
* the formula KPIs (``LTV:CAC`` is ``LTV / CAC``; ``Net new MRR``, ``SaaS quick ratio`` and
  ``ARR`` are computed from the MRR KPIs): every demo KPI with a ``formula``
  (store/demo/data.py).

The numbers are the demo's own series (the history already in the demo database is what
these sources gave), split with their own ``random.Random``, so the demo stays
deterministic for a given user and day. The sql sources are approved by the person the
demo is built for: the demo database is theirs, so they are its server owner.
"""

import csv
import random
import sqlite3
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from store.demo.data import DERIVED_KPIS, KPIS
from store.domain.kpi_sources import validate_spec
from store.model.enums import SourceKind

WAREHOUSE_SEED = 18
PLANS = (("starter", 0.18), ("team", 0.47), ("enterprise", 0.35))
CHANNELS = ("website", "webinar", "partner", "outbound")
COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell",
             "Cyberdyne", "Soylent", "Wonka", "Vandelay", "Pied Piper")  # fmt: skip
REQUEST_WEEKS = 8
"""How many weeks of demo requests the warehouse holds (daily counts make a long history)."""
MRR_QUERY = "SELECT day, sum(mrr) FROM mrr_by_plan GROUP BY day ORDER BY day"
REQUESTS_QUERY = (
    "SELECT requested_on, count(*) FROM demo_requests GROUP BY requested_on ORDER BY requested_on"
)


def warehouse_path(demo_db: Path) -> Path:
    return demo_db.with_name(f"{demo_db.stem}.warehouse.db")


def traffic_path(demo_db: Path) -> Path:
    return demo_db.with_name(f"{demo_db.stem}.site-traffic.csv")


def demo_requests(today: date) -> list[tuple[date, int]]:
    """Requests per working day over the last ``REQUEST_WEEKS`` weeks, today included
    (so far today): busier on Tuesdays to Thursdays, slowly growing."""
    rng = random.Random(WAREHOUSE_SEED)
    first = today - timedelta(weeks=REQUEST_WEEKS)
    out = []
    for offset in range((today - first).days + 1):
        day = first + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        base = 7 + 4 * offset / (today - first).days + (2 if day.weekday() in (1, 2, 3) else 0)
        out.append((day, max(0, round(rng.gauss(base, 2)))))
    return out


def write_warehouse(
    demo_db: Path, mrr: Sequence[tuple[date, float]], traffic: Sequence[tuple[date, float]],
    requests: Sequence[tuple[date, int]],
) -> None:  # fmt: skip
    """Write the warehouse database and the CSV export beside ``demo_db`` (replacing any
    left by an earlier demo of the same name)."""
    rng = random.Random(WAREHOUSE_SEED)
    path = warehouse_path(demo_db)
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE mrr_by_plan (day TEXT, plan TEXT, mrr REAL, "
                     "PRIMARY KEY (day, plan))")  # fmt: skip
        conn.execute("CREATE TABLE demo_requests (id INTEGER PRIMARY KEY, requested_on TEXT, "
                     "company TEXT, channel TEXT)")  # fmt: skip
        for day, total in mrr:
            # the last plan takes the rest, so the sum is exactly the demo's MRR
            shares = [round(total * share, -2) for _plan, share in PLANS[:-1]]
            parts = [*shares, total - sum(shares)]
            plans = [plan for plan, _share in PLANS]
            conn.executemany("INSERT INTO mrr_by_plan VALUES (?, ?, ?)",
                             [(day.isoformat(), plan, part)
                              for plan, part in zip(plans, parts, strict=True)])  # fmt: skip
        rows = [(day.isoformat(), rng.choice(COMPANIES), rng.choice(CHANNELS))
                for day, count in requests for _ in range(count)]  # fmt: skip
        conn.executemany(
            "INSERT INTO demo_requests (requested_on, company, channel) VALUES (?, ?, ?)", rows
        )
    conn.close()
    with traffic_path(demo_db).open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["day", "visits"])
        writer.writerows((day.isoformat(), f"{visits:.0f}") for day, visits in traffic)


def demo_sources(demo_db: Path) -> dict[str, tuple[SourceKind, dict[str, Any]]]:
    """KPI name → (kind, checked settings) of the demo's sources."""
    url = f"sqlite:///{warehouse_path(demo_db).resolve()}"
    wanted: dict[str, tuple[SourceKind, dict[str, Any]]] = {
        "MRR": (SourceKind.SQL, {"url": url, "query": MRR_QUERY}),
        "Demo requests": (SourceKind.SQL, {"url": url, "query": REQUESTS_QUERY}),
        "Site traffic": (SourceKind.FILE, {"path": str(traffic_path(demo_db).resolve()),
                                           "column": "visits", "date_column": "day"}),
    }  # fmt: skip
    for kpi in (*KPIS, *DERIVED_KPIS):
        if kpi.formula is not None:
            wanted[kpi.name] = (SourceKind.FORMULA, {"expression": kpi.formula})
    return {name: (kind, validate_spec(kind, spec)) for name, (kind, spec) in wanted.items()}
