"""Comments, mentions, inbox read marks and reminder opt-outs.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

A comment belongs to exactly one objective, key result or check-in (one foreign key
each, ON DELETE CASCADE: a thread goes with what it is about). ``mention`` lists the
``@names`` a comment names, so an inbox finds them by an index; ``inbox_read`` keeps
what each reader marked read; ``reminder_opt_out`` who asked ``okrtui remind`` not to
write to them.

On PostgreSQL the database holds members to the same rules as okrtui, even from
``psql`` (0003, 0005, 0006 for the other tables):

* everyone reads comments and mentions (OKRs are transparent); a comment's author is
  the role that writes it, and only its author edits or deletes it; an edit changes
  the text and the edit time only, never what the comment is about, its author or
  its time; times are the server's now (ten minutes ahead, a day behind, as activity);
* a mention is added or removed only with its comment, by the comment's author;
* read marks and opt-outs are each member's own: nobody reads, adds or removes
  another's (the role that owns the tables, which runs ``okrtui remind`` from cron,
  is exempt as row security exempts it);
* the activity log accepts the ``comment`` entity (0005's check, extended).

On SQLite only the tables are created (no roles: see README).
"""

from collections.abc import Sequence
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_ENTITIES = ("comment",)

COMMENT_CHECK = """
CREATE FUNCTION @S.okrtui_comment_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
DECLARE
    now_utc timestamp := pg_catalog.now() AT TIME ZONE 'UTC';
BEGIN
    IF @S.okrtui_is_owner(TG_RELID) THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.author IS DISTINCT FROM current_user
           AND (OLD.objective_id IS NULL OR EXISTS (
                    SELECT 1 FROM @S.objective o WHERE o.id = OLD.objective_id))
           AND (OLD.key_result_id IS NULL OR EXISTS (
                    SELECT 1 FROM @S.key_result k WHERE k.id = OLD.key_result_id))
           AND (OLD.check_in_id IS NULL OR EXISTS (
                    SELECT 1 FROM @S.check_in c WHERE c.id = OLD.check_in_id)) THEN
            RAISE EXCEPTION 'comment % is %''s: only its author may delete it',
                            OLD.id, OLD.author USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;  -- its author, or ON DELETE CASCADE of what it was about
    END IF;
    IF NEW.author IS DISTINCT FROM current_user THEN
        RAISE EXCEPTION 'a comment''s author is the role that writes it (%), not %',
                        current_user, NEW.author USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.created_at IS NULL OR NEW.created_at > now_utc + interval '10 minutes'
           OR NEW.created_at < now_utc - interval '1 day' OR NEW.edited_at IS NOT NULL THEN
            RAISE EXCEPTION 'comment time % (UTC) is not now by the server''s clock (%)',
                            NEW.created_at, now_utc USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.author IS DISTINCT FROM current_user THEN
        RAISE EXCEPTION 'comment % is %''s: only its author may edit it', OLD.id, OLD.author
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.objective_id IS DISTINCT FROM OLD.objective_id
       OR NEW.key_result_id IS DISTINCT FROM OLD.key_result_id
       OR NEW.check_in_id IS DISTINCT FROM OLD.check_in_id THEN
        RAISE EXCEPTION 'an edit keeps comment %''s subject, author and time (write a new '
                        'comment instead)', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.edited_at IS NULL OR NEW.edited_at > now_utc + interval '10 minutes'
       OR NEW.edited_at < now_utc - interval '1 day' THEN
        RAISE EXCEPTION 'comment edit time % (UTC) is not now by the server''s clock (%)',
                        NEW.edited_at, now_utc USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER okrtui_comment_check BEFORE INSERT OR UPDATE OR DELETE ON @S.comment
FOR EACH ROW EXECUTE FUNCTION @S.okrtui_comment_check();
"""

# (table, command, USING, WITH CHECK), as 0003's.
POLICIES = (
    ("comment", "SELECT", "true", None),
    ("comment", "INSERT", None, "author = current_user"),
    ("comment", "UPDATE", "author = current_user", "author = current_user"),
    ("comment", "DELETE", "author = current_user", None),
    ("mention", "SELECT", "true", None),
    (
        "mention",
        "INSERT",
        None,
        "EXISTS (SELECT 1 FROM @S.comment c WHERE c.id = comment_id AND c.author = current_user)",
    ),
    (
        "mention",
        "DELETE",
        "EXISTS (SELECT 1 FROM @S.comment c WHERE c.id = comment_id AND c.author = current_user)",
        None,
    ),
    ("inbox_read", "ALL", "username = current_user", "username = current_user"),
    ("reminder_opt_out", "ALL", "username = current_user", "username = current_user"),
)

GRANTS = (
    ("comment", "SELECT, INSERT, UPDATE, DELETE"),
    ("mention", "SELECT, INSERT, DELETE"),
    ("inbox_read", "SELECT, INSERT, DELETE"),
    ("reminder_opt_out", "SELECT, INSERT, DELETE"),
)

SANE = (
    ("comment", "created_at >= TIMESTAMP '1970-01-01' AND created_at < TIMESTAMP '2201-01-01' "
     "AND (edited_at IS NULL OR (edited_at >= TIMESTAMP '1970-01-01' "
     "AND edited_at < TIMESTAMP '2201-01-01'))"),
    ("inbox_read", "read_at >= TIMESTAMP '1970-01-01' AND read_at < TIMESTAMP '2201-01-01'"),
    ("reminder_opt_out", "at >= TIMESTAMP '1970-01-01' AND at < TIMESTAMP '2201-01-01'"),
)  # fmt: skip


def _old_0005() -> ModuleType:
    """0005's module, for its schema lookup and its activity check to extend."""
    path = Path(__file__).with_name("0005_postgres_hardening.py")
    spec = spec_from_file_location("okrtui_migration_0005", path)
    assert spec is not None and spec.loader is not None
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _activity_check(hardening: ModuleType, schema: str, entities: Sequence[str]) -> str:
    """0005's okrtui_activity_check, accepting ``entities``."""
    triggers: str = hardening.TRIGGERS
    start = triggers.index("CREATE FUNCTION @S.okrtui_activity_check()")
    end = triggers.index("$$;", start) + len("$$;")
    body = triggers[start:end].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    listed = ", ".join(f"'{e}'" for e in entities)
    actions = ", ".join(f"'{a}'" for a in hardening.ACTIONS)
    return body.replace("@ENTITIES", listed).replace("@ACTIONS", actions).replace("@S", schema)


def upgrade() -> None:
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=True),
        sa.Column("key_result_id", sa.Integer(), nullable=True),
        sa.Column("check_in_id", sa.Integer(), nullable=True),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("edited_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "(CASE WHEN objective_id IS NULL THEN 0 ELSE 1 END) "
            "+ (CASE WHEN key_result_id IS NULL THEN 0 ELSE 1 END) "
            "+ (CASE WHEN check_in_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="ck_comment_one_subject",
        ),
        sa.ForeignKeyConstraint(["objective_id"], ["objective.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["key_result_id"], ["key_result.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["check_in_id"], ["check_in.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("objective_id", "key_result_id", "check_in_id", "author"):
        op.create_index(f"ix_comment_{column}", "comment", [column])
    op.create_index("ix_comment_created", "comment", ["created_at"])
    op.create_table(
        "mention",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("comment_id", "username"),
    )
    op.create_index("ix_mention_username", "mention", ["username"])
    op.create_table(
        "inbox_read",
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("item", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("username", "item"),
    )
    op.create_table(
        "reminder_opt_out",
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("username"),
    )
    if op.get_context().dialect.name != "postgresql":
        return
    hardening = _old_0005()
    schema = hardening._schema()
    for table, privileges in GRANTS:
        op.execute(f"ALTER TABLE {schema}.{table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"GRANT {privileges} ON {schema}.{table} TO PUBLIC")
    for number, (table, command, using, check) in enumerate(POLICIES):
        sql = f"CREATE POLICY okrtui_{table}_{command.lower()}_{number} ON {schema}.{table} "
        sql += f"FOR {command}"
        if using is not None:
            sql += f" USING ({using.replace('@S', schema)})"
        if check is not None:
            sql += f" WITH CHECK ({check.replace('@S', schema)})"
        op.execute(sql)
    op.execute(
        "DO $$ BEGIN EXECUTE format('GRANT USAGE ON SEQUENCE %s TO PUBLIC', "
        f"pg_get_serial_sequence('{schema}.comment', 'id')); END $$"
    )
    for table, check in SANE:
        op.execute(
            f"ALTER TABLE {schema}.{table} ADD CONSTRAINT okrtui_{table}_sane_values "
            f"CHECK ({check})"
        )
    op.execute(COMMENT_CHECK.replace("@S", schema))
    op.execute(_activity_check(hardening, schema, (*hardening.ENTITIES, *NEW_ENTITIES)))


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        hardening = _old_0005()
        schema = hardening._schema()
        op.execute(_activity_check(hardening, schema, hardening.ENTITIES))
        op.execute(f"DROP TRIGGER okrtui_comment_check ON {schema}.comment")
        op.execute(f"DROP FUNCTION {schema}.okrtui_comment_check()")
    op.drop_table("reminder_opt_out")
    op.drop_table("inbox_read")
    op.drop_index("ix_mention_username", "mention")
    op.drop_table("mention")
    for column in ("objective_id", "key_result_id", "check_in_id", "author"):
        op.drop_index(f"ix_comment_{column}", "comment")
    op.drop_index("ix_comment_created", "comment")
    op.drop_table("comment")
