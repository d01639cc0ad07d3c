"""A private donor can be erased (GDPR) like a borrower: donation.erased.

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("donation") as batch_op:
        batch_op.add_column(sa.Column("erased", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("donation") as batch_op:
        batch_op.drop_column("erased")
