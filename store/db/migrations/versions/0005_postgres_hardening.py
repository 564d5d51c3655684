"""PostgreSQL: rules a member's ``psql`` can neither fool nor go round (issue 13).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

On a team server the database is the security boundary: a member may connect with
``psql`` as their own role and run any SQL. This revision closes what 0003/0004 left open.

* **Pinned, qualified helper functions.** 0003/0004's functions ran with
  ``search_path = "$user", public``, and PostgreSQL searches ``pg_temp`` *first* for
  tables unless it is named: ``CREATE TEMP TABLE admin (…)`` with one's own name made
  every policy say "admin". Every function used by a policy or trigger is recreated
  with ``SET search_path = pg_catalog, <okrtui's schema>, pg_temp`` (temporary objects
  last; functions and operators are never looked up in ``pg_temp`` anyway) and refers
  to every table as ``<schema>.table``, so nothing a session creates for itself can
  stand in for okrtui's tables, functions or operators.
* **TEMP revoked from PUBLIC** (``REVOKE TEMPORARY ON DATABASE … FROM PUBLIC``). With
  the functions pinned, temporary tables no longer fool okrtui; revoking them as well
  takes away the raw material of that whole family of attacks (temporary tables,
  views, functions and operators, and triggers on temporary tables, which would make
  a member's own statement look like a cascade), for any function okrtui or the site
  adds later. okrtui itself never creates temporary objects. Only the database's owner
  (or a superuser) can revoke it; run by another role this step changes nothing and
  ``okrtui db upgrade`` prints the statement for the owner. Another application in the
  same database that needs temporary tables gets them back for its own role
  (``GRANT TEMPORARY ON DATABASE … TO that_role``).
* **CREATE on okrtui's schema revoked from PUBLIC** (PostgreSQL 15 already does so for
  ``public``; older clusters, and upgraded ones, grant it): a member who can create a
  function ``lower(varchar)`` or an operator in the schema okrtui's queries search
  can run code as every other user who reads through it. USAGE on it is granted to
  PUBLIC, as 0003 grants its tables (needed when okrtui has a schema of its own).
* **Every rule of the app, restated** (store/domain/rights.py, service.py, checkins.py,
  periods.py), by triggers that name the rule they refuse and by policies:

  - a check-in's author is the role that writes it; only its author corrects or
    removes it (as ``store.write.corrections``: not even an admin), and a correction keeps its
    key result, time and author; its time is at most a day ahead (``check_in``'s
    rule) and its value fits the key result's kind;
  - a closed period is read-only for its objectives, their collaborators, key
    results and check-ins (admins aside, who may also change the period itself), and
    a closed period is never reopened (okrtui has no "reopen");
  - an objective never changes period and a key result never changes objective
    (okrtui never moves them: closing a period *copies* what rolls over); a parent is
    in the same period and never below its child; an objective's grade, retrospective
    note and roll-over link are set by admins only (closing a period);
  - a KPI value's author is the role that writes it, and a value never moves to
    another KPI; a refusal on a KPI of a team names the missing role and the
    ``CREATE ROLE team; GRANT team TO user`` that fixes it (the database's
    counterpart of the Unix group);
  - an admin row records its writer as ``added_by``;
  - an activity row has a known entity and action, a JSON object as detail (for the
    check-in corrections and removals the history shows: a check-in id, a
    timezone-aware time, a number), and a time no more than ten minutes ahead of the
    server's clock or a day behind it.

  The role that owns the tables (the one that ran ``okrtui db upgrade``) stays exempt,
  as row security exempts it; referential actions (ON DELETE CASCADE / SET NULL) stay
  allowed, recognised by the parent row being gone, as in 0004.
* **Writers lock a table members cannot lock.** ``okrtui_write_lock`` is a table on
  which PUBLIC has no privilege at all, so a member's ``LOCK TABLE`` on it fails;
  okrtui's writers lock it IN EXCLUSIVE MODE through the SECURITY DEFINER function of
  the same name, which anyone may call and which, when it times out, says which
  session holds the lock (store/db/pg.py says why, and what a member can still do).

On SQLite this revision changes nothing (it has no roles: see README).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "@S"  # replaced by okrtui's schema, quoted

ENTITIES = ("period", "objective", "key_result", "check_in", "kpi", "kpi_value", "admin", "demo")
ACTIONS = (
    # store.write.service, store.write.periods, store.write.okr_fields, store.io.okr_toml
    "create", "update", "move", "delete", "state", "grade", "close", "activate",
    "roll_over",
    # store.write.kpis, store.write.service (KPI values)
    "replace", "import", "archive", "unarchive",
    # store.write.admins, okrtui db upgrade
    "add", "remove",
    # store.write.corrections
    "check_in_corrected", "check_in_removed",
)  # fmt: skip

HELPERS = """
CREATE OR REPLACE FUNCTION @S.okrtui_is_admin(who text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM @S.admin a WHERE a.username = who)
$$;

CREATE OR REPLACE FUNCTION @S.okrtui_may_edit_objective(who text, oid integer) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    WITH RECURSIVE up(id, parent_id, owner, depth) AS (
        SELECT o.id, o.parent_id, o.owner, 0 FROM @S.objective o WHERE o.id = oid
        UNION ALL
        SELECT o.id, o.parent_id, o.owner, up.depth + 1
        FROM @S.objective o JOIN up ON o.id = up.parent_id WHERE up.depth < 1000
    )
    SELECT EXISTS (SELECT 1 FROM up WHERE up.owner = who)
        OR EXISTS (SELECT 1 FROM @S.collaborator c
                   WHERE c.objective_id = oid AND c.username = who)
        OR @S.okrtui_is_admin(who)
$$;

CREATE OR REPLACE FUNCTION @S.okrtui_may_edit_key_result(who text, kid integer) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM @S.key_result k WHERE k.id = kid
        AND (k.owner = who OR @S.okrtui_may_edit_objective(who, k.objective_id))
    )
$$;

CREATE OR REPLACE FUNCTION @S.okrtui_in_team(who text, team text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    SELECT team IS NOT NULL AND team <> '' AND EXISTS (
        SELECT 1 FROM pg_catalog.pg_roles r
        WHERE r.rolname IN (team, pg_catalog.lower(team))
          AND pg_catalog.pg_has_role(who, r.oid, 'MEMBER')
    )
$$;

CREATE OR REPLACE FUNCTION @S.okrtui_may_edit_kpi(who text, kid integer) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM @S.kpi k WHERE k.id = kid
        AND (k.owner = who OR @S.okrtui_in_team(who, k.team) OR @S.okrtui_is_admin(who))
    )
$$;

CREATE OR REPLACE FUNCTION @S.okrtui_holds_objective(who text, oid integer) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    WITH RECURSIVE up(id, parent_id, owner, depth) AS (
        SELECT o.id, o.parent_id, o.owner, 0 FROM @S.objective o WHERE o.id = oid
        UNION ALL
        SELECT o.id, o.parent_id, o.owner, up.depth + 1
        FROM @S.objective o JOIN up ON o.id = up.parent_id WHERE up.depth < 1000
    )
    SELECT EXISTS (SELECT 1 FROM up WHERE up.owner = who) OR @S.okrtui_is_admin(who)
$$;

-- New in 0005 ---------------------------------------------------------------------------

-- Whether the current role is (a member of) the owner of table rel: exempt, as row
-- security exempts it.
CREATE FUNCTION @S.okrtui_is_owner(rel oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    SELECT COALESCE((SELECT pg_catalog.pg_has_role(current_user, c.relowner, 'MEMBER')
                     FROM pg_catalog.pg_class c WHERE c.oid = rel), false)
$$;

CREATE FUNCTION @S.okrtui_period_closed(pid integer) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM @S.period p WHERE p.id = pid AND p.state = 'closed')
$$;

-- The closed period an objective is in (NULL when it is in an open one, or gone).
CREATE FUNCTION @S.okrtui_closed_period_of(oid integer) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    SELECT p.name FROM @S.objective o JOIN @S.period p ON p.id = o.period_id
    WHERE o.id = oid AND p.state = 'closed'
$$;

CREATE FUNCTION @S.okrtui_kpi_has_team(kid integer) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM @S.kpi k WHERE k.id = kid AND COALESCE(k.team, '') <> '')
$$;

-- Why ``who`` may not change a KPI of ``team``, naming the role to create or grant.
CREATE FUNCTION @S.okrtui_team_refusal(who text, kpi_name text, team text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                         WHERE r.rolname IN (team, pg_catalog.lower(team))) THEN
            pg_catalog.format(
                'KPI %L belongs to team %L, but the database has no role of that name (the '
                'database''s counterpart of the Unix group): if %s is in the team, a database '
                'admin runs: CREATE ROLE %s; GRANT %s TO %s;',
                kpi_name, team, who, pg_catalog.quote_ident(pg_catalog.lower(team)),
                pg_catalog.quote_ident(pg_catalog.lower(team)), pg_catalog.quote_ident(who))
        ELSE
            pg_catalog.format(
                'KPI %L may be changed by its owner, the members of role %s (team %L) and '
                'admins, and role %s is not a member: if %s is in the team, a database admin '
                'runs: GRANT %s TO %s;',
                kpi_name,
                (SELECT pg_catalog.quote_ident(r.rolname) FROM pg_catalog.pg_roles r
                 WHERE r.rolname IN (team, pg_catalog.lower(team)) ORDER BY r.rolname LIMIT 1),
                team, who, who,
                (SELECT pg_catalog.quote_ident(r.rolname) FROM pg_catalog.pg_roles r
                 WHERE r.rolname IN (team, pg_catalog.lower(team)) ORDER BY r.rolname LIMIT 1),
                pg_catalog.quote_ident(who))
    END
$$;
"""

TRIGGERS = """
-- 0004's trigger, pinned and qualified.
CREATE OR REPLACE FUNCTION @S.okrtui_objective_holders_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
BEGIN
    IF (NEW.owner IS DISTINCT FROM OLD.owner OR NEW.parent_id IS DISTINCT FROM OLD.parent_id)
       AND NOT (NEW.owner = OLD.owner AND NEW.parent_id IS NULL
                AND NOT EXISTS (SELECT 1 FROM @S.objective o WHERE o.id = OLD.parent_id))
       AND NOT pg_catalog.pg_has_role(current_user, (SELECT c.relowner FROM pg_catalog.pg_class c
                                                      WHERE c.oid = TG_RELID), 'MEMBER')
       AND NOT @S.okrtui_holds_objective(current_user, OLD.id)
    THEN
        RAISE EXCEPTION 'only the owner of objective %, the owners above it and admins may '
                        'change its owner or alignment', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION @S.okrtui_period_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
BEGIN
    IF NOT @S.okrtui_is_owner(TG_RELID) AND OLD.state = 'closed' THEN
        RAISE EXCEPTION 'period % is closed and read-only (okrtui never reopens a period)',
                        OLD.name USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION @S.okrtui_objective_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
DECLARE
    by_admin boolean;
BEGIN
    IF @S.okrtui_is_owner(TG_RELID) THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    -- ON DELETE SET NULL of a deleted parent or roll-over source (or no change at all).
    IF TG_OP = 'UPDATE'
       AND (pg_catalog.to_jsonb(NEW) - 'parent_id' - 'rolled_from_id')
           = (pg_catalog.to_jsonb(OLD) - 'parent_id' - 'rolled_from_id')
       AND (NEW.parent_id IS NOT DISTINCT FROM OLD.parent_id
            OR (NEW.parent_id IS NULL
                AND NOT EXISTS (SELECT 1 FROM @S.objective o WHERE o.id = OLD.parent_id)))
       AND (NEW.rolled_from_id IS NOT DISTINCT FROM OLD.rolled_from_id
            OR (NEW.rolled_from_id IS NULL
                AND NOT EXISTS (SELECT 1 FROM @S.objective o WHERE o.id = OLD.rolled_from_id)))
    THEN
        RETURN NEW;
    END IF;
    by_admin := @S.okrtui_is_admin(current_user);
    IF TG_OP <> 'INSERT' AND NOT by_admin AND @S.okrtui_period_closed(OLD.period_id) THEN
        RAISE EXCEPTION 'objective % is in a closed period, which is read-only', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NOT by_admin AND @S.okrtui_period_closed(NEW.period_id) THEN
        RAISE EXCEPTION 'period % is closed and read-only', NEW.period_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.period_id IS DISTINCT FROM OLD.period_id THEN
        RAISE EXCEPTION 'objective % stays in its period: okrtui never moves an objective to '
                        'another period (closing a period rolls it over as a copy)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.parent_id IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.parent_id IS DISTINCT FROM OLD.parent_id) THEN
        IF NOT EXISTS (SELECT 1 FROM @S.objective p
                       WHERE p.id = NEW.parent_id AND p.period_id = NEW.period_id) THEN
            RAISE EXCEPTION 'objective % is not in the period of objective % and cannot be its '
                            'parent', NEW.parent_id, NEW.id
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'UPDATE' AND EXISTS (
            WITH RECURSIVE up(id, parent_id, depth) AS (
                SELECT o.id, o.parent_id, 0 FROM @S.objective o WHERE o.id = NEW.parent_id
                UNION ALL
                SELECT o.id, o.parent_id, up.depth + 1
                FROM @S.objective o JOIN up ON o.id = up.parent_id WHERE up.depth < 1000
            ) SELECT 1 FROM up WHERE up.id = NEW.id
        ) THEN
            RAISE EXCEPTION 'objective % cannot move under objective %, which is aligned under '
                            'it (a cycle)', NEW.id, NEW.parent_id
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF NOT by_admin AND (
        (TG_OP = 'INSERT' AND (NEW.grade IS NOT NULL OR NEW.retro_note IS NOT NULL
                               OR NEW.rolled_from_id IS NOT NULL))
        OR (TG_OP = 'UPDATE' AND (NEW.grade IS DISTINCT FROM OLD.grade
                                  OR NEW.retro_note IS DISTINCT FROM OLD.retro_note
                                  OR NEW.rolled_from_id IS DISTINCT FROM OLD.rolled_from_id)))
    THEN
        RAISE EXCEPTION 'only an admin grades objectives and rolls them over (by closing a '
                        'period)' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION @S.okrtui_collaborator_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
DECLARE
    closed text;
BEGIN
    IF NOT @S.okrtui_is_owner(TG_RELID) AND NOT @S.okrtui_is_admin(current_user) THEN
        IF TG_OP <> 'INSERT' THEN
            closed := @S.okrtui_closed_period_of(OLD.objective_id);  -- NULL once it is gone
        END IF;
        IF TG_OP <> 'DELETE' THEN
            closed := COALESCE(closed, @S.okrtui_closed_period_of(NEW.objective_id));
        END IF;
        IF closed IS NOT NULL THEN
            RAISE EXCEPTION 'period % is closed and read-only', closed
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION @S.okrtui_key_result_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
DECLARE
    closed text;
BEGIN
    IF @S.okrtui_is_owner(TG_RELID) THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    -- ON DELETE SET NULL of a deleted KPI (or no change at all).
    IF TG_OP = 'UPDATE'
       AND (pg_catalog.to_jsonb(NEW) - 'kpi_id') = (pg_catalog.to_jsonb(OLD) - 'kpi_id')
       AND (NEW.kpi_id IS NOT DISTINCT FROM OLD.kpi_id
            OR (NEW.kpi_id IS NULL
                AND NOT EXISTS (SELECT 1 FROM @S.kpi k WHERE k.id = OLD.kpi_id)))
    THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.objective_id IS DISTINCT FROM OLD.objective_id THEN
        RAISE EXCEPTION 'key result % stays under its objective: okrtui never moves a key '
                        'result to another objective', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT @S.okrtui_is_admin(current_user) THEN
        -- A cascade from a deleted objective finds no objective, hence no closed period.
        closed := @S.okrtui_closed_period_of(
            CASE WHEN TG_OP = 'DELETE' THEN OLD.objective_id ELSE NEW.objective_id END);
        IF closed IS NOT NULL THEN
            RAISE EXCEPTION 'period % is closed and read-only', closed
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION @S.okrtui_check_in_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
DECLARE
    kr record;
    closed text;
BEGIN
    IF @S.okrtui_is_owner(TG_RELID) THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    SELECT k.objective_id, k.kind, k.kpi_id INTO kr FROM @S.key_result k
    WHERE k.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.key_result_id ELSE NEW.key_result_id END;
    IF TG_OP = 'DELETE' AND NOT FOUND THEN
        RETURN OLD;  -- ON DELETE CASCADE of a deleted key result
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.author IS DISTINCT FROM current_user THEN
        RAISE EXCEPTION 'check-in % is %''s: only its author may correct or remove it',
                        OLD.id, OLD.author USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT @S.okrtui_is_admin(current_user) THEN
        closed := @S.okrtui_closed_period_of(kr.objective_id);
        IF closed IS NOT NULL THEN
            RAISE EXCEPTION 'period % is closed and read-only', closed
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.author IS DISTINCT FROM current_user THEN
        RAISE EXCEPTION 'a check-in''s author is the role that writes it (%), not %',
                        current_user, NEW.author USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.id IS DISTINCT FROM OLD.id
                             OR NEW.key_result_id IS DISTINCT FROM OLD.key_result_id
                             OR NEW.created_at IS DISTINCT FROM OLD.created_at) THEN
        RAISE EXCEPTION 'a correction keeps check-in %''s key result, time and author '
                        '(add a new check-in instead)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'UPDATE' AND kr.kpi_id IS NOT NULL AND NEW.value IS DISTINCT FROM OLD.value THEN
        RAISE EXCEPTION 'key result % follows a KPI: its value comes from the KPI, not the '
                        'check-in', NEW.key_result_id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.created_at IS NULL OR NEW.created_at < '1970-01-01'
       OR NEW.created_at > (pg_catalog.now() AT TIME ZONE 'UTC') + interval '1 day' THEN
        RAISE EXCEPTION 'check-in time % (UTC) is in the future or out of range',
                        NEW.created_at USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.value IS NULL OR NEW.value IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
       OR (kr.kind = 'percent' AND NOT NEW.value BETWEEN 0 AND 100)
       OR (kr.kind = 'milestone' AND NEW.value NOT IN (0, 1)) THEN
        RAISE EXCEPTION 'value % does not fit key result % (a % key result)',
                        NEW.value, NEW.key_result_id, kr.kind USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION @S.okrtui_kpi_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
BEGIN
    IF @S.okrtui_is_owner(TG_RELID) THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    -- ON DELETE SET NULL of a deleted parent KPI.
    IF TG_OP = 'UPDATE'
       AND (pg_catalog.to_jsonb(NEW) - 'parent_id') = (pg_catalog.to_jsonb(OLD) - 'parent_id')
       AND NEW.parent_id IS NULL AND OLD.parent_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM @S.kpi k WHERE k.id = OLD.parent_id)
    THEN
        RETURN NEW;
    END IF;
    -- Rows of a team's KPI reach this trigger (the policy lets them through) so that the
    -- refusal names the role to create or grant, not just "row-level security".
    IF TG_OP = 'INSERT' THEN
        IF COALESCE(NEW.team, '') <> '' AND NOT (NEW.owner = current_user
               OR @S.okrtui_in_team(current_user, NEW.team)
               OR @S.okrtui_is_admin(current_user)) THEN
            RAISE EXCEPTION '%', @S.okrtui_team_refusal(current_user, NEW.name, NEW.team)
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF NOT @S.okrtui_may_edit_kpi(current_user, OLD.id) THEN
        RAISE EXCEPTION '%', COALESCE(
                @S.okrtui_team_refusal(current_user, OLD.name, NULLIF(OLD.team, '')),
                pg_catalog.format('%s may not change KPI %L', current_user, OLD.name))
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION @S.okrtui_kpi_value_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
DECLARE
    k record;
BEGIN
    IF @S.okrtui_is_owner(TG_RELID) THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    SELECT kpi.name, kpi.team INTO k FROM @S.kpi
    WHERE kpi.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.kpi_id ELSE NEW.kpi_id END;
    IF TG_OP = 'DELETE' AND NOT FOUND THEN
        RETURN OLD;  -- ON DELETE CASCADE of a deleted KPI
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.kpi_id IS DISTINCT FROM OLD.kpi_id THEN
        RAISE EXCEPTION 'a KPI value stays with its KPI' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT @S.okrtui_may_edit_kpi(current_user,
                                  CASE WHEN TG_OP = 'DELETE' THEN OLD.kpi_id ELSE NEW.kpi_id END)
       AND COALESCE(k.team, '') <> '' THEN
        RAISE EXCEPTION '%', @S.okrtui_team_refusal(current_user, k.name, k.team)
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.author IS DISTINCT FROM current_user THEN
        RAISE EXCEPTION 'a KPI value''s author is the role that writes it (%), not %',
                        current_user, NEW.author USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION @S.okrtui_admin_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
BEGIN
    IF NOT @S.okrtui_is_owner(TG_RELID) AND NEW.added_by IS DISTINCT FROM current_user THEN
        RAISE EXCEPTION 'an admin row records who added it: %, not %', current_user,
                        NEW.added_by USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION @S.okrtui_activity_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
DECLARE
    detail jsonb;
    now_utc timestamp := pg_catalog.now() AT TIME ZONE 'UTC';
BEGIN
    IF @S.okrtui_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF NEW.author IS DISTINCT FROM current_user THEN
        RAISE EXCEPTION 'an activity row''s author is the role that writes it (%), not %',
                        current_user, NEW.author USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.entity IS NULL OR NEW.entity NOT IN (@ENTITIES) THEN
        RAISE EXCEPTION 'unknown activity entity %', pg_catalog.quote_nullable(NEW.entity)
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.action IS NULL OR NEW.action NOT IN (@ACTIONS) THEN
        RAISE EXCEPTION 'unknown activity action %', pg_catalog.quote_nullable(NEW.action)
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.at IS NULL OR NEW.at > now_utc + interval '10 minutes'
       OR NEW.at < now_utc - interval '1 day' THEN
        RAISE EXCEPTION 'activity time % (UTC) is not now by the server''s clock (%); fix the '
                        'clock of the machine that wrote it', NEW.at, now_utc
            USING ERRCODE = 'check_violation';
    END IF;
    BEGIN
        detail := NEW.detail::jsonb;
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION 'activity detail is not JSON' USING ERRCODE = 'check_violation';
    END;
    IF pg_catalog.jsonb_typeof(detail) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'activity detail is not a JSON object' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.action IN ('check_in_corrected', 'check_in_removed') AND NOT COALESCE((
        NEW.entity = 'key_result' AND NEW.entity_id IS NOT NULL
        AND pg_catalog.jsonb_typeof(detail -> 'check_in_id') = 'number'
        AND (detail ->> 'check_in_id') ~ '^[0-9]{1,18}$'
        AND (NEW.action = 'check_in_corrected'
             OR (pg_catalog.jsonb_typeof(detail -> 'value') IN ('number', 'null')
                 AND COALESCE(pg_catalog.jsonb_typeof(detail -> 'note'), 'string')
                     IN ('string', 'null')
                 AND COALESCE(detail ->> 'confidence', 'on_track')
                     IN ('on_track', 'at_risk', 'off_track')
                 AND pg_catalog.jsonb_typeof(detail -> 'created_at') = 'string'
                 AND (detail ->> 'created_at')
                     ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$'))), false)
    THEN
        RAISE EXCEPTION 'activity detail of % is not what okrtui writes (a check-in id, a '
                        'number, a timezone-aware time)', NEW.action
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.action = 'check_in_removed' THEN
        BEGIN
            PERFORM (detail ->> 'created_at')::timestamptz;
        EXCEPTION WHEN others THEN
            RAISE EXCEPTION 'activity detail of check_in_removed has no valid time'
                USING ERRCODE = 'check_violation';
        END;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER okrtui_period_check BEFORE UPDATE OR DELETE ON @S.period
FOR EACH ROW EXECUTE FUNCTION @S.okrtui_period_check();
CREATE TRIGGER okrtui_objective_check BEFORE INSERT OR UPDATE OR DELETE ON @S.objective
FOR EACH ROW EXECUTE FUNCTION @S.okrtui_objective_check();
CREATE TRIGGER okrtui_collaborator_check BEFORE INSERT OR UPDATE OR DELETE ON @S.collaborator
FOR EACH ROW EXECUTE FUNCTION @S.okrtui_collaborator_check();
CREATE TRIGGER okrtui_key_result_check BEFORE INSERT OR UPDATE OR DELETE ON @S.key_result
FOR EACH ROW EXECUTE FUNCTION @S.okrtui_key_result_check();
CREATE TRIGGER okrtui_check_in_check BEFORE INSERT OR UPDATE OR DELETE ON @S.check_in
FOR EACH ROW EXECUTE FUNCTION @S.okrtui_check_in_check();
CREATE TRIGGER okrtui_kpi_check BEFORE INSERT OR UPDATE OR DELETE ON @S.kpi
FOR EACH ROW EXECUTE FUNCTION @S.okrtui_kpi_check();
CREATE TRIGGER okrtui_kpi_value_check BEFORE INSERT OR UPDATE OR DELETE ON @S.kpi_value
FOR EACH ROW EXECUTE FUNCTION @S.okrtui_kpi_value_check();
CREATE TRIGGER okrtui_admin_check BEFORE INSERT OR UPDATE ON @S.admin
FOR EACH ROW EXECUTE FUNCTION @S.okrtui_admin_check();
CREATE TRIGGER okrtui_activity_check BEFORE INSERT ON @S.activity
FOR EACH ROW EXECUTE FUNCTION @S.okrtui_activity_check();
"""

# 0003's policies replaced here: (name, table).
REPLACED_POLICIES = (
    ("okrtui_check_in_all_9", "check_in"),
    ("okrtui_kpi_update_11", "kpi"),
    ("okrtui_kpi_delete_12", "kpi"),
    ("okrtui_kpi_value_all_13", "kpi_value"),
)
POLICIES = """
CREATE POLICY okrtui_check_in_insert ON @S.check_in FOR INSERT
    WITH CHECK (author = current_user
                AND @S.okrtui_may_edit_key_result(current_user, key_result_id));
CREATE POLICY okrtui_check_in_update ON @S.check_in FOR UPDATE
    USING (author = current_user) WITH CHECK (author = current_user);
CREATE POLICY okrtui_check_in_delete ON @S.check_in FOR DELETE
    USING (author = current_user);
CREATE POLICY okrtui_kpi_update ON @S.kpi FOR UPDATE
    USING (@S.okrtui_may_edit_kpi(current_user, id) OR COALESCE(team, '') <> '');
CREATE POLICY okrtui_kpi_delete ON @S.kpi FOR DELETE
    USING (@S.okrtui_may_edit_kpi(current_user, id) OR COALESCE(team, '') <> '');
CREATE POLICY okrtui_kpi_value_insert ON @S.kpi_value FOR INSERT
    WITH CHECK (author = current_user AND @S.okrtui_may_edit_kpi(current_user, kpi_id));
CREATE POLICY okrtui_kpi_value_update ON @S.kpi_value FOR UPDATE
    USING (@S.okrtui_may_edit_kpi(current_user, kpi_id) OR @S.okrtui_kpi_has_team(kpi_id))
    WITH CHECK (author = current_user AND @S.okrtui_may_edit_kpi(current_user, kpi_id));
CREATE POLICY okrtui_kpi_value_delete ON @S.kpi_value FOR DELETE
    USING (@S.okrtui_may_edit_kpi(current_user, kpi_id) OR @S.okrtui_kpi_has_team(kpi_id));
"""

WRITE_LOCK = """
CREATE TABLE @S.okrtui_write_lock (held boolean);
REVOKE ALL ON TABLE @S.okrtui_write_lock FROM PUBLIC;
COMMENT ON TABLE @S.okrtui_write_lock IS
    'okrtui''s writers queue on an EXCLUSIVE lock of this table, taken by okrtui_write_lock()';

CREATE FUNCTION @S.okrtui_write_lock() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    holders text;
BEGIN
    LOCK TABLE @S.okrtui_write_lock IN EXCLUSIVE MODE;
EXCEPTION WHEN lock_not_available THEN
    SELECT pg_catalog.string_agg(
               pg_catalog.format('role %s (pid %s)', COALESCE(a.usename::text, '?'), l.pid),
               ', ' ORDER BY l.pid)
    INTO holders
    FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'relation' AND l.granted
      AND l.relation = '@S.okrtui_write_lock'::pg_catalog.regclass
      AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                        WHERE d.datname = pg_catalog.current_database());
    RAISE EXCEPTION 'okrtui''s write lock is held by %', COALESCE(holders, 'another session')
        USING ERRCODE = 'lock_not_available',
              HINT = 'a database admin can end that session: SELECT pg_terminate_backend(pid)';
END
$$;
REVOKE ALL ON FUNCTION @S.okrtui_write_lock() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @S.okrtui_write_lock() TO PUBLIC;
"""

REVOKES = """
DO $$ BEGIN
    EXECUTE pg_catalog.format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC',
                              pg_catalog.current_database());
    EXECUTE pg_catalog.format('REVOKE CREATE ON SCHEMA %s FROM PUBLIC', '@S');
    -- 0003 grants okrtui's tables to PUBLIC; in a schema of its own (README) members
    -- also need to look into the schema.
    EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %s TO PUBLIC', '@S');
END $$;
"""


def _sql(text: str, schema: str) -> str:
    quoted = ", ".join
    return (
        text.replace("@ENTITIES", quoted(f"'{e}'" for e in ENTITIES))
        .replace("@ACTIONS", quoted(f"'{a}'" for a in ACTIONS))
        .replace("@S", schema)
    )


def _schema() -> str:
    """okrtui's schema (where its tables are), quoted as an identifier."""
    name: str = (
        op.get_bind()
        .exec_driver_sql(
            "SELECT n.nspname FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = pg_catalog.to_regclass('objective')"
        )
        .scalar_one()
    )
    if "'" in name or "\\" in name:  # it also goes into string literals below
        raise ValueError(f"okrtui's schema name {name!r} must not contain ' or \\")
    return '"' + name.replace('"', '""') + '"'


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    schema = _schema()
    op.execute(_sql(HELPERS, schema))
    op.execute(_sql(TRIGGERS, schema))
    for name, table in REPLACED_POLICIES:
        op.execute(f"DROP POLICY {name} ON {schema}.{table}")
    op.execute(_sql(POLICIES, schema))
    op.execute(_sql(WRITE_LOCK, schema))
    # Changes nothing (with a warning) when the role running it does not own the database
    # or the schema: `okrtui db upgrade` then prints what the owner should run.
    op.execute(_sql(REVOKES, schema))


def downgrade() -> None:
    """Back to 0004's triggers and policies. The helper functions keep their pinned
    search_path (0004's were unsafe), and TEMP / CREATE stay revoked: a downgrade does
    not hand them back to PUBLIC."""
    if op.get_context().dialect.name != "postgresql":
        return
    schema = _schema()
    op.execute(f"DROP FUNCTION {schema}.okrtui_write_lock()")
    op.execute(f"DROP TABLE {schema}.okrtui_write_lock")
    for name in ("check_in_insert", "check_in_update", "check_in_delete", "kpi_update",
                 "kpi_delete", "kpi_value_insert", "kpi_value_update", "kpi_value_delete"):  # fmt: skip
        table = name.rsplit("_", 1)[0]
        op.execute(f"DROP POLICY okrtui_{name} ON {schema}.{table}")
    op.execute(
        f"CREATE POLICY okrtui_check_in_all_9 ON {schema}.check_in FOR ALL "
        "USING (okrtui_may_edit_key_result(current_user, key_result_id))"
    )
    op.execute(
        f"CREATE POLICY okrtui_kpi_update_11 ON {schema}.kpi FOR UPDATE "
        "USING (okrtui_may_edit_kpi(current_user, id))"
    )
    op.execute(
        f"CREATE POLICY okrtui_kpi_delete_12 ON {schema}.kpi FOR DELETE "
        "USING (okrtui_may_edit_kpi(current_user, id))"
    )
    op.execute(
        f"CREATE POLICY okrtui_kpi_value_all_13 ON {schema}.kpi_value FOR ALL "
        "USING (okrtui_may_edit_kpi(current_user, kpi_id))"
    )
    for table in ("period", "objective", "collaborator", "key_result", "check_in", "kpi",
                  "kpi_value", "admin", "activity"):  # fmt: skip
        op.execute(f"DROP TRIGGER okrtui_{table}_check ON {schema}.{table}")
        op.execute(f"DROP FUNCTION {schema}.okrtui_{table}_check()")
    for function in ("team_refusal(text, text, text)", "kpi_has_team(integer)",
                     "closed_period_of(integer)", "period_closed(integer)", "is_owner(oid)"):  # fmt: skip
        op.execute(f"DROP FUNCTION {schema}.okrtui_{function}")
