"""Two records of one person become one (app/duplicates.py finds and marks the candidates)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import duplicates
from app.errors import UserError
from app.i18n import _
from db.models import Attendance, Borrower, Device, HelpdeskVisit, Loan, Registration, WaitingListEntry


@dataclass(frozen=True)
class MergeResult:
    kept: str
    merged: str
    moved: dict[str, int]  # table -> records moved to the kept person

    @property
    def total(self) -> int:
        return sum(self.moved.values())


def merge_borrowers(s: Session, keep: Borrower, other: Borrower) -> MergeResult:
    """Two records of one person become one: every loan, helpdesk visit, training
    registration and attendance, waiting-list entry and given-away device of `other`
    moves to `keep`; `keep` takes the contact details it lacks; `other` stays as a
    marked, blocked record without contact details ("samengevoegd met …"), so a scan
    of its old card says which card to use. Ordinary field updates only: every
    counter converges through the sync, and the reports count the person once."""
    if keep.id == other.id:
        raise UserError(_("Geef twee verschillende kaarten om samen te voegen."))
    for b in (keep, other):
        if b.erased:
            raise UserError(
                _("{card} is gewist (GDPR) en kan niet samengevoegd worden.").format(card=b.card_number)
            )
        if duplicates.is_merged(b):
            raise UserError(
                _("{card} is al samengevoegd met {kept}.").format(
                    card=b.card_number, kept=b.last_name.removeprefix(duplicates.MERGED_PREFIX)
                )
            )
    moved: dict[str, int] = {}
    linked: tuple[type[Loan] | type[HelpdeskVisit] | type[WaitingListEntry], ...] = (
        Loan,
        HelpdeskVisit,
        WaitingListEntry,
    )
    for model in linked:
        rows: Sequence[Any] = s.scalars(
            select(model).where(model.borrower_id == other.id, model.deleted.is_(False))
        ).all()
        for row in rows:
            row.borrower_id = keep.id
        moved[model.__tablename__] = len(rows)
    per_session_models: tuple[type[Registration] | type[Attendance], ...] = (Registration, Attendance)
    for per_session in per_session_models:
        kept_sessions = set(
            s.scalars(
                select(per_session.session_id).where(
                    per_session.borrower_id == keep.id, per_session.deleted.is_(False)
                )
            )
        )
        attendance: list[Any] = list(
            s.scalars(
                select(per_session).where(per_session.borrower_id == other.id, per_session.deleted.is_(False))
            )
        )
        for row in attendance:
            if row.session_id in kept_sessions:
                row.deleted = True  # the same session twice: the kept person's record counts
            else:
                row.borrower_id = keep.id
        moved[per_session.__tablename__] = len(attendance)
    given = s.scalars(select(Device).where(Device.given_to_borrower_id == other.id)).all()
    for device in given:
        device.given_to_borrower_id = keep.id
    moved["device"] = len(given)
    for name in ("phone", "email", "street", "eligibility_proof", "target_group"):
        if not getattr(keep, name) and getattr(other, name):
            setattr(keep, name, getattr(other, name))
    if other.consent_date and (keep.consent_date is None or other.consent_date < keep.consent_date):
        keep.consent_date = other.consent_date
    if other.blocked and not keep.blocked:
        keep.blocked, keep.blocked_reason = True, other.blocked_reason
    other.first_name = duplicates.MERGED_NAME
    other.last_name = duplicates.MERGED_PREFIX + keep.card_number
    for name in ("phone", "email", "street", "eligibility_proof", "notes"):
        setattr(other, name, "")
    other.blocked = True
    other.blocked_reason = _("Samengevoegd met {card}: gebruik die kaart.").format(card=keep.card_number)
    return MergeResult(kept=keep.card_number, merged=other.card_number, moved=moved)
