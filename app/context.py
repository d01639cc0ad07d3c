"""Opens one data folder and hands out the services that work on it.

The window and the command line both start here; widgets get the services
they need from this object, never the engine or a session.
"""

from __future__ import annotations

import datetime as dt
import logging
import logging.handlers
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import config
from app.audit import AuditLog
from app.bench import BenchService
from app.borrowers import BorrowerService
from app.counter import Counter
from app.credentials import AskPassphrase, DatabaseKeys, wrong_database_key
from app.donations import DonationService
from app.errors import UserError
from app.helpdesk import HelpdeskService
from app.history import HistoryService
from app.i18n import _
from app.inventory import DeviceService
from app.loans import LoanService
from app.loans_overview import LoanOverview
from app.locations import LocationService
from app.printing.service import PrintService
from app.privacy import PrivacyService
from app.reminders.service import ReminderService
from app.reports import ReportService
from app.staff import StaffService, StaffView
from app.trainings import TrainingService
from app.waiting_list import WaitingListService
from db.engine import SchemaTooNew, WrongKey, is_plain_sqlite, open_database

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    data_dir: Path
    engine: Engine
    sessions: sessionmaker[Session]
    settings: config.Settings
    now: Callable[[], dt.datetime] = dt.datetime.now
    # The SQLCipher key (backups are made with it); never printed, never written to a file.
    db_key: str = field(default="", repr=False)
    locations: LocationService = field(init=False)
    devices: DeviceService = field(init=False)
    borrowers: BorrowerService = field(init=False)
    loans: LoanService = field(init=False)
    printing: PrintService = field(init=False)
    bench: BenchService = field(init=False)
    donations: DonationService = field(init=False)
    trainings: TrainingService = field(init=False)
    helpdesk: HelpdeskService = field(init=False)
    waiting_list: WaitingListService = field(init=False)
    reports: ReportService = field(init=False)
    privacy: PrivacyService = field(init=False)
    audit: AuditLog = field(init=False)
    staff: StaffService = field(init=False)
    reminders: ReminderService = field(init=False)
    loan_overview: LoanOverview = field(init=False)
    history: HistoryService = field(init=False)
    # The staff member signed in for this context (None: nobody, or no staff exist yet).
    signed_in: StaffView | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        today = lambda: self.now().date()  # noqa: E731
        self.locations = LocationService(self.sessions)
        self.devices = DeviceService(self.sessions, today=today)
        self.borrowers = BorrowerService(self.sessions, today=today)
        self.loans = LoanService(self.sessions, self.settings, now=self.now)
        self.printing = PrintService(self.sessions, self.settings, templates_dir=self.data_dir / "contracts")
        self.bench = BenchService(self.sessions, self.devices, now=self.now)
        self.donations = DonationService(self.sessions, self.devices, today=today)
        self.trainings = TrainingService(self.sessions, now=self.now)
        self.helpdesk = HelpdeskService(self.sessions, now=self.now)
        self.waiting_list = WaitingListService(self.sessions, today=today)
        self.reports = ReportService(self.sessions, today=today)
        self.privacy = PrivacyService(self.sessions, log_dir=self.data_dir)
        self.audit = AuditLog(self.sessions, now=self.now)
        self.staff = StaffService(self.sessions, self.audit, now=self.now)
        self.reminders = ReminderService(
            self.sessions, self.settings, now=self.now, templates_dir=self.data_dir / "reminders"
        )
        self.loan_overview = LoanOverview(self.sessions, today=today)
        self.history = HistoryService(self.sessions, today=today)

    def counter(self) -> Counter:
        return Counter(self.devices, self.borrowers, self.loans, self.waiting_list)

    def sign_in(self, staff: StaffView | None) -> None:
        """From now on every change made through this context is stamped with this person
        (`changed_by` = the staff id, see db/changes.py)."""
        self.signed_in = staff
        info = self.sessions.kw.setdefault("info", {})
        info["actor"] = staff.id if staff is not None else ""

    def save_settings(self) -> None:
        self.settings.save(self.data_dir)

    def close(self) -> None:
        self.engine.dispose()


def open_context(
    data_dir: str | Path | None = None,
    actor: str | None = None,
    now: Callable[[], dt.datetime] = dt.datetime.now,
    ask: AskPassphrase | None = None,
    keys: DatabaseKeys | None = None,
) -> AppContext:
    """Open a data folder: find the key, encrypt a plain database once, migrate.

    `ask` asks the person for the passphrase when no keychain holds the key (the window's
    dialog, a terminal prompt); without it that case is a UserError. A wrong key is a
    UserError too (code "wrong-database-key"), never a traceback.
    """
    from app.encryption import convert_plain_database, finish_interrupted

    folder = config.secure_folder(config.data_dir(data_dir))
    db = folder / config.DB_FILE
    plain = is_plain_sqlite(db)
    encrypted = db.is_file() and db.stat().st_size > 0 and not plain
    keys = keys or DatabaseKeys()
    key = keys.key_for(db, exists_encrypted=encrypted, ask=ask)
    if plain:
        convert_plain_database(folder, key)
    elif not encrypted:
        config.private_file(db)  # a new database: 0600 before SQLite writes a byte

    def backup_first(current: str, head: str) -> None:
        # A newer program migrates an existing database only after a backup: if the new
        # version disappoints, the old one can be reinstalled and this backup restored.
        from app.backup import make_backup

        made = make_backup(folder, key)
        log.info("backup %s made before migrating the schema %s -> %s", made.name, current, head)

    try:
        engine, sessions = open_database(db, key=key, actor=actor, before_upgrade=backup_first)
    except WrongKey:
        raise wrong_database_key() from None
    except SchemaTooNew as exc:
        raise UserError(
            _(
                "Deze gegevens zijn bijgewerkt door een nieuwere versie van Digibank Balie "
                "(databaseversie {revision}). Deze oudere versie opent ze niet, om niets te beschadigen: "
                "installeer de nieuwere versie opnieuw, of zet een back-up van deze versie terug."
            ).format(revision=exc.revision),
            code="schema-too-new",
        ) from None
    # A database error written to the log must not carry the values (names, phones).
    engine.hide_parameters = True
    finish_interrupted(folder, key)
    settings = config.Settings.load(folder)
    from app.printing.pdf import set_practice_mode

    set_practice_mode(settings.demo)
    from app.sync import transport  # how this counter connects to its server

    transport.configure(settings.ca_bundle, settings.insecure_http)
    return AppContext(folder, engine, sessions, settings, now=now, db_key=key)


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files are created 0600 (also each new one after a rotation)."""

    def _open(self):
        config.private_file(Path(self.baseFilename))
        return super()._open()


def setup_logging(folder: Path, level: int = logging.INFO) -> None:
    """Log to a rotating file in the data folder (never to the user's terminal)."""
    config.secure_folder(folder)
    root = logging.getLogger()
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        return
    handler = _PrivateRotatingFileHandler(
        folder / config.LOG_FILE, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
