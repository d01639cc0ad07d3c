"""Where the data lives and the settings a digibank can change.

The data folder holds the database, the log file and `settings.json`. Secrets
(sync token, database key) never go into settings: see app/credentials.py.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

APP_NAME = "digibank-balie"
DB_FILE = "digibank.db"
SETTINGS_FILE = "settings.json"
LOG_FILE = "digibank.log"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir, else DIGIBANK_DATA_DIR, else the platform's user data folder."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("DIGIBANK_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def private_file(path: Path) -> None:
    """Create `path` (if missing) readable by its owner only: 0600 from the first byte.

    SQLite gives its -wal/-shm files the mode of the database file, so a database
    created this way keeps all three private.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)


def secure_folder(folder: Path) -> Path:
    """The data folder and our files in it are the owner's only (0700 / 0600).

    An older version made them 0755/0644: tighten what is there on every open.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.chmod(folder, 0o700)
        backups = folder / "backups"
        if backups.is_dir():
            os.chmod(backups, 0o700)
        for place in (folder, backups):
            if place.is_dir():
                for item in place.iterdir():
                    if item.is_file() and not item.is_symlink():
                        os.chmod(item, 0o600)
    except OSError as exc:  # not the owner (a shared folder): leave it, say it in the log
        log.warning("could not restrict the permissions in %s: %s", folder, exc)
    return folder


DEFAULT_REFERRERS = ("OCMW", "CAW", "school", "VDAB", "integratiedienst", "huisarts", "zelf gekomen")


@dataclass
class Settings:
    language: str = "nl"
    loan_period_days: int = 90
    default_deposit_cents: int = 0
    # Deposit per device kind ({"laptop": 2500}); a kind not named asks default_deposit_cents.
    deposit_by_kind_cents: dict[str, int] = field(default_factory=dict)
    max_open_loans_per_borrower: int = 1
    owner_line: str = ""  # "Eigendom van …" on labels; empty = the location's name
    label_layout: str = "L7160"
    server_url: str = ""
    # A practice folder made by `digibank demo`: the window says OEFENING, printouts carry it.
    demo: bool = False
    # A PEM file with the CA of a self-hosted server (DIGIBANK_CA_BUNDLE overrides it).
    ca_bundle: str = ""
    # Plain http:// to another computer (only on a trusted network; the status bar warns).
    insecure_http: bool = False
    sync_interval_seconds: int = 60
    # Backups older than this are deleted: so an erased person's data leaves them too.
    backup_keep_days: int = 30
    # People with no activity for this long are due for anonymisation (`privacy retention`).
    retention_months: int = 24
    # The window locks after this many minutes without keyboard or mouse (once staff exist).
    idle_lock_minutes: int = 10
    # Who refers people to this digibank (the borrower form offers these; the digibank keeps the list).
    referrers: list[str] = field(default_factory=lambda: list(DEFAULT_REFERRERS))
    # How long a checked proof of eligibility stays valid, and what a loan after that does:
    # "warn" (lend, and ask staff to check again) or "refuse" (check again first).
    eligibility_valid_months: int = 12
    eligibility_expired: str = "warn"
    # Reminders (app/reminders.py): the digibank's own mail server; its password is in the keychain.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"  # none | starttls | tls
    smtp_user: str = ""
    smtp_from: str = ""
    reminder_days_before: int = 3  # 0: no reminder before the due date
    reminder_late_steps: str = "1,7"  # days late at which a reminder goes out
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> Settings:
        path = folder / SETTINGS_FILE
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("settings file %s unreadable; using defaults", path)
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})

    def save(self, folder: Path) -> None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / SETTINGS_FILE
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        private_file(tmp)
        tmp.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crash never leaves half a settings file


# How this counter connects to its server (from the open data folder's settings). Kept here
# and handed to app/sync/transport.py, so that opening a context does not import httpx.
connection_policy: dict[str, Any] = {"ca_bundle": "", "insecure_http": False}


def set_connection_policy(ca_bundle: str, insecure_http: bool) -> None:
    import sys

    connection_policy.update(ca_bundle=ca_bundle or "", insecure_http=bool(insecure_http))
    transport = sys.modules.get("app.sync.transport")
    if transport is not None:
        transport.configure(ca_bundle, insecure_http)


# A practice folder (`digibank demo`): every PDF says so (app/printing/pdf.py reads this).
practice_mode = False


def set_practice_mode(on: bool) -> None:
    global practice_mode
    practice_mode = bool(on)
