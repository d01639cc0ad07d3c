"""GDPR: a person's own data (subject access), erasure and retention.

Erasure anonymises instead of deleting: the person's name, contact details,
proofs, notes and signatures go; postcode, municipality, province, target group
and the dates of loans, trainings and helpdesk visits stay, so the reach
reports keep their counts. An erased record can never be edited again, and the
sync treats the erasure as winning over any edit made elsewhere.

It reaches every copy this replica keeps: the texts of the person's helpdesk
visits, waiting-list entries and loans (db/personal.py says which fields), the
field conflict log, the outbox payloads and the log files. A private donor is
erased the same way. The server scrubs its own copies (server/erasure.py).
Backups made before an erasure keep the data until they rotate out
(`backup_keep_days`, app/backup.py): the window and the subject-access PDF say so.

The server may refuse an erasure (another counter lent the person a laptop meanwhile:
"open-loan"). Then nothing of the person may change there: the person's earlier unsent
edits lose their personal fields (the erasure wins over them, here too) instead of being
sent blank, and the clearing of the linked records waits for the erasure (app/sync/outbox.py).
Erasing the person again later sends the refused erasure again (`erase_checked_in`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import codes
from app.borrowers import BorrowerService, target_group_names
from app.errors import NotFound, UserError
from app.formatting import date_be, euro
from app.i18n import _
from app.postcodes import province_name
from app.printing.pdf import use_language
from app.printing.subject_access import SubjectData, pdf_language, when, write_subject_access_pdf
from app.privacy_scrub import LOG_GLOB, _log_folder, scrub_local_copies, scrub_log_lines  # noqa: F401
from db.base import OutboxEntry, Synced
from db.models import (
    Attendance,
    Borrower,
    Device,
    Donation,
    HelpdeskVisit,
    Loan,
    Registration,
    TrainingSession,
    WaitingListEntry,
)
from db.personal import ERASED_NAME, personal_fields
from db.values import record_values

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionRow:
    """A person due for anonymisation: no activity since `last_activity`."""

    card: str
    last_activity: dt.date
    open_loans: int


@dataclass(frozen=True)
class RetentionResult:
    erased: list[str]
    skipped: list[str]  # still have a device on loan


__all__ = ["ERASED_NAME", "PERSONAL_FIELDS", "PrivacyService", "scrub_local_copies"]

# The borrower fields an erasure clears besides the name; the sync keeps these cleared forever.
PERSONAL_FIELDS: dict[str, str] = {
    k: v for k, v in personal_fields("borrower").items() if k not in ("first_name", "last_name")
}


class PrivacyService:
    def __init__(self, session_factory: sessionmaker[Session], log_dir: Path | None = None) -> None:
        self._sessions = session_factory
        # The data folder, whose log files lose the erased person's lines.
        self._log_dir = log_dir

    def erase(self, card: str) -> Borrower:
        """Erase at once (a lone counter, or a coordinator-scope PC; see app/erasure_requests.py
        for the request an ordinary counter makes instead)."""
        with self._sessions() as s, s.begin():
            borrower = BorrowerService.get_in(s, card)
            traces = erase_checked_in(s, borrower)
        self.scrub_log_files(traces)
        log.info("borrower %s erased (anonymised)", borrower.card_number)
        return borrower

    def erasure_refused(self, borrower_id: str) -> bool:
        """The person is erased here but the server refused the erasure: erasing again sends it."""
        with self._sessions() as s:
            borrower = s.get(Borrower, borrower_id)
            return borrower is not None and refused_erasure_in(s, borrower) is not None

    def erase_donor(self, number: str) -> Donation:
        """`donation erase`: a private donor's name and contact go; the devices stay."""
        with self._sessions() as s, s.begin():
            donation = donation_in(s, number)
            traces = erase_donor_checked_in(s, donation)
        self.scrub_log_files(traces)
        log.info("donor of %s erased (anonymised)", donation.number)
        return donation

    # -- retention -------------------------------------------------------------------

    def retention_due(self, months: int, today: dt.date) -> list[RetentionRow]:
        """People (not erased) whose last activity — registration, loan out or back,
        helpdesk visit, training registration or attendance — is `months` or longer ago.

        First the people active since the cutoff (range queries, mostly on indexed
        dates), then the last activity of the few others only: a large digibank's
        window can show the count without waiting."""
        cutoff = months_before(today, months)
        after = dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time())
        activity = (
            (Loan, Loan.out_at),
            (Loan, Loan.in_at),
            (HelpdeskVisit, HelpdeskVisit.visited_at),
            (Attendance, Attendance.attended_at),
            (Registration, Registration.registered_at),
        )
        with self._sessions() as s:
            active: set[str] = set()
            for model, column in activity:
                active.update(
                    s.scalars(
                        select(model.borrower_id).where(column >= after, model.deleted.is_(False)).distinct()
                    )
                )
            created_before = f"{int(dt.datetime.combine(after, dt.time()).timestamp() * 1000):013d}"
            people = {
                pid: (card, created)
                for pid, card, created in s.execute(
                    select(Borrower.id, Borrower.card_number, Borrower.created_at).where(
                        Borrower.deleted.is_(False),
                        Borrower.erased.is_(False),
                        Borrower.created_at < created_before,
                    )
                )
                if pid not in active
            }
            last: dict[str, dt.date] = {}

            def see(person_id: str | None, when: dt.datetime | dt.date | None) -> None:
                if person_id is None or when is None:
                    return
                day = when.date() if isinstance(when, dt.datetime) else when
                if day > last.get(person_id, dt.date.min):
                    last[person_id] = day

            pid: str | None
            for pid, (_card, created) in people.items():
                see(pid, _stamp_date(created))
            ids = sorted(people)
            open_loans: dict[str, int] = {}
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                for model, column in activity:
                    for pid, when in s.execute(
                        select(model.borrower_id, func.max(column))
                        .where(model.borrower_id.in_(chunk), model.deleted.is_(False))
                        .group_by(model.borrower_id)
                    ):
                        see(pid, when)
                for pid, count in s.execute(
                    select(Loan.borrower_id, func.count())
                    .where(Loan.borrower_id.in_(chunk), Loan.state == "open", Loan.deleted.is_(False))
                    .group_by(Loan.borrower_id)
                ):
                    open_loans[pid] = int(count)
        rows = [
            RetentionRow(card, last[pid], open_loans.get(pid, 0))
            for pid, (card, _created) in people.items()
            if pid in last and last[pid] <= cutoff
        ]
        return sorted(rows, key=lambda r: (r.last_activity, r.card))

    def apply_retention(self, months: int, today: dt.date) -> RetentionResult:
        """Anonymise everyone due, except people with a device still on loan."""
        due = self.retention_due(months, today)
        erased = [r.card for r in due if not r.open_loans]
        skipped = [r.card for r in due if r.open_loans]
        traces: set[str] = set()
        with self._sessions() as s, s.begin():
            for card in erased:
                borrower = BorrowerService.get_in(s, card)
                traces |= _log_traces(borrower)
                erase_borrower_in(s, borrower)
        self.scrub_log_files(traces)
        log.info("retention: %d anonymised, %d skipped (device on loan)", len(erased), len(skipped))
        return RetentionResult(erased, skipped)

    def scrub_log_files(self, traces: Iterable[str]) -> int:
        return scrub_log_lines(self._log_dir, traces)

    def export_data(self, card: str, out_dir: Path, backup_keep_days: int = 30) -> Path:
        """Everything kept about one person (subject access request): a JSON file and, next
        to it, a readable PDF in the person's language. Returns the JSON file's path."""
        with self._sessions() as s:
            borrower = BorrowerService.get_in(s, card)
            data: dict[str, Any] = {"borrower": record_values(borrower)}
            loans = []
            devices: dict[str, Device] = {}
            for loan, device in s.execute(
                select(Loan, Device)
                .join(Device, Device.id == Loan.device_id)
                .where(Loan.borrower_id == borrower.id, Loan.deleted.is_(False))
                .order_by(Loan.out_at)
            ):
                values = record_values(loan)
                values["device_tag"] = device.asset_tag
                values["signature_png"] = bool(loan.signature_png)
                loans.append(values)
                devices[loan.id] = device
            data["loans"] = loans
            rows: dict[str, list[Any]] = {}
            for key, model in (
                ("registrations", Registration),
                ("attendances", Attendance),
                ("helpdesk_visits", HelpdeskVisit),
                ("waiting_list", WaitingListEntry),
            ):
                rows[key] = list(
                    s.scalars(select(model).where(model.borrower_id == borrower.id, model.deleted.is_(False)))
                )
                data[key] = [record_values(r) for r in rows[key]]
            session_ids = {r.session_id for r in rows["registrations"] + rows["attendances"]}
            sessions = {
                t.id: t for t in s.scalars(select(TrainingSession).where(TrainingSession.id.in_(session_ids)))
            }
            with use_language(pdf_language(borrower.language)):
                subject = _subject_data(borrower, loans, devices, rows, sessions, backup_keep_days)
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"{borrower.card_number}-gegevens.json"
        tmp = target.with_name(target.name + ".part")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, target)
        write_subject_access_pdf(subject, target.with_suffix(".pdf"))
        return target


def _subject_data(
    b: Borrower,
    loans: list[dict[str, Any]],
    devices: dict[str, Device],
    rows: dict[str, list[Any]],
    sessions: dict[str, TrainingSession],
    backup_keep_days: int,
) -> SubjectData:
    """The PDF's content, with every code named in the active language."""
    from app.helpdesk import outcome_names, topic_names
    from app.inventory import kind_names
    from app.trainings import registration_state_names
    from app.waiting_list import priority_names

    yes, no = _("ja"), _("nee")
    languages = {"nl": _("Nederlands"), "fr": _("Frans"), "en": _("Engels")}
    groups = target_group_names()
    person = [
        (_("Kaart"), b.card_number),
        (_("Naam"), f"{b.first_name} {b.last_name}".strip()),
        (_("Adres"), ", ".join(p for p in (b.street, f"{b.postcode} {b.municipality}".strip()) if p)),
        (_("Provincie"), province_name(b.province)),
        (_("Telefoon"), b.phone),
        (_("E-mail"), b.email),
        (_("Taal"), languages.get(b.language, b.language)),
        (_("Doelgroep"), groups.get(b.target_group, b.target_group)),
        (_("Bewijs recht op uitlenen"), b.eligibility_proof),
        (_("Ingeschreven op"), date_be(_stamp_date(b.created_at))),
        (_("Geblokkeerd"), f"{yes}: {b.blocked_reason}" if b.blocked else no),
        (_("Notities"), b.notes),
        (_("Gewist (GDPR)"), yes if b.erased else no),
    ]
    kinds = kind_names()
    out = SubjectData(
        card=b.card_number,
        language=b.language,
        person=person,
        consent_date=b.consent_date,
        backup_keep_days=backup_keep_days,
    )
    # `devices` and `loans` were filled side by side, in the order of the loans.
    for device, values in zip(devices.values(), loans, strict=True):
        out.loans.append(
            [
                " ".join([device.asset_tag, kinds.get(device.kind, device.kind), device.brand, device.model]),
                when(dt.datetime.fromisoformat(values["out_at"]).date()),
                when(dt.date.fromisoformat(values["due_date"])),
                when(dt.datetime.fromisoformat(values["in_at"]).date()) if values.get("in_at") else "",
                euro(values.get("deposit_cents") or 0),
                values.get("condition_out") or "",
                values.get("condition_in") or "",
                yes if values["signature_png"] else no,
            ]
        )
    topics, outcomes = topic_names(), outcome_names()
    for v in sorted(rows["helpdesk_visits"], key=lambda v: v.visited_at):
        topic, outcome = topics.get(v.topic, v.topic), outcomes.get(v.outcome, v.outcome)
        out.helpdesk.append([when(v.visited_at), topic, str(v.minutes), outcome, v.notes])
    states = registration_state_names()
    for r in rows["registrations"]:
        t = sessions.get(r.session_id)
        state = states.get(r.state, r.state)
        out.trainings.append([t.title if t else "?", when(t.starts_at) if t else "", state])
    for a in rows["attendances"]:
        t = sessions.get(a.session_id)
        out.trainings.append([t.title if t else "?", when(a.attended_at), _("aanwezig")])
    priorities = priority_names()
    waiting_states = {"waiting": _("wacht"), "served": _("geholpen"), "cancelled": _("geannuleerd")}
    for w in rows["waiting_list"]:
        out.waiting.append(
            [
                f"{kinds.get(w.device_kind, w.device_kind)} ({priorities.get(w.priority, w.priority)})",
                when(w.requested_on),
                waiting_states.get(w.state, w.state),
                w.notes,
            ]
        )
    return out


def check_erasable(s: Session, borrower: Borrower, again: bool = False) -> None:
    """The domain rules of an erasure (also those of a request for one). `again`: the
    person is erased here and the server refused it; erasing sends it again."""
    if borrower.erased and not again:
        raise UserError(_("Deze persoon is al gewist."))
    open_loans = s.scalars(
        select(Loan).where(Loan.borrower_id == borrower.id, Loan.state == "open", Loan.deleted.is_(False))
    ).all()
    if open_loans:
        raise UserError(
            _("{card} heeft nog {count} toestel(len) in bruikleen: eerst terugbrengen, dan wissen.").format(
                card=borrower.card_number, count=len(open_loans)
            )
        )


def erase_checked_in(s: Session, borrower: Borrower) -> set[str]:
    """Check and erase one person in the caller's transaction; returns the traces the log
    files must lose (the caller scrubs them once the transaction committed).

    A person erased here whose erasure the server refused (refusals.py: "wis daarna
    opnieuw") is erased again: the refused erasure is sent again, with the clearing of what
    was pulled about them since (a loan lent elsewhere). No edit can do that for it: an
    erased person cannot be edited."""
    refused = refused_erasure_in(s, borrower)
    check_erasable(s, borrower, again=refused is not None)
    # The name is "(gewist)" already: only the card and id still name the person in the logs.
    traces = _log_traces(borrower) if refused is None else {borrower.card_number, borrower.id}
    erase_borrower_in(s, borrower)
    if refused is not None:
        refused.refused_reason = None
        refused.refused_detail = None
        log.info("borrower %s: the refused erasure is sent again", borrower.id)
    return traces


def refused_erasure_in(s: Session, borrower: Borrower) -> OutboxEntry | None:
    """The erasure of this person that the server refused and that waits here, if any."""
    if not borrower.erased:
        return None
    return _refused_erasures(s, [borrower.id]).get(borrower.id)


def _refused_erasures(s: Session, people: list[str]) -> dict[str, OutboxEntry]:
    found: dict[str, OutboxEntry] = {}
    for i in range(0, len(people), 500):
        for entry in s.scalars(
            select(OutboxEntry)
            .where(
                OutboxEntry.table_name == "borrower",
                OutboxEntry.row_id.in_(people[i : i + 500]),
                OutboxEntry.pushed_batch.is_(None),
                OutboxEntry.refused_reason.is_not(None),
            )
            .order_by(OutboxEntry.seq)
        ):
            if (entry.payload or {}).get("fields", {}).get("erased") is True:
                found[entry.row_id] = entry
    return found


def check_donor_erasable(donation: Donation) -> None:
    if donation.donor_kind != "person":
        raise UserError(
            _("{number} komt van een organisatie: enkel een particuliere schenker kan gewist worden.").format(
                number=donation.number
            )
        )
    if donation.erased:
        raise UserError(_("De schenker van {number} is al gewist.").format(number=donation.number))


def erase_donor_checked_in(s: Session, donation: Donation) -> set[str]:
    check_donor_erasable(donation)
    traces = {donation.donor_name, donation.donor_contact} - {""}
    mark = _outbox_mark(s)
    _anonymise(donation)
    donation.erased = True
    s.flush()
    scrub_local_copies(s, [("donation", donation.id)], own_after=mark)
    return traces


def _outbox_mark(s: Session) -> int:
    """The last outbox seq before an erasure (pending writes flushed first)."""
    s.flush()
    return int(s.scalar(select(func.max(OutboxEntry.seq))) or 0)


def donation_in(s: Session, number: str) -> Donation:
    code = codes.clean_scan(number)
    donation = s.scalar(select(Donation).where(Donation.number == code, Donation.deleted.is_(False)))
    if donation is None:
        raise NotFound(_("Geen schenking met nummer '{number}'.").format(number=number))
    return donation


def _log_traces(borrower: Borrower) -> set[str]:
    names = {borrower.first_name, borrower.last_name} if len(borrower.last_name) >= 4 else set()
    full = f"{borrower.first_name} {borrower.last_name}".strip()
    return {borrower.card_number, borrower.id, full, borrower.phone, borrower.email, *names} - {""}


def _anonymise(obj: Any) -> bool:
    """Set the record's personal fields to their anonymised values; True if any changed."""
    changed = False
    for name, value in personal_fields(type(obj).__tablename__).items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def erase_borrower_in(s: Session, borrower: Borrower) -> list[tuple[str, str]]:
    """Anonymise one person and every text about them, in the caller's transaction.
    Returns the records touched (table, id). Dates, postcodes and links stay, so the
    reports keep counting them."""
    mark = _outbox_mark(s)
    _anonymise(borrower)
    borrower.erased = True
    # The erasure's own entry first: the clearing of the linked records comes after it and
    # waits for it (app/sync/outbox.py).
    s.flush()
    touched = [("borrower", borrower.id)]
    for model in (HelpdeskVisit, WaitingListEntry, Loan, Registration, Attendance):
        for obj in s.scalars(select(model).where(model.borrower_id == borrower.id)):
            _anonymise(obj)
            touched.append((model.__tablename__, cast(Synced, obj).id))  # all five models are Synced
    s.flush()  # the erasure's own outbox entries exist now, with the anonymised values
    scrub_local_copies(s, touched, own_after=mark, person=borrower.id)
    return touched


def scrub_after_pulled_erasure(s: Session, records: Iterable[tuple[str, str]]) -> None:
    """An erasure made elsewhere arrived by sync: this replica's conflict log, outbox and
    log files lose the person's values too (those of their linked records as well)."""
    touched = list(records)
    people = [row_id for table, row_id in touched if table == "borrower"]
    traces: set[str] = set(people)
    if people:
        for model in (HelpdeskVisit, WaitingListEntry, Loan):
            touched += [
                (model.__tablename__, row_id)
                for row_id in s.scalars(select(model.id).where(model.borrower_id.in_(people)))
            ]
        traces |= set(s.scalars(select(Borrower.card_number).where(Borrower.id.in_(people))))
        # Our own erasure of them was refused and another counter's came through: ours goes
        # again (no longer refused: the person is erased there), and so does the clearing
        # of their linked records that waited for it. Sending it keeps the newer erasure's
        # values everywhere, whichever of the two is newer.
        for entry in _refused_erasures(s, people).values():
            entry.refused_reason = None
            entry.refused_detail = None
    scrub_local_copies(s, touched)
    scrub_log_lines(_log_folder(), traces)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_first = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (next_first - dt.timedelta(days=1)).day))


def _stamp_date(stamp: str) -> dt.date | None:
    """The wall-clock date inside a hybrid-logical-clock stamp ("1796117630283-000000-…")."""
    head = (stamp or "").split("-", 1)[0]
    if not head.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(head) / 1000).date()
