"""Encryption at rest: SQLCipher database, WAL and backups; the key's sources; the upgrade
of a plain database made by the current release; private file permissions."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import stat
import time
from pathlib import Path

import pytest
import sqlcipher3

from app import config
from app.backup import check_backup_file, make_backup, restore
from app.borrowers import BorrowerInput
from app.context import AppContext, open_context, setup_logging
from app.credentials import DatabaseKeys
from app.encryption import safety_copy
from app.errors import UserError
from app.export import export_records
from app.inventory import DeviceInput
from app.sync.set_aside import set_aside
from db.base import FieldConflict
from db.engine import (
    cipher_connect,
    is_plain_sqlite,
    make_engine,
    migrate,
    session_factory,
    sqlite_url,
    table_counts,
)
from db.models_privacy import ErasureRequest
from db.models_reminders import ReminderSent, reminder_id
from db.models_sync import ConflictDecision
from tests.cli_helpers import one_line_error, run
from tests.conftest import TEST_PASSPHRASE
from tests.keychains import MemoryKeychain

NAME = b"Uniekenaam"


@pytest.fixture
def own_log_file():
    """setup_logging keeps the first log file of a process; these tests need their own."""
    import logging.handlers

    root = logging.getLogger()
    kept = [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    for handler in kept:
        root.removeHandler(handler)
    yield
    for handler in [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]:
        root.removeHandler(handler)
        handler.close()
    for handler in kept:
        root.addHandler(handler)


class TrustedMemoryKeyring(MemoryKeychain):
    """Stands in for an OS keychain (credentials trust backends by module)."""


TrustedMemoryKeyring.__module__ = "keyring.backends.SecretService"


def add_zeynep(ctx: AppContext) -> str:
    borrower = ctx.borrowers.add(
        BorrowerInput(first_name="Zeynep", last_name="Uniekenaam", postcode="8500", notes="Uniekenaam")
    )
    return borrower.card_number


def files_with_name(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and NAME in p.read_bytes()]


def test_database_and_wal_are_encrypted_and_search_still_works(ctx):
    add_zeynep(ctx)
    assert ctx.borrowers.search_ids("Uniekenaam")  # FTS5 over the encrypted file
    db = ctx.data_dir / config.DB_FILE
    assert Path(str(db) + "-wal").exists()  # the WAL is in use, and encrypted too
    assert files_with_name(ctx.data_dir) == []
    assert not is_plain_sqlite(db)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(db).execute("SELECT name FROM sqlite_master").fetchall()  # `.tables`


def test_key_is_the_first_statement_then_the_pragmas(tmp_path, monkeypatch):
    statements: list[str] = []
    real_connect = sqlcipher3.connect

    def traced(*args, **kwargs):  # type: ignore[no-untyped-def]
        connection = real_connect(*args, **kwargs)
        connection.set_trace_callback(statements.append)
        return connection

    monkeypatch.setattr(sqlcipher3, "connect", traced)
    ctx = open_context(tmp_path / "d", actor="t")
    try:
        assert statements[0].lower().startswith("pragma key")
        with ctx.engine.connect() as c:
            raw = c.connection.dbapi_connection
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert raw.execute("PRAGMA secure_delete").fetchone()[0] == 1
            assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == 10000
    finally:
        ctx.close()


def test_key_is_made_at_first_start_and_kept_in_the_keychain(tmp_path, monkeypatch):
    monkeypatch.delenv("DIGIBANK_PASSPHRASE")
    backend = TrustedMemoryKeyring()
    keys = DatabaseKeys(backend)
    ctx = open_context(tmp_path / "d", actor="t", keys=keys)
    ctx.locations.initialise("KRT", "Kortrijk balie")
    ctx.close()
    assert keys.source == "keychain"
    (stored,) = backend.secrets.values()
    assert len(bytes.fromhex(stored)) == 32
    assert stored not in "".join(p.read_text("latin-1") for p in (tmp_path / "d").rglob("*") if p.is_file())
    again = open_context(tmp_path / "d", actor="t", keys=DatabaseKeys(backend))
    try:
        assert again.locations.is_initialised()
    finally:
        again.close()
    # The same folder without that keychain entry cannot be opened.
    with pytest.raises(UserError) as refused:
        open_context(tmp_path / "d", keys=DatabaseKeys(TrustedMemoryKeyring()))
    assert refused.value.code == "no-database-key"


def test_without_keychain_or_passphrase_the_command_line_says_so_in_one_line(
    tmp_path, capsys, monkeypatch, no_keychain
):
    monkeypatch.delenv("DIGIBANK_PASSPHRASE")
    folder = tmp_path / "d"
    code, _out, err = run(capsys, str(folder), "init", "--location-code", "KRT", "--location-name", "K")
    assert code == 1
    assert "DIGIBANK_PASSPHRASE" in one_line_error(err)
    assert not (folder / config.DB_FILE).exists()  # never a database with a silent key


def test_a_new_passphrase_must_be_long_enough(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIBANK_PASSPHRASE", "kort")
    with pytest.raises(UserError, match="minstens 8"):
        open_context(tmp_path / "d")


def test_wrong_passphrase_exits_1_with_one_line(tmp_path, capsys, monkeypatch):
    folder = str(tmp_path / "d")
    assert run(capsys, folder, "init", "--location-code", "KRT", "--location-name", "K")[0] == 0
    monkeypatch.setenv("DIGIBANK_PASSPHRASE", "niet-het-wachtwoord")
    code, _out, err = run(capsys, folder, "device", "list")
    assert code == 1
    assert "klopt niet" in one_line_error(err)


def test_a_terminal_is_asked_for_the_passphrase(tmp_path, capsys, monkeypatch, no_keychain):
    folder = str(tmp_path / "d")
    assert run(capsys, folder, "init", "--location-code", "KRT", "--location-name", "K")[0] == 0
    monkeypatch.delenv("DIGIBANK_PASSPHRASE")
    asked: list[str] = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": asked.append(prompt) or TEST_PASSPHRASE)
    code, out, err = run(capsys, folder, "device", "list")
    assert code == 0, err
    assert asked == ["Wachtwoord van de database: "]


# --- backups ----------------------------------------------------------------------------


def test_backups_are_encrypted_and_checked_with_the_key(ctx, tmp_path):
    add_zeynep(ctx)
    backup = make_backup(ctx.data_dir, ctx.db_key)
    assert not is_plain_sqlite(backup)
    assert NAME not in backup.read_bytes()
    check_backup_file(backup, ctx.db_key)
    with pytest.raises(UserError, match="niet leesbaar met de sleutel"):
        check_backup_file(backup, "een-andere-sleutel")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(backup).execute("SELECT 1 FROM sqlite_master").fetchall()


def test_restore_of_an_old_plain_backup_encrypts_it_on_the_way_in(ctx, tmp_path):
    add_zeynep(ctx)
    plain = tmp_path / "oud.db"
    with cipher_connect(ctx.data_dir / config.DB_FILE, ctx.db_key) as src:
        src.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
        src.execute("SELECT sqlcipher_export('plain')")
        src.execute("DETACH DATABASE plain")
    assert is_plain_sqlite(plain)
    ctx.borrowers.add(BorrowerInput(first_name="Later", last_name="Toegevoegd", postcode="8500"))
    ctx.close()
    safety = restore(ctx.data_dir, plain, ctx.db_key)
    assert safety is not None and not is_plain_sqlite(safety)
    assert not is_plain_sqlite(ctx.data_dir / config.DB_FILE)
    again = open_context(ctx.data_dir, actor="t")
    try:
        assert again.borrowers.count() == 1
    finally:
        again.close()


# --- upgrade of a plain database --------------------------------------------------------


def _plain_release_folder(folder: Path) -> AppContext:
    """A data folder as the current (unencrypted) release writes it: plain SQLite, migrated."""
    folder.mkdir(parents=True)
    engine = make_engine(sqlite_url(folder / config.DB_FILE))
    migrate(engine)
    ctx = AppContext(folder, engine, session_factory(engine, "oud"), config.Settings())
    ctx.locations.initialise("KRT", "Kortrijk balie")
    card = add_zeynep(ctx)
    device = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SER-1"))
    ctx.bench.record_repair(device.asset_tag, "nieuwe batterij", cost="12,50")
    ctx.bench.record_wipe(device.asset_tag, method="nist-clear", result="passed")
    ctx.devices.set_status(device.asset_tag, "ready")
    loan = ctx.loans.checkout(device.asset_tag, card).loan
    ctx.reminders.log_call(device.asset_tag, "reached")  # a call of the overdue call list
    ctx.donations.add("Bakkerij Dewitte bv")
    session = ctx.trainings.add("Digitaal starten", dt.datetime(2026, 12, 3, 10, 0))
    ctx.trainings.register(session.id, card)
    ctx.trainings.attend(session.id, card)
    ctx.helpdesk.log("itsme", card=card)
    ctx.waiting_list.add(card)
    ctx.staff.add("Anna", "coordinator", "4321")  # a staff record and its audit event
    with ctx.sessions() as s, s.begin():
        s.add(
            FieldConflict(
                table_name="borrower",
                row_id="x",
                field="phone",
                kept_value="1",
                kept_stamp="a",
                lost_value="2",
                lost_stamp="b",
                recorded_at=dt.datetime(2026, 11, 1),
            )
        )
        s.add(ConflictDecision(kind="double-loan", subject_id="y"))
        s.add(ErasureRequest(subject_table="borrower", subject_id="x", requested_at=dt.datetime(2026, 11, 1)))
        s.add(
            ReminderSent(
                id=reminder_id(loan.id, loan.due_date, "before-3", "letter"),
                loan_id=loan.id,
                due_date=loan.due_date,
                step="before-3",
                channel="letter",
                sent_at=dt.datetime(2026, 11, 1),
            )
        )
        set_aside(s, "device", "z", "", {"status": "bogus"}, {"status": "s"}, "bad", dt.datetime(2026, 11, 1))
    return ctx


def test_a_plain_database_of_the_current_release_is_converted_without_loss(tmp_path):
    folder = tmp_path / "oud"
    old = _plain_release_folder(folder)
    records = export_records(old.sessions)
    raw = sqlite3.connect(folder / config.DB_FILE)
    counts = table_counts(raw)
    raw.close()
    empty = [name for name, n in counts.items() if n == 0]
    assert empty == [], f"fill every table: {empty}"
    old.engine.dispose()
    backups = folder / "backups"
    backups.mkdir()
    # Two days old: within the rotation age (backup_keep_days), so they are kept, encrypted.
    two_days_ago = int(time.time()) - 2 * 86_400
    for name in ("digibank-20261101-080000.db", "digibank-20261102-080000.db"):
        shutil.copyfile(folder / config.DB_FILE, backups / name)
        os.utime(backups / name, (two_days_ago, two_days_ago))
    assert files_with_name(folder)  # as the current release leaves it: readable names

    ctx = open_context(folder, actor="t")
    try:
        assert export_records(ctx.sessions) == records
        assert ctx.borrowers.search_ids("Uniekenaam")
        with cipher_connect(folder / config.DB_FILE, ctx.db_key) as raw:
            # The first open of an older database checks its people's municipalities once and
            # notes it (BorrowerService.repair_municipalities_if_due): one local_state row more.
            assert table_counts(raw) == {**counts, "local_state": counts["local_state"] + 1}
            assert raw.execute("SELECT 1 FROM local_state WHERE key = 'municipalities_checked'").fetchone()
            assert raw.execute("INSERT INTO borrower_fts(borrower_fts) VALUES ('integrity-check')")
    finally:
        ctx.close()
    assert not is_plain_sqlite(folder / config.DB_FILE)
    assert not safety_copy(folder).exists()
    old_backups = [backups / "digibank-20261101-080000.db", backups / "digibank-20261102-080000.db"]
    for path in old_backups:
        assert not is_plain_sqlite(path)
        assert path.stat().st_mtime == two_days_ago  # rotation still sees their age
        check_backup_file(path, TEST_PASSPHRASE)
    assert len(list(backups.glob("digibank-*.db"))) == 3  # plus the backup right after converting
    assert files_with_name(folder) == []


def test_a_conversion_stopped_after_the_replace_is_finished_at_the_next_start(tmp_path):
    folder = tmp_path / "oud"
    _plain_release_folder(folder).engine.dispose()
    leftover = tmp_path / "plain-copy.db"
    shutil.copyfile(folder / config.DB_FILE, leftover)
    open_context(folder).close()
    shutil.copyfile(leftover, safety_copy(folder))  # as if the program stopped before the shred
    open_context(folder).close()
    assert not safety_copy(folder).exists()
    assert files_with_name(folder) == []


# --- permissions ------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_folder_and_files_are_private(tmp_path, capsys, own_log_file):
    folder = tmp_path / "d"
    assert run(capsys, str(folder), "init", "--location-code", "KRT", "--location-name", "K")[0] == 0
    assert run(capsys, str(folder), "settings", "set", "loan_period_days", "60")[0] == 0
    assert run(capsys, str(folder), "backup")[0] == 0
    ctx = open_context(folder)  # keeps -wal/-shm open
    try:
        files = [p for p in folder.rglob("*") if p.is_file()]
        names = {p.name for p in files}
        assert {"digibank.db", "digibank.db-wal", "digibank.db-shm", "settings.json", "digibank.log"} <= names
        assert _mode(folder) == 0o700 and _mode(folder / "backups") == 0o700
        assert {p.name: oct(_mode(p)) for p in files} == {p.name: "0o600" for p in files}
    finally:
        ctx.close()


def test_an_older_world_readable_folder_is_tightened(tmp_path):
    folder = tmp_path / "d"
    open_context(folder).close()
    os.chmod(folder, 0o755)
    os.chmod(folder / config.DB_FILE, 0o644)
    open_context(folder).close()
    assert _mode(folder) == 0o700 and _mode(folder / config.DB_FILE) == 0o600


def test_a_rotated_log_file_is_private_too(tmp_path, own_log_file):
    import logging.handlers

    folder = tmp_path / "d"
    setup_logging(folder)
    handler = next(
        h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler)
    )
    handler.doRollover()
    assert _mode(folder / config.LOG_FILE) == 0o600
    assert _mode(folder / (config.LOG_FILE + ".1")) == 0o600


# --- acceptance -------------------------------------------------------------------------


def test_acceptance_no_name_in_any_file_of_the_data_folder(tmp_path, capsys, monkeypatch, own_log_file):
    folder = tmp_path / "d"
    data = str(folder)
    assert run(capsys, data, "init", "--location-code", "KRT", "--location-name", "Kortrijk balie")[0] == 0
    code, out, err = run(
        capsys,
        data,
        "borrower",
        "add",
        "--first-name",
        "Zeynep",
        "--last-name",
        "Uniekenaam",
        "--postcode",
        "8500",
    )
    assert code == 0, err
    assert run(capsys, data, "borrower", "find", "Uniekenaam")[0] == 0
    assert run(capsys, data, "backup")[0] == 0
    assert run(capsys, data, "settings", "set", "loan_period_days", "60")[0] == 0
    ctx = open_context(folder)  # the database open, so -wal and -shm are there too
    try:
        ctx.borrowers.edit(ctx.borrowers.find("Uniekenaam")[0].card_number, phone="0470 12 34 56")
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        assert {"digibank.db", "digibank.db-wal", "digibank.db-shm", "digibank.log", "settings.json"} <= set(
            files
        )
        assert any(f.startswith("backups/") for f in files)
        assert "registered" in (folder / config.LOG_FILE).read_text()  # the log was written
        assert files_with_name(folder) == []
    finally:
        ctx.close()
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(folder / config.DB_FILE).execute("SELECT name FROM sqlite_master").fetchall()
    code, out, _err = run(capsys, data, "selftest")
    assert "[OK  ] Database versleuteld (SQLCipher): SQLCipher 4." in out
    monkeypatch.setenv("DIGIBANK_PASSPHRASE", "fout-wachtwoord")
    code, _out, err = run(capsys, data, "borrower", "find", "Zeynep")
    assert code == 1, err
    assert "klopt niet" in one_line_error(err)


def test_a_failed_conversion_changes_nothing_and_leaves_no_plain_copy(tmp_path, monkeypatch):
    folder = tmp_path / "oud"
    _plain_release_folder(folder).engine.dispose()
    before = (folder / config.DB_FILE).read_bytes()

    def broken(plain, target, key):  # type: ignore[no-untyped-def]
        raise RuntimeError("encrypted copy differs")

    monkeypatch.setattr("app.encryption.encrypt_plain_copy", broken)
    with pytest.raises(UserError, match="niets veranderd"):
        open_context(folder)
    assert (folder / config.DB_FILE).read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["digibank.db"]


def test_wrong_passphrase_whole_process_prints_one_line_on_stderr(tmp_path):
    """SQLCipher's own C-level log lines go to fd 2, which capsys does not see."""
    import subprocess
    import sys

    folder = tmp_path / "d"
    open_context(folder).close()
    env = {**os.environ, "DIGIBANK_PASSPHRASE": "niet-het-wachtwoord"}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "--data-dir", str(folder), "device", "list"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 1
    assert "klopt niet" in one_line_error(done.stderr)


def test_a_backup_with_its_own_passphrase_moves_to_another_computer(tmp_path, capsys, monkeypatch):
    old_pc, new_pc = str(tmp_path / "oud"), str(tmp_path / "nieuw")
    assert run(capsys, old_pc, "init", "--location-code", "KRT", "--location-name", "K")[0] == 0
    ctx = open_context(old_pc)
    add_zeynep(ctx)
    before = export_records(ctx.sessions)
    ctx.close()
    monkeypatch.setenv("DIGIBANK_BACKUP_PASSPHRASE", "verhuis-wachtwoord")
    out_file = tmp_path / "verhuis.db"
    code, out, err = run(capsys, old_pc, "backup", "--out", str(out_file), "--own-passphrase")
    assert code == 0, err
    assert NAME not in out_file.read_bytes()
    check_backup_file(out_file, "verhuis-wachtwoord")
    # The other computer has another key; without the backup's passphrase it is refused.
    monkeypatch.setenv("DIGIBANK_PASSPHRASE", "ander-wachtwoord-nieuwe-pc")
    monkeypatch.delenv("DIGIBANK_BACKUP_PASSPHRASE")
    code, _out, err = run(capsys, new_pc, "restore", str(out_file))
    assert code == 1 and "niet leesbaar met de sleutel" in one_line_error(err)
    monkeypatch.setenv("DIGIBANK_BACKUP_PASSPHRASE", "verhuis-wachtwoord")
    code, _out, err = run(capsys, new_pc, "restore", str(out_file), "--own-passphrase")
    assert code == 0, err
    moved = open_context(new_pc)
    try:
        assert export_records(moved.sessions) == before
        assert moved.db_key == "ander-wachtwoord-nieuwe-pc"
    finally:
        moved.close()


def test_a_passphrase_is_stretched_once_per_file_not_at_every_connection(tmp_path, monkeypatch):
    """SQLCipher stretches a passphrase (256,000 rounds of PBKDF2, 0.1 s here) at every new
    connection, and the window opens several (sync, backup, background work). The key is
    derived once per file, with the file's own salt, and every connection is given that raw
    key before its first read. A wrong passphrase is still refused; a file whose salt changed
    (a restored backup) gets its key derived again."""
    import hashlib

    from sqlalchemy import text

    folder = tmp_path / "d"
    first = open_context(folder, actor="t")
    first.close()
    stretched: list[bytes] = []
    real_pbkdf2 = hashlib.pbkdf2_hmac

    def counted(name, password, salt, *args, **kwargs):  # type: ignore[no-untyped-def]
        stretched.append(salt)
        return real_pbkdf2(name, password, salt, *args, **kwargs)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counted)
    effective: dict[int, str] = {}
    real_connect = sqlcipher3.connect

    def traced(*args, **kwargs):  # type: ignore[no-untyped-def]
        connection = real_connect(*args, **kwargs)
        me = id(connection)

        def seen(statement: str) -> None:
            if statement.lower().startswith("pragma key"):
                if effective.get(me, "").startswith("read:"):
                    return
                effective[me] = statement
            elif not effective.get(me, "").startswith("read:"):
                effective[me] = "read:" + effective.get(me, "")

        connection.set_trace_callback(seen)
        return connection

    monkeypatch.setattr(sqlcipher3, "connect", traced)
    ctx = open_context(folder, actor="t")
    try:
        with ctx.sessions() as a, ctx.sessions() as b, ctx.sessions() as c:  # three connections
            for session in (a, b, c):
                assert session.execute(text("SELECT count(*) FROM device")).scalar() == 0
        keys = [v for v in effective.values() if v.startswith("read:")]
        assert len(keys) >= 3
        assert all("x'" in k for k in keys), keys  # each connection read with the raw key
        assert len(stretched) == 1 and stretched[0] == (folder / config.DB_FILE).read_bytes()[:16]
    finally:
        ctx.close()
    monkeypatch.setenv("DIGIBANK_PASSPHRASE", TEST_PASSPHRASE + " niet")
    with pytest.raises(UserError):
        open_context(folder, actor="t")
