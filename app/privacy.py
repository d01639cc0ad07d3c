"""GDPR: a person's own data (subject access) and erasure.

Erasure anonymises instead of deleting: the person's name, contact details,
proofs, notes and signatures go; postcode, municipality, province, target group
and the dates of loans, trainings and helpdesk visits stay, so the reach
reports keep their counts. An erased record can never be edited again, and the
sync treats the erasure as winning over any edit made elsewhere.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.borrowers import BorrowerService
from app.errors import UserError
from app.i18n import _
from db.models import Attendance, Borrower, Device, HelpdeskVisit, Loan, Registration, WaitingListEntry
from db.values import record_values

log = logging.getLogger(__name__)

ERASED_NAME = "(gewist)"
# The personal fields an erasure clears; the sync keeps these cleared forever.
PERSONAL_FIELDS: dict[str, str] = {
    "phone": "",
    "email": "",
    "street": "",
    "eligibility_proof": "",
    "blocked_reason": "",
    "notes": "",
}


class PrivacyService:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def erase(self, card: str) -> Borrower:
        with self._sessions() as s, s.begin():
            borrower = BorrowerService.get_in(s, card)
            if borrower.erased:
                raise UserError(_("Deze persoon is al gewist."))
            open_loans = s.scalars(
                select(Loan).where(
                    Loan.borrower_id == borrower.id, Loan.state == "open", Loan.deleted.is_(False)
                )
            ).all()
            if open_loans:
                raise UserError(
                    _(
                        "{card} heeft nog {count} toestel(len) in bruikleen: eerst terugbrengen, dan wissen."
                    ).format(card=borrower.card_number, count=len(open_loans))
                )
            borrower.first_name = ERASED_NAME
            borrower.last_name = ""
            for name, value in PERSONAL_FIELDS.items():
                setattr(borrower, name, value)
            borrower.erased = True
            for loan in s.scalars(select(Loan).where(Loan.borrower_id == borrower.id)):
                if loan.signature_png:
                    loan.signature_png = ""
            log.info("borrower %s erased (anonymised)", borrower.card_number)
            return borrower

    def export_data(self, card: str, out_dir: Path) -> Path:
        """Everything kept about one person, as one JSON file (subject access request)."""
        with self._sessions() as s:
            borrower = BorrowerService.get_in(s, card)
            data: dict[str, Any] = {"borrower": record_values(borrower)}
            loans = []
            for loan, tag in s.execute(
                select(Loan, Device.asset_tag)
                .join(Device, Device.id == Loan.device_id)
                .where(Loan.borrower_id == borrower.id, Loan.deleted.is_(False))
                .order_by(Loan.out_at)
            ):
                values = record_values(loan)
                values["device_tag"] = tag
                values["signature_png"] = bool(loan.signature_png)
                loans.append(values)
            data["loans"] = loans
            for key, model in (
                ("registrations", Registration),
                ("attendances", Attendance),
                ("helpdesk_visits", HelpdeskVisit),
                ("waiting_list", WaitingListEntry),
            ):
                rows = s.scalars(
                    select(model).where(model.borrower_id == borrower.id, model.deleted.is_(False))
                )
                data[key] = [record_values(r) for r in rows]
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"{borrower.card_number}-gegevens.json"
        tmp = target.with_name(target.name + ".part")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, target)
        return target
