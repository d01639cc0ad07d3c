"""Synced records of reminders: what was sent for which loan and step, and the calls made.

A sent reminder's id is derived from (loan, due date, step, channel): two counters that
send the same step of the same loan while offline write the same record, which merges
into one instead of counting as two reminders — and the next run at either counter sees
it was sent. Extending a loan gives it a new due date, so its steps start over.

A call is an event (each call its own record, like the audit log). Neither record holds
personal data: they point to the loan; names and numbers stay on the borrower.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Synced
from db.models import Loan

REMINDER_CHANNELS = ("letter", "email", "sms")
CALL_OUTCOMES = ("reached", "no-answer", "calls-back")
REMINDER_NAMESPACE = uuid.UUID("7b1f3c1e-5a0d-4f5e-9d55-2c3a6a1e0b12")


def reminder_id(loan_id: str, due_date: dt.date, step: str, channel: str) -> str:
    return str(uuid.uuid5(REMINDER_NAMESPACE, f"{loan_id}:{due_date.isoformat()}:{step}:{channel}"))


class ReminderSent(Synced, Base):
    __tablename__ = "reminder_sent"
    __table_args__ = (Index("ix_reminder_sent_loan_step", "loan_id", "step"),)
    # Two counters sending the same step write the same record (same id): when they merge,
    # the earlier or later send time is no conflict for a person to resolve (app/sync/merge.py).
    SAME_RECORD_EXPECTED = True

    loan_id: Mapped[str] = mapped_column(ForeignKey("loan.id"))
    # The due date the step was counted from (an extension starts the steps again).
    due_date: Mapped[dt.date]
    # "before-3" (three days before the due date) or "late-7" (seven days late).
    step: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8), info={"choices": REMINDER_CHANNELS})
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ReminderCall(Synced, Base):
    __tablename__ = "reminder_call"

    loan_id: Mapped[str] = mapped_column(ForeignKey("loan.id"), index=True)
    called_at: Mapped[dt.datetime] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(12), info={"choices": CALL_OUTCOMES})


# The loans overview's list (app/loans_overview.py) reads the ids of the open loans in due-date
# order from this index alone, never touching the million returned loans' rows. Declared here,
# beside the overview's other tables, so db/models.py keeps its Loan as it is.
Index("ix_loan_open_due", Loan.state, Loan.deleted, Loan.due_date, Loan.id)
