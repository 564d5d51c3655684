"""KPIs that keep themselves current: sources, cadence, aggregation, ranges (issue 18).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10

* ``kpi`` gains ``cadence`` (how often a value is due), ``aggregation`` (a level, whose
  latest value counts, or a flow, whose values are summed per period) and ``range_low``/
  ``range_high`` (a band to stay within).
* ``kpi_value`` gains ``source``: "" for a value a person typed or imported, else the kind
  of source whose pull wrote it (shown in the KPI's history).
* ``kpi_source`` holds one source per KPI (sql, command, file, http or formula), its
  settings as JSON without any secret, the server owner's approval, and how the last pull
  went.

On PostgreSQL the rules of store/write/kpi_sources.py are restated for a member's ``psql``:

* a source is defined, changed or removed only by its KPI's owner or an admin (not the
  KPI's team: a source decides what the owner's scheduled pull fetches), and
  ``defined_by`` is the role that writes it;
* the pull's status columns (``last_*``) are written by the tables' owner only (no column
  privilege for PUBLIC), as is ``approval``, whose value a member may only clear: the pull
  is the server owner's (cron or a systemd timer, deploy/);
* a KPI value a member writes says it was typed (``source = ''``) or is a formula's
  (``'formula'``, only for a KPI whose source is a formula): pulled values are the owner's;
* the new numbers and times are finite and within okrtui's dates, as 0006's constraints;
* the activity log accepts the new entity ``kpi_source`` and actions ``define``,
  ``approve``, ``pull`` and ``pull_failed``.
"""

from collections.abc import Sequence
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes  # what the columns below refer to
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_ENTITIES = ("kpi_source",)
NEW_ACTIONS = ("define", "approve", "pull", "pull_failed")
SOURCE_KINDS = ("sql", "command", "file", "http", "formula")
MEMBER_COLUMNS = ("kind", "spec", "defined_by", "defined_at", "approval")
"""The columns of ``kpi_source`` a member may write (the ``last_*`` ones are the pull's)."""


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _load(filename: str, module_name: str) -> ModuleType:
    """An earlier revision's script, loaded from beside this one (Alembic loads scripts by
    path, not as a package)."""
    spec = spec_from_file_location(module_name, Path(__file__).with_name(filename))
    assert spec is not None and spec.loader is not None
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "cadence", _enum("ck_cadence", "daily", "weekly", "monthly", "quarterly"),
                nullable=True,
            )
        )  # fmt: skip
        batch_op.add_column(
            sa.Column(
                "aggregation", _enum("ck_aggregation", "level", "flow"),
                nullable=False, server_default="level",
            )
        )  # fmt: skip
        batch_op.add_column(sa.Column("range_low", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("range_high", sa.Float(), nullable=True))
    with op.batch_alter_table("kpi_value", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                server_default="",
            )
        )  # fmt: skip
    op.create_table(
        "kpi_source",
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("ck_sourcekind", *SOURCE_KINDS), nullable=False),
        sa.Column("spec", sqlmodel.sql.sqltypes.AutoString(length=10000), nullable=False),
        sa.Column("defined_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("defined_at", sa.DateTime(), nullable=False),
        sa.Column("approval", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_value", sa.Float(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpi.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("kpi_id"),
    )
    if op.get_context().dialect.name == "postgresql":
        _postgres_upgrade()


# --- PostgreSQL -------------------------------------------------------------------------

RULES = """
-- A source decides what the owner's scheduled pull fetches: its KPI's owner or an admin
-- defines it (not the KPI's team, unlike values).
CREATE FUNCTION @S.okrtui_may_define_source(who text, kid integer) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, @S, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM @S.kpi k WHERE k.id = kid AND k.owner = who)
        OR @S.okrtui_is_admin(who)
$$;

ALTER TABLE @S.kpi_source ENABLE ROW LEVEL SECURITY;
CREATE POLICY okrtui_kpi_source_read ON @S.kpi_source FOR SELECT USING (true);
CREATE POLICY okrtui_kpi_source_insert ON @S.kpi_source FOR INSERT
    WITH CHECK (defined_by = current_user
                AND @S.okrtui_may_define_source(current_user, kpi_id));
CREATE POLICY okrtui_kpi_source_update ON @S.kpi_source FOR UPDATE
    USING (@S.okrtui_may_define_source(current_user, kpi_id))
    WITH CHECK (defined_by = current_user
                AND @S.okrtui_may_define_source(current_user, kpi_id));
CREATE POLICY okrtui_kpi_source_delete ON @S.kpi_source FOR DELETE
    USING (@S.okrtui_may_define_source(current_user, kpi_id));

GRANT SELECT, DELETE ON @S.kpi_source TO PUBLIC;
GRANT INSERT (kpi_id, @MEMBER_COLUMNS), UPDATE (@MEMBER_COLUMNS) ON @S.kpi_source TO PUBLIC;

CREATE FUNCTION @S.okrtui_kpi_source_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
BEGIN
    IF @S.okrtui_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.kpi_id IS DISTINCT FROM OLD.kpi_id THEN
        RAISE EXCEPTION 'a KPI source stays with its KPI' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.approval IS NOT NULL THEN
        RAISE EXCEPTION 'only the server''s owner approves a KPI source (okrtui kpi source '
                        'approve), not %', current_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER okrtui_kpi_source_check BEFORE INSERT OR UPDATE ON @S.kpi_source
FOR EACH ROW EXECUTE FUNCTION @S.okrtui_kpi_source_check();

-- Pulled values are the owner's; a member types values or recomputes a formula.
CREATE FUNCTION @S.okrtui_kpi_value_source_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
BEGIN
    IF @S.okrtui_is_owner(TG_RELID) OR NEW.source = '' THEN
        RETURN NEW;
    END IF;
    IF NEW.source = 'formula' AND EXISTS (
        SELECT 1 FROM @S.kpi_source s WHERE s.kpi_id = NEW.kpi_id AND s.kind = 'formula')
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'a value from source % is written by the server owner''s pull only, not %',
                    pg_catalog.quote_literal(NEW.source), current_user
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER okrtui_kpi_value_source_check BEFORE INSERT OR UPDATE ON @S.kpi_value
FOR EACH ROW EXECUTE FUNCTION @S.okrtui_kpi_value_source_check();
"""


def _postgres_upgrade() -> None:
    values = _load("0006_postgres_values.py", "okrtui_migration_0006")
    hardening = _load("0005_postgres_hardening.py", "okrtui_migration_0005")
    schema = hardening._schema()
    checks = {
        "kpi": "okrtui_kpi_range_sane_values",
        "kpi_source": "okrtui_kpi_source_sane_values",
    }
    columns = {
        "kpi": (("range_low", "range_high"), (), ()),
        "kpi_source": (("last_value",), (), ("defined_at", "last_attempt_at", "last_success_at")),
    }
    for table, check in checks.items():
        op.execute(
            f"ALTER TABLE {schema}.{table} ADD CONSTRAINT {check} "
            f"CHECK ({values._sane(*columns[table])})"
        )
    rules = RULES.replace("@MEMBER_COLUMNS", ", ".join(MEMBER_COLUMNS))
    op.execute(rules.replace("@S", schema))
    comments = _load("0007_comments.py", "okrtui_migration_0007")
    entities = (*comments.NEW_ENTITIES, *NEW_ENTITIES)  # 0007's comment entity stays known
    op.execute(_activity_check(hardening, entities, NEW_ACTIONS).replace("@S", schema))


def _activity_check(hardening: ModuleType, entities: Sequence[str], actions: Sequence[str]) -> str:
    """0005's ``okrtui_activity_check`` (CREATE OR REPLACE) knowing ``entities`` and
    ``actions`` besides its own."""
    text: str = hardening.TRIGGERS
    start = text.index("CREATE FUNCTION @S.okrtui_activity_check()")
    end = text.index("$$;", start) + 3
    function = text[start:end].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    quoted = ", ".join
    return function.replace(
        "@ENTITIES", quoted(f"'{e}'" for e in (*hardening.ENTITIES, *entities))
    ).replace("@ACTIONS", quoted(f"'{a}'" for a in (*hardening.ACTIONS, *actions)))


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        hardening = _load("0005_postgres_hardening.py", "okrtui_migration_0005")
        schema = hardening._schema()
        comments = _load("0007_comments.py", "okrtui_migration_0007")
        op.execute(_activity_check(hardening, comments.NEW_ENTITIES, ()).replace("@S", schema))
        op.execute(f"DROP TRIGGER okrtui_kpi_value_source_check ON {schema}.kpi_value")
        op.execute(f"DROP FUNCTION {schema}.okrtui_kpi_value_source_check()")
        op.execute(f"ALTER TABLE {schema}.kpi DROP CONSTRAINT okrtui_kpi_range_sane_values")
    op.drop_table("kpi_source")
    if op.get_context().dialect.name == "postgresql":
        hardening = _load("0005_postgres_hardening.py", "okrtui_migration_0005")
        schema = hardening._schema()
        op.execute(f"DROP FUNCTION {schema}.okrtui_kpi_source_check()")
        op.execute(f"DROP FUNCTION {schema}.okrtui_may_define_source(text, integer)")
    with op.batch_alter_table("kpi_value", schema=None) as batch_op:
        batch_op.drop_column("source")
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.drop_column("range_high")
        batch_op.drop_column("range_low")
        batch_op.drop_column("aggregation")
        batch_op.drop_column("cadence")
