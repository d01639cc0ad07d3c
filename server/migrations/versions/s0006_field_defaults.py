"""Stored records get the defaults of the fields this release added (deposits, NIS codes and
eligibility, erasure requests): otherwise counters re-pull those tables in every round.

Revision ID: s0006
Revises: s0005
Create Date: 2026-12-01
"""

from alembic import op
from sqlalchemy.orm import Session

revision = "s0006"
down_revision = "s0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from server.field_defaults import fill_missing_defaults

    session = Session(bind=op.get_bind())
    fill_missing_defaults(session)
    session.flush()


def downgrade() -> None:
    pass  # the filled defaults are the values every counter already holds
