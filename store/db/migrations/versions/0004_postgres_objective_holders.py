"""PostgreSQL: who holds an objective is for its holders (owner, owners above, admins).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

store/domain/rights.py lets an objective's collaborators edit it, but keeps its owner, its
collaborators and its alignment for its owner, the owners of the objectives above it and
admins: a collaborator could otherwise take it over, or move it under an objective of
theirs and so gain everything under it. Row policies see only the new row, so owner and
parent changes are checked by a trigger that compares the old row with the new; the
collaborator rows get a policy of their own. The tables' owner (who ran ``okrtui db
upgrade``) is exempt, as row security exempts it. Deleting a parent still detaches its
children (``ON DELETE SET NULL`` updates each child: allowed when the new parent is NULL
and the old one is gone).

On SQLite this revision changes nothing (it has no roles: see README).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_COLLABORATOR_POLICY = "okrtui_collaborator_all_5"  # 0003's, on okrtui_may_edit_objective

UPGRADE = """
CREATE FUNCTION okrtui_holds_objective(who text, oid integer) RETURNS boolean
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    WITH RECURSIVE up(id, parent_id, owner, depth) AS (
        SELECT id, parent_id, owner, 0 FROM objective WHERE id = oid
        UNION ALL
        SELECT o.id, o.parent_id, o.owner, up.depth + 1
        FROM objective o JOIN up ON o.id = up.parent_id WHERE up.depth < 1000
    )
    SELECT EXISTS (SELECT 1 FROM up WHERE owner = who) OR okrtui_is_admin(who)
$$;

CREATE FUNCTION okrtui_objective_holders_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF (NEW.owner IS DISTINCT FROM OLD.owner OR NEW.parent_id IS DISTINCT FROM OLD.parent_id)
       AND NOT (NEW.owner = OLD.owner AND NEW.parent_id IS NULL
                AND NOT EXISTS (SELECT 1 FROM objective WHERE id = OLD.parent_id))
       AND NOT pg_has_role(current_user,
                           (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')
       AND NOT okrtui_holds_objective(current_user, OLD.id)
    THEN
        RAISE EXCEPTION 'only the owner of objective %, the owners above it and admins may '
                        'change its owner or alignment', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER okrtui_objective_holders BEFORE UPDATE OF owner, parent_id ON objective
FOR EACH ROW EXECUTE FUNCTION okrtui_objective_holders_check();
"""


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(UPGRADE)
    op.execute(f"DROP POLICY {OLD_COLLABORATOR_POLICY} ON collaborator")
    op.execute(
        "CREATE POLICY okrtui_collaborator_holders ON collaborator FOR ALL "
        "USING (okrtui_holds_objective(current_user, objective_id))"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY okrtui_collaborator_holders ON collaborator")
    op.execute(
        f"CREATE POLICY {OLD_COLLABORATOR_POLICY} ON collaborator FOR ALL "
        "USING (okrtui_may_edit_objective(current_user, objective_id))"
    )
    op.execute("DROP TRIGGER okrtui_objective_holders ON objective")
    op.execute("DROP FUNCTION okrtui_objective_holders_check")
    op.execute("DROP FUNCTION okrtui_holds_objective")
