"""Refused changes stay in the outbox with the server's reason.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("refused_reason", sa.String(40), nullable=True))
        batch.add_column(sa.Column("refused_detail", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("refused_detail")
        batch.drop_column("refused_reason")
