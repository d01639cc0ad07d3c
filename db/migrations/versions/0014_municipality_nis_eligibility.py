"""Borrowers: municipality NIS code (province from it), eligibility as counters check it, age band.

Only the columns: the NIS codes and corrected provinces of existing people are filled in by
`BorrowerService.repair_municipalities` when the program opens the database, through the
ORM, so the corrections are synced like any edit (a migration's plain UPDATE would not reach
the outbox, and the next re-pull would bring the old province back).

Revision ID: 0014
Revises: 0016
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("borrower") as batch:
        batch.add_column(sa.Column("nis_code", sa.String(5), nullable=False, server_default=""))
        batch.add_column(sa.Column("eligibility_code", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("referrer", sa.String(80), nullable=False, server_default=""))
        batch.add_column(sa.Column("eligibility_checked_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("eligibility_valid_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("birth_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("age_band", sa.String(8), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("borrower") as batch:
        for column in (
            "age_band",
            "birth_year",
            "eligibility_valid_until",
            "eligibility_checked_on",
            "referrer",
            "eligibility_code",
            "nis_code",
        ):
            batch.drop_column(column)
