"""Backups of the local database and restoring one.

A backup is a consistent snapshot made with SQLite's online backup API, so it
can run while the window is open. Restoring first saves the current database as
a backup too, so a restore can itself be undone.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sqlite3
from pathlib import Path

from app.config import DB_FILE, Settings
from app.errors import UserError
from app.i18n import _

log = logging.getLogger(__name__)

BACKUP_DIR = "backups"


def backup_folder(data_dir: Path) -> Path:
    return data_dir / BACKUP_DIR


def make_backup(data_dir: Path, out: Path | None = None, now: dt.datetime | None = None) -> Path:
    source = data_dir / DB_FILE
    if not source.exists():
        raise UserError(_("Er is nog geen database om te bewaren in {folder}.").format(folder=data_dir))
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = out or _free_name(backup_folder(data_dir), f"digibank-{stamp}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            # One self-contained file: no -wal/-shm companions appear when it is opened later.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(tmp, target)  # a crash never leaves something that looks like a full backup
    log.info("backup written to %s", target)
    if out is None:
        _prune(backup_folder(data_dir), keep=target)
    return target


def _free_name(folder: Path, stem: str) -> Path:
    """Two backups in one second (e.g. restore's safety copy) must not overwrite each other."""
    candidate = folder / f"{stem}.db"
    n = 1
    while candidate.exists():
        candidate = folder / f"{stem}-{n}.db"
        n += 1
    return candidate


def backup_if_due(data_dir: Path, max_age: dt.timedelta = dt.timedelta(hours=24)) -> Path | None:
    """The automatic daily backup (called at start of the window)."""
    if not (data_dir / DB_FILE).exists():
        return None
    folder = backup_folder(data_dir)
    newest = max(folder.glob("digibank-*.db"), default=None, key=lambda p: p.stat().st_mtime)
    if newest is not None:
        age = dt.datetime.now() - dt.datetime.fromtimestamp(newest.stat().st_mtime)
        if age < max_age:
            return None
    return make_backup(data_dir)


def _prune(folder: Path, keep: Path | None = None) -> None:
    """Delete backups older than the `backup_keep_days` setting (never the one just made):
    a person erased today is gone from every backup after that many days."""
    days = Settings.load(folder.parent).backup_keep_days
    cutoff = dt.datetime.now().timestamp() - days * 86_400
    for old in folder.glob("digibank-*.db"):
        if old != keep and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def check_backup_file(path: Path) -> None:
    """Refuse anything that is not a healthy Digibank Balie database."""
    if not path.is_file():
        raise UserError(_("Bestand niet gevonden: {path}").format(path=path))
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = con.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError:
        raise UserError(
            _("{path} is geen Digibank-back-up (geen leesbare database).").format(path=path)
        ) from None
    if ok != "ok":
        raise UserError(_("{path} is beschadigd en kan niet teruggezet worden.").format(path=path))
    if not {"alembic_version", "local_state", "device", "borrower", "loan"} <= tables:
        raise UserError(_("{path} is geen Digibank-back-up.").format(path=path))


def restore(data_dir: Path, path: Path) -> Path | None:
    """Replace the database by a backup. Returns the safety backup of what was there.

    The caller must have closed every connection to the database first.
    """
    path = path.resolve()
    check_backup_file(path)
    current = data_dir / DB_FILE
    tmp = current.with_name(current.name + ".restore")
    shutil.copyfile(path, tmp)  # copy first: the safety backup may land in the same folder
    safety = make_backup(data_dir) if current.exists() else None
    for suffix in ("-wal", "-shm"):
        Path(str(current) + suffix).unlink(missing_ok=True)
    os.replace(tmp, current)
    log.info("restored %s (safety backup %s)", path, safety)
    return safety
