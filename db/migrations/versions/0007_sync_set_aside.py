"""Pulled changes set aside (they fail the field rules or the database refused them).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_set_aside",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_set_aside")),
        sa.UniqueConstraint("table_name", "digest", name=op.f("uq_sync_set_aside_table_name")),
    )
    with op.batch_alter_table("sync_set_aside", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_set_aside_row_id"), ["row_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sync_set_aside", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_set_aside_row_id"))
    op.drop_table("sync_set_aside")
