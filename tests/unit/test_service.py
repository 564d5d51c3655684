"""store.write: every write validated, one transaction, logged; a refusal changes nothing.

Every refusal below goes through :func:`refused`, which dumps the whole database
(schema and every row, via SQLite's ``iterdump``) before and after the call and
asserts the two dumps are identical.
"""

import json
import multiprocessing
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import backends
import pytest
from sqlalchemy import text as sql

import store.db.engine as store_engine
from store.db.database import Database, open_database
from store.domain import quarters
from store.domain.scoring import Thresholds
from store.errors import DomainError, NotFoundError, ValidationError, WriteError
from store.identity import current_username
from store.model.enums import Band, Confidence, Direction, Kind, Level, ObjectiveState, PeriodState
from store.model.tables import Period
from store.write import checkins, common, key_results, kpis, objectives, periods

# The database file's owner, who may change everything (permissions: tests/unit/test_rights.py).
ACTOR = current_username()

# Inputs float() accepts (or people type) that are not numbers anyone means.
BAD_NUMBERS = ["nan", "NaN", "inf", "-inf", "1e309", "-1e309", "1_000", "١٢٣", "１２", "abc", ""]


# --------------------------------------------------------------------------- helpers


def dump(db: Database) -> list[str]:
    """The whole database as text: every row of every table (and SQLite's schema)."""
    return backends.dump(db)


def query(db: Database, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return backends.query(db, sql, *params)


def one(db: Database, sql: str, *params: Any) -> Any:
    rows = query(db, sql, *params)
    assert len(rows) == 1, rows
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def count(db: Database, table: str) -> int:
    return int(one(db, f"SELECT count(*) FROM {table}"))


@dataclass(frozen=True)
class Logged:
    author: str
    entity: str
    entity_id: int | None
    action: str
    detail: dict[str, Any]


def last_activity(db: Database) -> Logged:
    row = query(
        db,
        "SELECT author, entity, entity_id, action, detail FROM activity ORDER BY id DESC LIMIT 1",
    )[0]
    return Logged(row[0], row[1], row[2], row[3], json.loads(row[4]))


def activities(db: Database) -> int:
    return count(db, "activity")


Refuse = Callable[..., str]


@pytest.fixture
def refuse(db: Database) -> Refuse:
    """Call a service function that must be refused; assert the database is unchanged."""

    def call(exc: type[Exception], func: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
        match = kwargs.pop("match", None)
        before = dump(db)
        with pytest.raises(exc, match=match) as info:
            func(db, *args, **kwargs)
        assert dump(db) == before, "a refused write changed the database"
        message = str(info.value)
        assert message.strip(), "a refusal needs a message"
        return message

    return call


@dataclass(frozen=True)
class World:
    db: Database
    period: int  # active
    planning: int  # another open period
    closed: int  # closed, read-only
    company: int  # O under period: company -> team -> personal
    team: int
    personal: int
    sibling: int  # another root in the active period
    elsewhere: int  # objective in the planning period
    archived_obj: int  # objective in the closed period
    metric: int  # KRs of `team`
    percent: int
    milestone: int
    driven: int  # KPI-driven KR of `company`
    closed_kr: int
    kpi: int


@pytest.fixture
def world(db: Database) -> World:
    period = periods.create_period(db, ACTOR, "2026-Q4", "2026-10-01", "2026-12-31", "active").id
    planning = periods.create_period(db, ACTOR, "2027-Q1", "2027-01-01", "2027-03-31").id
    closed = periods.create_period(db, ACTOR, "2026-Q3", "2026-07-01", "2026-09-30").id
    company = objectives.create_objective(
        db, ACTOR, period_id=period, title="Company", owner="ana"
    ).id
    team = objectives.create_objective(
        db, ACTOR, period_id=period, title="Team", owner="ben", parent_id=company, team="Sales"
    ).id
    personal = objectives.create_objective(
        db, ACTOR, period_id=period, title="Personal", owner="carl", parent_id=team
    ).id
    sibling = objectives.create_objective(
        db, ACTOR, period_id=period, title="Sibling", owner="ana"
    ).id
    elsewhere = objectives.create_objective(
        db, ACTOR, period_id=planning, title="Next", owner="ana"
    ).id
    old = objectives.create_objective(db, ACTOR, period_id=closed, title="Old", owner="ana").id
    closed_kr = key_results.create_key_result(
        db, ACTOR, objective_id=old, title="Old KR", target=10
    ).id
    kpi = kpis.create_kpi(db, ACTOR, name="MRR", owner="ana", unit="$", green=90, red=50).id
    metric = key_results.create_key_result(
        db, ACTOR, objective_id=team, title="Revenue", start=0, target=200, unit="k$"
    ).id
    percent = key_results.create_key_result(
        db, ACTOR, objective_id=team, title="Docs", kind="percent"
    ).id
    milestone = key_results.create_key_result(
        db, ACTOR, objective_id=team, title="Launch", kind="milestone"
    ).id
    driven = key_results.create_key_result(
        db, ACTOR, objective_id=company, title="MRR to 100", target=100, kpi_id=kpi
    ).id
    with db.write() as session:
        row = session.get(Period, closed)
        assert row is not None
        row.state = PeriodState.CLOSED
    return World(
        db,
        period,
        planning,
        closed,
        company,
        team,
        personal,
        sibling,
        elsewhere,
        old,
        metric,
        percent,
        milestone,
        driven,
        closed_kr,
        kpi,
    )


def now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- periods


def test_create_period(db: Database) -> None:
    saved = periods.create_period(db, ACTOR, " 2026-Q4 ", "2026-10-01", date(2026, 12, 31))
    assert query(db, "SELECT id, name, starts_on, ends_on, state FROM period") == [
        (saved.id, "2026-Q4", "2026-10-01", "2026-12-31", "planning")
    ]
    log = last_activity(db)
    assert (log.author, log.entity, log.entity_id, log.action) == (
        ACTOR,
        "period",
        saved.id,
        "create",
    )
    assert log.detail["name"] == "2026-Q4"
    assert log.detail["starts_on"] == "2026-10-01"


def test_only_one_period_is_active(db: Database) -> None:
    a = periods.create_period(db, ACTOR, "A", "2026-01-01", "2026-03-31", "active").id
    b = periods.create_period(db, ACTOR, "B", "2026-04-01", "2026-06-30", PeriodState.ACTIVE).id
    states = dict(query(db, "SELECT id, state FROM period"))
    assert states == {a: "planning", b: "active"}
    periods.activate_period(db, ACTOR, a)
    assert dict(query(db, "SELECT id, state FROM period")) == {a: "active", b: "planning"}
    log = last_activity(db)
    assert (log.author, log.entity, log.entity_id, log.action) == (ACTOR, "period", a, "activate")


@pytest.mark.parametrize(
    ("name", "start", "end", "message"),
    [
        ("", "2026-10-01", "2026-12-31", "period name must not be empty"),
        ("   ", "2026-10-01", "2026-12-31", "period name must not be empty"),
        ("\x1b\u202e\u200b", "2026-10-01", "2026-12-31", "period name must not be empty"),
        ("x" * 65, "2026-10-01", "2026-12-31", "too long"),
        ("Q", "2026-13-01", "2026-12-31", "start date .* not a real date"),
        ("Q", "2026/10/01", "2026-12-31", "YYYY-MM-DD"),
        ("Q", "1969-12-31", "2026-12-31", "outside"),
        ("Q", "2026-10-01", "2201-01-01", "outside"),
        ("Q", "2026-12-31", "2026-10-01", "must end after it starts"),
        ("Q", "2026-10-01", "2026-10-01", "must end after it starts"),
    ],
)
def test_create_period_refusals(
    world: World, refuse: Refuse, name: str, start: str, end: str, message: str
) -> None:
    refuse(ValidationError, periods.create_period, ACTOR, name, start, end, match=message)


@pytest.mark.parametrize("name", ["2026-Q4", "2026-q4", " 2026-Q4\u200b "])
def test_duplicate_period_name_refused(world: World, refuse: Refuse, name: str) -> None:
    refuse(
        ValidationError,
        periods.create_period,
        ACTOR,
        name,
        "2030-01-01",
        "2030-03-31",
        match="already exists",
    )


def test_period_state_and_activation_refusals(world: World, refuse: Refuse) -> None:
    refuse(
        ValidationError,
        periods.create_period,
        ACTOR,
        "New",
        "2030-01-01",
        "2030-03-31",
        "bogus",
        match="state 'bogus' is not one of: planning, active, closed",
    )
    refuse(NotFoundError, periods.activate_period, ACTOR, 999, match="period 999 does not exist")
    refuse(DomainError, periods.activate_period, ACTOR, world.closed, match="closed")


@pytest.mark.parametrize(
    ("day", "name", "start", "end"),
    [
        (date(2026, 1, 1), "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        (date(2024, 2, 29), "2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        (date(2026, 3, 31), "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), "2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 8, 15), "2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 11, 23), "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        (date(2026, 12, 31), "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_quarter_bounds(day: date, name: str, start: date, end: date) -> None:
    assert quarters.quarter_bounds(day) == (name, start, end)


def test_ensure_period_creates_the_current_quarter_once(db: Database) -> None:
    pid = periods.ensure_period(db, ACTOR, date(2026, 11, 23))
    assert pid is not None
    assert query(db, "SELECT id, name, starts_on, ends_on, state FROM period") == [
        (pid, "2026-Q4", "2026-10-01", "2026-12-31", "active")
    ]
    assert last_activity(db).action == "create"
    before = dump(db)
    assert periods.ensure_period(db, ACTOR, date(2027, 5, 1)) is None
    assert dump(db) == before


# --------------------------------------------------------------------------- objectives


def test_create_objective_levels_team_and_collaborators(world: World) -> None:
    db = world.db
    rows = {
        r[0]: r[1:]
        for r in query(db, "SELECT id, parent_id, level, team, owner, period_id FROM objective")
    }
    assert rows[world.company] == (None, "company", None, "ana", world.period)
    assert rows[world.team] == (world.company, "team", "Sales", "ben", world.period)
    # A child inherits the parent's team and sits one level lower.
    assert rows[world.personal] == (world.team, "personal", "Sales", "carl", world.period)

    saved = objectives.create_objective(
        db,
        ACTOR,
        period_id=world.period,
        title="  Win\nthe market ",
        owner="dana",
        description="Line one\nLine two",
        collaborators=["erin", "dana", "erin", "  ", "fred"],
        level="team",
    )
    assert any("no key results" in w for w in saved.warnings)
    assert one(db, "SELECT title, description, level FROM objective WHERE id = ?", saved.id) == (
        "Win the market",
        "Line one\nLine two",
        "team",
    )
    assert query(
        db, "SELECT username FROM collaborator WHERE objective_id = ? ORDER BY 1", saved.id
    ) == [("erin",), ("fred",)]
    log = last_activity(db)
    assert (log.author, log.entity, log.entity_id, log.action) == (
        ACTOR,
        "objective",
        saved.id,
        "create",
    )
    assert log.detail["collaborators"] == ["erin", "fred"]


@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        ({"title": ""}, ValidationError, "title must not be empty"),
        ({"title": "  \t "}, ValidationError, "title must not be empty"),
        ({"title": "\x1b\x07\x9b"}, ValidationError, "title must not be empty"),
        ({"title": "x" * 301}, ValidationError, "too long"),
        ({"owner": "two words"}, ValidationError, "not a user name"),
        ({"owner": "-rf"}, ValidationError, "not a user name"),
        ({"owner": ""}, ValidationError, "owner must not be empty"),
        ({"collaborators": ["ok", "b ad"]}, ValidationError, "collaborator 'b ad'"),
        ({"level": "galaxy"}, ValidationError, "level 'galaxy' is not one of"),
        ({"period_id": 999}, NotFoundError, "period 999 does not exist"),
        ({"parent_id": 999}, NotFoundError, "parent objective O-999 does not exist"),
        ({"description": "x" * 10_001}, ValidationError, "description is too long"),
    ],
)
def test_create_objective_refusals(
    world: World, refuse: Refuse, kwargs: dict[str, Any], exc: type[Exception], message: str
) -> None:
    args = {"period_id": world.period, "title": "Fine", "owner": "ana", **kwargs}
    refuse(exc, objectives.create_objective, ACTOR, match=message, **args)


def test_create_objective_refuses_parent_in_another_period(world: World, refuse: Refuse) -> None:
    refuse(
        ValidationError,
        objectives.create_objective,
        ACTOR,
        period_id=world.period,
        title="X",
        owner="ana",
        parent_id=world.elsewhere,
        match="another period",
    )


def test_update_objective_changes_only_given_fields(world: World) -> None:
    db = world.db
    before = one(db, "SELECT updated_at FROM objective WHERE id = ?", world.team)
    saved = objectives.update_objective(
        db, ACTOR, world.team, title="Team, renamed", collaborators=["gus"]
    )
    assert saved.id == world.team
    row = one(
        db, "SELECT title, owner, team, level, updated_at FROM objective WHERE id = ?", world.team
    )
    assert row[:4] == ("Team, renamed", "ben", "Sales", "team")
    assert row[4] > before
    assert query(db, "SELECT username FROM collaborator WHERE objective_id = ?", world.team) == [
        ("gus",)
    ]
    log = last_activity(db)
    assert (log.author, log.entity, log.entity_id, log.action) == (
        ACTOR,
        "objective",
        world.team,
        "update",
    )
    assert log.detail["before"] == {"title": "Team"}
    assert log.detail["after"] == {"title": "Team, renamed", "collaborators": ["gus"]}
    # Clearing the team is allowed (None), and the KR count warning is not a refusal.
    assert objectives.update_objective(db, ACTOR, world.team, team=None).warnings == ()
    assert one(db, "SELECT team FROM objective WHERE id = ?", world.team) is None
    warned = objectives.update_objective(db, ACTOR, world.sibling, owner="zoe")
    assert any("no key results" in w for w in warned.warnings)


@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        ({"title": " "}, ValidationError, "title must not be empty"),
        ({"owner": "a b"}, ValidationError, "not a user name"),
        ({"level": "x"}, ValidationError, "level 'x'"),
        ({"title": "Valid", "owner": "in valid"}, ValidationError, "not a user name"),
        ({"title": "Valid", "collaborators": ["x y"]}, ValidationError, "collaborator"),
    ],
)
def test_update_objective_refusals(
    world: World, refuse: Refuse, kwargs: dict[str, Any], exc: type[Exception], message: str
) -> None:
    refuse(exc, objectives.update_objective, ACTOR, world.team, match=message, **kwargs)


def test_update_unknown_objective(world: World, refuse: Refuse) -> None:
    refuse(
        NotFoundError, objectives.update_objective, ACTOR, 999, title="X", match="O-999 does not"
    )


def test_move_objective(world: World) -> None:
    db = world.db
    objectives.move_objective(db, ACTOR, world.personal, world.sibling)
    assert one(db, "SELECT parent_id FROM objective WHERE id = ?", world.personal) == world.sibling
    log = last_activity(db)
    assert (log.author, log.entity, log.entity_id, log.action) == (
        ACTOR,
        "objective",
        world.personal,
        "move",
    )
    assert log.detail == {"old_parent": world.team, "new_parent": world.sibling}
    objectives.move_objective(db, ACTOR, world.personal, None)
    assert one(db, "SELECT parent_id FROM objective WHERE id = ?", world.personal) is None
    # Moving a subtree under an unrelated branch is fine: team (with personal) under sibling.
    objectives.move_objective(db, ACTOR, world.team, world.sibling)
    assert one(db, "SELECT parent_id FROM objective WHERE id = ?", world.team) == world.sibling


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        ("company", "company"),  # itself
        ("company", "team"),  # direct child
        ("company", "personal"),  # grandchild (deep cycle)
        ("team", "personal"),
    ],
)
def test_move_refuses_cycles(world: World, refuse: Refuse, child: str, parent: str) -> None:
    message = refuse(
        ValidationError,
        objectives.move_objective,
        ACTOR,
        getattr(world, child),
        getattr(world, parent),
        match="cycle",
    )
    assert f"O-{getattr(world, child)}" in message


def test_move_refusals(world: World, refuse: Refuse) -> None:
    refuse(
        ValidationError,
        objectives.move_objective,
        ACTOR,
        world.team,
        world.elsewhere,
        match="another period",
    )
    refuse(NotFoundError, objectives.move_objective, ACTOR, world.team, 999, match="O-999")
    refuse(NotFoundError, objectives.move_objective, ACTOR, 999, None, match="O-999")


def test_deep_cycle_refused_in_a_long_chain(db: Database, refuse: Refuse) -> None:
    pid = periods.create_period(db, ACTOR, "P", "2026-01-01", "2026-03-31").id
    chain = [objectives.create_objective(db, ACTOR, period_id=pid, title="0", owner="a").id]
    for i in range(1, 30):
        chain.append(
            objectives.create_objective(
                db, ACTOR, period_id=pid, title=str(i), owner="a", parent_id=chain[-1]
            ).id
        )
    refuse(ValidationError, objectives.move_objective, ACTOR, chain[0], chain[-1], match="cycle")
    refuse(ValidationError, objectives.move_objective, ACTOR, chain[5], chain[20], match="cycle")
    objectives.move_objective(db, ACTOR, chain[20], chain[5])  # downwards-to-upwards is fine


def test_set_objective_state(world: World, refuse: Refuse) -> None:
    objectives.set_objective_state(world.db, ACTOR, world.sibling, ObjectiveState.ARCHIVED)
    assert one(world.db, "SELECT state FROM objective WHERE id = ?", world.sibling) == "archived"
    log = last_activity(world.db)
    assert (log.entity, log.entity_id, log.action) == ("objective", world.sibling, "state")
    assert log.detail == {"old": "active", "new": "archived"}
    refuse(
        ValidationError,
        objectives.set_objective_state,
        ACTOR,
        world.sibling,
        "gone",
        match="state 'gone'",
    )


def test_delete_objective_cascades_and_orphans_children(world: World) -> None:
    db = world.db
    checkins.check_in(db, ACTOR, world.metric, 10)
    checkins.check_in(db, ACTOR, world.metric, 20)
    checkins.check_in(db, ACTOR, world.percent, 30)
    objectives.update_objective(db, ACTOR, world.team, collaborators=["gus", "hal"])
    second_child = objectives.create_objective(
        db, ACTOR, period_id=world.period, title="Other child", owner="x", parent_id=world.team
    ).id
    expected = common.DeleteSummary(objectives=1, key_results=3, check_ins=3, orphaned_children=2)
    before = dump(db)
    assert objectives.preview_delete_objective(db, world.team) == expected
    assert dump(db) == before, "the preview must not write"

    summary = objectives.delete_objective(db, ACTOR, world.team)
    assert summary == expected
    assert query(db, "SELECT id FROM objective WHERE id = ?", world.team) == []
    assert query(db, "SELECT id FROM key_result WHERE objective_id = ?", world.team) == []
    assert count(db, "check_in") == 0
    assert query(db, "SELECT * FROM collaborator WHERE objective_id = ?", world.team) == []
    parents = dict(query(db, "SELECT id, parent_id FROM objective"))
    assert parents[world.personal] is None
    assert parents[second_child] is None
    assert parents[world.company] is None
    assert db.path is None or query(db, "PRAGMA foreign_key_check") == []  # PostgreSQL: always
    log = last_activity(db)
    assert (log.author, log.entity, log.entity_id, log.action) == (
        ACTOR,
        "objective",
        world.team,
        "delete",
    )
    assert log.detail == {"title": "Team", "key_results": 3, "check_ins": 3}


def test_delete_and_preview_unknown(world: World, refuse: Refuse) -> None:
    refuse(NotFoundError, objectives.delete_objective, ACTOR, 999, match="O-999 does not exist")
    refuse(NotFoundError, objectives.preview_delete_objective, 999, match="O-999")


# --------------------------------------------------------------------------- closed period


def test_every_write_in_a_closed_period_is_refused(world: World, refuse: Refuse) -> None:
    pid, oid, kid = world.closed, world.archived_obj, world.closed_kr
    calls: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = [
        (objectives.create_objective, (ACTOR,), {"period_id": pid, "title": "X", "owner": "a"}),
        (objectives.update_objective, (ACTOR, oid), {"title": "X"}),
        (objectives.move_objective, (ACTOR, oid, None), {}),
        (objectives.delete_objective, (ACTOR, oid), {}),
        (objectives.set_objective_state, (ACTOR, oid, "archived"), {}),
        (key_results.create_key_result, (ACTOR,), {"objective_id": oid, "title": "K", "target": 1}),
        (key_results.update_key_result, (ACTOR, kid), {"title": "Y"}),
        (key_results.delete_key_result, (ACTOR, kid), {}),
        (checkins.check_in, (ACTOR, kid, 5), {}),
        (periods.activate_period, (ACTOR, pid), {}),
    ]
    for func, args, kwargs in calls:
        message = refuse(DomainError, func, *args, **kwargs)
        assert "2026-Q3 is closed" in message, (func.__name__, message)


# --------------------------------------------------------------------------- key results


def test_create_key_result_by_kind(world: World) -> None:
    db = world.db
    rows = {
        r[0]: r[1:]
        for r in query(
            db,
            "SELECT id, kind, direction, start_value, target_value, unit, owner, weight, "
            "position, kpi_id FROM key_result",
        )
    }
    assert rows[world.metric] == ("metric", "increase", 0.0, 200.0, "k$", "ben", 1.0, 0, None)
    assert rows[world.percent] == ("percent", "increase", 0.0, 100.0, "%", "ben", 1.0, 1, None)
    assert rows[world.milestone] == ("milestone", "increase", 0.0, 1.0, "", "ben", 1.0, 2, None)
    assert rows[world.driven][-1] == world.kpi

    saved = key_results.create_key_result(
        db,
        ACTOR,
        objective_id=world.personal,
        title="Cut churn",
        direction="decrease",
        start="3.5",
        target="2",
        owner="dora",
        weight="2.5",
    )
    assert one(
        db,
        "SELECT direction, start_value, target_value, owner, weight FROM key_result WHERE id = ?",
        saved.id,
    ) == ("decrease", 3.5, 2.0, "dora", 2.5)
    log = last_activity(db)
    assert (log.author, log.entity, log.entity_id, log.action) == (
        ACTOR,
        "key_result",
        saved.id,
        "create",
    )
    assert log.detail == {"title": "Cut churn", "objective_id": world.personal}
    # Non-metric kinds ignore a direction: a milestone is always "increase".
    ms = key_results.create_key_result(
        db, ACTOR, objective_id=world.personal, title="M", kind="milestone", direction="decrease"
    )
    assert one(db, "SELECT direction FROM key_result WHERE id = ?", ms.id) == "increase"


def test_more_than_five_krs_is_a_warning_not_a_refusal(world: World) -> None:
    db = world.db
    warnings = []
    for i in range(7):
        saved = key_results.create_key_result(
            db, ACTOR, objective_id=world.sibling, title=f"KR {i}", target=10
        )
        warnings.append(saved.warnings)
    assert warnings[:5] == [()] * 5
    assert "6 key results" in warnings[5][0]
    assert "7 key results" in warnings[6][0]
    assert one(db, "SELECT count(*) FROM key_result WHERE objective_id = ?", world.sibling) == 7
    assert query(
        db, "SELECT position FROM key_result WHERE objective_id = ? ORDER BY id", world.sibling
    ) == [(i,) for i in range(7)]
    assert "7 key results" in objectives.update_objective(db, ACTOR, world.sibling).warnings[0]


@pytest.mark.parametrize("bad", [b for b in BAD_NUMBERS if b])
@pytest.mark.parametrize("field", ["target", "start", "weight"])
def test_create_key_result_refuses_bad_numbers(
    world: World, refuse: Refuse, field: str, bad: str
) -> None:
    args: dict[str, Any] = {"objective_id": world.team, "title": "K", "target": 10, field: bad}
    refuse(ValidationError, key_results.create_key_result, ACTOR, match=field, **args)


def test_empty_start_means_none_and_empty_target_is_refused(world: World, refuse: Refuse) -> None:
    refuse(
        ValidationError,
        key_results.create_key_result,
        ACTOR,
        objective_id=world.team,
        title="K",
        target=" ",
        match="needs a target",
    )
    refuse(
        ValidationError,
        key_results.create_key_result,
        ACTOR,
        objective_id=world.team,
        title="K",
        target=10,
        weight="",
        match="weight is empty",
    )
    kr = key_results.create_key_result(
        world.db, ACTOR, objective_id=world.team, title="K", start="  ", target=10
    ).id
    assert one(world.db, "SELECT start_value FROM key_result WHERE id = ?", kr) is None


def test_decimal_comma_suggests_a_dot(world: World, refuse: Refuse) -> None:
    message = refuse(
        ValidationError,
        key_results.create_key_result,
        ACTOR,
        objective_id=world.team,
        title="K",
        target="1,5",
    )
    assert "dot" in message and "1.5" in message
    message = refuse(ValidationError, checkins.check_in, ACTOR, world.metric, "12,75")
    assert "dot" in message and "12.75" in message


@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        ({"title": ""}, ValidationError, "title must not be empty"),
        ({"title": "\u200b \u202e"}, ValidationError, "title must not be empty"),
        ({"weight": 0}, ValidationError, "weight must be above 0"),
        ({"weight": "0"}, ValidationError, "weight must be above 0"),
        ({"weight": -1}, ValidationError, "weight must be above 0"),
        ({"weight": 101}, ValidationError, "at most 100"),
        ({"target": None}, ValidationError, "needs a target"),
        ({"start": 5, "target": 5}, ValidationError, "nothing to move"),
        ({"start": 10, "target": 5}, ValidationError, "choose direction 'decrease'"),
        ({"direction": "decrease", "start": 5, "target": 10}, ValidationError, "'increase'"),
        ({"kind": "percent", "target": 101}, ValidationError, "0–100"),
        ({"kind": "percent", "start": -1, "target": 50}, ValidationError, "0–100"),
        ({"kind": "vibes"}, ValidationError, "kind 'vibes' is not one of"),
        ({"direction": "sideways"}, ValidationError, "direction 'sideways'"),
        ({"owner": "bad owner"}, ValidationError, "not a user name"),
        ({"unit": "x" * 33}, ValidationError, "unit is too long"),
        ({"objective_id": 999}, NotFoundError, "objective O-999 does not exist"),
        ({"kpi_id": 999}, NotFoundError, "KPI 999 does not exist"),
    ],
)
def test_create_key_result_refusals(
    world: World, refuse: Refuse, kwargs: dict[str, Any], exc: type[Exception], message: str
) -> None:
    args = {"objective_id": world.team, "title": "K", "target": 10, **kwargs}
    refuse(exc, key_results.create_key_result, ACTOR, match=message, **args)


def test_update_key_result(world: World) -> None:
    db = world.db
    key_results.update_key_result(
        db, ACTOR, world.metric, title="Revenue (k$)", target="250", weight=3, owner="zed"
    )
    assert one(
        db,
        "SELECT title, start_value, target_value, weight, owner FROM key_result WHERE id = ?",
        world.metric,
    ) == ("Revenue (k$)", 0.0, 250.0, 3.0, "zed")
    log = last_activity(db)
    assert (log.author, log.entity, log.entity_id, log.action) == (
        ACTOR,
        "key_result",
        world.metric,
        "update",
    )
    assert log.detail["changes"]["target_value"] == [200.0, 250.0]
    assert log.detail["changes"]["title"] == ["Revenue", "Revenue (k$)"]
    assert "unit" not in log.detail["changes"]
    key_results.update_key_result(db, ACTOR, world.driven, kpi_id=None)
    assert one(db, "SELECT kpi_id FROM key_result WHERE id = ?", world.driven) is None


@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        ({"title": "Fine", "target": "nan"}, ValidationError, "target"),
        ({"title": "Fine", "weight": 0}, ValidationError, "weight"),  # title set first
        ({"title": "Fine", "start": 300}, ValidationError, "choose direction"),
        ({"title": "   "}, ValidationError, "title must not be empty"),
        ({"kind": "percent", "target": 150}, ValidationError, "0–100"),
        ({"owner": "a b"}, ValidationError, "not a user name"),
        ({"kpi_id": 999}, NotFoundError, "KPI 999"),
    ],
)
def test_update_key_result_refusals(
    world: World, refuse: Refuse, kwargs: dict[str, Any], exc: type[Exception], message: str
) -> None:
    # Some fields are assigned on the ORM object before a later one fails: the rollback
    # must still leave the row exactly as it was.
    refuse(exc, key_results.update_key_result, ACTOR, world.metric, match=message, **kwargs)


def test_update_and_delete_unknown_kr(world: World, refuse: Refuse) -> None:
    refuse(NotFoundError, key_results.update_key_result, ACTOR, 999, title="X", match="KR-999")
    refuse(NotFoundError, key_results.delete_key_result, ACTOR, 999, match="KR-999 does not exist")


def test_delete_key_result(world: World) -> None:
    db = world.db
    for v in (1, 2, 3):
        checkins.check_in(db, ACTOR, world.metric, v)
    checkins.check_in(db, ACTOR, world.percent, 10)
    assert key_results.delete_key_result(db, ACTOR, world.metric) == 3
    assert query(db, "SELECT id FROM key_result WHERE id = ?", world.metric) == []
    assert query(db, "SELECT key_result_id FROM check_in") == [(world.percent,)]
    log = last_activity(db)
    assert (log.author, log.entity, log.entity_id, log.action) == (
        ACTOR,
        "key_result",
        world.metric,
        "delete",
    )
    assert log.detail == {"title": "Revenue", "check_ins": 3}


# --------------------------------------------------------------------------- check-ins


def test_check_in_records_and_moves_the_current_value(world: World) -> None:
    db = world.db
    logged = activities(db)
    first = checkins.check_in(db, "ben", world.metric, "50", confidence="on-track", note="a\nb")
    assert first.previous is None
    assert (first.value, first.target, first.unit, first.title) == (50.0, 200.0, "k$", "Revenue")
    assert first.progress == pytest.approx(0.25)
    assert first.band == Band.OFF_TRACK
    row = one(
        db,
        "SELECT key_result_id, value, confidence, note, author FROM check_in WHERE id = ?",
        first.check_in_id,
    )
    assert row == (world.metric, 50.0, "on_track", "a\nb", "ben")
    current, at = one(
        db, "SELECT current_value, current_at FROM key_result WHERE id = ?", world.metric
    )
    created = one(db, "SELECT created_at FROM check_in WHERE id = ?", first.check_in_id)
    assert current == 50.0 and at == created
    assert activities(db) == logged + 1
    log = last_activity(db)
    assert (log.author, log.entity, log.entity_id, log.action) == (
        "ben",
        "check_in",
        first.check_in_id,
        "create",
    )
    assert log.detail == {
        "key_result_id": world.metric,
        "value": 50.0,
        "previous": None,
        "confidence": "on_track",
    }

    second = checkins.check_in(
        db,
        "ben",
        world.metric,
        180,
        confidence=Confidence.AT_RISK,
        thresholds=Thresholds(overperforming=1.0, on_track=0.95, at_risk=0.5),
    )
    assert second.previous == 50.0
    assert second.band == Band.AT_RISK  # 0.9 with the custom thresholds
    assert one(db, "SELECT current_value FROM key_result WHERE id = ?", world.metric) == 180.0


def test_back_dated_check_in_does_not_overwrite_a_newer_value(world: World) -> None:
    db = world.db
    checkins.check_in(db, ACTOR, world.metric, 80)
    newest = one(db, "SELECT current_at FROM key_result WHERE id = ?", world.metric)
    result = checkins.check_in(db, ACTOR, world.metric, 20, at=now() - timedelta(days=7))
    assert result.previous == 80.0
    assert one(
        db, "SELECT current_value, current_at FROM key_result WHERE id = ?", world.metric
    ) == (80.0, newest)
    assert query(
        db, "SELECT value FROM check_in WHERE key_result_id = ? ORDER BY created_at", world.metric
    ) == [(20.0,), (80.0,)]
    # A back-dated check-in on a KR with no value yet does become its current value.
    checkins.check_in(db, ACTOR, world.percent, 40, at=now() - timedelta(days=3))
    assert one(db, "SELECT current_value FROM key_result WHERE id = ?", world.percent) == 40.0


def test_check_in_kinds_accept_their_range(world: World) -> None:
    db = world.db
    for value in (0, 100, "55.5"):
        checkins.check_in(db, ACTOR, world.percent, value)
    for value in (0, 1, "1", 1.0):
        checkins.check_in(db, ACTOR, world.milestone, value)
    assert one(db, "SELECT count(*) FROM check_in") == 7
    # Metric KRs take any finite number, negative included.
    checkins.check_in(db, ACTOR, world.metric, -5)


@pytest.mark.parametrize("bad", [*BAD_NUMBERS, "1,5", "   ", "0x10"])
def test_check_in_refuses_bad_numbers(world: World, refuse: Refuse, bad: str) -> None:
    refuse(ValidationError, checkins.check_in, ACTOR, world.metric, bad, match="value")


@pytest.mark.parametrize(
    ("kr", "value", "message"),
    [
        ("percent", 101, "percent key result takes 0–100, got 101"),
        ("percent", "-0.5", "0–100"),
        ("milestone", 0.5, "milestone is 1 .* or 0 .*got 0.5"),
        ("milestone", 2, "milestone"),
    ],
)
def test_check_in_refuses_out_of_range(
    world: World, refuse: Refuse, kr: str, value: Any, message: str
) -> None:
    refuse(ValidationError, checkins.check_in, ACTOR, getattr(world, kr), value, match=message)


def test_check_in_other_refusals(world: World, refuse: Refuse) -> None:
    refuse(NotFoundError, checkins.check_in, ACTOR, 999, 1, match="KR-999 does not exist")
    refuse(
        ValidationError,
        checkins.check_in,
        ACTOR,
        world.metric,
        1,
        confidence="meh",
        match="confidence 'meh'",
    )
    refuse(
        ValidationError,
        checkins.check_in,
        ACTOR,
        world.metric,
        1,
        note="x" * 10_001,
        match="note is too long",
    )
    refuse(
        ValidationError,
        checkins.check_in,
        ACTOR,
        world.metric,
        1,
        at=datetime(2026, 11, 1, 12, 0),
        match="no time zone",
    )
    refuse(
        ValidationError,
        checkins.check_in,
        ACTOR,
        world.metric,
        1,
        at=now() + timedelta(days=30),
        match="future",
    )
    refuse(
        ValidationError,
        checkins.check_in,
        ACTOR,
        world.metric,
        1,
        at=datetime(1900, 1, 1, tzinfo=UTC),
        match="outside",
    )


def test_kpi_driven_kr_check_in_with_a_value_refused_with_hint(
    world: World, refuse: Refuse
) -> None:
    message = refuse(DomainError, checkins.check_in, ACTOR, world.driven, 42)
    assert 'okrtui kpi record "MRR" VALUE' in message
    assert "without a value" in message


def test_text_is_stored_cleaned_and_never_as_markup(world: World) -> None:
    db = world.db
    title = "[bold]x[/] \x1b]52;c;AAAA\x07 \x9b2J e\u202evil z\u200bw \x1b[31mred"
    oid = objectives.create_objective(
        db,
        ACTOR,
        period_id=world.period,
        title=title,
        owner="ana\u200b",
        description="first line\nsecond [/] line\x1b]0;pwned\x07\r\nthird\u2066",
    ).id
    stored_title, owner, description = one(
        db, "SELECT title, owner, description FROM objective WHERE id = ?", oid
    )
    assert stored_title == "[bold]x[/] ]52;c;AAAA 2J evil zw [31mred"
    assert owner == "ana"
    assert description == "first line\nsecond [/] line]0;pwned\nthird"
    kr = key_results.create_key_result(
        db, ACTOR, objective_id=oid, title="[@click=app.quit]go\u2067", target=1, unit="k\x1b$"
    ).id
    assert one(db, "SELECT title, unit FROM key_result WHERE id = ?", kr) == (
        "[@click=app.quit]go",
        "k$",
    )
    ci = checkins.check_in(db, ACTOR, kr, 1, note="line 1\n\tline 2\x07\x9b\u202e").check_in_id
    assert one(db, "SELECT note FROM check_in WHERE id = ?", ci) == "line 1\n\tline 2"
    kpi = kpis.create_kpi(db, ACTOR, name="NPS\x1b[2J [/]", owner="jon").id
    assert one(db, "SELECT name FROM kpi WHERE id = ?", kpi) == "NPS[2J [/]"
    every_text = query(
        db,
        "SELECT title || description FROM objective UNION ALL SELECT title || unit FROM "
        "key_result UNION ALL SELECT note FROM check_in UNION ALL SELECT name FROM kpi "
        "UNION ALL SELECT detail FROM activity",
    )
    for (text,) in every_text:
        assert not any(ord(ch) < 0x20 and ch not in "\n\t" for ch in text), text
        assert not any(0x7F <= ord(ch) < 0xA0 for ch in text), text
        assert not set(text) & set("\u202e\u2066\u2067\u200b"), text


# --------------------------------------------------------------------------- KPIs


def test_create_kpi(world: World) -> None:
    db = world.db
    saved = kpis.create_kpi(
        db,
        ACTOR,
        name="Churn rate",
        owner="farid",
        unit="%",
        description="Lost customers\nper month",
        category="Customers",
        team="CS",
        direction="lower",
        target="1.5",
        green="2",
        red=3,
        parent_id=world.kpi,
    )
    assert one(
        db,
        "SELECT name, owner, unit, description, category, team, direction, target, "
        "green_threshold, red_threshold, parent_id, archived FROM kpi WHERE id = ?",
        saved.id,
    ) == (
        "Churn rate",
        "farid",
        "%",
        "Lost customers\nper month",
        "Customers",
        "CS",
        "lower",
        1.5,
        2.0,
        3.0,
        world.kpi,
        0,
    )
    log = last_activity(db)
    assert (log.author, log.entity, log.entity_id, log.action) == (ACTOR, "kpi", saved.id, "create")
    assert log.detail == {"name": "Churn rate"}


@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        ({"name": ""}, ValidationError, "name must not be empty"),
        ({"name": "MRR"}, ValidationError, "a KPI named 'MRR' already exists"),
        ({"name": "mrr"}, ValidationError, "already exists"),
        ({"name": " MRR\u200b"}, ValidationError, "already exists"),
        ({"owner": "two words"}, ValidationError, "not a user name"),
        ({"target": "nan"}, ValidationError, "target"),
        ({"target": "1e309"}, ValidationError, "target"),
        ({"green": "inf"}, ValidationError, "green threshold"),
        ({"red": "١٢"}, ValidationError, "red threshold"),
        ({"green": 50, "red": 90}, ValidationError, "green \\(50\\) must be above red \\(90\\)"),
        ({"green": 50, "red": 50}, ValidationError, "must be above"),
        ({"direction": "lower", "green": 90, "red": 50}, ValidationError, "must be below"),
        ({"direction": "lower", "green": 5, "red": 5}, ValidationError, "must be below"),
        ({"direction": "up"}, ValidationError, "direction 'up'"),
        ({"parent_id": 999}, NotFoundError, "parent KPI 999 does not exist"),
    ],
)
def test_create_kpi_refusals(
    world: World, refuse: Refuse, kwargs: dict[str, Any], exc: type[Exception], message: str
) -> None:
    args = {"name": "New KPI", "owner": "ana", **kwargs}
    refuse(exc, kpis.create_kpi, ACTOR, match=message, **args)


def test_record_kpi_value_and_replace_same_date(world: World) -> None:
    db = world.db
    assert kpis.record_kpi_value(
        db, "ana", world.kpi, "75.5", observed_on="2026-11-20", note="first"
    ) == (None, 75.5)
    vid = one(db, "SELECT id FROM kpi_value WHERE kpi_id = ?", world.kpi)
    log = last_activity(db)
    assert (log.author, log.entity, log.entity_id, log.action) == (
        "ana",
        "kpi_value",
        vid,
        "create",
    )
    assert log.detail == {"kpi_id": world.kpi, "observed_on": "2026-11-20", "value": 75.5}

    assert kpis.record_kpi_value(
        db, ACTOR, world.kpi, 80, observed_on=date(2026, 11, 20), note="fixed"
    ) == (75.5, 80.0)
    assert query(db, "SELECT id, observed_on, value, note, author FROM kpi_value") == [
        (vid, "2026-11-20", 80.0, "fixed", ACTOR)
    ]
    log = last_activity(db)
    assert (log.author, log.entity, log.entity_id, log.action) == (
        ACTOR,
        "kpi_value",
        vid,
        "replace",
    )
    assert log.detail == {
        "kpi_id": world.kpi,
        "observed_on": "2026-11-20",
        "old_value": 75.5,
        "old_note": "first",
        "old_author": "ana",
        "old_source": "manual",
        "new_value": 80.0,
    }
    kpis.record_kpi_value(db, "ana", world.kpi, 81, observed_on="2026-11-27")
    assert count(db, "kpi_value") == 2
    kpis.record_kpi_value(db, "ana", world.kpi, 82)  # today by default
    assert (
        one(db, "SELECT value FROM kpi_value WHERE observed_on = ?", date.today().isoformat())
        == 82.0
    )


@pytest.mark.parametrize("bad", [*BAD_NUMBERS, "1,5"])
def test_record_kpi_value_refuses_bad_numbers(world: World, refuse: Refuse, bad: str) -> None:
    refuse(
        ValidationError,
        kpis.record_kpi_value,
        ACTOR,
        world.kpi,
        bad,
        observed_on="2026-11-20",
        match="value",
    )


def test_record_kpi_value_refusals(world: World, refuse: Refuse) -> None:
    kpis.record_kpi_value(world.db, ACTOR, world.kpi, 1, observed_on="2026-11-20")
    for day, message in [
        ("2026-02-30", "not a real date"),
        ("20.11.2026", "YYYY-MM-DD"),
        ("1969-01-01", "outside"),
        ("2999-01-01", "outside"),
    ]:
        refuse(
            ValidationError,
            kpis.record_kpi_value,
            ACTOR,
            world.kpi,
            5,
            observed_on=day,
            match=message,
        )
    refuse(NotFoundError, kpis.record_kpi_value, ACTOR, 999, 5, match="KPI 999 does not exist")
    with world.db.write() as s:
        s.connection().execute(
            sql("UPDATE kpi SET archived = TRUE WHERE id = :id"), {"id": world.kpi}
        )
    refuse(
        DomainError,
        kpis.record_kpi_value,
        ACTOR,
        world.kpi,
        5,
        observed_on="2026-11-20",
        match="archived",
    )


# --------------------------------------------------------------------------- write failures


@pytest.mark.sqlite_only
def test_busy_database_is_a_write_error_and_nothing_is_written(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert world.db.path is not None
    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 200)  # read when a connection opens
    impatient = open_database(world.db.path)
    blocker = sqlite3.connect(world.db.path, isolation_level=None)
    try:
        before = dump(world.db)
        blocker.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        with pytest.raises(WriteError, match="busy for 0 s: nothing was changed") as info:
            checkins.check_in(impatient, ACTOR, world.metric, 42, note="typed text")
        assert time.monotonic() - started < 5
        assert str(world.db.path) in str(info.value)
        with pytest.raises(WriteError):
            objectives.create_objective(
                impatient, ACTOR, period_id=world.period, title="T", owner="ana"
            )
        blocker.execute("ROLLBACK")
        assert dump(world.db) == before
        # Once the lock is gone the same database object writes normally.
        checkins.check_in(impatient, ACTOR, world.metric, 42)
        assert one(world.db, "SELECT count(*) FROM check_in") == 1
    finally:
        blocker.close()
        impatient.close()


# --------------------------------------------------------------------------- concurrency

WORKERS = 8
CHECK_INS_EACH = 50


def _hammer(path: str, kr_id: int, worker: int, barrier: Any, results: Any) -> None:
    db = open_database(path)
    errors: list[str] = []
    try:
        barrier.wait(timeout=60)
        for i in range(CHECK_INS_EACH):
            try:
                checkins.check_in(db, ACTOR, kr_id, worker * 1000 + i, confirmed=True)
            except Exception as exc:  # reported to the parent, which fails the test
                errors.append(repr(exc))
    finally:
        db.close()
        results.put((worker, errors))


@pytest.mark.sqlite_only
def test_concurrent_check_ins_from_many_processes_all_land(world: World) -> None:
    db = world.db
    assert db.path is not None
    method = "fork" if sys.platform == "linux" else "spawn"
    ctx = multiprocessing.get_context(method)
    db.engine.dispose()  # no pooled connection may cross a fork
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_hammer, args=(str(db.path), world.metric, w, barrier, results))
        for w in range(WORKERS)
    ]
    started = time.monotonic()
    for p in procs:
        p.start()
    outcome = dict(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    elapsed = time.monotonic() - started
    assert outcome == {w: [] for w in range(WORKERS)}, outcome
    total = WORKERS * CHECK_INS_EACH
    assert count(db, "check_in") == total
    values = {v for (v,) in query(db, "SELECT value FROM check_in")}
    assert values == {float(w * 1000 + i) for w in range(WORKERS) for i in range(CHECK_INS_EACH)}
    assert one(db, "SELECT count(*) FROM activity WHERE entity = 'check_in'") == total
    # The denormalised current value is the latest check-in's, whatever the interleaving.
    latest = one(
        db,
        "SELECT value, created_at FROM check_in WHERE key_result_id = ? "
        "ORDER BY created_at DESC, id DESC LIMIT 1",
        world.metric,
    )
    assert (
        one(db, "SELECT current_value, current_at FROM key_result WHERE id = ?", world.metric)
        == latest
    )
    assert elapsed < 30


@pytest.mark.sqlite_only
def test_database_path_fixture_sanity(db: Database, tmp_path: Path) -> None:
    # The dump helper sees committed rows through WAL, so "unchanged" checks are real.
    before = dump(db)
    periods.create_period(db, ACTOR, "P", "2026-01-01", "2026-03-31")
    after = dump(db)
    assert after != before
    assert any('INSERT INTO "period"' in line for line in after)
    assert db.path is not None and db.path.parent == tmp_path


def test_enums_round_trip_through_service(world: World) -> None:
    saved = objectives.create_objective(
        world.db, ACTOR, period_id=world.period, title="E", owner="a", level=Level.PERSONAL
    )
    assert one(world.db, "SELECT level FROM objective WHERE id = ?", saved.id) == "personal"
    kr = key_results.create_key_result(
        world.db,
        ACTOR,
        objective_id=saved.id,
        title="K",
        kind=Kind.METRIC,
        direction=Direction.STAY_ABOVE,
        target=98,
    )
    assert one(world.db, "SELECT direction FROM key_result WHERE id = ?", kr.id) == "stay_above"
    result = checkins.check_in(world.db, ACTOR, kr.id, 97.9)
    assert result.progress == 0.0 and result.band == Band.OFF_TRACK
    result = checkins.check_in(world.db, ACTOR, kr.id, 98)
    assert result.progress == 1.0 and result.band == Band.ACHIEVED  # held: exactly 1.0


# --- the check-in in plain DB-API SQL (issue 17) -----------------------------------------


def test_a_plain_check_in_reads_back_through_the_orm_as_written(world: World) -> None:
    """store/write/checkins.py writes without the ORM: the ORM must read the same values
    (aware UTC times, the confidence by value, the Activity row) on both backends."""
    from sqlmodel import Session, select

    from store.model.tables import Activity, CheckIn, KeyResult

    db = world.db
    at = datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-5)))
    result = checkins.check_in(
        db, ACTOR, world.metric, "42.5", confidence="at-risk", note="ü note", at=at
    )
    with Session(db.engine) as s:
        kr = s.get(KeyResult, world.metric)
        entry = s.get(CheckIn, result.check_in_id)
        log = s.exec(select(Activity).order_by(Activity.id.desc())).first()  # type: ignore[union-attr]
    assert kr is not None and entry is not None and log is not None
    assert (kr.current_value, kr.current_at) == (42.5, at.astimezone(UTC))
    assert (entry.value, entry.confidence, entry.note, entry.author) == (
        42.5, Confidence.AT_RISK, "ü note", ACTOR,
    )  # fmt: skip
    assert entry.created_at == at.astimezone(UTC)
    assert (log.entity, log.entity_id, log.action, log.author) == (
        "check_in", result.check_in_id, "create", ACTOR,
    )  # fmt: skip
    assert json.loads(log.detail) == {
        "key_result_id": world.metric, "value": 42.5, "previous": None, "confidence": "at_risk",
    }  # fmt: skip
    assert abs((log.at - datetime.now(UTC)).total_seconds()) < 60


def test_a_check_in_queues_behind_another_writer_and_gives_up_writing_nothing(
    world: World, backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plain check-in keeps the write discipline: BEGIN IMMEDIATE on SQLite, okrtui's
    write lock on PostgreSQL; a writer holding it makes the check-in wait, then refuse."""
    db = world.db
    before = dump(db)
    if backend == "postgresql":
        import psycopg

        import store.db.pg_conn

        monkeypatch.setattr(store.db.pg_conn, "LOCK_TIMEOUT_MS", 300)
        blocker: Any = psycopg.connect(request.getfixturevalue("pg_url").replace("+psycopg", ""))
        blocker.execute(f"SELECT {store.db.pg_conn.WRITE_LOCK}()")
        held = f"pid {blocker.info.backend_pid}"
    else:
        monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 300)
        db.close()  # its kept sqlite3 connection is opened again with the short timeout
        assert db.path is not None
        blocker = sqlite3.connect(db.path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        held = "busy"
    try:
        started = time.perf_counter()
        with pytest.raises(WriteError, match="nothing was changed") as refused:
            checkins.check_in(db, ACTOR, world.metric, 7)
        assert held in str(refused.value)
        assert 0.25 < time.perf_counter() - started < 5
    finally:
        blocker.rollback() if backend == "postgresql" else blocker.execute("ROLLBACK")
        blocker.close()
    assert dump(db) == before
    assert checkins.check_in(db, ACTOR, world.metric, 7).value == 7.0  # the lock is free again


def test_a_check_in_that_fails_half_way_leaves_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check-in row, the KR's value and the Activity row are one transaction."""
    import store.write.checkins as checkin_write

    db = world.db
    before = dump(db)

    def broken(**detail: Any) -> str:
        raise RuntimeError("disk gone while logging")

    monkeypatch.setattr(checkin_write, "activity_detail", broken)
    with pytest.raises(RuntimeError, match="disk gone"):
        checkins.check_in(db, ACTOR, world.metric, 9)
    assert dump(db) == before
