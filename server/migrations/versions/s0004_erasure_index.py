"""Index the change log by record, so an erasure finds a person's entries without a scan.

Revision ID: s0004
Revises: s0001
Create Date: 2026-12-01
"""

from alembic import op

revision = "s0004"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_change_log_tenant_row", "change_log", ["tenant_id", "row_id"])


def downgrade() -> None:
    op.drop_index("ix_change_log_tenant_row", table_name="change_log")
