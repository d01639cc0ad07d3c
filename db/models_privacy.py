"""Synced records of GDPR work that waits for a second person: erasure requests.

An erasure signed for at an ordinary counter (a location token with the *counter* scope,
which the server does not allow to erase) travels as a request: this record. It takes
effect once confirmed at a coordinator-scope PC (`digibank erasure approve`) or by the
server's administrator (`digibank-server erasure approve`). The record is never deleted:
it names who asked and when, by staff id and the subject's code, never by personal values.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Synced

ERASURE_SUBJECTS = ("borrower", "donation")
ERASURE_STATES = ("pending", "approved")


class ErasureRequest(Synced, Base):
    __tablename__ = "erasure_request"

    subject_table: Mapped[str] = mapped_column(String(16), info={"choices": ERASURE_SUBJECTS})
    subject_id: Mapped[str] = mapped_column(String(36), index=True)
    # The card or donation number: what the coordinator who confirms looks up.
    subject_code: Mapped[str] = mapped_column(String(40), default="")
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime)
    requested_by: Mapped[str] = mapped_column(String(80), default="")  # a staff id
    # The name at the time of the request (as in the audit log): still right after a rename.
    requested_by_name: Mapped[str] = mapped_column(String(80), default="")
    reason: Mapped[str] = mapped_column(String(400), default="")
    state: Mapped[str] = mapped_column(String(16), default="pending", info={"choices": ERASURE_STATES})
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None, nullable=True)
    # A staff id, or "server" when the server's administrator confirmed it.
    decided_by: Mapped[str] = mapped_column(String(80), default="")
