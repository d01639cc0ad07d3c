"""Synced record of the sync capability: a person's decision on a domain conflict.

Domain conflicts (one device lent twice at two offline places, two devices with
one serial) are derived from the data on every replica alike; resolving one is
this ordinary synced record. Its id is derived from the conflict, so two people
resolving the same conflict at two places make one record, not two.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Synced


class ConflictDecision(Synced, Base):
    __tablename__ = "conflict_decision"

    kind: Mapped[str] = mapped_column(String(24), info={"choices": ("double-loan", "duplicate-serial")})
    subject_id: Mapped[str] = mapped_column(String(36), index=True)  # the flagged loan / device
    # keep (both are right)
    decision: Mapped[str] = mapped_column(String(24), default="keep", info={"choices": ("keep",)})
    note: Mapped[str] = mapped_column(String(400), default="")
