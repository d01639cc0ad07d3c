"""Reminders: what was sent per loan and step, the calls of the overdue call list, and an index
for the loans overview's open loans.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _sync_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(36), nullable=False),
        sa.Column("changed_by", sa.String(80), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("clocks", sa.JSON(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "reminder_sent",
        sa.Column("loan_id", sa.String(36), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        *_sync_columns(),
        sa.ForeignKeyConstraint(["loan_id"], ["loan.id"], name="fk_reminder_sent_loan_id_loan"),
        sa.PrimaryKeyConstraint("id", name="pk_reminder_sent"),
    )
    with op.batch_alter_table("reminder_sent") as batch:
        batch.create_index("ix_reminder_sent_loan_step", ["loan_id", "step"])
        batch.create_index("ix_reminder_sent_updated_at", ["updated_at"])
    op.create_table(
        "reminder_call",
        sa.Column("loan_id", sa.String(36), nullable=False),
        sa.Column("called_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        *_sync_columns(),
        sa.ForeignKeyConstraint(["loan_id"], ["loan.id"], name="fk_reminder_call_loan_id_loan"),
        sa.PrimaryKeyConstraint("id", name="pk_reminder_call"),
    )
    with op.batch_alter_table("reminder_call") as batch:
        batch.create_index("ix_reminder_call_loan_id", ["loan_id"])
        batch.create_index("ix_reminder_call_updated_at", ["updated_at"])


    with op.batch_alter_table("loan") as batch:
        # The loans overview's open loans in due-date order, answered from the index alone.
        batch.create_index("ix_loan_open_due", ["state", "deleted", "due_date", "id"])


def downgrade() -> None:
    with op.batch_alter_table("loan") as batch:
        batch.drop_index("ix_loan_open_due")
    op.drop_table("reminder_call")
    op.drop_table("reminder_sent")
