"""Reminders: steps, letters (PDF), e-mail through a real SMTP server on loopback, the call list,
and the acceptance of issue 12: sending again the same day sends nothing new."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import shutil
import socket
import subprocess
import threading

import pytest
from sqlalchemy import func, select

from app.borrowers import BorrowerInput
from app.context import open_context
from app.errors import UserError
from app.inventory import DeviceInput
from app.reminders.service import current_step
from app.reminders.settings import parse_late_steps
from app.settings_service import change
from db.base import OutboxEntry
from db.models_reminders import ReminderCall, ReminderSent
from tests.conftest import make_ready

START = dt.datetime(2026, 3, 2, 10, 0, 0)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


class Inbox:
    """aiosmtpd handler: keeps every message the server accepted."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(monkeypatch):
    import logging

    from aiosmtpd.controller import Controller

    # The test server's own log (it names every recipient) is not the program's log.
    monkeypatch.setattr(logging.getLogger("mail.log"), "propagate", False)
    inbox = Inbox()
    # A generous start-up wait: on a busy CI machine the server's thread may take seconds.
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ready_timeout=60)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def clock():
    return Clock(START)


@pytest.fixture
def rc(tmp_path, clock):
    context = open_context(tmp_path / "rem", actor="test", now=clock)
    context.locations.initialise("KRT", "Kortrijk balie")
    yield context
    context.close()


def lend(
    ctx, first="Jan", last="Peeters", email_address="jan@example.org", serial="SN1", due=None, lang="nl"
):
    device = ctx.devices.add(DeviceInput("laptop", "Lenovo", "ThinkPad T480", serial))
    make_ready(ctx, device.asset_tag)
    card = ctx.borrowers.add(
        BorrowerInput(
            first,
            last,
            "8500",
            municipality="Kortrijk",
            street="Veemarkt 1",
            email=email_address,
            phone="0470 12 34 56",
            language=lang,
        ),
        duplicate_ok=True,  # several people here share the test phone number; not about duplicates
    ).card_number
    view = ctx.loans.checkout(device.asset_tag, card, due=due or ctx.now().date() + dt.timedelta(days=30))
    return view.device.asset_tag, card, view.loan.due_date


def use_smtp(ctx, port: int) -> None:
    for name, value in (
        ("smtp_host", "127.0.0.1"),
        ("smtp_port", str(port)),
        ("smtp_security", "none"),
        ("smtp_from", "balie@digibank-kortrijk.be"),
    ):
        change(ctx.settings, name, value)


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def sent_count(ctx) -> int:
    with ctx.sessions() as s:
        return s.scalar(select(func.count()).select_from(ReminderSent)) or 0


# -- steps ------------------------------------------------------------------------------------


def test_the_step_is_the_last_one_reached():
    due = dt.date(2026, 4, 1)
    steps = [1, 7]
    assert current_step(due, dt.date(2026, 3, 28), 3, steps) is None
    assert current_step(due, dt.date(2026, 3, 29), 3, steps) == "before-3"
    assert current_step(due, dt.date(2026, 4, 1), 3, steps) == "before-3"
    assert current_step(due, dt.date(2026, 4, 2), 3, steps) == "late-1"
    assert current_step(due, dt.date(2026, 4, 7), 3, steps) == "late-1"
    assert current_step(due, dt.date(2026, 4, 8), 3, steps) == "late-7"
    assert current_step(due, dt.date(2026, 6, 8), 3, steps) == "late-7"
    assert current_step(due, dt.date(2026, 3, 31), 0, steps) is None  # no reminder before


@pytest.mark.parametrize("bad", ["", "7,1", "0,3", "1,x", "1,1", "400"])
def test_late_steps_must_be_increasing_days(bad):
    with pytest.raises(UserError):
        parse_late_steps(bad)


def test_smtp_settings_are_checked(rc):
    with pytest.raises(UserError):
        change(rc.settings, "smtp_security", "ssl3")
    with pytest.raises(UserError):
        change(rc.settings, "smtp_port", "70000")
    with pytest.raises(UserError):
        change(rc.settings, "smtp_from", "niet een adres")
    change(rc.settings, "smtp_security", "TLS")
    assert rc.settings.smtp_security == "tls"


# -- the acceptance of issue 12 ----------------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
def test_an_overdue_loan_gets_a_letter_and_an_email_once(rc, clock, smtp_server, tmp_path):
    inbox, port = smtp_server
    use_smtp(rc, port)
    tag, card, due = lend(rc, due=START.date() + dt.timedelta(days=10))
    clock.advance(days=12)  # two days late: step "late-1"

    letters = tmp_path / "brieven.pdf"
    report = rc.reminders.write_letters(letters)
    assert [i.tag for i in report.sent] == [tag]
    text = pdf_text(letters)
    assert "Jan Peeters" in text
    assert tag in text
    assert due.strftime("%d/%m/%Y") in text
    assert "Veemarkt 1" in text and "8500 Kortrijk" in text
    assert "Kortrijk balie" in text  # the digibank's name on the letterhead

    report = rc.reminders.send_emails()
    assert [i.tag for i in report.sent] == [tag]
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert inbox.envelopes[0][1] == ["jan@example.org"]
    assert "Jan Peeters" in message["To"]
    assert message["From"].addresses[0].addr_spec == "balie@digibank-kortrijk.be"
    assert tag in message["Subject"]
    body = message.get_content()
    assert "Jan Peeters" in body and tag in body and due.strftime("%d/%m/%Y") in body
    assert "2 dag(en) geleden" in body
    assert sent_count(rc) == 2

    # Again, the same day (and later that day): nothing new goes out, nothing new is recorded.
    clock.advance(hours=3)
    again = tmp_path / "opnieuw.pdf"
    assert rc.reminders.write_letters(again).sent == []
    assert not again.exists()
    assert rc.reminders.send_emails().sent == []
    assert len(inbox.messages) == 1
    assert sent_count(rc) == 2

    # Day 7 late is the next step: one new e-mail.
    clock.advance(days=5)
    assert [i.tag for i in rc.reminders.send_emails().sent] == [tag]
    assert len(inbox.messages) == 2


def test_the_english_email_for_an_english_speaker(rc, clock, smtp_server):
    inbox, port = smtp_server
    use_smtp(rc, port)
    tag, _card, due = lend(
        rc, first="Olena", last="Kovalenko", lang="en", due=START.date() + dt.timedelta(days=2)
    )
    rc.reminders.send_emails()  # two days before: "before-3"
    body = inbox.messages[0].get_content()
    assert "Dear Olena Kovalenko" in body
    assert f"by {due.strftime('%d/%m/%Y')}" in body
    assert "laptop" in body


def test_a_french_speaker_gets_french(rc, clock, smtp_server, tmp_path):
    inbox, port = smtp_server
    use_smtp(rc, port)
    lend(rc, first="Hélène", last="Dupont", lang="fr", due=START.date() + dt.timedelta(days=1))
    rc.reminders.send_emails()
    body = inbox.messages[0].get_content()
    assert "Bonjour Hélène Dupont" in body and "ordinateur portable" in body
    # A digibank (or a later version) adds the French file: it is used at once.
    folder = rc.data_dir / "reminders"
    folder.mkdir()
    (folder / "before_fr.md").write_text("subject: Rappel {tag}\nChère/cher {name},\n", encoding="utf-8")
    clock.advance(days=2)
    rc.reminders.send_emails()  # late-1 now
    (folder / "late_fr.md").write_text("subject: Retard {tag}\nChère/cher {name}, {due}\n", encoding="utf-8")
    clock.advance(days=6)
    rc.reminders.send_emails()
    assert inbox.messages[-1].get_content().startswith("Chère/cher Hélène Dupont")


def test_no_address_no_email_and_the_server_refusing_one_address(rc, clock, smtp_server):
    inbox, port = smtp_server
    use_smtp(rc, port)
    lend(rc, email_address="", serial="A")
    tag_b, _c, _d = lend(rc, first="Els", last="Maes", email_address="els@example.org", serial="B")
    clock.advance(days=31)
    report = rc.reminders.send_emails()
    assert report.without_email == 1
    assert [i.tag for i in report.sent] == [tag_b]


def test_email_without_settings_is_refused_plainly(rc, clock):
    lend(rc)
    clock.advance(days=31)
    with pytest.raises(UserError, match="nog niet ingesteld"):
        rc.reminders.send_emails()
    assert sent_count(rc) == 0


def test_an_unreachable_mail_server_records_nothing(rc, clock):
    use_smtp(rc, free_port())  # nobody listens there
    lend(rc)
    clock.advance(days=31)
    with pytest.raises(UserError, match="niet bereikbaar"):
        rc.reminders.send_emails()
    assert sent_count(rc) == 0


def test_extending_starts_the_steps_again(rc, clock, smtp_server):
    inbox, port = smtp_server
    use_smtp(rc, port)
    tag, _card, _due = lend(rc)
    clock.advance(days=31)
    rc.reminders.send_emails()
    rc.loans.extend(tag)
    assert rc.reminders.due() == []
    clock.advance(days=90)
    assert len(rc.reminders.send_emails().sent) == 1
    assert len(inbox.messages) == 2


def test_reminders_are_synced_records_with_a_fixed_id(rc, clock, smtp_server):
    _inbox, port = smtp_server
    use_smtp(rc, port)
    lend(rc)
    clock.advance(days=31)
    rc.reminders.send_emails()
    with rc.sessions() as s:
        record = s.scalars(select(ReminderSent)).one()
        outbox = s.scalars(select(OutboxEntry).where(OutboxEntry.table_name == "reminder_sent")).all()
        from db.models_reminders import reminder_id

        assert record.id == reminder_id(record.loan_id, record.due_date, "late-1", "email")
    assert len(outbox) == 1


# -- the call list --------------------------------------------------------------------------------


def test_call_list_and_outcomes(rc, clock):
    tag, _card, _due = lend(rc)
    assert rc.reminders.call_list() == []
    clock.advance(days=35)
    [item] = rc.reminders.call_list()
    assert (item.tag, item.phone, item.days_late, item.last_outcome) == (tag, "0470 12 34 56", 5, "")
    rc.reminders.log_call(tag, "no-answer")
    clock.advance(hours=2)
    rc.reminders.log_call(tag, "calls-back")
    [item] = rc.reminders.call_list()
    assert item.last_outcome == "calls-back"
    with rc.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReminderCall)) == 2
    with pytest.raises(UserError):
        rc.reminders.log_call(tag, "maybe")
    lines = [line.text for line in rc.reminders.history(item.loan_id)]
    assert lines == ["Gebeld: geen antwoord", "Gebeld: belt terug"]


def test_an_sms_provider_is_a_seam_not_a_fake(rc, clock):
    lend(rc)
    clock.advance(days=31)
    with pytest.raises(UserError, match="sms-dienst"):
        rc.reminders.send_sms()

    class Provider:
        def __init__(self):
            self.sent = []

        def send(self, phone, text):
            self.sent.append((phone, text))

    from app.reminders.service import ReminderService

    provider = Provider()
    service = ReminderService(rc.sessions, rc.settings, now=clock, sms=provider)
    assert len(service.send_sms().sent) == 1
    assert provider.sent[0][0] == "0470 12 34 56"
    assert service.send_sms().sent == []


@pytest.fixture
def smtp_with_login(monkeypatch):
    import logging

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    monkeypatch.setattr(logging.getLogger("mail.log"), "propagate", False)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"balie" and auth_data.password == b"juist-wachtwoord"
        return AuthResult(success=ok, handled=False)

    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,  # loopback only; production uses starttls or tls
        ready_timeout=60,
    )
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_password_comes_from_the_keychain(rc, clock, smtp_with_login, keychain):
    from app.reminders.mail import store_smtp_password

    inbox, port = smtp_with_login
    use_smtp(rc, port)
    change(rc.settings, "smtp_user", "balie")
    lend(rc)
    clock.advance(days=31)
    store_smtp_password(rc.settings, "fout-wachtwoord")
    with pytest.raises(UserError, match="weigert de gebruikersnaam"):
        rc.reminders.send_emails()
    assert sent_count(rc) == 0
    store_smtp_password(rc.settings, "juist-wachtwoord")
    assert len(rc.reminders.send_emails().sent) == 1
    assert len(inbox.messages) == 1


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
def test_a_french_borrowers_letter_is_in_french_and_an_arabic_name_is_shaped(rc, clock, tmp_path):
    from app.printing.pdf import shape

    lend(rc, "Sophie", "Dubois", serial="SN-FR", due=START.date() + dt.timedelta(days=10), lang="fr")
    lend(rc, "محمد", "العلي", serial="SN-AR", due=START.date() + dt.timedelta(days=10))
    clock.advance(days=12)
    letters = tmp_path / "lettres.pdf"
    rc.reminders.write_letters(letters)
    text = " ".join(pdf_text(letters).split())
    assert "Bonjour Sophie Dubois" in text and "ordinateur portable" in text
    raw = subprocess.run(["pdftotext", "-raw", str(letters), "-"], capture_output=True, text=True).stdout
    raw = raw.replace("\u202b", "").replace("\u202c", "")
    for visual_word in shape("محمد العلي").split():
        assert visual_word[::-1] in raw, visual_word
    assert "محمد" not in raw  # never the bare, unjoined letters
