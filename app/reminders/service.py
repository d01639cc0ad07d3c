"""ReminderService: which open loans are at a reminder step today, letters and e-mails for them,
what was sent, and the overdue call list.

Steps: `reminder_days_before` days before the due date ("before-3"), then each day of
`reminder_late_steps` after it ("late-1", "late-7"). A loan is at the last step it reached;
a step is sent once per channel (letter, e-mail) and recorded as a synced `ReminderSent`
whose id is fixed by (loan, due date, step, channel), so running again — the same day, or at
another counter once synced — sends nothing new. Logs name loans by id and count, never people.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.borrowers import full_name
from app.config import Settings
from app.errors import UserError
from app.formatting import date_be
from app.i18n import _
from app.inventory import DeviceService, kind_names
from app.loans import open_loan_in
from app.loans_overview import open_loans
from app.locations import LocationService
from app.printing.pdf import document_language, use_language
from app.reminders.letters import Letter, write_letters_pdf
from app.reminders.mail import EmailSender, RecipientRefused, SmsSender, SmtpSender, smtp_password
from app.reminders.settings import parse_late_steps
from app.reminders.templates import render
from db.models import Borrower, Device, Loan, Location
from db.models_reminders import CALL_OUTCOMES, ReminderCall, ReminderSent, reminder_id

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
CHUNK = 500


def call_outcome_names() -> dict[str, str]:
    return {"reached": _("bereikt"), "no-answer": _("geen antwoord"), "calls-back": _("belt terug")}


def channel_names() -> dict[str, str]:
    return {"letter": _("brief"), "email": _("e-mail"), "sms": _("sms")}


def step_name(step: str) -> str:
    kind, _sep, days = step.partition("-")
    if kind == "before":
        return _("{days} dag(en) vóór de datum").format(days=days)
    return _("{days} dag(en) te laat").format(days=days)


def current_step(due: dt.date, today: dt.date, days_before: int, late_steps: Sequence[int]) -> str | None:
    """The step a loan due on `due` is at on `today`, or None (not yet, or no step)."""
    late = (today - due).days
    if late >= 1:
        reached = [d for d in late_steps if late >= d]
        return f"late-{reached[-1]}" if reached else None
    if days_before and -late <= days_before:
        return f"before-{days_before}"
    return None


@dataclass(frozen=True)
class ReminderItem:
    """An open loan at a reminder step today, with what a letter, e-mail or call needs."""

    loan_id: str
    tag: str
    device_kind: str
    device_title: str
    card: str
    name: str
    street: str
    postcode: str
    municipality: str
    language: str
    email: str
    phone: str
    out_date: dt.date
    due_date: dt.date
    days_late: int
    step: str | None
    sent: dict[str, dt.datetime] = field(default_factory=dict)  # channel -> when, for this step

    @property
    def pending_letter(self) -> bool:
        return self.step is not None and "letter" not in self.sent

    @property
    def pending_email(self) -> bool:
        return self.step is not None and bool(self.email) and "email" not in self.sent


@dataclass(frozen=True)
class CallItem:
    loan_id: str
    tag: str
    card: str
    name: str
    phone: str
    due_date: dt.date
    days_late: int
    last_outcome: str  # "" when not called yet
    last_called: dt.datetime | None


@dataclass
class SendReport:
    channel: str
    sent: list[ReminderItem] = field(default_factory=list)
    refused: list[ReminderItem] = field(default_factory=list)  # the mail server refused the address
    without_email: int = 0  # at a step, but no e-mail address: a letter or a call then
    already_sent: int = 0
    file: Path | None = None


@dataclass(frozen=True)
class HistoryLine:
    when: dt.datetime
    text: str


class ReminderService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings | None = None,
        now: Callable[[], dt.datetime] = dt.datetime.now,
        templates_dir: Path | None = None,
        email_sender: Callable[[Settings], EmailSender] | None = None,
        sms: SmsSender | None = None,
    ) -> None:
        self._sessions = session_factory
        self._settings = settings or Settings()
        self._now = now
        self._folders = [templates_dir] if templates_dir else []
        self._email_sender = email_sender or (lambda cfg: SmtpSender(cfg, smtp_password(cfg)))
        self._sms = sms

    def today(self) -> dt.date:
        return self._now().date()

    def late_steps(self) -> list[int]:
        return parse_late_steps(self._settings.reminder_late_steps)

    # -- what is due ---------------------------------------------------------------------

    def due(self) -> list[ReminderItem]:
        """Every open loan at a reminder step today, latest due date last."""
        with self._sessions() as s:
            return self._due_in(s)

    def _due_in(self, s: Session) -> list[ReminderItem]:
        today = self.today()
        days_before = self._settings.reminder_days_before
        late_steps = self.late_steps()
        horizon = today + dt.timedelta(days=days_before)
        # Only the columns a letter or e-mail needs (not a device's specs or a person's notes).
        rows = s.execute(
            open_loans(
                Loan.id,
                Loan.due_date,
                Loan.out_at,
                Device.asset_tag,
                Device.kind,
                Device.brand,
                Device.model,
                Borrower.card_number,
                Borrower.first_name,
                Borrower.last_name,
                Borrower.street,
                Borrower.postcode,
                Borrower.municipality,
                Borrower.language,
                Borrower.email,
                Borrower.phone,
                due_by=horizon,
                reachable=True,
            ).order_by(Loan.due_date, Device.asset_tag)
        ).all()
        steps = {row.id: current_step(row.due_date, today, days_before, late_steps) for row in rows}
        sent = self._sent_in(s, [(row.id, row.due_date, steps[row.id]) for row in rows if steps[row.id]])
        items = []
        for row in rows:
            step = steps[row.id]
            if step is None:
                continue
            items.append(
                ReminderItem(
                    loan_id=row.id,
                    tag=row.asset_tag,
                    device_kind=row.kind,
                    device_title=" ".join(p for p in (row.brand, row.model) if p),
                    card=row.card_number,
                    name=f"{row.first_name} {row.last_name}".strip(),
                    street=row.street,
                    postcode=row.postcode,
                    municipality=row.municipality,
                    language=row.language,
                    email=row.email.strip(),
                    phone=row.phone.strip(),
                    out_date=row.out_at.date(),
                    due_date=row.due_date,
                    days_late=max(0, (today - row.due_date).days),
                    step=step,
                    sent=sent.get(row.id, {}),
                )
            )
        return items

    @staticmethod
    def _sent_in(
        s: Session, wanted: Sequence[tuple[str, dt.date, str | None]]
    ) -> dict[str, dict[str, dt.datetime]]:
        """loan id -> {channel: sent_at} for the step each loan is at now (and its due date)."""
        found: dict[str, dict[str, dt.datetime]] = {}
        keys = {
            reminder_id(loan_id, due_date, step, channel): loan_id
            for loan_id, due_date, step in wanted
            if step
            for channel in ("letter", "email", "sms")
        }
        ids = list(keys)
        for start in range(0, len(ids), CHUNK):
            stmt = select(ReminderSent).where(
                ReminderSent.id.in_(ids[start : start + CHUNK]), ReminderSent.deleted.is_(False)
            )
            for record in s.scalars(stmt):
                found.setdefault(record.loan_id, {})[record.channel] = record.sent_at
        return found

    # -- the texts -------------------------------------------------------------------------

    def _identity(self, s: Session) -> tuple[str, tuple[str, ...], str, str]:
        """The digibank's name, letterhead lines (address, phone, e-mail), place, and the short
        contact line ("phone · e-mail") that texts sign with."""
        location: Location = LocationService.current_in(s)
        extra = self._settings.extra
        # A `digibank_name`/`digibank_address` setting (the settings dialog) wins over the
        # location's own data, which is what a fresh install has.
        name = getattr(self._settings, "digibank_name", "") or extra.get("digibank_name") or location.name
        address = (
            getattr(self._settings, "digibank_address", "")
            or extra.get("digibank_address")
            or ", ".join(
                p
                for p in (
                    location.address,
                    " ".join(x for x in (location.postcode, location.municipality) if x),
                )
                if p
            )
        )
        reach = extra.get("contact") or " · ".join(p for p in (location.phone, location.email) if p)
        lines = tuple(p for p in (address, reach) if p)
        return name, lines, location.municipality, reach

    def _text(self, item: ReminderItem, digibank: str, contact: str):  # -> ReminderText
        kind = "late" if item.days_late > 0 else "before"
        # The person's language, strictly: a missing French text fails instead of printing Dutch.
        with use_language(document_language(item.language), strict=True):
            values = {
                "name": item.name,
                "tag": item.tag,
                "device": kind_names().get(item.device_kind, item.device_kind),
                "model": item.device_title,
                "out": date_be(item.out_date),
                "due": date_be(item.due_date),
                "days_late": str(item.days_late),
                "digibank": digibank,
                "contact": contact,
            }
            return render(kind, item.language, values, self._folders)

    # -- letters -----------------------------------------------------------------------------

    def write_letters(self, out: Path, progress: Progress | None = None) -> SendReport:
        """A letter for every loan at a step whose letter was not made yet, in one PDF at `out`.
        The letters are recorded as sent in the same transaction: if the PDF fails, nothing is."""
        report = SendReport("letter")
        with self._sessions() as s, s.begin():
            items = self._due_in(s)
            pending = [i for i in items if i.pending_letter]
            report.already_sent = len(items) - len(pending)
            if not pending:
                return report
            name, lines, place, contact = self._identity(s)
            today, moment = self.today(), self._now().replace(microsecond=0)
            letters = [
                Letter(
                    name,
                    lines,
                    place,
                    today,
                    (i.name, i.street, " ".join(p for p in (i.postcode, i.municipality) if p)),
                    self._text(i, name, contact),
                )
                for i in pending
            ]
            for item in pending:
                self._record(s, item, "letter", moment)
            write_letters_pdf(letters, Path(out), progress)
            report.sent = pending
            report.file = Path(out)
        log.info("reminder letters: %d written, %d already sent", len(report.sent), report.already_sent)
        return report

    # -- e-mail ----------------------------------------------------------------------------------

    def send_emails(self, progress: Progress | None = None) -> SendReport:
        """E-mail every loan at a step that has an address and no e-mail for that step yet.
        Each sent e-mail is recorded at once, so a connection lost halfway loses no record."""
        report = SendReport("email")
        with self._sessions() as s:
            items = self._due_in(s)
            name, _lines, _place, contact = self._identity(s)
        report.without_email = sum(1 for i in items if i.step and not i.email)
        pending = [i for i in items if i.pending_email]
        report.already_sent = sum(1 for i in items if i.email and "email" in i.sent)
        if not pending:
            return report
        with self._email_sender(self._settings) as sender:
            for number, item in enumerate(pending):
                text = self._text(item, name, contact)
                message = self._message(item, text.subject, text.body, name)
                try:
                    sender.send(message)
                except RecipientRefused:
                    report.refused.append(item)
                    log.warning("reminder e-mail for loan %s refused by the server", item.loan_id)
                    continue
                with self._sessions() as s, s.begin():
                    self._record(s, item, "email", self._now().replace(microsecond=0))
                report.sent.append(item)
                if progress is not None:
                    progress(number + 1, len(pending))
        log.info(
            "reminder e-mails: %d sent, %d refused, %d already sent",
            len(report.sent),
            len(report.refused),
            report.already_sent,
        )
        return report

    def _message(self, item: ReminderItem, subject: str, body: str, digibank: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = formataddr((digibank, self._settings.smtp_from))
        message["To"] = formataddr((item.name, item.email))
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=self._settings.smtp_from.rpartition("@")[2] or None)
        message.set_content(body)
        return message

    # -- SMS (a seam: no provider is built in) -------------------------------------------------

    def send_sms(self, progress: Progress | None = None) -> SendReport:
        if self._sms is None:
            raise UserError(_("Er is geen sms-dienst ingesteld: herinneringen gaan per brief of e-mail."))
        report = SendReport("sms")
        with self._sessions() as s:
            items = [i for i in self._due_in(s) if i.step and i.phone and "sms" not in i.sent]
            name, _lines, _place, contact = self._identity(s)
        for number, item in enumerate(items):
            self._sms.send(item.phone, self._text(item, name, contact).subject)
            with self._sessions() as s, s.begin():
                self._record(s, item, "sms", self._now().replace(microsecond=0))
            report.sent.append(item)
            if progress is not None:
                progress(number + 1, len(items))
        return report

    @staticmethod
    def _record(s: Session, item: ReminderItem, channel: str, moment: dt.datetime) -> None:
        assert item.step is not None
        key = reminder_id(item.loan_id, item.due_date, item.step, channel)
        record = s.get(ReminderSent, key)
        if record is None:
            s.add(
                ReminderSent(
                    id=key,
                    loan_id=item.loan_id,
                    due_date=item.due_date,
                    step=item.step,
                    channel=channel,
                    sent_at=moment,
                )
            )
        elif record.deleted:
            record.deleted = False
            record.sent_at = moment

    # -- the overdue call list -------------------------------------------------------------------

    def call_list(self) -> list[CallItem]:
        """Every late loan with the person's phone and the last call's outcome, longest late first."""
        today = self.today()
        with self._sessions() as s:
            rows = s.execute(
                open_loans(Loan, Device, Borrower, late_on=today, reachable=True).order_by(
                    Loan.due_date, Device.asset_tag
                )
            ).all()
            last = self._last_calls(s, [loan.id for loan, _d, _b in rows])
        return [
            CallItem(
                loan.id,
                device.asset_tag,
                person.card_number,
                full_name(person),
                person.phone.strip(),
                loan.due_date,
                (today - loan.due_date).days,
                *last.get(loan.id, ("", None)),
            )
            for loan, device, person in rows
        ]

    @staticmethod
    def _last_calls(s: Session, loan_ids: Sequence[str]) -> dict[str, tuple[str, dt.datetime]]:
        found: dict[str, tuple[str, dt.datetime]] = {}
        for start in range(0, len(loan_ids), CHUNK):
            stmt = (
                select(ReminderCall)
                .where(
                    ReminderCall.loan_id.in_(loan_ids[start : start + CHUNK]), ReminderCall.deleted.is_(False)
                )
                .order_by(ReminderCall.called_at, ReminderCall.id)
            )
            for call in s.scalars(stmt):
                found[call.loan_id] = (call.outcome, call.called_at)
        return found

    def log_call(self, ref: str, outcome: str) -> CallItem:
        """Record a call about an open loan (`ref`: the device's tag or the loan's id)."""
        if outcome not in CALL_OUTCOMES:
            raise UserError(
                _("Onbekende uitkomst '{outcome}'. Kies uit: {choices}.").format(
                    outcome=outcome, choices=", ".join(CALL_OUTCOMES)
                )
            )
        with self._sessions() as s, s.begin():
            loan = s.get(Loan, ref)
            if loan is None or loan.deleted or loan.state != "open":
                device = DeviceService.get_in(s, ref)
                loan = open_loan_in(s, device.id)
                if loan is None:
                    raise UserError(
                        _("{tag} is niet uitgeleend: er is niemand te bellen.").format(tag=device.asset_tag)
                    )
            lent = s.get(Device, loan.device_id)
            person = s.get(Borrower, loan.borrower_id)
            assert lent is not None and person is not None
            moment = self._now().replace(microsecond=0)
            s.add(ReminderCall(loan_id=loan.id, called_at=moment, outcome=outcome))
            log.info("call about loan %s: %s", loan.id, outcome)
            return CallItem(
                loan.id,
                lent.asset_tag,
                person.card_number,
                full_name(person),
                person.phone.strip(),
                loan.due_date,
                max(0, (self.today() - loan.due_date).days),
                outcome,
                moment,
            )

    # -- per loan, for the details panes ----------------------------------------------------------

    def history(self, loan_id: str) -> list[HistoryLine]:
        """Reminders sent and calls made about one loan, oldest first."""
        with self._sessions() as s:
            lines = [
                HistoryLine(
                    r.sent_at,
                    _("Herinnering ({step}) per {channel}").format(
                        step=step_name(r.step), channel=channel_names().get(r.channel, r.channel)
                    ),
                )
                for r in s.scalars(
                    select(ReminderSent).where(
                        ReminderSent.loan_id == loan_id, ReminderSent.deleted.is_(False)
                    )
                )
            ]
            lines += [
                HistoryLine(
                    c.called_at,
                    _("Gebeld: {outcome}").format(outcome=call_outcome_names().get(c.outcome, c.outcome)),
                )
                for c in s.scalars(
                    select(ReminderCall).where(
                        ReminderCall.loan_id == loan_id, ReminderCall.deleted.is_(False)
                    )
                )
            ]
        return sorted(lines, key=lambda line: line.when)

    def counts(self) -> tuple[int, int]:
        """(letters, e-mails) waiting to go out today."""
        items = self.due()
        return sum(i.pending_letter for i in items), sum(i.pending_email for i in items)
