"""Deterministic demo data: "Northwind Analytics", a small SaaS company.

:func:`build_demo` fills an empty database with two quarters of OKRs (the
previous one closed and graded, the current one active with weekly check-ins)
and sixteen KPIs with 26 weekly values each. Everything comes from one
``random.Random(DEMO_SEED)``, so the same ``me`` and ``today`` always give the
same rows (ids included): screenshots and snapshot tests stay stable.

Design notes:

* Rows are built as plain dicts with explicit ids and written with Core
  ``executemany`` inserts in one ``BEGIN IMMEDIATE`` transaction (ORM inserts are
  an order of magnitude slower). Hence the database must hold no periods,
  objectives or KPIs yet: :class:`DemoError` otherwise.
* ``me`` (the Unix user running the app) owns a personal objective with three
  KRs, owns KRs in two team objectives and collaborates on two others, so
  "my KRs" and the weekly check-in walk-through have something to show. When
  ``me`` is one of the demo people, that person simply gets these too.
* Each KR follows a profile: ``over``, ``on``, ``risk`` or ``off`` (the status
  band its latest value lands in), ``none`` (no check-ins yet) or ``kpi:NAME``
  (KPI-driven: no check-ins of its own; its value comes from the KPI).
  ``key_result.current_value``/``current_at`` mirror the latest check-in, as the
  service keeps them.
* Timestamps never lie in the future: check-ins stop the day before ``today``
  and the last KPI observation is the Friday before ``today``.
* "Support response time" falls for months and then rises over its last three
  values while a company KR follows it: the KPI early-warning case.
"""

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, func, insert, select
from sqlmodel import SQLModel

import store.model.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from store.db.database import Database
from store.domain.quarters import quarter_bounds
from store.errors import DemoError
from store.model.enums import (
    Confidence,
    Direction,
    Kind,
    KpiDirection,
    Level,
    ObjectiveState,
    PeriodState,
)

DEMO_SEED = 20261123
COMPANY = "Northwind Analytics"
ME = "@me"  # placeholder in the tables below for the real user
KPI_WEEKS = 26

Row = dict[str, Any]

# Demo people and their teams (teams live on objectives and KPIs, not on users).
PEOPLE: dict[str, str] = {
    "ana": "Executive",
    "ben": "Sales",
    "chloe": "Marketing",
    "dev": "Product",
    "emma": "Finance",
    "farid": "Customer Success",
    "grace": "Product",
    "hugo": "Sales",
    "ines": "Marketing",
    "jon": "Customer Success",
}

M, P, MS = Kind.METRIC, Kind.PERCENT, Kind.MILESTONE
INC, DEC = Direction.INCREASE, Direction.DECREASE
ABOVE, BELOW = Direction.STAY_ABOVE, Direction.STAY_BELOW
HIGHER, LOWER = KpiDirection.HIGHER, KpiDirection.LOWER
COMPANY_LEVEL, TEAM, PERSONAL = Level.COMPANY, Level.TEAM, Level.PERSONAL


class KpiSpec(NamedTuple):
    name: str
    unit: str
    description: str
    category: str
    owner: str
    team: str | None
    direction: KpiDirection
    target: float
    green: float
    red: float
    parent: str | None
    first: float  # trend start (26 weeks ago) ...
    last: float  # ... and end (this week), before noise
    jitter: float  # standard deviation of the weekly noise
    decimals: int  # round(value, decimals); negative rounds to tens, thousands...
    events: tuple[tuple[int, float | None, str], ...] = ()  # (week, value or None, note)
    ratio_of: tuple[str, str] | None = None  # derived: value = a / b


KPIS: tuple[KpiSpec, ...] = (
    KpiSpec(
        "MRR", "$", "Monthly recurring revenue across all plans.", "Revenue", "ana", None,
        HIGHER, 1_000_000, 950_000, 850_000, None, 785_000, 948_000, 4_000, -2,
        ((8, None, "Annual price increase took effect"),),
    ),
    KpiSpec(
        "New MRR", "$", "MRR added by new customers in the trailing 30 days.", "Revenue",
        "ben", "Sales", HIGHER, 70_000, 60_000, 45_000, "MRR", 48_000, 63_000, 3_000, -2,
        ((20, None, "Two enterprise deals closed in the same week"),),
    ),
    KpiSpec(
        "Expansion MRR", "$", "MRR added by upgrades and seat growth (trailing 30 days).",
        "Revenue", "farid", "Customer Success", HIGHER, 30_000, 25_000, 15_000, "MRR",
        17_500, 24_000, 1_800, -2,
    ),
    KpiSpec(
        "Churn rate", "%", "Share of customers lost in the trailing 30 days.", "Customers",
        "farid", "Customer Success", LOWER, 1.5, 2.0, 3.0, None, 2.6, 1.9, 0.1, 2,
        ((12, None, "One large customer consolidated onto a competitor's suite"),),
    ),
    KpiSpec(
        "NPS", "", "Net Promoter Score from the in-app survey (-100 to 100).", "Customers",
        "jon", "Customer Success", HIGHER, 45, 40, 30, None, 31, 41, 1.5, 0,
    ),
    KpiSpec(
        "CAC", "$", "Blended customer acquisition cost (sales and marketing spend per new "
        "customer).", "Growth", "chloe", "Marketing", LOWER, 4_000, 4_500, 6_000, None,
        5_400, 4_650, 120, -1,
        ((15, None, "Paused the under-performing paid social campaign"),),
    ),
    KpiSpec(
        "LTV", "$", "Customer lifetime value, gross-margin adjusted.", "Growth", "emma",
        "Finance", HIGHER, 24_000, 20_000, 15_000, None, 18_500, 21_000, 300, -1,
    ),
    KpiSpec(
        "LTV:CAC", "x", "Lifetime value over acquisition cost; 3x or better is healthy.",
        "Growth", "emma", "Finance", HIGHER, 5.0, 3.0, 2.0, None, 0, 0, 0, 2,
        ratio_of=("LTV", "CAC"),
    ),
    KpiSpec(
        "Win rate", "%", "Closed-won over all closed opportunities.", "Sales", "hugo",
        "Sales", HIGHER, 28, 25, 18, None, 20.5, 24.8, 0.9, 1,
    ),
    KpiSpec(
        "MQL→SQL conversion", "%", "Marketing-qualified leads accepted by sales.",
        "Marketing", "ines", "Marketing", HIGHER, 20, 18, 12, None, 13.8, 17.2, 0.6, 1,
    ),
    KpiSpec(
        "Site traffic", "visits", "Weekly unique visitors to the marketing site.",
        "Marketing", "chloe", "Marketing", HIGHER, 60_000, 52_000, 40_000, None,
        41_000, 56_500, 1_500, -2,
    ),
    KpiSpec(
        "Burn rate", "$", "Net cash burned per month.", "Finance", "emma", "Finance",
        LOWER, 900_000, 950_000, 1_100_000, None, 1_060_000, 935_000, 10_000, -3,
    ),
    KpiSpec(
        "Gross margin", "%", "Revenue minus cost of goods sold, over revenue.", "Finance",
        "emma", "Finance", HIGHER, 80, 77, 72, None, 75.8, 78.4, 0.3, 1,
    ),
    KpiSpec(
        "Days sales outstanding", "days", "Average days to collect an invoice.", "Finance",
        "emma", "Finance", LOWER, 30, 35, 45, None, 44, 36, 1.0, 0,
    ),
    KpiSpec(
        "Uptime", "%", "Availability of the web app and API over the week.", "Product",
        "dev", "Product", HIGHER, 99.95, 99.9, 99.5, None, 99.93, 99.97, 0.012, 2,
        ((17, 99.71, "Incident: EU database failover, 42 min of degraded service"),),
    ),
    KpiSpec(
        "Active users (MAU)", "users", "Monthly active users across all workspaces.",
        "Product", "grace", "Product", HIGHER, 65_000, 60_000, 45_000, None,
        47_800, 60_900, 500, -1,
        ((19, None, "Analytics beta opened to every workspace"),),
    ),
    KpiSpec(
        "Support response time", "hours", "Average first response time on support "
        "tickets (target: under 8 hours).", "Support", "farid", "Customer Success", LOWER,
        8, 8, 12, None, 11.8, 6.6, 0.25, 1,
        (
            (23, 6.9, ""),
            (24, 7.4, "Two agents on leave; backlog growing"),
            (25, 7.9, "Ticket volume up 35% since the v3 launch"),
        ),
    ),
)  # fmt: skip


class KrSpec(NamedTuple):
    title: str
    kind: Kind
    direction: Direction
    start: float | None
    target: float
    unit: str
    owner: str
    profile: str  # over / on / risk / off / none / kpi:NAME
    decimals: int = 0
    spread: float = 0.0  # stay_above/stay_below: how far values wander from the line
    weight: float = 1.0


class ObjSpec(NamedTuple):
    key: str
    level: Level
    team: str | None
    parent: str | None
    owner: str
    title: str
    description: str
    collaborators: tuple[str, ...]
    krs: tuple[KrSpec, ...]
    retro: str | None = None


def _milestone(title: str, owner: str, profile: str) -> KrSpec:
    return KrSpec(title, MS, INC, 0, 1, "", owner, profile)


def _percent(title: str, owner: str, profile: str) -> KrSpec:
    return KrSpec(title, P, INC, 0, 100, "%", owner, profile)


CURRENT: tuple[ObjSpec, ...] = (
    ObjSpec(
        "north-star", COMPANY_LEVEL, None, None, "ana",
        "Become the No. 1 standalone goal management product",
        "Win the category on product and reach: the tool teams pick when they outgrow "
        "spreadsheets.", ("ben", "chloe"),
        (
            KrSpec("Grow MRR to $1.0M", M, INC, None, 1_000_000, "$", "ana", "kpi:MRR",
                   weight=2.0),
            KrSpec("+1,500 MQLs per month", M, INC, 900, 1_500, "MQLs", "chloe", "on"),
            KrSpec("Increase market reach by 35%", M, INC, 0, 35, "%", "ana", "risk", 1),
        ),
    ),
    ObjSpec(
        "customers", COMPANY_LEVEL, None, None, "ana", "Customers love us and stay",
        "Retention is the cheapest growth we have.", ("farid",),
        (
            KrSpec("Raise NPS to 45", M, INC, None, 45, "", ME, "kpi:NPS"),
            KrSpec("Keep average support response time under 8 hours", M, BELOW, None, 8,
                   "hours", "farid", "kpi:Support response time", 1),
            KrSpec("Net revenue retention of 110%", M, INC, 101, 110, "%", "emma", "on", 1),
        ),
    ),
    ObjSpec(
        "sales", TEAM, "Sales", "north-star", "ben", "Expand enterprise customer success",
        "Land and keep larger logos.", ("hugo",),
        (
            KrSpec("Onboard 5 new Fortune 500 logos", M, INC, 0, 5, "logos", "ben", "over"),
            KrSpec("130% booked revenue renewal rate", M, INC, 100, 130, "%", "hugo",
                   "risk", 1),
            KrSpec("Maintain 98% customer retention", M, ABOVE, None, 98, "%", "ben", "on",
                   1, 0.8),
        ),
    ),
    ObjSpec(
        "marketing", TEAM, "Marketing", "north-star", "chloe",
        "Launch 3 new lead generation campaigns",
        "Content syndication, a webinar series and a partner campaign.", ("ines", ME),
        (
            _milestone("Implement content syndication", "ines", "on"),
            KrSpec("10% month-over-month growth in qualified leads", M, INC, 0, 10, "%",
                   "chloe", "risk", 1),
            KrSpec("100,000 visits to landing pages", M, INC, 0, 100_000, "visits", "ines",
                   "over", -2),
        ),
    ),
    ObjSpec(
        "product", TEAM, "Product", "north-star", "dev", "Launch self-service user analytics",
        "Let every customer answer their own usage questions without filing a ticket.",
        ("grace",),
        (
            _milestone("Ship beta analytics dashboard by mid-quarter", "dev", "over"),
            _percent("Document the analytics methodology", "grace", "risk"),
            KrSpec("50% MAU adoption of analytics", M, INC, 0, 50, "%", ME, "off", 1),
        ),
    ),
    ObjSpec(
        "finance", TEAM, "Finance", "north-star", "emma", "Manage cash flow for growth",
        "Fund the plan without surprises.", (),
        (
            KrSpec("Raise $10M to extend runway", M, INC, 0, 10, "$M", "emma", "risk", 1),
            KrSpec("Keep burn under $1M per month", M, BELOW, None, 1_000_000, "$", "emma",
                   "on", -3, 50_000),
            KrSpec("Days sales outstanding below 30", M, DEC, 44, 30, "days", "emma", "off"),
        ),
    ),
    ObjSpec(
        "success", TEAM, "Customer Success", "customers", "farid",
        "Make every customer successful in their first 90 days",
        "Faster onboarding, fewer escalations, a health score we trust.", ("jon", ME),
        (
            KrSpec("Cut onboarding time from 21 to 10 days", M, DEC, 21, 10, "days", "farid",
                   "on", 1),
            KrSpec("Raise CSAT from 86% to 92%", M, INC, 86, 92, "%", "jon", "over", 1),
            KrSpec("Keep escalations below 5% of tickets", M, BELOW, None, 5, "%", ME, "off",
                   1, 0.6),
            _milestone("Launch the customer health score", "jon", "none"),
        ),
    ),
    ObjSpec(
        "soc2", TEAM, "Finance", None, "emma", "Pass the SOC 2 Type II audit",
        "Enterprise buyers ask for it in every security review.", ("dev",),
        (
            KrSpec("Close all 14 open audit findings", M, DEC, 14, 0, "findings", "emma", "on"),
            _percent("Complete the auditor's evidence collection", "dev", "on"),
        ),
    ),
    ObjSpec(
        "me", PERSONAL, "Product", "product", ME,
        "Make onboarding effortless for new workspaces",
        "New teams should have their first objective in minutes, not an afternoon.", (),
        (
            KrSpec("Cut time to first objective from 25 to 8 minutes", M, DEC, 25, 8, "min",
                   ME, "on", 1),
            _percent("Roll out the guided setup wizard", ME, "risk"),
            _milestone("Publish the onboarding playbook", ME, "over"),
        ),
    ),
    ObjSpec(
        "hugo", PERSONAL, "Sales", "sales", "hugo",
        "Increase the sales funnel by 35% this quarter", "", ("ben",),
        (
            KrSpec("Grow the sales team from 8 to 20 reps", M, INC, 8, 20, "reps", "hugo",
                   "risk"),
            KrSpec("12,000 active prospects monthly", M, INC, 7_500, 12_000, "prospects",
                   "hugo", "on", -1),
            KrSpec("30 lead conversions daily", M, INC, 18, 30, "conversions", "hugo", "off"),
        ),
    ),
    ObjSpec(
        "ines", PERSONAL, "Marketing", "marketing", "ines",
        "Increase brand awareness in the Midwest", "", (),
        (
            KrSpec("Sign 5 of the top 20 tier-one accounts", M, INC, 0, 5, "accounts", "ines",
                   "risk"),
            KrSpec("Virtual road show in three cities", M, INC, 0, 3, "cities", "ines", "on"),
            KrSpec("Featured in three regional media outlets", M, INC, 0, 3, "outlets",
                   "ines", "over"),
        ),
    ),
    ObjSpec(
        "grace", PERSONAL, "Product", "product", "grace",
        "Make analytics fast enough to use every day", "", (),
        (
            KrSpec("Cut p95 dashboard load time from 4.2 s to 1.5 s", M, DEC, 4.2, 1.5, "s",
                   "grace", "on", 1),
            KrSpec("Keep defect density below 0.5 per KLOC", M, BELOW, None, 0.5,
                   "defects/KLOC", "grace", "over", 2, 0.12),
        ),
    ),
    ObjSpec(
        "jon", PERSONAL, "Customer Success", "success", "jon",
        "Turn detractors into promoters", "", ("farid",),
        (
            _percent("Move the help centre to the new knowledge base", "jon", "on"),
            KrSpec("Publish 20 new help-centre articles", M, INC, 0, 20, "articles", "jon",
                   "over"),
        ),
    ),
)  # fmt: skip

PREVIOUS: tuple[ObjSpec, ...] = (
    ObjSpec(
        "prev-company", COMPANY_LEVEL, None, None, "ana", "Reach $880k MRR with a healthy funnel",
        "", ("emma",),
        (
            KrSpec("Grow MRR from $780k to $880k", M, INC, 780_000, 880_000, "$", "ana", "on",
                   -3),
            _milestone("Hire a VP of Marketing", "ana", "over"),
        ),
        "Revenue landed close to plan; the VP hire made the second half of the quarter. "
        "Carry the funnel work into next quarter.",
    ),
    ObjSpec(
        "prev-sales", TEAM, "Sales", "prev-company", "ben", "Close our first enterprise deals",
        "", ("hugo",),
        (
            KrSpec("Close 3 enterprise deals over $100k ACV", M, INC, 0, 3, "deals", "ben",
                   "over"),
            KrSpec("Shorten the sales cycle from 62 to 45 days", M, DEC, 62, 45, "days",
                   "hugo", "risk"),
        ),
        "Four deals closed, but security reviews kept the cycle long: SOC 2 is now a "
        "company objective.",
    ),
    ObjSpec(
        "prev-marketing", TEAM, "Marketing", "prev-company", "chloe",
        "Relaunch the website and blog", "", ("ines",),
        (
            _milestone("Ship the new website", "chloe", "over"),
            KrSpec("Grow blog visits from 18k to 30k per month", M, INC, 18_000, 30_000,
                   "visits", "ines", "on", -2),
        ),
        "Site shipped on time; blog growth came mostly from two comparison articles.",
    ),
    ObjSpec(
        "prev-product", TEAM, "Product", "prev-company", "dev", "Ship the goal alignment tree",
        "", ("grace", ME),
        (
            _milestone("Release the alignment tree to all customers", "dev", "over"),
            KrSpec("Cut p95 API latency from 480 to 250 ms", M, DEC, 480, 250, "ms", "grace",
                   "risk"),
            KrSpec("Keep uptime at or above 99.9%", M, ABOVE, None, 99.9, "%", "dev", "on",
                   2, 0.05),
        ),
        "Tree shipped; latency work stalled behind the database migration.",
    ),
    ObjSpec(
        "prev-me", PERSONAL, "Product", "prev-product", ME,
        "Learn from our customers first-hand", "", (),
        (
            KrSpec("Hold 20 customer discovery calls", M, INC, 0, 20, "calls", ME, "on"),
            _milestone("Publish a research summary for the company", ME, "off"),
        ),
        "Good calls, but the summary never got written: schedule writing time up front.",
    ),
)  # fmt: skip

# The latest check-in of these KRs gets this note (markup-like text and a newline
# exercise the plain-text rendering of user notes).
SPECIAL_NOTES: dict[str, str] = {
    "Ship beta analytics dashboard by mid-quarter": "Shipped [beta] to 3 pilots; see [/docs]",
    "30 lead conversions daily": "Pipeline review done.\nTwo SDRs still ramping; conversions flat.",
}

NOTES: dict[Confidence | None, tuple[str, ...]] = {
    Confidence.ON_TRACK: (
        "On plan; nothing blocking.",
        "Good momentum this week.",
        "Better week than expected.",
        "Closed the gap from last week.",
        "Numbers confirmed in Friday's review.",
        "Steady progress; next step agreed with the team.",
    ),
    Confidence.AT_RISK: (
        "Slower than planned; reviewing priorities.",
        "Blocked on a dependency from another team.",
        "Half the team out this week; expect catch-up next week.",
        "Need a decision on scope by Friday.",
        "Below pace; asked for help in the weekly.",
    ),
    Confidence.OFF_TRACK: (
        "Well behind plan; proposing a revised target.",
        "No movement this week; root cause under review.",
        "Lost the main contributor to the v3 launch.",
        "Escalated in the leadership meeting.",
    ),
    None: ("Quick update, details in the weekly.", "Numbers pulled from the dashboard."),
}

FINAL_PROGRESS: dict[str, tuple[float, float]] = {
    "over": (1.06, 1.2),
    "on": (0.75, 0.9),
    "risk": (0.38, 0.6),
    "off": (0.06, 0.22),
}


# --------------------------------------------------------------------------- public API


def build_demo(db: Database, me: str, today: date | None = None) -> None:
    """Fill an empty database with the Northwind Analytics demo, as seen on ``today``.

    Deterministic for a given ``me`` and ``today`` (default: the local date).
    Raises :class:`DemoError` if periods, objectives or KPIs already exist.
    """
    if not me or not me.strip():
        raise ValueError("the demo needs the current user's name")
    rows = _Builder(me, today or date.today()).build()
    with db.write() as session:
        conn = session.connection()
        _refuse_existing(conn)
        for name, data in rows.items():
            if data:
                conn.execute(insert(_table(name)), data)


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
            n: [] for n in (*names, "kpi_value", "activity", "admin")
        }
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
        # The person exploring the demo is its admin, so every key works for them even
        # when the file was built by another account (a shared demo, the test suite).
        self.rows["admin"].append(
            {"username": self.me, "added_by": self.me, "added_at": _at(start, 9)}
        )
        return self.rows

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

    def kpi_values(self, spec: KpiSpec) -> list[float]:
        if spec.ratio_of is not None:
            a, b = (self.kpi_series[k] for k in spec.ratio_of)
            return [_round(x / y, spec.decimals) for (_, x), (_, y) in zip(a, b, strict=True)]
        values = []
        for i in range(KPI_WEEKS):
            trend = spec.first + (spec.last - spec.first) * i / (KPI_WEEKS - 1)
            value = trend + self.rng.gauss(0, spec.jitter)
            if spec.unit == "%":
                value = min(value, 100.0)
            values.append(_round(value, spec.decimals))
        for week, override, _note in spec.events:
            if override is not None:
                values[week] = override
        return values

    def add_kpis(self) -> None:
        dates = self.kpi_dates()
        for spec in KPIS:
            kid = self.next_id("kpi")
            self.kpi_ids[spec.name] = kid
            self.rows["kpi"].append(
                {"id": kid, "name": spec.name, "unit": spec.unit,
                 "description": spec.description, "category": spec.category,
                 "owner": spec.owner, "team": spec.team, "direction": spec.direction,
                 "target": spec.target, "green_threshold": spec.green,
                 "red_threshold": spec.red,
                 "parent_id": self.kpi_ids[spec.parent] if spec.parent else None,
                 "archived": False, "created_at": _at(dates[0] - timedelta(days=7), 9)}
            )  # fmt: skip
            values = self.kpi_values(spec)
            self.kpi_series[spec.name] = list(zip(dates, values, strict=True))
            notes = {week: note for week, _value, note in spec.events}
            for week, (day, value) in enumerate(self.kpi_series[spec.name]):
                self.rows["kpi_value"].append(
                    {"id": self.next_id("kpi_value"), "kpi_id": kid, "observed_on": day,
                     "value": value, "note": notes.get(week, ""), "author": spec.owner,
                     "created_at": _at(day, self.rng.randint(14, 17), self.rng.randrange(60))}
                )  # fmt: skip

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

    def line_values(self, spec: KrSpec, n: int) -> list[float]:
        """Values around a stay-above/stay-below line; ``off`` breaks it at the end."""
        side = 1.0 if spec.direction == ABOVE else -1.0
        breaches = {
            "risk": {n // 2} if n > 2 else set(),
            "off": {n - 1, n - 2} if n > 3 else {n - 1},
        }.get(spec.profile, set())
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
