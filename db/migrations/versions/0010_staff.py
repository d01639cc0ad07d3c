"""Staff sign-in with roles, and the append-only audit log.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
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
        "staff",
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("pin_hash", sa.String(200), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        *_sync_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_staff"),
    )
    with op.batch_alter_table("staff") as batch:
        batch.create_index("ix_staff_name", ["name"])
        batch.create_index("ix_staff_updated_at", ["updated_at"])
    op.create_table(
        "audit_event",
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("staff_id", sa.String(36), nullable=False),
        sa.Column("staff_name", sa.String(80), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("subject", sa.String(120), nullable=False),
        sa.Column("detail", sa.String(400), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("location", sa.String(8), nullable=False),
        *_sync_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_audit_event"),
    )
    with op.batch_alter_table("audit_event") as batch:
        batch.create_index("ix_audit_event_at", ["at"])
        batch.create_index("ix_audit_event_staff_id", ["staff_id"])
        batch.create_index("ix_audit_event_updated_at", ["updated_at"])
    if op.get_bind().dialect.name == "sqlite":
        # Append-only below the program too: an update or delete that reaches the table by
        # another path (a crafted pull, a Core statement) is skipped, the event stays as
        # written. RAISE(IGNORE) drops that one row's change without failing the transaction,
        # so a bad page from a server cannot stop sync either.
        op.execute(
            "CREATE TRIGGER audit_event_append_only_update BEFORE UPDATE ON audit_event "
            "BEGIN SELECT RAISE(IGNORE); END"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only_delete BEFORE DELETE ON audit_event "
            "BEGIN SELECT RAISE(IGNORE); END"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_event_append_only_delete")
    op.execute("DROP TRIGGER IF EXISTS audit_event_append_only_update")
    op.drop_table("audit_event")
    op.drop_table("staff")
