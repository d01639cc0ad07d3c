"""Schema changes for the sync capability: conflict decisions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conflict_decision",
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("subject_id", sa.String(36), nullable=False),
        sa.Column("decision", sa.String(24), nullable=False),
        sa.Column("note", sa.String(400), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(36), nullable=False),
        sa.Column("changed_by", sa.String(80), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("clocks", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conflict_decision"),
    )
    with op.batch_alter_table("conflict_decision") as batch:
        batch.create_index("ix_conflict_decision_subject_id", ["subject_id"])
        batch.create_index("ix_conflict_decision_updated_at", ["updated_at"])


def downgrade() -> None:
    op.drop_table("conflict_decision")
