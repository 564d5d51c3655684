"""PostgreSQL: values okrtui can read, key result values with a history, teams are groups.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

An independent review of 0005 found what a member's ``psql`` could still do:

* **Values no okrtui reads.** PostgreSQL's ``float8`` takes ``'NaN'`` and
  ``'Infinity'``, ``date`` and ``timestamp`` take ``'infinity'`` and years up to
  294276 (or BC): psycopg cannot hand such a date to Python at all, so a KPI value
  dated ``'infinity'`` crashed every member's tree and KPI dashboard. Each table now
  has a CHECK constraint ``okrtui_<table>_sane_values``: every number finite, every
  date within okrtui's own range (``store.domain.numbers.MIN_DATE`` … ``MAX_DATE``, 1970 to
  2200, what every form and import accepts) and every timestamp within the same days.
  It binds everyone, the tables' owner included (okrtui never writes such a value).
  Each is added ``NOT VALID`` and then validated where the table allows: a table
  holding such rows from before this revision keeps it ``NOT VALID`` (the upgrade does
  not fail on them; okrtui reads them as unreadable, and a change of such a row is
  refused until the value is corrected), and ``okrtui db upgrade`` names that table and
  how its owner finds the rows (store/db/pg.py ``security_warnings``).
* **Activity about check-ins.** A ``check_in_corrected`` / ``check_in_removed`` row
  shows in a key result's history, so it now needs the same right as a check-in on
  that key result (or to be the author of the check-in it names: okrtui lets an
  author correct their own check-in after losing the right), not in a closed period
  (admins aside); a removal's ``created_at`` lies between 1970 and a day from now, as
  a check-in's does.
* **A key result's value moves only with a check-in.** okrtui changes
  ``current_value``/``current_at`` only to the latest remaining check-in of the key
  result (store/write/checkins.py, counters.py, checkins.py), in the transaction that
  adds, corrects or removes it. A member who may edit a key result could set them
  directly, rewriting its value with no history. A constraint trigger, deferred to
  the end of the transaction (okrtui's ORM may write the key result before the
  check-in), now refuses a transaction that leaves them changed and different from
  the latest check-in's value and time (NULL when there is none).
* **Teams are group roles.** ``okrtui_in_team`` counted any role named like the team,
  and the refusal suggested ``GRANT <that role> TO member``: for a team named like a
  person (``alice``) that hands the member alice's login and every right she has.
  Only roles that cannot log in (``NOLOGIN``, what ``CREATE ROLE team`` makes) are
  teams now, and a login role of that name is named as such, never suggested.
* **Large objects.** Any role may create large objects (``lo_create``), which fill
  the disk and which only their owner or a superuser can remove; okrtui uses none.
  EXECUTE on ``lo_create``, ``lo_creat`` and ``lo_from_bytea`` is revoked from PUBLIC
  in this database when a superuser runs the upgrade (functions of ``pg_catalog``
  belong to the bootstrap superuser: no one else can); otherwise ``okrtui db upgrade``
  prints the statement for a superuser (store/db/pg.py ``security_warnings``). Sequences
  keep USAGE for PUBLIC: every INSERT takes its id with ``nextval``, so calling it
  yields gaps in ids only (README says what else, and how the owner resets one).

Every new function runs with ``search_path = pg_catalog, <okrtui's schema>, pg_temp``
and names its tables with their schema, as 0005's. On SQLite this revision changes
nothing: the file is anyone's who can write it, so okrtui's readers skip what they
cannot read (store/db/sql.py) instead.
"""

from collections.abc import Sequence
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "@S"  # replaced by okrtui's schema, quoted

FIRST_DAY, LAST_DAY, AFTER_LAST_DAY = "1970-01-01", "2200-12-31", "2201-01-01"
"""store.domain.numbers.MIN_DATE and MAX_DATE (tests/security/test_pg_values.py checks)."""

# table: (numbers, dates, timestamps), every such column of store/model/tables.py.
VALUE_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "period": ((), ("starts_on", "ends_on"), ("created_at",)),
    "objective": (("grade",), (), ("created_at", "updated_at")),
    "key_result": (
        ("start_value", "target_value", "weight", "current_value"),
        (),
        ("current_at", "created_at", "updated_at"),
    ),
    "check_in": (("value",), (), ("created_at",)),
    "kpi": (("target", "green_threshold", "red_threshold"), (), ("created_at",)),
    "kpi_value": (("value",), ("observed_on",), ("created_at",)),
    "activity": ((), (), ("at",)),
    "admin": ((), (), ("added_at",)),
}


def _sane(numbers: Sequence[str], dates: Sequence[str], times: Sequence[str]) -> str:
    """The CHECK expression of one table (a NULL passes: NOT NULL is the column's)."""
    parts = [f"{c} NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)"
             for c in numbers]  # fmt: skip
    parts += [f"{c} BETWEEN DATE '{FIRST_DAY}' AND DATE '{LAST_DAY}'" for c in dates]
    parts += [
        f"({c} >= TIMESTAMP '{FIRST_DAY}' AND {c} < TIMESTAMP '{AFTER_LAST_DAY}')" for c in times
    ]
    return " AND ".join(parts)


HELPERS = """
-- 0005's, counting only group roles (NOLOGIN) as teams.
CREATE OR REPLACE FUNCTION @S.okrtui_in_team(who text, team text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    SELECT team IS NOT NULL AND team <> '' AND EXISTS (
        SELECT 1 FROM pg_catalog.pg_roles r
        WHERE r.rolname IN (team, pg_catalog.lower(team)) AND NOT r.rolcanlogin
          AND pg_catalog.pg_has_role(who, r.oid, 'MEMBER')
    )
$$;

-- Why ``who`` may not change a KPI of ``team``: the group role to create or grant, never
-- a login role (granting one hands over that login).
CREATE OR REPLACE FUNCTION @S.okrtui_team_refusal(who text, kpi_name text, team text)
RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    WITH named AS (
        SELECT r.rolname, r.rolcanlogin FROM pg_catalog.pg_roles r
        WHERE r.rolname IN (team, pg_catalog.lower(team))
    ), grp AS (
        SELECT pg_catalog.quote_ident(n.rolname) AS role FROM named n
        WHERE NOT n.rolcanlogin ORDER BY n.rolname LIMIT 1
    ), login AS (
        SELECT pg_catalog.quote_ident(n.rolname) AS role FROM named n
        WHERE n.rolcanlogin ORDER BY n.rolname LIMIT 1
    )
    SELECT CASE
        WHEN team IS NULL THEN NULL
        WHEN EXISTS (SELECT 1 FROM grp) THEN
            pg_catalog.format(
                'KPI %L may be changed by its owner, the members of role %s (team %L) and '
                'admins, and role %s is not a member: if %s is in the team, a database admin '
                'runs: GRANT %s TO %s;',
                kpi_name, (SELECT role FROM grp), team, who, who, (SELECT role FROM grp),
                pg_catalog.quote_ident(who))
        WHEN EXISTS (SELECT 1 FROM login) THEN
            pg_catalog.format(
                'KPI %L belongs to team %L, but role %s can log in, so it is no team: okrtui '
                'counts only group roles (NOLOGIN) as teams, since granting a login role hands '
                'over that login''s rights. The KPI''s owner or an admin names a group role as '
                'its team (a database admin makes one: CREATE ROLE name NOLOGIN; GRANT name '
                'TO %s;)',
                kpi_name, team, (SELECT role FROM login), pg_catalog.quote_ident(who))
        ELSE
            pg_catalog.format(
                'KPI %L belongs to team %L, but the database has no role of that name (the '
                'database''s counterpart of the Unix group): if %s is in the team, a database '
                'admin runs: CREATE ROLE %s; GRANT %s TO %s;',
                kpi_name, team, who, pg_catalog.quote_ident(pg_catalog.lower(team)),
                pg_catalog.quote_ident(pg_catalog.lower(team)), pg_catalog.quote_ident(who))
    END
$$;
"""

ACTIVITY = """
-- Runs after okrtui_activity_check (triggers fire in name order), which has checked the
-- row's shape: a key result id, a check-in id, for a removal a time with a time zone.
CREATE FUNCTION @S.okrtui_activity_check_in_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
DECLARE
    detail jsonb := NEW.detail::jsonb;
    objective integer;
    closed text;
    at timestamptz;
BEGIN
    IF @S.okrtui_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF NEW.action = 'check_in_removed' THEN
        at := (detail ->> 'created_at')::timestamptz;
        IF at < TIMESTAMPTZ '1970-01-01 00:00:00+00' OR at > pg_catalog.now() + interval '1 day'
        THEN
            RAISE EXCEPTION 'activity detail of check_in_removed: check-in time % is in the '
                            'future or out of range', at USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    SELECT k.objective_id INTO objective FROM @S.key_result k WHERE k.id = NEW.entity_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'activity % names key result %, which does not exist', NEW.action,
                        NEW.entity_id USING ERRCODE = 'check_violation';
    END IF;
    IF NOT @S.okrtui_may_edit_key_result(current_user, NEW.entity_id)
       AND NOT EXISTS (SELECT 1 FROM @S.check_in c
                       WHERE c.id = (detail ->> 'check_in_id')::bigint
                         AND c.key_result_id = NEW.entity_id AND c.author = current_user)
    THEN
        RAISE EXCEPTION 'role % may not check in on key result %, nor is check-in % on it its '
                        'own: it may not log % there', current_user, NEW.entity_id,
                        detail ->> 'check_in_id', NEW.action
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT @S.okrtui_is_admin(current_user) THEN
        closed := @S.okrtui_closed_period_of(objective);
        IF closed IS NOT NULL THEN
            RAISE EXCEPTION 'period % is closed and read-only', closed
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER okrtui_activity_check_in BEFORE INSERT ON @S.activity
FOR EACH ROW WHEN (NEW.action IN ('check_in_corrected', 'check_in_removed'))
EXECUTE FUNCTION @S.okrtui_activity_check_in_check();
"""

CURRENT = """
-- Checked when the transaction commits, against the key result as it is then: okrtui's
-- writers add, correct or remove the check-in and move the value in one transaction, in
-- either order.
CREATE FUNCTION @S.okrtui_key_result_current_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
DECLARE
    kr record;
    latest record;
BEGIN
    IF @S.okrtui_is_owner(TG_RELID) THEN
        RETURN NULL;
    END IF;
    SELECT k.current_value, k.current_at INTO kr FROM @S.key_result k WHERE k.id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;  -- deleted later in the transaction
    END IF;
    SELECT c.value, c.created_at INTO latest FROM @S.check_in c
    WHERE c.key_result_id = NEW.id ORDER BY c.created_at DESC, c.id DESC LIMIT 1;
    IF kr.current_value IS DISTINCT FROM latest.value
       OR kr.current_at IS DISTINCT FROM latest.created_at THEN
        RAISE EXCEPTION 'key result %''s value moves only with a check-in: it would be % '
                        '(at %), its latest check-in says % (at %)', NEW.id,
                        kr.current_value, kr.current_at, latest.value, latest.created_at
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER okrtui_key_result_current_insert AFTER INSERT ON @S.key_result
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (NEW.current_value IS NOT NULL OR NEW.current_at IS NOT NULL)
EXECUTE FUNCTION @S.okrtui_key_result_current_check();
CREATE CONSTRAINT TRIGGER okrtui_key_result_current_update
AFTER UPDATE OF current_value, current_at ON @S.key_result
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (NEW.current_value IS DISTINCT FROM OLD.current_value
      OR NEW.current_at IS DISTINCT FROM OLD.current_at)
EXECUTE FUNCTION @S.okrtui_key_result_current_check();
"""

LARGE_OBJECTS = (
    "pg_catalog.lo_create(oid)", "pg_catalog.lo_creat(integer)",
    "pg_catalog.lo_from_bytea(oid, bytea)",
)  # fmt: skip
"""The functions that create large objects (store/db/pg.py warns while PUBLIC has them)."""

REVOKES = f"""
DO $$ BEGIN
    IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        REVOKE EXECUTE ON FUNCTION {", ".join(LARGE_OBJECTS)} FROM PUBLIC;
    END IF;
END $$;
"""


def _old_0005() -> ModuleType:
    """0005's script (its ``_schema`` and, for a downgrade, its functions), loaded from
    beside this one: Alembic loads scripts by path, not as a package."""
    path = Path(__file__).with_name("0005_postgres_hardening.py")
    spec = spec_from_file_location("okrtui_migration_0005", path)
    assert spec is not None and spec.loader is not None
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    hardening = _old_0005()
    schema = hardening._schema()
    for table, columns in VALUE_COLUMNS.items():
        check = f"okrtui_{table}_sane_values"
        op.execute(
            f"ALTER TABLE {schema}.{table} ADD CONSTRAINT {check} "
            f"CHECK ({_sane(*columns)}) NOT VALID"
        )
        op.execute(
            f"DO $$ BEGIN ALTER TABLE {schema}.{table} VALIDATE CONSTRAINT {check}; "
            "EXCEPTION WHEN check_violation THEN NULL; END $$"
        )
    for text in (HELPERS, ACTIVITY, CURRENT, REVOKES):
        op.execute(text.replace("@S", schema))


def downgrade() -> None:
    """Back to 0005's rules. Large objects stay revoked: a downgrade hands no privilege
    back to PUBLIC."""
    if op.get_context().dialect.name != "postgresql":
        return
    hardening = _old_0005()
    schema = hardening._schema()
    for when in ("update", "insert"):
        op.execute(f"DROP TRIGGER okrtui_key_result_current_{when} ON {schema}.key_result")
    op.execute(f"DROP FUNCTION {schema}.okrtui_key_result_current_check()")
    op.execute(f"DROP TRIGGER okrtui_activity_check_in ON {schema}.activity")
    op.execute(f"DROP FUNCTION {schema}.okrtui_activity_check_in_check()")
    for table in VALUE_COLUMNS:
        op.execute(f"ALTER TABLE {schema}.{table} DROP CONSTRAINT okrtui_{table}_sane_values")
    helpers = hardening.HELPERS
    start = helpers.index("CREATE OR REPLACE FUNCTION @S.okrtui_in_team")
    end = helpers.index("CREATE OR REPLACE FUNCTION @S.okrtui_may_edit_kpi")
    op.execute(helpers[start:end].replace("@S", schema))
    start = helpers.index("CREATE FUNCTION @S.okrtui_team_refusal")
    refusal = helpers[start:].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    op.execute(refusal.replace("@S", schema))
