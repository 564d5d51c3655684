"""Who may change what: the rules of store/domain/rights.py, enforced by store/write/guards.py."""

import contextlib
import os
import pwd
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from store import identity
from store.db.database import Database, open_database
from store.domain.rights import rights_in
from store.errors import DomainError, PermissionDenied
from store.identity import current_username
from store.read import rights
from store.read.tree import load_tree
from store.write import checkins, key_results, kpis, objectives, periods
from store.write.admins import add_admin, list_admins, remove_admin

ME = current_username()  # owns the test database files, so is an admin without set-up


@dataclass(frozen=True)
class Org:
    """company (ceo) → team (lead, collaborator helper) → personal (ic), plus a stray one."""

    db: Database
    period: int
    company: int
    team: int
    personal: int
    stray: int
    kr: int  # of personal, owned by ic
    assigned_kr: int  # of personal, owned by other
    kpi: int  # owned by ana, team "Growth"


@pytest.fixture
def org(db: Database) -> Org:
    p = periods.create_period(db, ME, "2026-Q4", "2026-10-01", "2026-12-31", "active").id

    def obj(title: str, owner: str, parent: int | None = None, **kw: Any) -> int:
        return objectives.create_objective(
            db, ME, period_id=p, title=title, owner=owner, parent_id=parent, **kw
        ).id

    company = obj("Company", "ceo")
    team = obj("Team", "lead", company, collaborators=["helper"])
    personal = obj("Personal", "ic", team)
    stray = obj("Stray", "stranger")
    kr = key_results.create_key_result(db, ME, objective_id=personal, title="Mine", target=10).id
    assigned = key_results.create_key_result(
        db, ME, objective_id=personal, title="Assigned", target=10, owner="other"
    ).id
    kpi = kpis.create_kpi(db, ME, name="MRR", owner="ana", team="Growth").id
    return Org(db, p, company, team, personal, stray, kr, assigned, kpi)


def count(db: Database, table: str) -> int:
    with db.read() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def refused(fn: Callable[..., Any], db: Database, *args: Any, **kwargs: Any) -> str:
    """Call a write that must be refused; check nothing at all was written."""
    before = {t: count(db, t) for t in ("objective", "key_result", "check_in", "activity")}
    with db.read() as conn:
        snapshot = list(conn.execute(text("SELECT * FROM objective ORDER BY id")))
    with pytest.raises(PermissionDenied) as info:
        fn(db, *args, **kwargs)
    assert {t: count(db, t) for t in before} == before
    with db.read() as conn:
        assert list(conn.execute(text("SELECT * FROM objective ORDER BY id"))) == snapshot
    return str(info.value)


# --------------------------------------------------------------------------- objectives


@pytest.mark.parametrize("who", ["ic", "lead", "ceo", ME])
def test_owner_ancestor_owners_and_admins_may_edit(org: Org, who: str) -> None:
    objectives.update_objective(org.db, who, org.personal, title=f"by {who}")
    assert load_tree(org.db, org.period).objectives[org.personal].title == f"by {who}"


def test_collaborator_may_edit_that_objective_but_not_the_ones_below(org: Org) -> None:
    objectives.update_objective(org.db, "helper", org.team, description="helping")
    message = refused(objectives.update_objective, org.db, "helper", org.personal, title="x")
    # The refusal says who may make the change, by reason.
    assert message == (
        "@helper may not change O-3 “Personal”: it may be changed by its owner @ic, "
        f"the owners of the objectives above it @ceo, @lead or an admin (@{ME})"
    )


def test_strangers_are_refused_every_objective_change(org: Org) -> None:
    db, o = org.db, org.personal
    refused(objectives.update_objective, db, "stranger", o, title="mine now")
    refused(objectives.update_objective, db, "stranger", o, owner="stranger")
    refused(objectives.move_objective, db, "stranger", o, None)
    refused(objectives.delete_objective, db, "stranger", o)
    refused(objectives.set_objective_state, db, "stranger", o, "archived")
    refused(key_results.create_key_result, db, "stranger", objective_id=o, title="K", target=1)
    refused(key_results.update_key_result, db, "stranger", org.kr, title="x")
    refused(key_results.delete_key_result, db, "stranger", org.kr)
    refused(checkins.check_in, db, "stranger", org.kr, 5)


def test_the_owner_of_the_parent_rules_the_subtree_not_the_other_way(org: Org) -> None:
    key_results.delete_key_result(org.db, "ceo", org.kr)
    message = refused(objectives.update_objective, org.db, "ic", org.team, title="promoted")
    assert "its owner @lead" in message and "@ceo" in message


def test_key_result_owner_may_check_in_and_edit_it_only(org: Org) -> None:
    db = org.db
    checkins.check_in(db, "other", org.assigned_kr, 4)
    key_results.update_key_result(db, "other", org.assigned_kr, title="Assigned, renamed")
    message = refused(checkins.check_in, db, "other", org.kr, 4)
    assert message.startswith("@other may not change KR-1 “Mine” (of O-3)")
    refused(key_results.delete_key_result, db, "other", org.assigned_kr)
    refused(objectives.update_objective, db, "other", org.personal, title="x")
    message = refused(checkins.check_in, db, "stranger", org.assigned_kr, 4)
    assert "the key result's owner @other" in message


def test_check_in_by_owner_lands_with_author(org: Org) -> None:
    result = checkins.check_in(org.db, "ic", org.kr, 7)
    assert result.value == 7
    with org.db.read() as conn:
        assert conn.execute(text("SELECT author FROM check_in")).scalar_one() == "ic"


# --------------------------------------------------------------------------- creating, moving


def test_anyone_may_create_their_own_objective_anywhere(org: Org) -> None:
    db = org.db
    top = objectives.create_objective(db, "newbie", period_id=org.period, title="T", owner="newbie")
    under = objectives.create_objective(
        db, "newbie", period_id=org.period, title="U", owner="newbie", parent_id=org.personal
    )
    tree = load_tree(db, org.period)
    assert tree.objectives[top.id].parent_id is None
    assert tree.objectives[under.id].parent_id == org.personal
    # Aligning under ic's objective gives ic (and those above) rights over it.
    objectives.update_objective(db, "ic", under.id, title="reviewed by ic")


def test_creating_for_someone_else_needs_rights_on_the_parent(org: Org) -> None:
    db, p = org.db, org.period
    message = refused(
        objectives.create_objective, db, "stranger", period_id=p, title="T", owner="ic"
    )
    assert "@stranger may not create an objective owned by @ic at the top level" in message
    refused(
        objectives.create_objective,
        db,
        "stranger",
        period_id=p,
        title="T",
        owner="ic",
        parent_id=org.team,
    )
    made = objectives.create_objective(
        db, "lead", period_id=p, title="For ic", owner="ic", parent_id=org.team
    )
    assert load_tree(db, p).objectives[made.id].owner == "ic"
    objectives.create_objective(db, ME, period_id=p, title="By admin", owner="ic")


def test_collaborators_edit_an_objective_but_not_who_holds_it(org: Org) -> None:
    """Else a collaborator could take it over, or move it under an objective of theirs
    and so gain every objective under it."""
    db = org.db
    mine = objectives.create_objective(db, "helper", period_id=org.period, title="Mine",
                                    owner="helper").id  # fmt: skip
    # the edit form sends every field: an unchanged owner and collaborators are fine
    objectives.update_objective(db, "helper", org.team, title="Team, renamed", level="team",
                             collaborators=["helper"], owner="lead")  # fmt: skip
    message = refused(objectives.move_objective, db, "helper", org.team, mine)
    assert message == (
        f"@helper may not change the owner, collaborators or alignment of O-{org.team} "
        "“Team, renamed”: its owner @lead, the owners of the objectives above it @ceo or an "
        f"admin (@{ME}) may (collaborators edit the rest)"
    )
    refused(objectives.update_objective, db, "helper", org.team, owner="helper")
    refused(objectives.update_objective, db, "helper", org.team, collaborators=["helper", "pal"])
    refused(objectives.update_objective, db, "helper", org.team, collaborators=[])
    assert not rights.can_edit_objective(db, "helper", org.personal)  # still not gained
    for holder in ("lead", "ceo", ME):
        objectives.update_objective(db, holder, org.team, collaborators=["helper", holder])
    objectives.move_objective(db, "lead", org.team, mine)  # the owner may align it anywhere
    assert rights.can_edit_objective(db, "helper", org.personal)  # and then helper rules it


def test_moving_needs_rights_on_the_objective_any_parent_is_fine(org: Org) -> None:
    db = org.db
    objectives.move_objective(db, "stranger", org.stray, org.personal)
    assert load_tree(db, org.period).objectives[org.stray].parent_id == org.personal
    refused(objectives.move_objective, db, "stranger", org.personal, org.stray)
    objectives.move_objective(db, "ic", org.personal, org.company)


# --------------------------------------------------------------------------- KPIs


def test_kpi_owner_and_admins_record_values_others_are_refused(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(identity, "team_members", lambda team: None)
    kpis.record_kpi_value(org.db, "ana", org.kpi, 10, observed_on="2026-11-02")
    kpis.record_kpi_value(org.db, ME, org.kpi, 11, observed_on="2026-11-09")
    before = count(org.db, "kpi_value")
    with pytest.raises(PermissionDenied, match=r"@ben may not change the KPI 'MRR'.*@ana"):
        kpis.record_kpi_value(org.db, "ben", org.kpi, 12, observed_on="2026-11-16")
    assert count(org.db, "kpi_value") == before


def test_kpi_team_members_come_from_the_unix_group(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups = {"Growth": frozenset({"ben", "cat"})}
    monkeypatch.setattr(identity, "team_members", lambda team: groups.get(team))
    kpis.record_kpi_value(org.db, "ben", org.kpi, 12, observed_on="2026-11-16")
    with pytest.raises(PermissionDenied, match="members of its team 'Growth'"):
        kpis.record_kpi_value(org.db, "dan", org.kpi, 13, observed_on="2026-11-16")
    assert rights.editable_kpis(org.db, "cat") == {org.kpi}
    assert rights.editable_kpis(org.db, "dan") == frozenset()
    assert rights.can_edit_kpi(org.db, "ben", org.kpi)
    assert not rights.can_edit_kpi(org.db, "dan", org.kpi)


def test_team_members_reads_real_groups() -> None:
    root_group = pwd.getpwuid(0).pw_gid
    import grp

    name = grp.getgrgid(root_group).gr_name
    members = identity.team_members(name)
    assert members is not None and pwd.getpwuid(0).pw_name in members
    assert identity.team_members("no-such-team-okrtui-test") is None
    assert identity.team_members(None) is None


def test_creating_a_kpi_for_someone_else_is_for_admins(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(identity, "team_members", lambda team: None)
    kpis.create_kpi(org.db, "ben", name="Churn", owner="ben")
    with pytest.raises(PermissionDenied, match="may not create a KPI owned by @ana"):
        kpis.create_kpi(org.db, "ben", name="NPS", owner="ana")


# --------------------------------------------------------------------------- admins


def test_a_new_database_needs_no_setup_for_its_owner(tmp_path: Path) -> None:
    db = open_database(tmp_path / "mine.db", create=True)
    try:
        assert rights.admins(db) == [ME]
        pid = periods.ensure_period(db, ME)
        assert pid is not None
        oid = objectives.create_objective(db, ME, period_id=pid, title="O", owner="someone").id
        objectives.update_objective(db, ME, oid, title="still mine to change")
    finally:
        db.close()


def test_periods_are_changed_by_admins_only(org: Org) -> None:
    message = refused(periods.create_period, org.db, "ic", "2027-Q1", "2027-01-01", "2027-03-31")
    assert "only an admin may" in message and f"@{ME}" in message
    with pytest.raises(PermissionDenied):
        periods.activate_period(org.db, "ic", org.period)


@pytest.mark.sqlite_only
def test_admin_list_is_managed_by_admins(org: Org) -> None:
    db = org.db
    with pytest.raises(PermissionDenied, match="@ic may not add admins"):
        add_admin(db, "ic", "ic")
    assert add_admin(db, ME, "lead") is True
    assert add_admin(db, ME, "lead") is False
    assert add_admin(db, "lead", "ceo") is True  # an added admin may add others
    objectives.update_objective(db, "lead", org.stray, title="admin fix")
    assert [(a.username, a.added_by) for a in list_admins(db)] == sorted(
        [(ME, ME), ("ceo", "lead"), ("lead", ME)]
    )
    remove_admin(db, "ceo", "lead")
    with pytest.raises(PermissionDenied):
        objectives.update_objective(db, "lead", org.stray, title="no longer")
    with pytest.raises(DomainError, match="is not an admin"):
        remove_admin(db, "ceo", "nobody-here")
    remove_admin(db, "ceo", ME)  # owning the file is nothing special any more
    with pytest.raises(DomainError, match="last admin"):
        remove_admin(db, "ceo", "ceo")
    with db.read() as conn:
        actions = list(
            conn.execute(text("SELECT author, action FROM activity WHERE entity = 'admin'"))
        )
    assert actions == [(ME, "add"), (ME, "add"), ("lead", "add"), ("ceo", "remove"),
                       ("ceo", "remove")]  # fmt: skip


needs_root = pytest.mark.skipif(os.getuid() != 0, reason="changing a file's owner needs root")


@needs_root
@pytest.mark.sqlite_only
def test_file_owner_is_the_admin_not_whoever_runs_okrtui(org: Org) -> None:
    """Give the file to another account: the current user loses the implicit admin right."""
    assert org.db.path is not None
    nobody = pwd.getpwnam("nobody")
    os.chown(org.db.path, nobody.pw_uid, -1)
    assert rights.admins(org.db) == ["nobody"]
    refused(objectives.update_objective, org.db, ME, org.stray, title="x")
    objectives.update_objective(org.db, "nobody", org.stray, title="owner of the file")


@needs_root
@pytest.mark.sqlite_only
def test_cli_refusal_exits_1_and_names_who_may(org: Org) -> None:
    from click.testing import CliRunner

    from okrtui.cli.main import main

    assert org.db.path is not None
    os.chown(org.db.path, pwd.getpwnam("nobody").pw_uid, -1)
    result = CliRunner().invoke(main, ["--db", str(org.db.path), "checkin", "KR-1", "5"])
    assert result.exit_code == 1, result.output
    assert f"@{ME} may not change KR-1" in result.stderr
    assert "its owner @ic" in result.stderr
    assert count(org.db, "check_in") == 0


# --------------------------------------------------------------------------- read helpers


def test_can_edit_helpers_agree_with_the_service(org: Org) -> None:
    db = org.db
    assert rights.can_edit_objective(db, "lead", org.personal)
    assert not rights.can_edit_objective(db, "helper", org.personal)
    assert not rights.can_edit_objective(db, "lead", 999)
    assert rights.can_edit_key_result(db, "other", org.assigned_kr)
    assert not rights.can_edit_key_result(db, "other", org.kr)
    assert not rights.can_edit_key_result(db, "other", 999)
    assert rights.is_admin(db, ME) and not rights.is_admin(db, "ic")


def _random_org(db: Database, rng: random.Random, people: list[str]) -> int:
    pid = periods.create_period(db, ME, "P", "2026-10-01", "2026-12-31", "active").id
    ids: list[int] = []
    for i in range(40):
        parent = rng.choice([None, *ids]) if ids else None
        owner = rng.choice(people)
        collaborators = rng.sample(people, rng.randint(0, 2))
        oid = objectives.create_objective(
            db,
            ME,
            period_id=pid,
            title=f"O{i}",
            owner=owner,
            parent_id=parent,
            collaborators=collaborators,
        ).id
        ids.append(oid)
        for _ in range(rng.randint(0, 2)):
            key_results.create_key_result(
                db, ME, objective_id=oid, title="K", target=1, owner=rng.choice(people)
            )
    for _ in range(10):  # re-alignments, so ancestors are not always older ids
        oid, parent = rng.choice(ids), rng.choice([None, *ids])
        with contextlib.suppress(DomainError):  # a cycle, refused
            objectives.move_objective(db, ME, oid, parent)
    return pid


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tree_rights_match_the_per_item_checks(db: Database, seed: int) -> None:
    """The batch form the tree uses gives the same answer as the service's own check."""
    rng = random.Random(seed)
    people = ["ana", "ben", "cat", "dan", "eve"]
    pid = _random_org(db, rng, people)
    model = load_tree(db, pid)
    for who in people:
        batch = rights.tree_rights(db, who, model)
        assert not batch.admin
        for oid, row in model.objectives.items():
            assert batch.objective(oid) == rights.can_edit_objective(db, who, oid), (who, oid)
            assert batch.control(oid) == rights.can_control_objective(db, who, oid), (who, oid)
            for kr in row.key_results:
                assert batch.key_result(kr.id) == rights.can_edit_key_result(db, who, kr.id)
    admin = rights.tree_rights(db, ME, model)
    assert admin.admin and all(admin.objective(o) for o in model.objectives)


@pytest.mark.parametrize("seed", [4, 5])
def test_the_rule_and_the_postgresql_policies_agree(db: Database, backend: str, seed: int) -> None:
    """Parity: the pure predicates of store/domain/rights.py (through ``rights_in``), the
    write guards and, on PostgreSQL, the functions its row policies call give the same
    answer for every person and every objective and key result of a random organisation."""
    rng = random.Random(seed)
    people = ["ana", "ben", "cat", "dan", "eve"]
    pid = _random_org(db, rng, people)
    model = load_tree(db, pid)
    krs = [kr for row in model.objectives.values() for kr in row.key_results]
    parents = {oid: row.parent_id for oid, row in model.objectives.items()}
    crew = {oid: (row.owner, *row.collaborators) for oid, row in model.objectives.items()}
    owners = {kr.id: (kr.objective_id, kr.owner) for kr in krs}
    for who in people:
        rule = rights_in(who, False, parents, crew, owners)
        for oid in model.objectives:
            assert rule.objective(oid) == rights.can_edit_objective(db, who, oid), (who, oid)
            assert rule.control(oid) == rights.can_control_objective(db, who, oid), (who, oid)
        for kr in krs:
            assert rule.key_result(kr.id) == rights.can_edit_key_result(db, who, kr.id)
        if backend != "postgresql":
            continue
        with db.read() as conn:
            for oid in model.objectives:
                policy = conn.execute(
                    text(
                        "SELECT okrtui_may_edit_objective(:w, :o), okrtui_holds_objective(:w, :o)"
                    ),
                    {"w": who, "o": oid},
                ).one()
                assert tuple(policy) == (rule.objective(oid), rule.control(oid)), (who, oid)
            for kr in krs:
                policy = conn.execute(
                    text("SELECT okrtui_may_edit_key_result(:w, :k)"), {"w": who, "k": kr.id}
                ).scalar_one()
                assert policy == rule.key_result(kr.id), (who, kr.id)


def test_tree_rights_reads_a_fixed_number_of_queries(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import event

    pid = _random_org(db, random.Random(9), ["ana", "ben"])
    model = load_tree(db, pid)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    plain, plain_statements = db.plain_read, []

    @contextlib.contextmanager
    def counted() -> Iterator[Any]:  # the tree's reads bypass SQLAlchemy on SQLite
        with plain() as fetch:
            yield lambda sql, params: (plain_statements.append(sql), fetch(sql, params))[1]

    monkeypatch.setattr(db, "plain_read", counted)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        rights.tree_rights(db, "ana", model)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    engine = [s for s in statements if not s.startswith(("BEGIN", "PRAGMA"))]
    assert len(plain_statements) == 1 and len(engine) <= 1  # (PostgreSQL: the same one)


def test_permission_denied_is_a_domain_error() -> None:
    assert issubclass(PermissionDenied, DomainError)


@pytest.fixture
def second_handle(org: Org) -> Iterator[Database]:
    other = open_database(org.db.target)
    yield other
    other.close()


def test_rights_are_read_fresh_in_each_write(org: Org, second_handle: Database) -> None:
    """An admin added through another connection counts at once (no stale cache)."""
    refused(objectives.update_objective, org.db, "ic", org.stray, title="x")
    add_admin(second_handle, ME, "ic")
    objectives.update_objective(org.db, "ic", org.stray, title="now allowed")
