"""Backups of the local database and restoring one.

A backup is a consistent snapshot made with SQLite's online backup API, so it
can run while the window is open. Restoring first saves the current database as
a backup too, so a restore can itself be undone.

Every backup is encrypted with the database's own key (SQLCipher, both ends of the
backup API keyed): a backup file is as unreadable without the key as the database.
An old unencrypted backup can still be restored; it is encrypted on the way in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
from pathlib import Path

from app.config import DB_FILE, Settings, private_file
from app.errors import UserError
from app.i18n import _
from db.engine import cipher_connect, encrypt_plain_copy, export_copy, is_plain_sqlite

log = logging.getLogger(__name__)

BACKUP_DIR = "backups"
ABANDONED_PART_S = 3600


def backup_folder(data_dir: Path) -> Path:
    return data_dir / BACKUP_DIR


def make_backup(
    data_dir: Path,
    key: str,
    out: Path | None = None,
    now: dt.datetime | None = None,
    backup_key: str | None = None,
) -> Path:
    """A backup encrypted with the database's key, or with `backup_key` (its own passphrase,
    to restore it on another computer whose keychain does not hold this database's key)."""
    source = data_dir / DB_FILE
    if not source.exists():
        raise UserError(_("Er is nog geen database om te bewaren in {folder}.").format(folder=data_dir))
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = out or _free_name(backup_folder(data_dir), f"digibank-{stamp}")
    if out is None:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    tmp.unlink(missing_ok=True)
    private_file(tmp)  # 0600 from the first byte; SQLite keeps the mode of the file it finds
    if backup_key:
        export_copy(source, key, tmp, backup_key)  # the backup API cannot change the key
    else:
        src = cipher_connect(source, key)
        try:
            dst = cipher_connect(tmp, key)
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


def backup_if_due(data_dir: Path, key: str, max_age: dt.timedelta = dt.timedelta(hours=24)) -> Path | None:
    """The automatic daily backup (called at start of the window)."""
    if not (data_dir / DB_FILE).exists():
        return None
    folder = backup_folder(data_dir)
    newest = max(folder.glob("digibank-*.db"), default=None, key=lambda p: p.stat().st_mtime)
    if newest is not None:
        age = dt.datetime.now() - dt.datetime.fromtimestamp(newest.stat().st_mtime)
        if age < max_age:
            return None
    return make_backup(data_dir, key)


def _prune(folder: Path, keep: Path | None = None) -> None:
    """Delete backups older than the `backup_keep_days` setting (never the one just made):
    a person erased today is gone from every backup after that many days."""
    days = Settings.load(folder.parent).backup_keep_days
    cutoff = dt.datetime.now().timestamp() - days * 86_400
    for old in folder.glob("digibank-*.db"):
        if old != keep and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    # A backup killed half-way leaves its .part (and journal): a partial copy of personal data
    # no rotation would reach. An hour untouched means nobody is still writing it.
    abandoned = dt.datetime.now().timestamp() - ABANDONED_PART_S
    for part in (*folder.glob("digibank-*.db.part"), *folder.glob("digibank-*.db.part-journal")):
        with contextlib.suppress(FileNotFoundError):
            if part.stat().st_mtime < abandoned:
                part.unlink()


def check_backup_file(path: Path, key: str) -> None:
    """Refuse anything that is not a healthy Digibank Balie database (read with `key`)."""
    import sqlcipher3

    if not path.is_file():
        raise UserError(_("Bestand niet gevonden: {path}").format(path=path))
    try:
        # An old unencrypted backup is read as it is (SQLCipher without a key reads plain files).
        con = cipher_connect(path, "" if is_plain_sqlite(path) else key, readonly=True)
        try:
            ok = con.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlcipher3.DatabaseError:
        raise UserError(
            _(
                "{path} is geen Digibank-back-up van deze gegevens (niet leesbaar met de sleutel "
                "van deze database)."
            ).format(path=path)
        ) from None
    if ok != "ok":
        raise UserError(_("{path} is beschadigd en kan niet teruggezet worden.").format(path=path))
    if not {"alembic_version", "local_state", "device", "borrower", "loan"} <= tables:
        raise UserError(_("{path} is geen Digibank-back-up.").format(path=path))


def restore(data_dir: Path, path: Path, key: str, backup_key: str | None = None) -> Path | None:
    """Replace the database by a backup. Returns the safety backup of what was there.

    `backup_key`: the backup's own passphrase (see make_backup); it is re-encrypted with
    this database's key on the way in. The caller must have closed every connection first.
    """
    path = path.resolve()
    check_backup_file(path, backup_key or key)
    current = data_dir / DB_FILE
    tmp = current.with_name(current.name + ".restore")
    tmp.unlink(missing_ok=True)
    private_file(tmp)
    # Copy first: the safety backup may land in the same folder. A plain backup is
    # encrypted on the way in, so the database never becomes readable again.
    if is_plain_sqlite(path):
        encrypt_plain_copy(path, tmp, key)
    elif backup_key:
        export_copy(path, backup_key, tmp, key)
    else:
        shutil.copyfile(path, tmp)
    safety = make_backup(data_dir, key) if current.exists() else None
    for suffix in ("-wal", "-shm"):
        Path(str(current) + suffix).unlink(missing_ok=True)
    os.replace(tmp, current)
    log.info("restored %s (safety backup %s)", path, safety)
    return safety
