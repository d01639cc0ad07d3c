"""`digibank selftest`: does this installation work? A checklist a volunteer can read."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from app import i18n
from app.config import DB_FILE
from app.i18n import _


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


def run_checks(data_dir: Path, engine) -> list[Check]:
    checks: list[Check] = []

    def add(name: str, fn) -> None:
        try:
            detail = fn() or ""
            checks.append(Check(name, True, detail))
        except Exception as exc:  # each check reports its own failure; the list goes on
            checks.append(Check(name, False, f"{type(exc).__name__}: {exc}"))

    add(_("Python-versie"), lambda: _require(sys.version_info >= (3, 11), sys.version.split()[0]))
    add(_("Gegevensmap schrijfbaar"), lambda: _writable(data_dir))
    add(_("Vrije schijfruimte"), lambda: _disk(data_dir))
    add(_("Database leesbaar en gaaf"), lambda: _integrity(engine))
    add(_("Databaseschema actueel"), lambda: _schema(engine))
    add(_("Database versleuteld (SQLCipher)"), lambda: _encrypted(data_dir, engine))
    add(_("Sleutel van de database"), lambda: _key_store(data_dir))
    add(_("Sleutelhanger van het systeem"), lambda: _keychain())
    add(_("Vertalingen"), lambda: _translations())
    add(_("Postcodetabel"), lambda: _postcodes())
    for module in ("PySide6", "reportlab", "barcode", "openpyxl", "keyring", "httpx"):
        add(_("Onderdeel {name}").format(name=module), lambda m=module: _module(m))
    with tempfile.TemporaryDirectory(prefix="digibank-selftest-") as tmp:
        add(_("Etiket afdrukken (PDF)"), lambda: _label_pdf(Path(tmp)))
        add(_("Contract afdrukken (PDF)"), lambda: _contract_pdf(Path(tmp)))
    add(_("Laatste back-up"), lambda: _last_backup(data_dir))
    add(_("Databasebestand"), lambda: str(data_dir / DB_FILE))
    return checks


def _require(condition: bool, detail: str) -> str:
    if not condition:
        raise RuntimeError(detail)
    return detail


def _writable(folder: Path) -> str:
    probe = folder / ".selftest"
    probe.write_text("ok", encoding="utf-8")
    probe.unlink()
    return str(folder)


def _disk(folder: Path) -> str:
    free = shutil.disk_usage(folder).free // (1024 * 1024)
    return _require(free > 200, f"{free} MB")


def _integrity(engine) -> str:
    with engine.connect() as con:
        result = con.execute(text("PRAGMA integrity_check")).scalar()
        mode = con.execute(text("PRAGMA journal_mode")).scalar()
    _require(result == "ok", str(result))
    return f"{result}, journal={mode}"


def _encrypted(data_dir: Path, engine) -> str:
    from db.engine import is_plain_sqlite

    _require(not is_plain_sqlite(data_dir / DB_FILE), _("niet versleuteld"))
    with engine.connect() as con:
        version = con.execute(text("PRAGMA cipher_version")).scalar()
    _require(bool(version), _("niet versleuteld"))
    return f"SQLCipher {version}"


def _schema(engine) -> str:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from db.engine import alembic_config

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as con:
        current = MigrationContext.configure(con).get_current_revision()
    return _require(current == head, f"{current} (head {head})")


def _translations() -> str:
    """Every language besides Dutch loads and has no message left untranslated."""
    from babel.messages.pofile import read_po

    from app.i18n import LOCALE_DIR

    sample = "Geen toestel met nummer '{tag}'."
    done = []
    for language in i18n.LANGUAGES:
        if language == "nl":
            continue
        _require(i18n.load(language).gettext(sample) != sample, language)
        with (LOCALE_DIR / language / "LC_MESSAGES" / "digibank.po").open("rb") as fh:
            catalog = read_po(fh)
        missing = [m.id for m in catalog if m.id and not m.string]
        _require(
            not missing, _("{lang}: {n} tekst(en) zonder vertaling").format(lang=language, n=len(missing))
        )
        done.append(language)
    return ", ".join(done)


def _postcodes() -> str:
    from app import postcodes

    count = len(postcodes.municipalities())
    _require(count >= 500, str(count))
    _require(postcodes.municipality_for("8500") != "", "8500")
    return _("{n} gemeenten met NIS-code").format(n=count)


def _key_store(data_dir: Path) -> str:
    """Where the key of this database lives: the keychain, or a passphrase (never a file)."""
    from app.credentials import ENV_PASSPHRASE, DatabaseKeys

    keys = DatabaseKeys()
    if keys.has_stored_key(data_dir / DB_FILE):
        return _("in de sleutelhanger ({backend})").format(backend=keys.keychain_name())
    if os.environ.get(ENV_PASSPHRASE):
        return _("wachtwoord (DIGIBANK_PASSPHRASE)")
    return _("wachtwoord (bij het starten gevraagd)")


def _keychain() -> str:
    """A missing keychain is not a failure: the database then has a passphrase."""
    from app.credentials import DatabaseKeys

    name = DatabaseKeys().keychain_name()
    if name is not None:
        return name
    return _("geen veilige sleutelhanger: de database gebruikt een wachtwoord")


def _pdf_ok(path: Path) -> str:
    head = path.read_bytes()[:5]
    _require(head == b"%PDF-" and path.stat().st_size > 1000, str(path.stat().st_size))
    return _("{kb} kB").format(kb=max(1, path.stat().st_size // 1024))


def _label_pdf(folder: Path) -> str:
    from app.printing.labels import LabelItem, write_labels_pdf

    out = folder / "etiket.pdf"
    item = LabelItem(
        tag="TST-000001", title="Lenovo ThinkPad T480", owner_line="Eigendom van …", digibank_name="Test"
    )
    write_labels_pdf([item], "L7160", out)
    return _pdf_ok(out)


def _contract_pdf(folder: Path) -> str:
    from app.printing.contracts import ContractData, load_conditions, write_contract_pdf

    out = folder / "contract.pdf"
    today = dt.date.today()
    data = ContractData(
        digibank_name="Test",
        digibank_address="Teststraat 1, 8500 Kortrijk",
        digibank_contact="",
        place="Kortrijk",
        borrower_name="Test Persoon",
        borrower_card="TST-B-00001",
        borrower_address="",
        borrower_contact="",
        tag="TST-000001",
        kind="laptop",
        brand="Lenovo",
        model="ThinkPad T480",
        serial="S1",
        accessories="",
        condition_out="",
        out_date=today,
        due_date=today + dt.timedelta(days=90),
        deposit_cents=2500,
    )
    write_contract_pdf(data, load_conditions("nl"), out)
    return _pdf_ok(out)


def _last_backup(data_dir: Path) -> str:
    """A database older than two days must have a backup of at most two days."""
    from app.backup import backup_folder

    newest = max(backup_folder(data_dir).glob("digibank-*.db"), default=None, key=lambda p: p.stat().st_mtime)
    now = dt.datetime.now()
    if newest is None:
        db = data_dir / DB_FILE
        created = dt.datetime.fromtimestamp(db.stat().st_mtime if db.exists() else now.timestamp())
        _require(now - created < dt.timedelta(days=2), _("nog geen back-up"))
        return _("nog geen back-up (de eerste wordt bij het starten van het venster gemaakt)")
    age = now - dt.datetime.fromtimestamp(newest.stat().st_mtime)
    _require(age < dt.timedelta(days=2), _("{days} dagen oud").format(days=age.days))
    return _("{hours} uur oud").format(hours=int(age.total_seconds() // 3600))


def _module(name: str) -> str:
    return _require(importlib.util.find_spec(name) is not None, name)
