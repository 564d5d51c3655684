"""Issue 13, finding 8 and its variants: a member's own objects never stand in for okrtui's.

0003/0004's policy functions searched ``"$user", public`` and so, implicitly and first,
the session's ``pg_temp``: a temporary ``admin`` table with one's own name made every
policy say "admin". Since 0005 every such function searches ``pg_catalog``, okrtui's
schema and ``pg_temp`` last, names every table with its schema, and members may not
create temporary objects or objects in okrtui's schema at all. Each attack runs as a
member with ``psql``; "before" they worked (see each test's docstring), now they fail.
"""

import pytest
from conftest import OWNER, TeamDb
from pg_cluster import Cluster

pytestmark = pytest.mark.usefixtures("pg_cluster")


def _untouched(db: TeamDb) -> None:
    """None of the attacks below changed anything they aimed at."""
    ids = db.ids
    assert db.scalar("SELECT string_agg(username, ',' ORDER BY username) FROM admin") == "chief"
    assert db.scalar(f"SELECT title FROM objective WHERE id = {ids['other']}") == "Bob's"
    assert db.scalar(f"SELECT state FROM period WHERE id = {ids['old_period']}") == "closed"
    assert db.scalar(f"SELECT count(*) FROM collaborator WHERE objective_id = {ids['other']}") == 0


def _attack(db: TeamDb) -> str:
    """What alice tries once her session's objects have fooled the policies."""
    ids = db.ids
    return (
        f"UPDATE objective SET title = 'hacked' WHERE id = {ids['other']};\n"
        f"INSERT INTO collaborator VALUES ({ids['other']}, 'alice');\n"
        f"UPDATE period SET state = 'active' WHERE id = {ids['old_period']};\n"
        "INSERT INTO public.admin VALUES ('alice', 'alice', now());\n"
    )


def test_a_temporary_admin_table_makes_no_one_an_admin(team_db: TeamDb) -> None:
    """Finding 8 as reported: before, alice became an admin for good."""
    done = team_db.psql(
        "alice",
        "CREATE TEMP TABLE admin (username text);\n"
        "INSERT INTO admin VALUES ('alice');\n" + _attack(team_db),
    )
    assert "permission denied to create temporary tables" in done.stderr, done.stderr
    _untouched(team_db)


SHADOWS = {
    "temp table admin": "CREATE TEMP TABLE admin (username text);\n"
    "INSERT INTO admin VALUES ('alice');\n",
    "temp view admin": "CREATE TEMP VIEW admin AS SELECT 'alice'::text AS username;\n",
    "temp table collaborator": "CREATE TEMP TABLE collaborator (objective_id int, "
    "username text);\nINSERT INTO collaborator SELECT id, 'alice' FROM objective;\n",
    "temp objective owned by alice": "CREATE TEMP TABLE objective AS "
    "SELECT id, parent_id, 'alice'::text AS owner FROM public.objective;\n",
    "search_path pg_temp first": "SET search_path = pg_temp, public;\n"
    "CREATE TEMP TABLE admin (username text);\nINSERT INTO admin VALUES ('alice');\n",
    "functions and operators in pg_temp": (
        "CREATE FUNCTION pg_temp.okrtui_is_admin(who text) RETURNS boolean "
        "LANGUAGE sql AS 'SELECT true';\n"
        "CREATE FUNCTION pg_temp.yes(a text, b text) RETURNS boolean LANGUAGE sql "
        "AS 'SELECT true';\n"
        "CREATE OPERATOR pg_temp.= (LEFTARG = text, RIGHTARG = text, FUNCTION = pg_temp.yes);\n"
        "CREATE FUNCTION pg_temp.pg_has_role(a name, b oid, c text) RETURNS boolean "
        "LANGUAGE sql AS 'SELECT true';\n"
        "SET search_path = pg_temp, public;\n"
    ),
}


@pytest.mark.parametrize("shadow", list(SHADOWS))
def test_a_session_s_own_objects_never_stand_in_for_okrtui_s(team_db: TeamDb, shadow: str) -> None:
    """Even where a site gives TEMP back (another application needs it), the pinned and
    schema-qualified functions are not fooled. Before: every table and view variant made
    alice an admin or an editor of bob's objective (functions and operators in pg_temp
    were never looked up, then as now)."""
    team_db.superuser(f'GRANT TEMPORARY ON DATABASE "{team_db.name}" TO alice')
    done = team_db.psql("alice", SHADOWS[shadow] + _attack(team_db))
    assert "permission denied to create temporary" not in done.stderr, done.stderr
    _untouched(team_db)


def test_every_policy_and_trigger_function_pins_its_search_path(team_db: TeamDb) -> None:
    """pg_temp last and okrtui's schema named, for every okrtui_ function in the database."""
    loose = team_db.scalar(
        "SELECT string_agg(p.proname || ' ' || coalesce(array_to_string(p.proconfig, ';'), '-'),"
        " ', ') FROM pg_proc p WHERE p.proname LIKE 'okrtui\\_%' AND NOT ("
        " array_to_string(p.proconfig, ';') LIKE '%search\\_path=pg\\_catalog, %pg\\_temp'"
        " AND array_to_string(p.proconfig, ';') NOT LIKE '%$user%')"
    )
    assert loose is None, loose


def test_members_create_nothing_temporary_or_in_okrtui_s_schema(team_db: TeamDb) -> None:
    """The raw material of every shadowing attack, refused at the source: before, TEMP was
    granted to PUBLIC (PostgreSQL's default)."""
    for sql, refusal in (
        ("CREATE TEMP TABLE t (x int);", "permission denied to create temporary tables"),
        ("CREATE FUNCTION public.lower(varchar) RETURNS text LANGUAGE sql AS 'SELECT 1';",
         "permission denied for schema public"),
        ("CREATE VIEW public.admins AS SELECT 1;", "permission denied for schema public"),
        ("CREATE SCHEMA alice;", "permission denied for database"),
    ):  # fmt: skip
        done = team_db.psql("alice", sql)
        assert refusal in done.stderr, (sql, done.stderr)
    assert team_db.scalar(
        f"SELECT has_database_privilege('public', '{team_db.name}', 'TEMPORARY')"
    ) is False  # fmt: skip


def test_db_upgrade_revokes_create_on_a_schema_that_grants_it_to_everyone(
    pg_cluster: Cluster,
) -> None:
    """PostgreSQL before 15 (and clusters upgraded from it) let every role create objects
    in ``public``, where okrtui's queries look: 0005 revokes it. Before: still granted."""
    from conftest import make_roles

    from store.db.pg import make_pg_engine, security_warnings, upgrade_pg

    make_roles(pg_cluster)
    name = "t_public_create"
    pg_cluster.sql(f'DROP DATABASE IF EXISTS "{name}"')
    pg_cluster.sql(f'CREATE DATABASE "{name}" OWNER {OWNER}')
    pg_cluster.sql("GRANT CREATE ON SCHEMA public TO PUBLIC", name)
    engine = make_pg_engine(pg_cluster.url(name, OWNER))
    try:
        upgrade_pg(engine)
        # Only a superuser can revoke large objects (0006): that one is named for it.
        assert [w for w in security_warnings(engine) if "large objects" not in w] == []
        with engine.connect() as conn:
            granted = conn.exec_driver_sql(
                "SELECT has_schema_privilege('public', 'public', 'CREATE'), "
                f"has_database_privilege('public', '{name}', 'TEMPORARY')"
            ).one()
    finally:
        engine.dispose()
    assert tuple(granted) == (False, False)


def test_set_role_gives_a_member_no_one_else_s_rights(team_db: TeamDb) -> None:
    """SET ROLE needs membership; a team role a member belongs to holds nothing of anyone."""
    assert "permission denied to set role" in team_db.psql("bob", "SET ROLE alice;").stderr
    assert "permission denied to set role" in team_db.psql("bob", f"SET ROLE {OWNER};").stderr
    team_db.cluster.new_group("growth")
    team_db.superuser("GRANT growth TO bob")
    done = team_db.psql(
        "bob",
        "SET ROLE growth;\n"
        f"UPDATE objective SET title = 'as growth' WHERE id = {team_db.ids['team']};\n"
        "INSERT INTO check_in (key_result_id, value, note, author, created_at) "
        f"VALUES ({team_db.ids['kr']}, 9, '', 'growth', now());\n",
    )
    assert "row-level security" in done.stderr or "may not" in done.stderr, done.stderr
    assert team_db.scalar(f"SELECT title FROM objective WHERE id = {team_db.ids['team']}") == (
        "Team"
    )


def test_the_security_definer_lock_function_gives_nothing_but_the_lock(team_db: TeamDb) -> None:
    """okrtui_write_lock() runs as the owner: a member may call it (okrtui's writers do),
    but it takes no argument, follows no search path of the caller's, and locks only the
    real lock table; the member can neither lock that table directly nor change the
    function. Before: there was no such function; the advisory lock was anyone's."""
    team_db.superuser(f'GRANT TEMPORARY ON DATABASE "{team_db.name}" TO bob')
    session = team_db.held("bob")
    session.run(
        "CREATE TEMP TABLE okrtui_write_lock (x int);\n"
        "SET search_path = pg_temp, public;\n"
        "BEGIN;\nSELECT public.okrtui_write_lock();"
    )
    locked = team_db.scalar(
        "SELECT string_agg(l.relation::regclass::text, ',') FROM pg_locks l "
        f"WHERE l.pid = {session.pid} AND l.locktype = 'relation' AND l.mode = 'ExclusiveLock'"
    )
    assert locked == "okrtui_write_lock"  # public's, not bob's temporary one
    assert team_db.scalar(
        "SELECT relnamespace::regnamespace::text FROM pg_class c JOIN pg_locks l "
        f"ON l.relation = c.oid WHERE l.pid = {session.pid} AND l.mode = 'ExclusiveLock'"
    ) == "public"  # fmt: skip
    out = session.run(
        f"UPDATE objective SET title = 'locked' WHERE id = {team_db.ids['team']};\nROLLBACK;"
    )
    assert "UPDATE 0" in out or out.strip() == "", out
    for sql, refusal in (
        ("BEGIN; LOCK TABLE public.okrtui_write_lock IN EXCLUSIVE MODE; ROLLBACK;",
         "permission denied for table okrtui_write_lock"),
        ("CREATE OR REPLACE FUNCTION public.okrtui_write_lock() RETURNS void LANGUAGE sql "
         "AS 'SELECT'", "permission denied for schema public"),
        ("ALTER FUNCTION public.okrtui_write_lock() SECURITY INVOKER",
         "must be owner of function"),
        ("CREATE FUNCTION pg_temp.mine() RETURNS void LANGUAGE sql SECURITY DEFINER AS "
         "'INSERT INTO public.admin VALUES (''bob'', ''bob'', now())'; SELECT pg_temp.mine();",
         "row-level security"),
    ):  # fmt: skip
        done = team_db.psql("bob", sql)
        assert refusal in done.stderr, (sql, done.stderr)
    assert team_db.scalar("SELECT count(*) FROM admin WHERE username = 'bob'") == 0
