"""A loan as screens and lists show it (re-exported by app/loans.py).

Apart from app/loans.py so that the light read path of the command line (app/cli/light.py)
uses the same `overdue` rule without importing SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db.models import Borrower, Device, Loan


@dataclass(frozen=True)
class LoanView:
    """A loan with what a screen or a list needs to show about it."""

    loan: Loan
    device: Device
    borrower: Borrower
    # The service's "today" (its injectable clock); None means the system date.
    today: dt.date | None = None
    # What staff should hear although the loan went ahead (e.g. a proof to check again).
    warnings: tuple[str, ...] = ()

    @property
    def overdue(self) -> bool:
        today = self.today or dt.date.today()
        return self.loan.state == "open" and self.loan.due_date < today
