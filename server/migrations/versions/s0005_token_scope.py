"""Location tokens get a scope: "counter" (default) or "coordinator" (destructive changes).

Revision ID: s0005
Revises: s0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "s0005"
down_revision = "s0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("location_token") as batch:
        batch.add_column(sa.Column("scope", sa.String(16), nullable=False, server_default="counter"))


def downgrade() -> None:
    with op.batch_alter_table("location_token") as batch:
        batch.drop_column("scope")
