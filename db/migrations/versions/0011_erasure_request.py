"""Erasure requests: a GDPR erasure asked at a counter-scope PC, waiting for confirmation.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_request",
        sa.Column("subject_table", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(36), nullable=False),
        sa.Column("subject_code", sa.String(40), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by", sa.String(80), nullable=False),
        sa.Column("requested_by_name", sa.String(80), nullable=False),
        sa.Column("reason", sa.String(400), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(80), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(36), nullable=False),
        sa.Column("changed_by", sa.String(80), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("clocks", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_erasure_request"),
    )
    with op.batch_alter_table("erasure_request") as batch:
        batch.create_index("ix_erasure_request_subject_id", ["subject_id"])
        batch.create_index("ix_erasure_request_updated_at", ["updated_at"])


def downgrade() -> None:
    op.drop_table("erasure_request")
