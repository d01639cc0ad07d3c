"""A stable server id per tenant, told to counters in the handshake.

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-01
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.add_column(sa.Column("server_id", sa.String(36), nullable=True))
    tenant = sa.table("tenant", sa.column("id", sa.Integer()), sa.column("server_id", sa.String(36)))
    conn = op.get_bind()
    for (tenant_id,) in conn.execute(sa.select(tenant.c.id)).all():
        conn.execute(tenant.update().where(tenant.c.id == tenant_id).values(server_id=str(uuid.uuid4())))
    with op.batch_alter_table("tenant") as batch:
        batch.alter_column("server_id", existing_type=sa.String(36), nullable=False)
        batch.create_unique_constraint("uq_tenant_server_id", ["server_id"])


def downgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.drop_constraint("uq_tenant_server_id", type_="unique")
        batch.drop_column("server_id")
