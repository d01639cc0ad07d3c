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
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import config
from app.credentials import AskPassphrase, DatabaseKeys, wrong_database_key
from app.errors import UserError
from app.i18n import _
from db.engine import SchemaTooNew, WrongKey, is_plain_sqlite, open_database

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from app.audit import AuditLog
    from app.bench import BenchService
    from app.borrowers import BorrowerService
    from app.counter import Counter
    from app.deletions import DeletionService
    from app.donations import DonationService
    from app.erasure_requests import ErasureRequests
    from app.helpdesk import HelpdeskService
    from app.history import HistoryService
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


@dataclass
class AppContext:
    """The services are made (and their modules imported) when first used: a command that
    lists devices never imports the reports, printing or sync code (issue 13: start-up)."""

    data_dir: Path
    engine: Engine
    sessions: sessionmaker[Session]
    settings: config.Settings
    now: Callable[[], dt.datetime] = dt.datetime.now
    # The SQLCipher key (backups are made with it); never printed, never written to a file.
    db_key: str = field(default="", repr=False)
    # The staff member signed in for this context (None: nobody, or no staff exist yet).
    signed_in: StaffView | None = field(default=None, init=False)

    def today(self) -> dt.date:
        return self.now().date()

    @cached_property
    def locations(self) -> LocationService:
        from app.locations import LocationService

        return LocationService(self.sessions)

    @cached_property
    def devices(self) -> DeviceService:
        from app.inventory import DeviceService

        return DeviceService(self.sessions, today=self.today)

    @cached_property
    def borrowers(self) -> BorrowerService:
        from app.borrowers import BorrowerService

        return BorrowerService(self.sessions, today=self.today, settings=self.settings)

    @cached_property
    def loans(self) -> LoanService:
        from app.loans import LoanService

        return LoanService(self.sessions, self.settings, now=self.now)

    @cached_property
    def printing(self) -> PrintService:
        from app.printing.service import PrintService

        return PrintService(self.sessions, self.settings, templates_dir=self.data_dir / "contracts")

    @cached_property
    def bench(self) -> BenchService:
        from app.bench import BenchService

        return BenchService(self.sessions, self.devices, now=self.now)

    @cached_property
    def donations(self) -> DonationService:
        from app.donations import DonationService

        return DonationService(self.sessions, self.devices, today=self.today)

    @cached_property
    def trainings(self) -> TrainingService:
        from app.trainings import TrainingService

        return TrainingService(self.sessions, now=self.now)

    @cached_property
    def helpdesk(self) -> HelpdeskService:
        from app.helpdesk import HelpdeskService

        return HelpdeskService(self.sessions, now=self.now)

    @cached_property
    def waiting_list(self) -> WaitingListService:
        from app.waiting_list import WaitingListService

        return WaitingListService(self.sessions, today=self.today)

    @cached_property
    def reports(self) -> ReportService:
        from app.reports import ReportService

        return ReportService(self.sessions, today=self.today)

    @cached_property
    def privacy(self) -> PrivacyService:
        from app.privacy import PrivacyService

        return PrivacyService(self.sessions, log_dir=self.data_dir)

    @cached_property
    def erasure_requests(self) -> ErasureRequests:
        from app.erasure_requests import ErasureRequests

        return ErasureRequests(self.sessions, self.privacy, now=self.now)

    @cached_property
    def deletions(self) -> DeletionService:
        from app.deletions import DeletionService

        return DeletionService(self.sessions, now=self.now)

    @cached_property
    def reminders(self) -> ReminderService:
        from app.reminders.service import ReminderService

        return ReminderService(
            self.sessions, self.settings, now=self.now, templates_dir=self.data_dir / "reminders"
        )

    @cached_property
    def loan_overview(self) -> LoanOverview:
        from app.loans_overview import LoanOverview

        return LoanOverview(self.sessions, today=self.today)

    @cached_property
    def history(self) -> HistoryService:
        from app.history import HistoryService

        return HistoryService(self.sessions, today=self.today)

    @cached_property
    def audit(self) -> AuditLog:
        from app.audit import AuditLog

        return AuditLog(self.sessions, now=self.now)

    @cached_property
    def staff(self) -> StaffService:
        from app.staff import StaffService

        return StaffService(self.sessions, self.audit, now=self.now)

    def counter(self) -> Counter:
        from app.counter import Counter

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
    # A practice folder marks its PDFs (app/printing/pdf.py), and how this counter connects to
    # its server (app/sync/transport.py): both handed over through app/config.py, read when
    # printing or a sync first needs them (importing reportlab or httpx here would cost every
    # command a tenth of a second and more).
    config.set_practice_mode(settings.demo)
    config.set_connection_policy(settings.ca_bundle, settings.insecure_http)
    ctx = AppContext(folder, engine, sessions, settings, now=now, db_key=key)
    ctx.borrowers.repair_municipalities()  # people from before the NIS codes (migration 0014)
    return ctx


# Kept importable from here (the command line, tests); lives where the window can import it
# without SQLAlchemy (ui/app.py sets up the log before anything heavy is imported).
from app.logfile import setup_logging  # noqa: E402, F401
