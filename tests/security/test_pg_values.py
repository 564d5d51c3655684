"""Review of 0005: what a member's ``psql`` could still write, and migration 0006's answer.

* values no okrtui reads (``'NaN'``, ``'Infinity'``, dates ``'infinity'`` or in year
  20000), which crashed every other member's tree and KPI dashboard;
* a key result's value set directly, with no check-in behind it;
* a team named like a person, whose refusal told an admin to grant that person's login;
* large objects, which anyone could create.

Each attack is run by a member with ``psql`` against :func:`conftest.team_db`, as in
test_pg_rules.py; before 0006 each one went through.
"""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path
from types import ModuleType

import pytest
from conftest import OWNER, TeamDb
from test_pg_rules import check_in_sql, refused, tagged

from store.db.database import open_database
from store.domain.numbers import MAX_DATE, MIN_DATE
from store.errors import WriteError
from store.write import checkins, key_results
from store.write.corrections import correct_check_in, remove_check_in
from store.write.counters import add_to_key_result

pytestmark = pytest.mark.usefixtures("pg_cluster")

MIGRATION = Path(__file__).parents[2] / "store/db/migrations/versions/0006_postgres_values.py"


def _migration() -> ModuleType:
    spec = spec_from_file_location("migration_0006", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_database_s_range_is_okrtui_s() -> None:
    """The CHECKs take exactly the days every form and import of okrtui accepts; the
    large objects the migration revokes are those db upgrade warns about."""
    from store.db.pg import LARGE_OBJECTS

    migration = _migration()
    assert (str(MIN_DATE), str(MAX_DATE)) == (migration.FIRST_DAY, migration.LAST_DAY)
    assert migration.LARGE_OBJECTS == LARGE_OBJECTS


# --- values okrtui cannot read -------------------------------------------------------------

KPI_VALUE = ("INSERT INTO kpi_value (kpi_id, observed_on, value, note, author, created_at) "
             "VALUES ({kpi}, {day}, {value}, '', 'bob', {at})")  # fmt: skip
UNREADABLE_WRITES = {
    "a KPI value of NaN": ("bob", KPI_VALUE, {"value": "'NaN'"}),
    "a KPI value of Infinity": ("bob", KPI_VALUE, {"value": "'Infinity'"}),
    "a KPI value dated infinity": ("bob", KPI_VALUE, {"day": "'infinity'"}),
    "a KPI value dated in year 20000": ("bob", KPI_VALUE, {"day": "'20000-01-01'"}),
    "a KPI value dated 1969": ("bob", KPI_VALUE, {"day": "'1969-12-31'"}),
    "a KPI value created at -infinity": ("bob", KPI_VALUE, {"at": "'-infinity'"}),
    "a KPI target of -Infinity": (
        "bob", "UPDATE kpi SET target = '-Infinity' WHERE id = {kpi}", {}),
    "a KR target of Infinity": (
        "alice", "UPDATE key_result SET target_value = 'Infinity' WHERE id = {kr}", {}),
    "a KR start of NaN": ("alice", "UPDATE key_result SET start_value = 'NaN' WHERE id = {kr}", {}),
    "a KR weight of NaN": ("alice", "UPDATE key_result SET weight = 'NaN' WHERE id = {kr}", {}),
    "a KR touched at infinity": (
        "alice", "UPDATE key_result SET updated_at = 'infinity' WHERE id = {kr}", {}),
    "an objective created in year 1": (
        "alice", "UPDATE objective SET created_at = '0001-01-01' WHERE id = {team}", {}),
    "a grade of NaN (an admin)": (
        "chief", "UPDATE objective SET grade = 'NaN' WHERE id = {team}", {}),
    "a period ending at infinity (an admin)": (
        "chief", "UPDATE period SET ends_on = 'infinity' WHERE id = {period}", {}),
    "a period starting in 2300 (an admin)": (
        "chief", "UPDATE period SET starts_on = '2300-01-01' WHERE id = {next_period}", {}),
    "an admin added at infinity": (
        "chief", "INSERT INTO admin VALUES ('carol', 'chief', 'infinity')", {}),
}  # fmt: skip


@pytest.mark.parametrize("write", list(UNREADABLE_WRITES))
def test_a_member_cannot_write_a_value_okrtui_cannot_read(team_db: TeamDb, write: str) -> None:
    """Before: every one of these went in, and a date psycopg cannot load (infinity, year
    20000) crashed every member's tree and KPI dashboard when they read it."""
    role, sql, values = UNREADABLE_WRITES[write]
    fields = {"day": "'2026-11-10'", "value": "5", "at": "now()", **values}
    statement = sql.format(**team_db.ids, **fields)
    snapshot = _snapshot(team_db)
    done = tagged(team_db, role, statement)
    assert "_sane_values" in done.stderr, (write, done.stdout, done.stderr)
    assert _snapshot(team_db) == snapshot


def _snapshot(db: TeamDb) -> tuple[object, ...]:
    """Every table a write above could change, as text (as the superuser sees it)."""
    return tuple(
        db.scalar(f"SELECT string_agg(t::text, ',' ORDER BY t::text) FROM {table} t")
        for table in ("kpi_value", "kpi", "key_result", "objective", "period", "admin")
    )


def test_the_owner_is_held_to_it_too(team_db: TeamDb) -> None:
    """The CHECKs bind the tables' owner as well: okrtui never writes such a value."""
    done = tagged(team_db, OWNER, f"UPDATE kpi SET target = 'NaN' WHERE id = {team_db.ids['kpi']}")
    assert "okrtui_kpi_sane_values" in done.stderr, done.stderr
    fine = tagged(team_db, "bob", f"UPDATE kpi SET target = 12.5 WHERE id = {team_db.ids['kpi']}")
    assert fine.stdout.strip() == "UPDATE 1", fine.stderr


# --- a key result's value has a history ----------------------------------------------------


def test_a_key_result_s_value_moves_only_with_a_check_in(team_db: TeamDb) -> None:
    """Before: alice, who may edit her KR, set its value to 99 (or cleared it, or put an
    older check-in's value back) with no check-in: the tree showed 99, the history
    nothing. The latest check-in (carol's 5) still decides."""
    kr = team_db.ids["kr"]
    older = team_db.ids["alices_check_in"]
    for change in (
        "current_value = 99",
        "current_value = NULL, current_at = NULL",
        "current_at = now() AT TIME ZONE 'UTC'",
        f"(current_value, current_at) = (SELECT value, created_at FROM check_in "
        f"WHERE id = {older})",
    ):
        done = tagged(team_db, "alice", f"UPDATE key_result SET {change} WHERE id = {kr}")
        refused(done, "value moves only with a check-in")
    assert team_db.scalar(f"SELECT current_value FROM key_result WHERE id = {kr}") == 5
    new_kr = (
        "INSERT INTO key_result (objective_id, title, kind, direction, unit, owner, weight, "
        f"position, created_at, updated_at, current_value) VALUES ({team_db.ids['team']}, "
        "'Made up', 'metric', 'increase', '', 'alice', 1, 9, now(), now(), 42)"
    )
    refused(tagged(team_db, "alice", new_kr), "value moves only with a check-in")
    assert team_db.scalar("SELECT count(*) FROM key_result WHERE title = 'Made up'") == 0


def test_a_check_in_and_its_value_in_one_transaction_go_through(team_db: TeamDb) -> None:
    """What okrtui does, by hand: the check-in and the value move together."""
    kr = team_db.ids["kr"]
    done = team_db.psql(
        "alice",
        f"BEGIN;\n{check_in_sql(kr, 'alice', 8)};\n"
        "UPDATE key_result SET (current_value, current_at) = (SELECT value, created_at "
        f"FROM check_in WHERE id = currval('check_in_id_seq')) WHERE id = {kr};\nCOMMIT;\n",
    )
    assert done.stderr == "", done.stderr
    assert team_db.scalar(f"SELECT current_value FROM key_result WHERE id = {kr}") == 8


def test_okrtui_s_ways_of_moving_a_value_still_work_for_members(team_db: TeamDb) -> None:
    """Check in, add to the value, back-date a check-in (the value stays), correct the
    latest check-in, remove it (the value falls back to the one before), as alice."""
    from datetime import UTC, datetime

    kr = team_db.ids["kr"]
    alice = open_database(team_db.url("alice"))
    try:
        latest = checkins.check_in(alice, "alice", kr, 6).check_in_id
        assert add_to_key_result(alice, "alice", kr, 1) == 7
        back = datetime(2026, 11, 1, tzinfo=UTC)
        checkins.check_in(alice, "alice", kr, 1, at=back)
        added = team_db.scalar(f"SELECT max(id) FROM check_in WHERE key_result_id = {kr} "
                               "AND value = 7")  # fmt: skip
        correct_check_in(alice, "alice", added, value=7.5)
        assert team_db.scalar(f"SELECT current_value FROM key_result WHERE id = {kr}") == 7.5
        remove_check_in(alice, "alice", added)
        assert team_db.scalar(f"SELECT current_value FROM key_result WHERE id = {kr}") == 6
        remove_check_in(alice, "alice", latest)
    finally:
        alice.close()
    assert team_db.scalar(f"SELECT current_value FROM key_result WHERE id = {kr}") == 5


# --- teams are group roles -----------------------------------------------------------------


def test_a_login_role_is_no_team_and_is_never_suggested(team_db: TeamDb) -> None:
    """Before: bob named his KPI's team 'alice'; alice (a member of her own role) could
    then change it, and carol's refusal told the admin to run GRANT alice TO carol,
    which hands carol alice's login and everything alice may do."""
    kpi = team_db.ids["kpi"]
    assert tagged(team_db, "bob", f"UPDATE kpi SET team = 'alice' WHERE id = {kpi}"
                  ).stdout.strip() == "UPDATE 1"  # fmt: skip
    record = KPI_VALUE.replace("'bob'", "'{who}'")
    for who in ("alice", "carol"):
        sql = record.format(kpi=kpi, day="'2026-11-12'", value=3, at="now()", who=who)
        done = team_db.psql(who, sql)
        assert "role alice can log in, so it is no team" in done.stderr, done.stderr
        assert "GRANT alice" not in done.stderr
    assert team_db.scalar("SELECT count(*) FROM kpi_value") == 0
    # A group role of the team's name is the team again, and is the one suggested.
    team_db.cluster.new_group("squad_values")
    tagged(team_db, "bob", f"UPDATE kpi SET team = 'Squad_Values' WHERE id = {kpi}")
    sql = record.format(kpi=kpi, day="'2026-11-12'", value=3, at="now()", who="carol")
    assert "GRANT squad_values TO carol;" in team_db.psql("carol", sql).stderr
    team_db.superuser("GRANT squad_values TO carol")
    assert team_db.psql("carol", sql).stderr == ""


# --- large objects and sequences -----------------------------------------------------------

LO_CALLS = ("SELECT lo_create(0)", "SELECT lo_creat(-1)", "SELECT lo_from_bytea(0, 'x')")


def test_large_objects_are_revoked_by_a_superuser_and_named_until_then(team_db: TeamDb) -> None:
    """Before: any member filled the disk with large objects only a superuser can remove.
    The owner cannot revoke functions of pg_catalog: db upgrade names the statement; once
    a superuser ran it, no member creates one, and okrtui still works."""
    from store.db.pg import make_pg_engine, security_warnings

    engine = make_pg_engine(team_db.url())
    try:
        warnings = security_warnings(engine)
        statement = next(w for w in warnings if "large objects" in w).split("`")[1]
        assert tagged(team_db, "bob", LO_CALLS[0]).returncode == 0  # still possible
        team_db.superuser(statement)
        assert not [w for w in security_warnings(engine) if "large objects" in w]
    finally:
        engine.dispose()
    for sql in LO_CALLS:
        done = tagged(team_db, "bob", sql)
        assert "permission denied for function lo_" in done.stderr, (sql, done.stderr)
    carol = open_database(team_db.url("carol"))
    try:
        checkins.check_in(carol, "carol", team_db.ids["kr"], 6)
    finally:
        carol.close()


def test_db_upgrade_by_a_superuser_revokes_large_objects_itself(team_db: TeamDb) -> None:
    """0006's own step, when the role running it may."""
    from store.db.migrate import upgrade_to_head
    from store.db.pg import make_pg_engine, migration_engine

    name = team_db.cluster.new_database()
    engine = make_pg_engine(team_db.cluster.url(name))
    try:
        upgrade_to_head(migration_engine(engine))
    finally:
        engine.dispose()
    other = TeamDb(team_db.cluster, name)
    assert other.scalar(
        "SELECT bool_or(has_function_privilege('public', p.oid, 'EXECUTE')) FROM pg_proc p "
        "WHERE p.proname IN ('lo_create', 'lo_creat', 'lo_from_bytea')"
    ) is False  # fmt: skip


def test_sequences_give_a_member_nothing_but_gaps(team_db: TeamDb) -> None:
    """Every INSERT takes its id with nextval, so members keep USAGE on the sequences
    (README says why that is harmless); they may not set one back or forward."""
    done = tagged(team_db, "bob", "SELECT nextval('check_in_id_seq')")
    assert done.returncode == 0, done.stderr
    done = tagged(team_db, "bob", "SELECT setval('check_in_id_seq', 1)")
    assert "permission denied for sequence check_in_id_seq" in done.stderr, done.stderr


# --- rows written before 0006 ----------------------------------------------------------------

BEFORE_0006 = {  # what members wrote with psql while the schema was at 0005
    "bob": [
        "UPDATE kpi SET target = 'Infinity' WHERE id = {kpi}",
        KPI_VALUE.format(kpi="{kpi}", day="'2026-11-01'", value=4, at="now()"),
        KPI_VALUE.format(kpi="{kpi}", day="'2026-11-02'", value="'NaN'", at="now()"),
        KPI_VALUE.format(kpi="{kpi}", day="'infinity'", value=5, at="'infinity'"),
        KPI_VALUE.format(kpi="{kpi}", day="'20000-01-01'", value=5, at="now()"),
        KPI_VALUE.format(kpi="{kpi}", day="'0044-03-15 BC'", value=5, at="'-infinity'"),
    ],
    "alice": [
        "UPDATE key_result SET current_value = 'NaN', current_at = 'infinity', "
        "target_value = '-Infinity' WHERE id = {kr}",
        "UPDATE key_result SET kpi_id = {kpi} WHERE id = {percent}",
    ],
    "chief": [
        "UPDATE objective SET grade = 'NaN' WHERE id = {team}",
        "UPDATE period SET ends_on = 'infinity' WHERE id = {next_period}",
    ],
}


def _before_0006(db: TeamDb) -> None:
    """Back to 0005, the members' writes of BEFORE_0006, and up again (the upgrade must
    not fail on them)."""
    from alembic import command

    from store.db.migrate import alembic_config, upgrade_to_head
    from store.db.pg import make_pg_engine, migration_engine

    engine = migration_engine(make_pg_engine(db.url(OWNER)))
    try:
        with engine.connect() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, "0005")
        for role, statements in BEFORE_0006.items():
            for sql in statements:
                done = tagged(db, role, sql.format(**db.ids))
                assert done.returncode == 0 and "ERROR" not in done.stderr, (sql, done.stderr)
        upgrade_to_head(engine)
    finally:
        engine.dispose()


def test_rows_from_before_0006_read_as_unreadable(team_db: TeamDb) -> None:
    """The CHECKs are NOT VALID: an upgrade over such rows succeeds, and okrtui reads them
    as unknown or leaves them out. Before: psycopg's DataError on the first date it could
    not load failed the tree, the KPI dashboard and the report for every member."""
    from store.io.report import build_report
    from store.io.report_render import render
    from store.read.kpi_panels import kpi_panels
    from store.read.kpis import kpi_detail, objective_kpi_warnings
    from store.read.periods import list_periods
    from store.read.tree import load_tree, my_key_results

    ids = team_db.ids
    _before_0006(team_db)
    db = open_database(team_db.url("carol"))
    try:
        assert ids["next_period"] not in [p.id for p in list_periods(db)]
        tree = load_tree(db, ids["period"])
        kr, driven = tree.key_result(ids["kr"]), tree.key_result(ids["percent"])
        assert kr is not None and (kr.current, kr.current_at, kr.target) == (None, None, None)
        # Its KPI's latest value up to the period's end is NaN: unknown, not an older one.
        assert driven is not None and (driven.current, driven.progress) == (None, None)
        assert tree.objectives[ids["team"]].grade is None
        assert all(o.score is None or 0 <= o.score <= 1 for o in tree.objectives.values())
        panel = next(p for p in kpi_panels(db) if p.id == ids["kpi"])
        assert panel.target is None and [v for _, v in panel.values] == [4]
        assert [v.value for v in kpi_detail(db, ids["kpi"]).history] == [4]
        objective_kpi_warnings(db, ids["period"])
        my_key_results(db, "alice", ids["period"])
        for fmt in ("md", "csv", "json"):
            assert render(build_report(db, ids["period"]), fmt)
    finally:
        db.close()


def test_rows_from_before_0006_are_named_and_block_nothing_but_their_own_change(
    team_db: TeamDb,
) -> None:
    """db upgrade names each table still holding such rows and how its owner finds them; a
    member's change of such a row is refused whole, with a message (not a crash), until
    the owner corrects it and the table's CHECK validates."""
    from store.db.pg import make_pg_engine, security_warnings

    ids = team_db.ids
    _before_0006(team_db)
    engine = make_pg_engine(team_db.url(OWNER))
    try:
        named = [w for w in security_warnings(engine) if "written before migration 0006" in w]
        tables = sorted(w.split()[1] for w in named)
        assert tables == ["key_result", "kpi", "kpi_value", "objective", "period"], named
        alice = open_database(team_db.url("alice"))
        try:
            with pytest.raises(WriteError, match=r"okrtui cannot read .*correct that value"):
                checkins.check_in(alice, "alice", ids["kr"], 6)
            with pytest.raises(WriteError, match="okrtui_key_result_sane_values"):
                key_results.update_key_result(alice, "alice", ids["kr"], title="Renamed")
        finally:
            alice.close()
        assert team_db.scalar(f"SELECT title FROM key_result WHERE id = {ids['kr']}") == "KR"
        team_db.psql(OWNER, "DELETE FROM kpi_value WHERE value = 'NaN' OR observed_on "
                            "NOT BETWEEN '1970-01-01' AND '2200-12-31';\n"
                            "UPDATE kpi SET target = NULL;\nUPDATE objective SET grade = NULL;\n"
                            "UPDATE period SET ends_on = '2027-03-31' WHERE ends_on = 'infinity';\n"
                            "UPDATE key_result SET target_value = 10, (current_value, current_at) "
                            "= (5, (SELECT max(created_at) FROM check_in WHERE key_result_id = "
                            f"{ids['kr']})) WHERE id = {ids['kr']};\n")  # fmt: skip
        for table in tables:
            fixed = tagged(team_db, OWNER, f"ALTER TABLE {table} VALIDATE CONSTRAINT "
                                           f"okrtui_{table}_sane_values")  # fmt: skip
            assert fixed.returncode == 0, fixed.stderr
        assert not [w for w in security_warnings(engine) if "migration 0006" in w]
    finally:
        engine.dispose()
    alice = open_database(team_db.url("alice"))
    try:
        checkins.check_in(alice, "alice", ids["kr"], 6)
    finally:
        alice.close()
