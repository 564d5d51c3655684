"""The demo company, as data: people, KPIs with their weekly shape, two quarters of
objectives and key results with the progress each should show, and check-in notes.
"""

from typing import Any, NamedTuple

import store.model.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from store.model.enums import (
    Confidence,
    Direction,
    Kind,
    KpiDirection,
    Level,
)

DEMO_SEED = 20261123
DERIVED_SEED = 2026_12_03
"""The random numbers of :data:`DERIVED_KPIS` (their own, so the rest of the demo keeps
its)."""

M, P, MS = Kind.METRIC, Kind.PERCENT, Kind.MILESTONE
INC, DEC = Direction.INCREASE, Direction.DECREASE
ABOVE, BELOW, BETWEEN = Direction.STAY_ABOVE, Direction.STAY_BELOW, Direction.STAY_BETWEEN
HIGHER, LOWER = KpiDirection.HIGHER, KpiDirection.LOWER
COMPANY_LEVEL, TEAM, PERSONAL = Level.COMPANY, Level.TEAM, Level.PERSONAL


COMPANY = "Northwind Analytics"


ME = "@me"  # placeholder in the tables below for the real user


KPI_WEEKS = 26


Row = dict[str, Any]


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
    formula: str | None = None  # derived: a formula KPI's expression (store/domain/formula.py)


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
        formula="LTV / CAC",
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


DERIVED_KPIS: tuple[KpiSpec, ...] = (
    KpiSpec(
        "Churned MRR", "$", "MRR lost to cancellations and downgrades (trailing 30 days).",
        "Revenue", "farid", "Customer Success", LOWER, 25_000, 30_000, 40_000, "MRR",
        38_000, 30_500, 1_500, -2,
    ),
    KpiSpec(
        "Net new MRR", "$", "New plus expansion minus churned MRR (trailing 30 days).",
        "Revenue", "ana", None, HIGHER, 60_000, 50_000, 30_000, None, 0, 0, 0, 0,
        formula='"New MRR" + "Expansion MRR" - "Churned MRR"',
    ),
    KpiSpec(
        "SaaS quick ratio", "x", "MRR gained (new and expansion) per dollar of MRR churned; "
        "4x or better is efficient growth.", "Revenue", "emma", "Finance", HIGHER, 4.0, 3.0,
        2.0, None, 0, 0, 0, 2, formula='("New MRR" + "Expansion MRR") / "Churned MRR"',
    ),
    KpiSpec(
        "ARR", "$", "Annual recurring revenue: this week's MRR times twelve.", "Revenue", "ana",
        None, HIGHER, 12_000_000, 11_400_000, 10_200_000, None, 0, 0, 0, 0,
        formula="MRR * 12",
    ),
)  # fmt: skip
"""KPIs added after the first demo (issue 18's formulas): one typed input and the formula
KPIs over it. Built after every other row with their own random numbers, so the rest of
the demo (its values, check-ins and times) is what it was before them."""

REQUESTS_KPI = KpiSpec(
    "Demo requests", "requests", "Product demos requested on the site, at webinars and "
    "through partners: a flow, summed per week (store/demo/warehouse.py counts them).",
    "Marketing", "chloe", "Marketing", HIGHER, 60, 55, 35, None, 0, 0, 0, 0,
)  # fmt: skip
"""A flow KPI, counted per working day (not one of the weekly ``KPIS``)."""

RANGES: dict[str, tuple[float | None, float | None]] = {
    "Support response time": (4, 8),  # too fast means agents skip triage
}
"""KPIs to keep within a range: (low, high)."""


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
    spread: float = 0.0  # stay_above/below/between: how far a breach goes past the line
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
            # Spend the plan, not less: burn under the range means hiring behind it.
            KrSpec("Keep monthly burn between $800K and $1M", M, BETWEEN, 800_000, 1_000_000,
                   "$", "emma", "on", -3, 50_000),
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


# Comment threads on current key results: (KR title, [(author, text, days ago, hour)]).
# ME is the person exploring the demo: one mention and one reply land in their inbox.
THREADS: tuple[tuple[str, tuple[tuple[str, str, int, int], ...]], ...] = (
    ("Increase market reach by 35%", (
        ("ben", "Is 35% still realistic after the October slip?", 6, 10),
        ("ana", "Partner channel lands next week; I'll re-forecast then. @ben", 6, 14),
        ("ben", f"Thanks. {ME} can you add the partner leads to the weekly numbers?", 2, 9),
    )),
    ("Raise NPS to 45", (
        (ME, "Detractors mostly mention onboarding time.", 4, 11),
        ("jon", "Agreed: the health score should flag them earlier.", 3, 16),
    )),
    ("Launch the customer health score", (
        ("ana", "@jon no check-in since the quarter started: is this still on?", 1, 9),
    )),
)  # fmt: skip
