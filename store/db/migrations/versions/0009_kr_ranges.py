"""Key results that stay within a range (issue 18).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

``key_result.direction`` accepts ``stay_between``: a level to hold between a low end,
kept in ``start_value``, and a high end, kept in ``target_value`` (a "stay above/below"
key result keeps its line in ``target_value`` and has no use for a start either). No
column changes, so an export of 0008 imports as it is (store.db.schema.SAME_DATA).

Only the CHECK constraint changes. SQLite cannot alter one, so the table is rebuilt in
batch mode (foreign keys are off meanwhile, store.db.migrate); PostgreSQL drops and adds
it. Downgrading refuses while a key result still uses the new direction, rather than
silently turning a range into something else.

On PostgreSQL a member's ``psql`` also may not date a key result's ``created_at`` in the
future, nor move it later: a key result owes check-ins from the day it was added (the
stale rule, store.domain.staleness.counted_since), so a later date would hide it from the
team's reminders and reports. An earlier one only makes it look more stale.
"""

from collections.abc import Sequence
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("increase", "decrease", "stay_above", "stay_below")
NEW = (*OLD, "stay_between")


def _direction(values: Sequence[str]) -> sa.Enum:
    return sa.Enum(
        *values, name="ck_direction", native_enum=False, create_constraint=True, length=32
    )


def _schema() -> str:
    """okrtui's schema on PostgreSQL, as 0005 finds it (loaded by path: Alembic loads
    scripts by path, not as a package)."""
    path = Path(__file__).with_name("0005_postgres_hardening.py")
    spec = spec_from_file_location("okrtui_migration_0005", path)
    assert spec is not None and spec.loader is not None
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    name: str = module._schema()
    return name


def _switch(old: Sequence[str], new: Sequence[str]) -> None:
    if op.get_context().dialect.name == "postgresql":
        allowed = ", ".join(f"'{value}'" for value in new)
        op.execute(
            f"ALTER TABLE {_schema()}.key_result DROP CONSTRAINT ck_direction, "
            f"ADD CONSTRAINT ck_direction CHECK (direction IN ({allowed}))"
        )
        return
    with op.batch_alter_table("key_result", schema=None, recreate="always") as batch_op:
        batch_op.alter_column(
            "direction", existing_type=_direction(old), type_=_direction(new),
            existing_nullable=False,
        )  # fmt: skip


ADDED_RULE = """
CREATE FUNCTION @S.okrtui_key_result_added_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, @S, pg_temp AS $$
BEGIN
    IF @S.okrtui_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF NEW.created_at > (pg_catalog.now() AT TIME ZONE 'UTC') + interval '1 day'
       OR (TG_OP = 'UPDATE' AND NEW.created_at > OLD.created_at) THEN
        RAISE EXCEPTION 'a key result is added when it is written: % (UTC) would hide it from '
                        'the stale check-ins', NEW.created_at
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER okrtui_key_result_added BEFORE INSERT OR UPDATE ON @S.key_result
FOR EACH ROW EXECUTE FUNCTION @S.okrtui_key_result_added_check();
"""


def upgrade() -> None:
    _switch(OLD, NEW)
    if op.get_context().dialect.name == "postgresql":
        op.execute(ADDED_RULE.replace("@S", _schema()))


def downgrade() -> None:
    used = op.get_bind().execute(
        sa.text("SELECT count(*) FROM key_result WHERE direction = 'stay_between'")
    )
    if used.scalar_one():
        raise RuntimeError(
            "key results stay between two values, which revision 0008 cannot hold: "
            "change their direction before downgrading"
        )
    if op.get_context().dialect.name == "postgresql":
        schema = _schema()
        op.execute(f"DROP TRIGGER okrtui_key_result_added ON {schema}.key_result")
        op.execute(f"DROP FUNCTION {schema}.okrtui_key_result_added_check()")
    _switch(NEW, OLD)
