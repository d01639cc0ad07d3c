"""Deposits at the counter: how it was paid (cash/payconiq/waived), why less, why part was kept.

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loan") as batch_op:
        batch_op.add_column(sa.Column("deposit_method", sa.String(16), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("deposit_reason", sa.String(200), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("deposit_kept_reason", sa.String(200), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("loan") as batch_op:
        batch_op.drop_column("deposit_kept_reason")
        batch_op.drop_column("deposit_reason")
        batch_op.drop_column("deposit_method")
