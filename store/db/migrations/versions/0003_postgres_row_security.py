"""PostgreSQL: edit rules enforced by the database (row-level security).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

On a team server users connect over the Unix socket with ``peer`` authentication,
so the database role *is* the Unix login, the same name okrtui records as the
actor. These policies restate store/domain/rights.py in SQL so that someone who bypasses
okrtui (``psql``) is held to the same rules:

* everyone reads everything (OKRs are transparent);
* an objective, its collaborators and key results: its owner, its collaborators, the
  owner of any objective above it, admins; a key result also by its own owner, and
  its check-ins by whoever may change the key result;
* a KPI and its values: its owner, members of the role named like its team (the
  database's counterpart of the Unix group), admins;
* periods and the admin list: admins; the activity log is append-only and each row
  must carry the writer's own name.

Admins are the rows of ``admin``; the role that owns the tables (the one that ran
``okrtui db upgrade``) is not subject to row security at all, as the owner of a
SQLite file is not. Referential actions (ON DELETE CASCADE / SET NULL) bypass row
security by design, so deleting an objective one may delete still removes its KRs.

On SQLite this revision changes nothing (it has no roles: see README).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "period", "objective", "collaborator", "key_result", "check_in",
    "kpi", "kpi_value", "admin", "activity",
)  # fmt: skip
SERIAL_TABLES = ("period", "objective", "key_result", "check_in", "kpi", "kpi_value", "activity")

FUNCTIONS = """
CREATE FUNCTION okrtui_is_admin(who text) RETURNS boolean
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT EXISTS (SELECT 1 FROM admin WHERE username = who)
$$;

CREATE FUNCTION okrtui_may_edit_objective(who text, oid integer) RETURNS boolean
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    WITH RECURSIVE up(id, parent_id, owner, depth) AS (
        SELECT id, parent_id, owner, 0 FROM objective WHERE id = oid
        UNION ALL
        SELECT o.id, o.parent_id, o.owner, up.depth + 1
        FROM objective o JOIN up ON o.id = up.parent_id WHERE up.depth < 1000
    )
    SELECT EXISTS (SELECT 1 FROM up WHERE owner = who)
        OR EXISTS (SELECT 1 FROM collaborator WHERE objective_id = oid AND username = who)
        OR okrtui_is_admin(who)
$$;

CREATE FUNCTION okrtui_may_edit_key_result(who text, kid integer) RETURNS boolean
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT EXISTS (
        SELECT 1 FROM key_result k WHERE k.id = kid
        AND (k.owner = who OR okrtui_may_edit_objective(who, k.objective_id))
    )
$$;

CREATE FUNCTION okrtui_in_team(who text, team text) RETURNS boolean
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT team IS NOT NULL AND team <> '' AND EXISTS (
        SELECT 1 FROM pg_roles r
        WHERE r.rolname IN (team, lower(team)) AND pg_has_role(who, r.oid, 'MEMBER')
    )
$$;

CREATE FUNCTION okrtui_may_edit_kpi(who text, kid integer) RETURNS boolean
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT EXISTS (
        SELECT 1 FROM kpi k WHERE k.id = kid
        AND (k.owner = who OR okrtui_in_team(who, k.team) OR okrtui_is_admin(who))
    )
$$;
"""

# (table, command, USING, WITH CHECK); every table also gets "read: everyone".
POLICIES = (
    ("period", "ALL", "okrtui_is_admin(current_user)", None),
    ("admin", "ALL", "okrtui_is_admin(current_user)", None),
    (
        "objective",
        "INSERT",
        None,
        "owner = current_user OR okrtui_is_admin(current_user) OR "
        "(parent_id IS NOT NULL AND okrtui_may_edit_objective(current_user, parent_id))",
    ),
    ("objective", "UPDATE", "okrtui_may_edit_objective(current_user, id)", None),
    ("objective", "DELETE", "okrtui_may_edit_objective(current_user, id)", None),
    ("collaborator", "ALL", "okrtui_may_edit_objective(current_user, objective_id)", None),
    ("key_result", "INSERT", None, "okrtui_may_edit_objective(current_user, objective_id)"),
    ("key_result", "UPDATE", "okrtui_may_edit_key_result(current_user, id)", None),
    ("key_result", "DELETE", "okrtui_may_edit_objective(current_user, objective_id)", None),
    ("check_in", "ALL", "okrtui_may_edit_key_result(current_user, key_result_id)", None),
    (
        "kpi",
        "INSERT",
        None,
        "owner = current_user OR okrtui_in_team(current_user, team) "
        "OR okrtui_is_admin(current_user)",
    ),
    ("kpi", "UPDATE", "okrtui_may_edit_kpi(current_user, id)", None),
    ("kpi", "DELETE", "okrtui_may_edit_kpi(current_user, id)", None),
    ("kpi_value", "ALL", "okrtui_may_edit_kpi(current_user, kpi_id)", None),
    ("activity", "INSERT", None, "author = current_user"),
)


def _policy_sql(number: int, table: str, command: str, using: str | None,
                check: str | None) -> str:  # fmt: skip
    sql = f"CREATE POLICY okrtui_{table}_{command.lower()}_{number} ON {table} FOR {command}"
    if using is not None:
        sql += f" USING ({using})"
    if check is not None:
        sql += f" WITH CHECK ({check})"
    return sql


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(FUNCTIONS)
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY okrtui_{table}_read ON {table} FOR SELECT USING (true)")
    for number, (table, command, using, check) in enumerate(POLICIES):
        op.execute(_policy_sql(number, table, command, using, check))
    # Who may connect is decided by pg_hba.conf and CONNECT on the database (README);
    # whoever is in may read everything and write what the policies allow.
    writable = ", ".join(t for t in TABLES if t != "activity")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {writable} TO PUBLIC")
    op.execute("GRANT SELECT, INSERT ON activity TO PUBLIC")
    op.execute("GRANT SELECT ON alembic_version TO PUBLIC")
    for table in SERIAL_TABLES:
        op.execute(
            f"DO $$ BEGIN EXECUTE format('GRANT USAGE ON SEQUENCE %s TO PUBLIC', "
            f"pg_get_serial_sequence('{table}', 'id')); END $$"
        )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    policies = op.get_bind().exec_driver_sql(
        "SELECT policyname, tablename FROM pg_policies WHERE policyname LIKE 'okrtui\\_%'"
    )
    for policy, table in list(policies):
        op.execute(f"DROP POLICY {policy} ON {table}")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON {', '.join(TABLES)}, alembic_version FROM PUBLIC")
    for function in ("may_edit_kpi", "in_team", "may_edit_key_result", "may_edit_objective",
                     "is_admin"):  # fmt: skip
        op.execute(f"DROP FUNCTION okrtui_{function}")
