"""Borrowers: municipality NIS code (province from it), eligibility as counters check it, age band.

Fills the NIS code of every existing person from the bundled postcode table (a pre-2025
municipality name counts under the merged municipality) and sets the province from that
code: the postal plan put Zwijndrecht (2070) in Antwerp, where it no longer is. The change
is local and the same on every counter (same table, same data); reports take the area from
the NIS code or the postcode, so the server's copies count right without it.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
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
    _fill_municipalities()


def _fill_municipalities() -> None:
    from app import postcodes  # the bundled tables; no Qt, no database of its own

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, postcode, municipality, province FROM borrower")).fetchall()
    for row_id, postcode, municipality, province in rows:
        found = postcodes.for_report("", postcode or "", municipality or "")
        if found is None:
            continue
        if (found.province, found.name) != (province, municipality):
            bind.execute(
                sa.text(
                    "UPDATE borrower SET nis_code = :nis, province = :prov, municipality = :name"
                    " WHERE id = :id"
                ),
                {"nis": found.nis, "prov": found.province, "name": found.name, "id": row_id},
            )
        else:
            bind.execute(
                sa.text("UPDATE borrower SET nis_code = :nis WHERE id = :id"),
                {"nis": found.nis, "id": row_id},
            )


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
