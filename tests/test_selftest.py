"""`digibank selftest` (issue 15): what a bundle must prove before a volunteer relies on it."""

from __future__ import annotations

import datetime as dt
import os
import shutil

from app import selftest
from app.cli import main
from app.context import open_context


def _checks(folder):
    ctx = open_context(str(folder))
    try:
        return {c.name: c for c in selftest.run_checks(ctx.data_dir, ctx.engine)}
    finally:
        ctx.close()


def test_a_fresh_data_folder_passes_every_check_including_printing_and_keys(tmp_path, capsys):
    folder = tmp_path / "data"
    assert main(["--data-dir", str(folder), "selftest"]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    for name in (
        "Sleutel van de database",
        "Sleutelhanger van het systeem",
        "Vertalingen",
        "Postcodetabel",
        "Etiket afdrukken (PDF)",
        "Contract afdrukken (PDF)",
        "Herinneringsbrief afdrukken (PDF)",
        "Laatste back-up",
    ):
        assert f"[OK  ] {name}:" in out, out


def test_an_untranslated_text_fails_the_translation_check(tmp_path, monkeypatch):
    locale = tmp_path / "locale"
    shutil.copytree(selftest.i18n.LOCALE_DIR, locale)
    po = locale / "en" / "LC_MESSAGES" / "digibank.po"
    extra = '\nmsgid "Nieuwe tekst zonder vertaling"\nmsgstr ""\n'
    po.write_text(po.read_text(encoding="utf-8") + extra, "utf-8")
    monkeypatch.setattr("app.i18n.LOCALE_DIR", locale)
    check = _checks(tmp_path / "data")["Vertalingen"]
    assert not check.ok and "1" in check.detail


def test_an_old_database_without_a_recent_backup_fails(tmp_path):
    folder = tmp_path / "data"
    _checks(folder)  # creates the database
    old = (dt.datetime.now() - dt.timedelta(days=5)).timestamp()
    os.utime(folder / "digibank.db", (old, old))
    assert not _checks(folder)["Laatste back-up"].ok
    backups = folder / "backups"
    backups.mkdir(exist_ok=True)
    stale = backups / "digibank-2000-01-01.db"
    stale.write_bytes(b"x")
    os.utime(stale, (old, old))
    assert not _checks(folder)["Laatste back-up"].ok
    fresh = backups / "digibank-2099-01-01.db"
    fresh.write_bytes(b"x")
    assert _checks(folder)["Laatste back-up"].ok


def test_a_broken_label_renderer_fails_the_label_check(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("font missing")

    monkeypatch.setattr("app.printing.labels.write_labels_pdf", broken)
    check = _checks(tmp_path / "data")["Etiket afdrukken (PDF)"]
    assert not check.ok and "font missing" in check.detail
