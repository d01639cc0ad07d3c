"""Server schema: tenants, tokens, batches, change log, merged records, digests, conflicts.

Revision ID: s0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenant"),
        sa.UniqueConstraint("name", name="uq_tenant_name"),
    )
    op.create_table(
        "location_token",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("location_code", sa.String(8), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_location_token_tenant_id_tenant"),
        sa.PrimaryKeyConstraint("id", name="pk_location_token"),
        sa.UniqueConstraint("token_hash", name="uq_location_token_token_hash"),
    )
    op.create_index("ix_location_token_tenant_id", "location_token", ["tenant_id"])
    op.create_table(
        "applied_batch",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_applied_batch_tenant_id_tenant"),
        sa.PrimaryKeyConstraint("tenant_id", "batch_id", name="pk_applied_batch"),
    )
    op.create_table(
        "change_log",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("clocks", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_change_log_tenant_id_tenant"),
        sa.PrimaryKeyConstraint("tenant_id", "seq", name="pk_change_log"),
    )
    op.create_table(
        "merged_record",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("clocks", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_merged_record_tenant_id_tenant"),
        sa.PrimaryKeyConstraint("tenant_id", "table_name", "row_id", name="pk_merged_record"),
    )
    op.create_table(
        "table_digest",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_table_digest_tenant_id_tenant"),
        sa.PrimaryKeyConstraint("tenant_id", "table_name", name="pk_table_digest"),
    )
    op.create_table(
        "conflict",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("kept_value", sa.JSON(), nullable=True),
        sa.Column("kept_stamp", sa.String(96), nullable=False),
        sa.Column("lost_value", sa.JSON(), nullable=True),
        sa.Column("lost_stamp", sa.String(96), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_conflict_tenant_id_tenant"),
        sa.PrimaryKeyConstraint("id", name="pk_conflict"),
        sa.UniqueConstraint(
            "tenant_id", "table_name", "row_id", "field", "lost_stamp", name="uq_conflict_tenant_id"
        ),
    )
    op.create_index("ix_conflict_tenant_id", "conflict", ["tenant_id"])


def downgrade() -> None:
    for name in ("conflict", "table_digest", "merged_record", "change_log", "applied_batch"):
        op.drop_table(name)
    op.drop_index("ix_location_token_tenant_id", "location_token")
    op.drop_table("location_token")
    op.drop_table("tenant")
