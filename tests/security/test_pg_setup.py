"""Issue 13, finding 12: setting up PostgreSQL says who does what, in okrtui's words.

Before: ``okrtui db upgrade`` by a role that does not own the database failed with
PostgreSQL's "permission denied for schema public"; ``db copy`` onto a database where
``db upgrade`` had run said "not empty" and suggested a SQLite command; a KPI team with
no role of its name gave a raw row-security error; ``postgresq://`` said a driver was
missing.
"""

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import OWNER, TeamDb, make_roles
from pg_cluster import Cluster

from okrtui.cli.main import main
from store import identity
from store.db.database import open_database
from store.errors import WriteError
from store.write import kpis

pytestmark = pytest.mark.usefixtures("pg_cluster")


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _database(cluster: Cluster, owner: str = OWNER) -> str:
    make_roles(cluster)
    name = f"t_{uuid.uuid4().hex[:12]}"
    cluster.sql(f'CREATE DATABASE "{name}" OWNER {owner}')
    return name


def test_db_upgrade_by_another_role_names_the_role_that_runs_it(pg_cluster: Cluster) -> None:
    name = _database(pg_cluster)
    result = cli("--db", pg_cluster.url(name, "alice"), "db", "upgrade")
    assert result.exit_code == 2
    assert "role alice may not create tables in schema public" in result.stderr
    assert f"the role that owns the database (here {OWNER})" in result.stderr
    assert f"sudo -u {OWNER} okrtui db upgrade --db" in result.stderr
    assert f"ALTER DATABASE {name} OWNER TO alice" in result.stderr
    assert "Traceback" not in result.output
    # The owner can, and becomes nobody's problem: a second run by alice is a no-op.
    assert cli("--db", pg_cluster.url(name, OWNER), "db", "upgrade").exit_code == 0
    again = cli("--db", pg_cluster.url(name, "alice"), "db", "upgrade")
    assert again.exit_code == 0 and "already at schema revision" in again.output


def test_upgrading_someone_else_s_tables_names_their_owner(pg_cluster: Cluster) -> None:
    from store.db.migrate import upgrade_to_head
    from store.db.pg import make_pg_engine, migration_engine

    name = _database(pg_cluster)
    engine = make_pg_engine(pg_cluster.url(name, OWNER))
    try:
        upgrade_to_head(migration_engine(engine), "0004")
    finally:
        engine.dispose()
    result = cli("--db", pg_cluster.url(name, "alice"), "db", "upgrade")
    assert result.exit_code == 2
    assert f"role alice does not own okrtui's tables in database {name} (role {OWNER}" in (
        result.stderr
    )
    assert f"sudo -u {OWNER} okrtui db upgrade" in result.stderr


def test_db_copy_goes_into_a_database_where_db_upgrade_ran(
    pg_cluster: Cluster, demo_path: Path, me: str
) -> None:
    name = _database(pg_cluster)
    url = pg_cluster.url(name, OWNER)
    upgraded = cli("--db", url, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"{me} is its first admin" in upgraded.output
    copied = cli("--db", str(demo_path), "db", "copy", "--to", url)
    assert copied.exit_code == 0, copied.stderr
    assert "both export the same" in copied.output
    original = json.loads(cli("--db", str(demo_path), "export", "--format", "json").output)
    copy = json.loads(cli("--db", url, "export", "--format", "json").output)
    # The admin db upgrade recorded keeps its own row (import_document's rule); the rest
    # is the original, record for record.
    assert {a["username"] for a in copy["admins"]} == {me} | {
        a["username"] for a in original["admins"]
    }
    assert {**copy, "admins": []} == {**original, "admins": []}


def test_a_database_that_holds_data_is_refused_with_a_postgres_hint(
    team_db: TeamDb, demo_path: Path
) -> None:
    result = cli("--db", str(demo_path), "db", "copy", "--to", team_db.url())
    assert result.exit_code == 1
    assert "not empty" in result.stderr
    assert "createdb NEW" in result.stderr and "postgresql:///NEW" in result.stderr
    assert ".db" not in result.stderr.replace("--db", "")


def _team_kpi(team_db: TeamDb) -> tuple[str, int]:
    """bob's KPI, now of a team whose name no role has yet (roles are cluster-wide)."""
    team = f"Squad{uuid.uuid4().hex[:6]}"
    done = team_db.psql("bob", f"UPDATE kpi SET team = '{team}' WHERE id = {team_db.ids['kpi']}")
    assert done.stderr == "", done.stderr
    return team, team_db.ids["kpi"]


def test_a_team_without_a_role_is_named_with_the_statements_that_fix_it(
    team_db: TeamDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    team, kpi = _team_kpi(team_db)
    role = team.lower()
    record = (
        "INSERT INTO kpi_value (kpi_id, observed_on, value, note, author, created_at) "
        f"VALUES ({kpi}, '2026-11-05', 1, '', 'alice', now())"
    )
    done = team_db.psql("alice", record)
    assert f"CREATE ROLE {role}; GRANT {role} TO alice;" in done.stderr, done.stderr
    # Through okrtui: alice is in the Unix group, so okrtui lets her; the database says why
    # it does not, and what the server's admin runs.
    monkeypatch.setattr(
        identity, "team_members", lambda t: frozenset({"alice"}) if t == team else None
    )
    as_bob = open_database(team_db.url("bob"))
    as_alice = open_database(team_db.url("alice"))
    try:
        kpis.record_kpi_value(as_bob, "bob", kpi, 2, observed_on="2026-11-06")
        for day in ("2026-11-05", "2026-11-06"):  # a new value, and one replacing bob's
            with pytest.raises(WriteError, match=f"CREATE ROLE {role}; GRANT {role} TO alice"):
                kpis.record_kpi_value(as_alice, "alice", kpi, 3, observed_on=day)
        team_db.cluster.new_group(role)
        with pytest.raises(WriteError, match=f"GRANT {role} TO alice"):
            kpis.record_kpi_value(as_alice, "alice", kpi, 3, observed_on="2026-11-05")
        team_db.superuser(f"GRANT {role} TO alice")
        kpis.record_kpi_value(as_alice, "alice", kpi, 3, observed_on="2026-11-05")
        kpis.record_kpi_value(as_alice, "alice", kpi, 4, observed_on="2026-11-06")
    finally:
        as_bob.close()
        as_alice.close()


@pytest.mark.parametrize("url", ["postgresq://host/okrtui", "mysql://host/okrtui"])
def test_an_unknown_url_scheme_is_named(url: str) -> None:
    result = cli("--db", url, "status")
    assert result.exit_code == 2
    scheme = url.split(":", 1)[0]
    assert f"unknown database URL scheme {scheme!r}" in result.stderr
    assert "postgresql://" in result.stderr and "driver" not in result.stderr


def test_okrtui_in_a_schema_of_its_own_is_pinned_to_that_schema(pg_cluster: Cluster) -> None:
    """README: ``?options=-csearch_path%3Dokrtui``. The schema's owner runs db upgrade but
    does not own the database, so cannot revoke TEMP: db upgrade says who should, and the
    pinned functions hold even with TEMP granted."""
    name = _database(pg_cluster, owner="okrtui_test")
    pg_cluster.sql(f"CREATE SCHEMA okrtui AUTHORIZATION {OWNER}", name)
    url = pg_cluster.url(name, OWNER) + "?options=-csearch_path%3Dokrtui"
    upgraded = cli("--db", url, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert "warning: every role may create temporary tables" in upgraded.stderr
    assert f"REVOKE TEMPORARY ON DATABASE {name} FROM PUBLIC" in upgraded.stderr
    assert "its owner (okrtui_test)" in upgraded.stderr
    db = TeamDb(pg_cluster, name)
    config = db.scalar("SELECT array_to_string(proconfig, ';') FROM pg_proc "
                       "WHERE proname = 'okrtui_is_admin'")  # fmt: skip
    assert config == "search_path=pg_catalog, okrtui, pg_temp"
    done = db.psql(
        "alice",
        "CREATE TEMP TABLE admin (username text);\nINSERT INTO admin VALUES ('alice');\n"
        "INSERT INTO okrtui.admin VALUES ('alice', 'alice', now());\n",
    )
    assert "row-level security" in done.stderr, done.stderr
    assert db.scalar("SELECT count(*) FROM okrtui.admin WHERE username = 'alice'") == 0


def test_an_export_made_before_0005_still_imports(demo_path: Path, tmp_path: Path) -> None:
    """0005 changed PostgreSQL's rules, not the tables: a 0004 export is this one's."""
    exported = json.loads(cli("--db", str(demo_path), "export", "--format", "json").output)
    older = tmp_path / "older.json"
    older.write_text(json.dumps({**exported, "schema": "0004"}))
    result = cli("--db", str(tmp_path / "new.db"), "import", str(older))
    assert result.exit_code == 0, result.output
