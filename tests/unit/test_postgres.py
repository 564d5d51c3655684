"""PostgreSQL as a first-class backend: schema upgrades by an admin command only, no lost
updates under concurrency, lossless copies both ways, live updates, and the edit rules
enforced by the database itself (row-level security, peer authentication).

Every test here needs the throw-away cluster of tests/pg_cluster.py and is skipped,
with the reason, when PostgreSQL is not installed (CI installs it).
"""

import json
import multiprocessing
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pg_cluster import Cluster
from sqlalchemy import text

from okrtui.cli.main import main
from store.db.database import Database, open_database
from store.db.pg import make_pg_engine, migration_engine, upgrade_pg
from store.db.schema import HEAD
from store.db.watch import ChangeWatcher
from store.errors import DatabaseError, SchemaTooNewError, WriteError
from store.identity import current_username
from store.write import checkins, key_results, kpis, objectives, periods
from store.write.counters import add_to_key_result

psycopg = pytest.importorskip("psycopg", reason="PostgreSQL tests need psycopg (okrtui[postgres])")
ME = current_username()


@pytest.fixture
def db(pg_url: str) -> Iterator[Database]:
    """This module's ``db`` is always the PostgreSQL one."""
    database = open_database(pg_url)
    yield database
    database.close()


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def fresh_url(pg_cluster: Cluster) -> str:
    """A new, empty database (no schema at all)."""
    return pg_cluster.url(pg_cluster.new_database())


def _upgrade(url: str, revision: str = "head") -> None:
    from store.db.migrate import upgrade_to_head

    engine = make_pg_engine(url)
    try:
        upgrade_to_head(migration_engine(engine), revision)
    finally:
        engine.dispose()


def _scalar(url: str, sql: str) -> Any:
    engine = make_pg_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


# --- no DDL at run time: `okrtui db upgrade` ---------------------------------------


def test_a_database_without_schema_is_refused_naming_db_upgrade(fresh_url: str) -> None:
    result = cli("--db", fresh_url, "status")
    assert result.exit_code == 2
    assert "no okrtui schema yet" in result.stderr
    assert "okrtui db upgrade" in result.stderr
    assert _scalar(fresh_url, "SELECT to_regclass('objective') IS NULL") is True


def test_db_upgrade_creates_the_schema_once_and_makes_its_runner_the_first_admin(
    fresh_url: str,
) -> None:
    first = cli("--db", fresh_url, "db", "upgrade")
    assert first.exit_code == 0, first.output
    assert f"created the okrtui schema (revision {HEAD})" in first.output
    assert f"{ME} is its first admin" in first.output
    again = cli("db", "upgrade", "--db", fresh_url)
    assert again.exit_code == 0
    assert f"already at schema revision {HEAD}" in again.output
    assert _scalar(fresh_url, "SELECT string_agg(username, ',') FROM admin") == ME
    # Now okrtui starts on it, and the first admin may create the period.
    period = cli("--db", fresh_url, "period", "new", "2026-Q4", "--start", "2026-10-01",
                 "--end", "2026-12-31")  # fmt: skip
    assert period.exit_code == 0, period.output


def test_an_older_schema_is_refused_until_an_admin_upgrades_it(fresh_url: str) -> None:
    _upgrade(fresh_url, "0002")
    with pytest.raises(DatabaseError, match=r"revision 0002, older .*okrtui db upgrade"):
        open_database(fresh_url)
    assert _scalar(fresh_url, "SELECT version_num FROM alembic_version") == "0002"
    result = cli("--db", fresh_url, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"upgraded the schema from revision 0002 to {HEAD}" in result.output
    open_database(fresh_url).close()


def test_a_newer_schema_is_refused_untouched(fresh_url: str) -> None:
    _upgrade(fresh_url)
    engine = make_pg_engine(fresh_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(SchemaTooNewError, match="newer than this okrtui"):
        open_database(fresh_url)
    assert cli("--db", fresh_url, "db", "upgrade").exit_code == 2
    assert _scalar(fresh_url, "SELECT version_num FROM alembic_version") == "9999"


def test_a_failed_migration_leaves_the_schema_as_it_was(fresh_url: str) -> None:
    """Migrations run in one transaction: a clash half-way rolls every step back."""
    _upgrade(fresh_url, "0002")
    # 0003 creates this function: the clash makes it fail after its first steps.
    engine = make_pg_engine(fresh_url)
    with engine.begin() as conn:
        conn.execute(
            text("CREATE FUNCTION okrtui_in_team(who text, team text) RETURNS boolean "
                 "LANGUAGE sql AS 'SELECT false'")
        )  # fmt: skip
    try:
        with pytest.raises(DatabaseError, match="schema is as it was"):
            upgrade_pg(engine)
    finally:
        engine.dispose()
    assert _scalar(fresh_url, "SELECT version_num FROM alembic_version") == "0002"
    assert _scalar(fresh_url, "SELECT count(*) FROM pg_policies") == 0
    assert _scalar(fresh_url, "SELECT to_regproc('okrtui_is_admin') IS NULL") is True


def test_an_unreachable_server_is_a_clear_error(pg_cluster: Cluster) -> None:
    result = cli("--db", pg_cluster.url("no_such_database"), "status")
    assert result.exit_code == 2
    assert "cannot connect to the database" in result.stderr
    assert "no_such_database" in result.stderr
    assert "Traceback" not in result.output


# --- concurrency: no lost updates -------------------------------------------------

PROCESSES = 8
ADDS_EACH = 25


def _adder(url: str, kr_id: int, barrier: Any, results: Any) -> None:
    db = open_database(url)
    errors: list[str] = []
    try:
        barrier.wait(timeout=60)
        for _ in range(ADDS_EACH):
            try:
                add_to_key_result(db, ME, kr_id, 1)
            except Exception as exc:  # reported to the parent, which fails the test
                errors.append(repr(exc))
    finally:
        db.close()
        results.put(errors)


def test_concurrent_read_then_write_additions_all_count(db: Database, pg_url: str) -> None:
    """8 processes each add 1 to a KR 25 times: read-modify-write, none may be lost."""
    pid = periods.create_period(db, ME, "P", "2026-10-01", "2026-12-31", "active").id
    oid = objectives.create_objective(db, ME, period_id=pid, title="O", owner=ME).id
    kr = key_results.create_key_result(db, ME, objective_id=oid, title="Deals", target=1e9).id
    ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [ctx.Process(target=_adder, args=(pg_url, kr, barrier, results))
             for _ in range(PROCESSES)]  # fmt: skip
    started = time.perf_counter()
    for p in procs:
        p.start()
    errors = [e for _ in procs for e in results.get(timeout=300)]
    for p in procs:
        p.join(timeout=30)
    elapsed = time.perf_counter() - started
    assert errors == []
    with db.read() as conn:
        value = conn.execute(text("SELECT current_value FROM key_result WHERE id = :k"),
                             {"k": kr}).scalar_one()  # fmt: skip
        count = conn.execute(text("SELECT count(*) FROM check_in")).scalar_one()
    assert value == PROCESSES * ADDS_EACH
    assert count == PROCESSES * ADDS_EACH
    print(f"{PROCESSES * ADDS_EACH} concurrent additions in {elapsed:.2f} s")


def test_a_writer_that_waits_too_long_gets_busy_and_writes_nothing(
    db: Database, pg_cluster: Cluster, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import store.db.pg_conn

    pid = periods.create_period(db, ME, "P", "2026-10-01", "2026-12-31", "active").id
    monkeypatch.setattr(store.db.pg_conn, "LOCK_TIMEOUT_MS", 300)
    with psycopg.connect(
        f"host=127.0.0.1 port={pg_cluster.port} user=okrtui_test dbname={pg_url.rsplit('/', 1)[1]}"
    ) as blocker:
        blocker.execute(f"SELECT {store.db.pg_conn.WRITE_LOCK}()")
        blocker_pid = blocker.info.backend_pid
        with pytest.raises(WriteError, match="stayed busy") as refused:
            objectives.create_objective(db, ME, period_id=pid, title="Blocked", owner=ME)
    # The refusal says whose session holds the lock.
    assert f"held by role okrtui_test (pid {blocker_pid})" in str(refused.value)
    with db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM objective")).scalar_one() == 0


# --- live updates -----------------------------------------------------------------


def test_another_process_commit_is_noticed_within_two_seconds(db: Database, pg_url: str) -> None:
    watcher = ChangeWatcher(db)
    try:
        assert watcher.changed() is False
        other = open_database(pg_url)
        try:
            periods.create_period(other, ME, "P", "2026-10-01", "2026-12-31", "active")
        finally:
            other.close()
        deadline = time.monotonic() + 2
        while not watcher.changed():
            assert time.monotonic() < deadline, "the commit was not noticed within 2 s"
            time.sleep(0.05)
        assert watcher.changed() is False  # once per batch of commits
    finally:
        watcher.close()


# --- db copy: SQLite -> PostgreSQL -> SQLite, lossless ----------------------------


def test_db_copy_moves_everything_both_ways_losslessly(
    demo_path: Path, fresh_url: str, tmp_path: Path
) -> None:
    original = cli("--db", str(demo_path), "export", "--format", "json")
    assert original.exit_code == 0
    to_pg = cli("--db", str(demo_path), "db", "copy", "--to", fresh_url)
    assert to_pg.exit_code == 0, to_pg.output
    assert "both export the same" in to_pg.output
    on_pg = cli("--db", fresh_url, "export", "--format", "json")
    assert on_pg.exit_code == 0
    assert on_pg.output == original.output
    back = tmp_path / "back.db"
    to_sqlite = cli("--db", fresh_url, "db", "copy", "--to", str(back))
    assert to_sqlite.exit_code == 0, to_sqlite.output
    assert cli("--db", str(back), "export", "--format", "json").output == original.output
    document = json.loads(original.output)
    assert len(document["check_ins"]) > 100 and document["kpi_values"]
    # New rows get fresh ids after the copy (the sequences were moved past the copied ids).
    db = open_database(fresh_url)
    try:
        new_kpi = kpis.create_kpi(db, ME, name="After the copy", owner=ME).id
    finally:
        db.close()
    assert new_kpi == max(k["id"] for k in document["kpis"]) + 1


def test_db_copy_refuses_a_database_that_holds_data(demo_path: Path, pg_url: str) -> None:
    db = open_database(pg_url)
    periods.create_period(db, ME, "Keep", "2026-10-01", "2026-12-31", "active")
    db.close()
    result = cli("--db", str(demo_path), "db", "copy", "--to", pg_url)
    assert result.exit_code == 1
    assert "not empty" in result.stderr
    assert _scalar(pg_url, "SELECT string_agg(name, ',') FROM period") == "Keep"


def test_db_copy_refuses_an_existing_sqlite_file(pg_url: str, tmp_path: Path) -> None:
    existing = tmp_path / "there.db"
    existing.write_bytes(b"")
    result = cli("--db", pg_url, "db", "copy", "--to", str(existing))
    assert result.exit_code == 1
    assert "already exists" in result.stderr


# --- identity and rights enforced by the database ---------------------------------


@pytest.fixture
def org(pg_cluster: Cluster, fresh_url: str) -> Iterator[tuple[str, dict[str, int]]]:
    """boss's company objective, alice's team objective under it (carol collaborates),
    alice's KR; a KPI of bob's. Built by the superuser, acting as each person."""
    for role in ("alice", "bob", "carol", "boss", "chief"):
        pg_cluster.new_role(role)
    _upgrade(fresh_url)
    db = open_database(fresh_url)
    try:
        with db.write() as s:
            s.connection().execute(text("INSERT INTO admin VALUES ('chief', 'chief', now())"))
        period = periods.create_period(db, "chief", "Q4", "2026-10-01", "2026-12-31", "active").id
        top = objectives.create_objective(
            db, "boss", period_id=period, title="Top", owner="boss"
        ).id
        team = objectives.create_objective(db, "alice", period_id=period, title="Team",
                                        owner="alice", parent_id=top,
                                        collaborators=["carol"]).id  # fmt: skip
        kr = key_results.create_key_result(db, "alice", objective_id=team, title="KR", target=10).id
        kpi = kpis.create_kpi(db, "bob", name="Churn", owner="bob").id
    finally:
        db.close()
    yield fresh_url, {"top": top, "team": team, "kr": kr, "kpi": kpi}


def _psql(cluster: Cluster, url: str, role: str, sql: str) -> subprocess.CompletedProcess[str]:
    database = url.rsplit("/", 1)[1]
    return subprocess.run(
        [str(cluster.bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", role,
         "-d", database, "-X", "-c", sql],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_psql_as_another_role_cannot_change_someone_elses_objective(
    pg_cluster: Cluster, org: tuple[str, dict[str, int]]
) -> None:
    url, ids = org
    team = ids["team"]
    refused = _psql(
        pg_cluster, url, "bob", f"UPDATE objective SET title = 'hacked' WHERE id = {team}"
    )
    assert refused.returncode == 0 and refused.stdout.strip() == "UPDATE 0", refused
    assert _scalar(url, f"SELECT title FROM objective WHERE id = {team}") == "Team"
    inserted = _psql(pg_cluster, url, "bob",
                     "INSERT INTO check_in (key_result_id, value, note, author, created_at) "
                     f"VALUES ({ids['kr']}, 99, '', 'alice', now())")  # fmt: skip
    assert inserted.returncode != 0
    assert "a check-in's author is the role that writes it (bob)" in inserted.stderr
    assert _scalar(url, "SELECT count(*) FROM check_in") == 0
    deleted = _psql(pg_cluster, url, "bob", f"DELETE FROM key_result WHERE id = {ids['kr']}")
    assert deleted.stdout.strip() == "DELETE 0"
    forged = _psql(pg_cluster, url, "bob",
                   "INSERT INTO activity (at, author, entity, action, detail) "
                   "VALUES (now(), 'alice', 'x', 'y', '{}')")  # fmt: skip
    assert "an activity row's author is the role that writes it (bob)" in forged.stderr
    wiped = _psql(pg_cluster, url, "bob", "DELETE FROM activity")
    assert "permission denied" in wiped.stderr
    promoted = _psql(pg_cluster, url, "bob", "INSERT INTO admin VALUES ('bob', 'bob', now())")
    assert "violates row-level security policy" in promoted.stderr


@pytest.mark.parametrize(
    ("role", "why"),
    [("alice", "owner"), ("carol", "collaborator"), ("boss", "owner above"), ("chief", "admin")],
)
def test_psql_allows_the_people_the_rules_allow(
    pg_cluster: Cluster, org: tuple[str, dict[str, int]], role: str, why: str
) -> None:
    url, ids = org
    sql = f"UPDATE objective SET title = 'by {role}' WHERE id = {ids['team']}"
    assert _psql(pg_cluster, url, role, sql).stdout.strip() == "UPDATE 1", why
    check_in = _psql(pg_cluster, url, role,
                     "INSERT INTO check_in (key_result_id, value, note, author, created_at) "
                     f"VALUES ({ids['kr']}, 5, '', '{role}', now())")  # fmt: skip
    assert check_in.returncode == 0, (why, check_in.stderr)


def test_kpis_are_changed_by_their_owner_team_members_and_admins(
    pg_cluster: Cluster, org: tuple[str, dict[str, int]]
) -> None:
    url, ids = org
    kpi = ids["kpi"]
    record = ("INSERT INTO kpi_value (kpi_id, observed_on, value, note, author, created_at) "
              f"VALUES ({kpi}, '2026-11-{{day}}', 1, '', '{{role}}', now())")  # fmt: skip
    assert "row-level security" in _psql(pg_cluster, url, "alice",
                                         record.format(day=1, role="alice")).stderr  # fmt: skip
    for day, role in ((2, "bob"), (3, "chief")):
        assert _psql(pg_cluster, url, role, record.format(day=day, role=role)).returncode == 0
    # A team is a role: members of the role named like the KPI's team may record values.
    pg_cluster.new_group("growth")
    pg_cluster.sql("GRANT growth TO alice", url.rsplit("/", 1)[1])
    assert _psql(pg_cluster, url, "bob", f"UPDATE kpi SET team = 'Growth' WHERE id = {kpi}"
                 ).stdout.strip() == "UPDATE 1"  # fmt: skip
    assert _psql(pg_cluster, url, "alice", record.format(day=4, role="alice")).returncode == 0
    assert _scalar(url, "SELECT count(*) FROM kpi_value") == 3


def test_who_holds_an_objective_is_kept_for_its_holders(
    pg_cluster: Cluster, org: tuple[str, dict[str, int]]
) -> None:
    """carol collaborates on alice's team objective (under boss's): she edits it, through
    okrtui and psql alike, but cannot take it over, move it or change its collaborators
    (migration 0004, as store/domain/rights.py)."""
    url, ids = org
    team, top = ids["team"], ids["top"]
    as_carol = open_database(url.replace("okrtui_test@", "carol@"))
    try:  # the edit form sends every field: unchanged owner and collaborators are fine
        objectives.update_objective(as_carol, "carol", team, title="Team, by carol",
                                 owner="alice", collaborators=["carol"])  # fmt: skip
    finally:
        as_carol.close()

    def carol(sql: str) -> subprocess.CompletedProcess[str]:
        return _psql(pg_cluster, url, "carol", sql)

    for sql in (f"UPDATE objective SET owner = 'carol' WHERE id = {team}",
                f"UPDATE objective SET parent_id = NULL WHERE id = {team}"):  # fmt: skip
        refused = carol(sql)
        assert "may change its owner or alignment" in refused.stderr, refused
    added = carol(f"INSERT INTO collaborator (objective_id, username) VALUES ({team}, 'bob')")
    assert "violates row-level security policy" in added.stderr
    assert carol(f"DELETE FROM collaborator WHERE objective_id = {team}").stdout.strip() == (
        "DELETE 0"
    )
    assert _scalar(url, f"SELECT owner || ' ' || parent_id FROM objective WHERE id = {team}") == (
        f"alice {top}"
    )
    assert _scalar(url, "SELECT string_agg(username, ',') FROM collaborator") == "carol"
    # The holders may: the owner above, an admin.
    sql = f"UPDATE objective SET owner = 'bob' WHERE id = {team}"
    assert _psql(pg_cluster, url, "boss", sql).stdout.strip() == "UPDATE 1"
    sql = f"INSERT INTO collaborator (objective_id, username) VALUES ({team}, 'alice')"
    assert _psql(pg_cluster, url, "chief", sql).returncode == 0
    # Deleting a parent one may delete still detaches its children (ON DELETE SET NULL).
    sql = f"INSERT INTO collaborator (objective_id, username) VALUES ({top}, 'carol')"
    assert _psql(pg_cluster, url, "boss", sql).returncode == 0
    assert carol(f"DELETE FROM objective WHERE id = {top}").stdout.strip() == "DELETE 1"
    assert _scalar(url, f"SELECT parent_id IS NULL FROM objective WHERE id = {team}") is True


def test_okrtui_itself_is_held_to_the_role_it_connects_as(
    pg_cluster: Cluster, org: tuple[str, dict[str, int]]
) -> None:
    """Someone who runs okrtui as role bob but claims to be alice (a patched okrtui, a
    spoofed identity) is refused by the database, and nothing is written."""
    url, ids = org
    as_bob = open_database(url.replace("okrtui_test@", "bob@"))
    try:
        with pytest.raises(WriteError, match="refused"):
            checkins.check_in(as_bob, "alice", ids["kr"], 7)
        with pytest.raises(WriteError, match="refused"):
            objectives.update_objective(as_bob, "alice", ids["team"], title="sneaky")
        kpis.record_kpi_value(as_bob, "bob", ids["kpi"], 3, observed_on="2026-11-20")
    finally:
        as_bob.close()
    assert _scalar(url, "SELECT count(*) FROM check_in") == 0
    assert _scalar(url, f"SELECT title FROM objective WHERE id = {ids['team']}") == "Team"
    assert _scalar(url, "SELECT count(*) FROM kpi_value") == 1


def test_over_the_unix_socket_the_role_is_the_unix_login(
    pg_cluster: Cluster, org: tuple[str, dict[str, int]]
) -> None:
    """Peer authentication: connecting as your own login works, as anyone else fails."""
    url, _ = org
    pg_cluster.new_role(ME)
    database = url.rsplit("/", 1)[1]
    socket_url = f"postgresql:///{database}?host={pg_cluster.root}&port={pg_cluster.port}"
    db = open_database(socket_url)  # no user in the URL: the driver sends the login
    try:
        with db.read() as conn:
            assert conn.execute(text("SELECT current_user")).scalar_one() == ME
    finally:
        db.close()
    with pytest.raises(psycopg.OperationalError, match=r"[Pp]eer authentication failed"):
        psycopg.connect(f"host={pg_cluster.root} port={pg_cluster.port} dbname={database} "
                        "user=alice").close()  # fmt: skip


def test_0009_lets_a_key_result_stay_between_on_postgresql(fresh_url: str) -> None:
    """0009 widens PostgreSQL's direction check (no table rebuild there), and its
    downgrade refuses while a key result stays between two values."""
    from store.db.migrate import alembic_config

    def set_direction(direction: str) -> None:
        engine = make_pg_engine(fresh_url)
        try:
            with engine.begin() as conn:
                conn.execute(text("UPDATE key_result SET direction = :d"), {"d": direction})
        finally:
            engine.dispose()

    _upgrade(fresh_url, "0008")
    set_admin = make_pg_engine(fresh_url)
    with set_admin.begin() as conn:
        conn.execute(text("INSERT INTO admin VALUES (:me, :me, now())"), {"me": ME})
    set_admin.dispose()
    _upgrade(fresh_url)
    database = open_database(fresh_url)
    try:
        period = periods.ensure_period(database, ME)
        assert period is not None
        objective = objectives.create_objective(database, ME, period_id=period,
                                                title="Support", owner=ME)  # fmt: skip
        key_results.create_key_result(database, ME, objective_id=objective.id,
                                      title="Response time", direction="stay_between",
                                      start=30, target=50)  # fmt: skip
    finally:
        database.close()
    assert _scalar(fresh_url, "SELECT direction FROM key_result") == "stay_between"
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError, match="ck_direction"):
        set_direction("sideways")
    engine = migration_engine(make_pg_engine(fresh_url))
    cfg = alembic_config()
    from alembic import command

    with engine.connect() as conn, pytest.raises(RuntimeError, match="change their direction"):
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    engine.dispose()
    assert _scalar(fresh_url, "SELECT version_num FROM alembic_version") == HEAD
