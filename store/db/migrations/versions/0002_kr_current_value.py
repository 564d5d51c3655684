"""Keep each key result's latest check-in on its row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The tree shows every KR's current value; computing "latest check-in per KR"
over a million check-ins costs hundreds of milliseconds, reading a column costs
nothing. The service updates both columns in the check-in's own transaction;
this migration backfills them from the existing history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("key_result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("current_value", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("current_at", sa.DateTime(), nullable=True))
    op.execute(
        """
        UPDATE key_result SET
          current_value = (SELECT c.value FROM check_in c WHERE c.key_result_id = key_result.id
                           ORDER BY c.created_at DESC, c.id DESC LIMIT 1),
          current_at = (SELECT c.created_at FROM check_in c WHERE c.key_result_id = key_result.id
                        ORDER BY c.created_at DESC, c.id DESC LIMIT 1)
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("key_result", schema=None) as batch_op:
        batch_op.drop_column("current_at")
        batch_op.drop_column("current_value")
