"""Upgrading an unencrypted data folder: the database and its old backups get encrypted.

The current release wrote plain SQLite. On the first start of this version the
database is converted in place, without loss:

1. a plain safety copy of the database is made first (`digibank.db.before-encryption`,
   0600, in the data folder itself — never elsewhere);
2. an encrypted copy is written with SQLCipher's `sqlcipher_export` and checked: integrity
   and the number of rows of every table (the search index included) must match;
3. the encrypted copy atomically replaces the database; the plain -wal/-shm go;
4. an encrypted backup of the converted database is written to `backups/`;
5. only then is the plain safety copy overwritten and deleted.

A data protection officer wants no readable copy left behind, so the plain safety copy
lives only for the minutes of the conversion; should the program stop half-way, the
next start finds it and finishes (or redoes) the conversion. Old plain backups in
`backups/` are encrypted the same way (each checked, modification time kept, so the
rotation still counts their age). What the file system keeps in freed blocks is beyond
a program's reach: full-disk encryption is the complement (see README).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from app.config import DB_FILE, private_file
from app.errors import UserError
from app.i18n import _
from db.light import cipher_connect, encrypt_plain_copy, is_plain_sqlite

log = logging.getLogger(__name__)

SAFETY_SUFFIX = ".before-encryption"


def safety_copy(folder: Path) -> Path:
    return folder / (DB_FILE + SAFETY_SUFFIX)


def convert_plain_database(folder: Path, key: str) -> None:
    """Encrypt the plain database of `folder` in place (see the module text)."""
    import sqlite3

    from app.backup import make_backup

    db = folder / DB_FILE
    safety = safety_copy(folder)
    log.info("converting the unencrypted database to SQLCipher")
    safety.unlink(missing_ok=True)
    private_file(safety)
    src = sqlite3.connect(db)
    try:
        dst = sqlite3.connect(safety)
        try:
            src.backup(dst)  # includes what is still in the plain -wal
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    tmp = db.with_name(db.name + ".encrypting")
    tmp.unlink(missing_ok=True)
    private_file(tmp)
    try:
        encrypt_plain_copy(safety, tmp, key)  # raises when a single row is missing
    except Exception as exc:
        # The original is untouched: no second plain copy may stay behind.
        log.error("conversion to SQLCipher failed: %s", exc)
        tmp.unlink(missing_ok=True)
        shred(safety)
        raise UserError(
            _(
                "De database kon niet versleuteld worden; er is niets veranderd. Details in het "
                "logboek; maak een back-up en bel de coördinator."
            ),
            code="encryption-failed",
        ) from None
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    os.replace(tmp, db)
    make_backup(folder, key)
    shred(safety)
    encrypt_plain_backups(folder, key)
    log.info("database converted to SQLCipher")


def finish_interrupted(folder: Path, key: str) -> None:
    """A conversion stopped after the replace: the plain safety copy must still go."""
    safety = safety_copy(folder)
    if safety.exists():
        check = cipher_connect(folder / DB_FILE, key)
        try:
            check.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            check.close()
        shred(safety)
        log.info("leftover unencrypted safety copy removed")
    encrypt_plain_backups(folder, key)


def work_left(folder: Path) -> bool:
    """Whether `finish_interrupted` has something to do (the light read path then steps aside)."""
    backups = folder / "backups"
    return safety_copy(folder).exists() or (
        backups.is_dir() and any(is_plain_sqlite(p) for p in backups.glob("*.db"))
    )


def encrypt_plain_backups(folder: Path, key: str) -> None:
    backups = folder / "backups"
    if not backups.is_dir():
        return
    for path in sorted(backups.glob("*.db")):
        if not is_plain_sqlite(path):
            continue
        stat = path.stat()
        tmp = path.with_name(path.name + ".encrypting")
        tmp.unlink(missing_ok=True)
        private_file(tmp)
        try:
            encrypt_plain_copy(path, tmp, key)
        except Exception as exc:  # a damaged old backup: leave it, say so (no names in the log)
            tmp.unlink(missing_ok=True)
            log.warning("old backup %s could not be encrypted: %s", path.name, type(exc).__name__)
            continue
        os.utime(tmp, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the rotation goes by age
        os.replace(tmp, path)
        log.info("old backup %s encrypted", path.name)


def shred(path: Path) -> None:
    """Overwrite, then delete: the best a program can do on a normal file system."""
    try:
        size = path.stat().st_size
        with open(path, "r+b") as f:
            block = b"\0" * 65536
            left = size
            while left > 0:
                n = min(left, len(block))
                f.write(block[:n])
                left -= n
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        log.warning("could not overwrite %s: %s", path.name, exc)
    path.unlink(missing_ok=True)
