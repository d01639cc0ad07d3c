"""Backups rotate out by age (a setting, default 30 days): an erased person's data stays
in older backups only until then."""

from __future__ import annotations

import os
import time

from app.backup import backup_folder, make_backup
from app.config import Settings
from tests.cli_helpers import run

DAY = 86_400


def _old_backup(ctx, name, days):
    folder = backup_folder(ctx.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"old")
    past = time.time() - days * DAY
    os.utime(path, (past, past))
    return path


def test_default_keeps_30_days(ctx):
    assert Settings().backup_keep_days == 30
    old = _old_backup(ctx, "digibank-20200101-000000.db", 40)
    recent = _old_backup(ctx, "digibank-20200201-000000.db", 10)
    fresh = make_backup(ctx.data_dir, ctx.db_key)
    assert not old.exists() and recent.exists() and fresh.exists()


def test_keep_days_is_a_setting(capsys, ctx):
    ctx.close()
    data = str(ctx.data_dir)
    code, out, err = run(capsys, data, "settings", "set", "backup_keep_days", "7")
    assert code == 0, err
    assert Settings.load(ctx.data_dir).backup_keep_days == 7
    recent = _old_backup(ctx, "digibank-20200201-000000.db", 10)
    assert run(capsys, data, "backup")[0] == 0
    assert not recent.exists()
    code, _out, err = run(capsys, data, "settings", "set", "backup_keep_days", "0")
    assert code == 1 and "backup_keep_days" in err


def test_a_backup_cut_off_by_a_kill_is_removed_later(ctx):
    """A backup killed half-way (the window closed, the PC switched off) leaves its `.part`
    file: a partial copy of personal data that no rotation ever removed. The next backup
    removes such leftovers once they are clearly abandoned (an hour old), never a `.part` that
    another backup may still be writing."""
    abandoned = _old_backup(ctx, "digibank-20200101-000000.db.part", 2 / 24)
    journal = _old_backup(ctx, "digibank-20200101-000000.db.part-journal", 2 / 24)
    in_progress = _old_backup(ctx, "digibank-20200102-000000.db.part", 0)
    make_backup(ctx.data_dir, ctx.db_key)
    assert not abandoned.exists() and not journal.exists()
    assert in_progress.exists()
