"""The window tells the truth about the sync (case 7): refused and held changes, tables
that differ, the clock, and the last result of any round — also one run from the
command line while the window is open."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from app.context import open_context
from app.inventory import DeviceInput
from app.sync.account import SyncState
from app.sync.domain_conflicts import ConflictService
from app.sync.refusals import refused_views
from app.sync.service import LAST_RESULT_KEY, SKEW_KEY, SyncService
from app.sync.set_aside import set_aside
from app.sync.transport import HttpTransport
from db.base import OutboxEntry
from db.changes import write_state
from server import store
from ui.sync.conflicts_view import ConflictsView
from ui.sync.status import SyncStatus

SHOTS = os.environ.get("DIGIBANK_SHOTS", "")  # set to a folder to keep the screenshots


def _refuse_accessories(monkeypatch, value: str) -> None:  # type: ignore[no-untyped-def]
    real = store.validate_change

    def validate(change, now_ms, max_ahead_ms):  # type: ignore[no-untyped-def]
        if change.fields.get("accessories") == value:
            return "bad-value", "device.accessories longer than 200 characters"
        return real(change, now_ms, max_ahead_ms)

    monkeypatch.setattr(store, "validate_change", validate)


def test_a_command_line_round_shows_in_the_open_window(qtbot, tmp_path, sqlite_server, monkeypatch):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    _refuse_accessories(monkeypatch, "X" * 20)
    window = open_context(tmp_path / "a", actor="window")
    cli = open_context(tmp_path / "a", actor="cli")
    try:
        window.locations.initialise("KRT", "Kortrijk")
        tag = window.devices.add(DeviceInput("laptop", "Dell", "E7450", accessories="X" * 20)).asset_tag
        status = SyncStatus(SyncState(window.sessions))
        qtbot.addWidget(status)
        view = ConflictsView(ConflictService(window.sessions), refused=lambda: refused_views(window.sessions))
        qtbot.addWidget(view)
        assert status.refused_button.isHidden() and "2 wijziging(en) wachten" in status.waiting_label.text()
        status.watch(interval_ms=50)

        # The command line syncs the same data folder (another process in real life).
        result = SyncService(cli.sessions, HttpTransport(server.url, token)).run_once()
        assert result.refused_waiting == 1
        qtbot.waitUntil(lambda: not status.refused_button.isHidden(), timeout=5000)
        assert "1 geweigerd" in status.refused_button.text()
        assert "0 wijziging(en) wachten" in status.waiting_label.text()
        assert status.state_label.text() == "● Online"
        assert status.last_label.text().startswith("laatst: ")

        view.refresh()
        item = view.tree.topLevelItem(0)
        assert item.text(0) == "geweigerd door de server" and tag in item.text(1)
        view.tree.setCurrentItem(item)
        assert "accessories" in view.explanation.text() and "Pas het record aan" in view.explanation.text()
        assert not view.keep_button.isEnabled()

        # A failed round (the server gone) shows with its plain reason, whoever ran it.
        server.stop()
        try:
            SyncService(cli.sessions, HttpTransport(server.url, token)).run_once()
        except Exception as exc:  # the command line prints this one line
            assert "niet bereikbaar" in exc.message  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: "mislukt" in status.last_label.text(), timeout=5000)
        assert "niet bereikbaar" in status.last_label.toolTip()
        assert status.state_label.text() == "○ Offline"
        assert not status.refused_button.isHidden()  # still refused, still shown
    finally:
        cli.close()
        window.close()


def test_status_bar_shows_refused_held_differing_and_the_clock(qtbot, ctx):
    tag = ctx.devices.add(DeviceInput("laptop", "Dell", "E7450")).asset_tag
    with ctx.sessions() as s, s.begin():
        entry = s.query(OutboxEntry).filter(OutboxEntry.table_name == "device").one()
        entry.refused_reason = "bad-value"
        entry.refused_detail = "device.accessories longer than 200 characters"
        write_state(s, SKEW_KEY, str(-365 * 86_400_000))
        outcome = {
            "ok": True,
            "finished_at": "2026-12-01T10:15:00",
            "held": 2,
            "mismatched_tables": ["device"],
        }
        write_state(s, LAST_RESULT_KEY, json.dumps(outcome))
        write_state(s, "sync_last_ok", "2026-12-01T10:15:00")
    status = SyncStatus(SyncState(ctx.sessions))
    qtbot.addWidget(status)
    assert status.refused_button.text() == "⚠ 1 geweigerd (zie Conflicten)"
    # One warning about the clock, with what it held back.
    assert status.clock_label.text() == "⚠ Klok wijkt 365 dagen af, 2 tegengehouden"
    assert "datum en uur" in status.clock_label.toolTip() and status.held_label.isHidden()
    assert status.differ_label.text() == "⚠ 1 tabel(len) wijken af"
    assert status.last_label.text() == "laatst: 01/12/2026 10:15"
    for w in (status.refused_button, status.differ_label, status.clock_label):
        assert not w.isHidden()
    with qtbot.waitSignal(status.conflicts_requested):
        status.refused_button.click()
    [view] = refused_views(ctx.sessions)
    assert view.what == f"toestel {tag} (nieuw)" and "Pas het record aan" in view.todo
    if SHOTS:
        status.resize(status.sizeHint())
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        status.grab().save(
            str(Path(SHOTS) / f"status_refused_clock_{os.environ.get('QT_SCALE_FACTOR', '1')}.png")
        )


def test_status_bar_shows_changes_set_aside(qtbot, ctx):
    status = SyncStatus(SyncState(ctx.sessions))
    qtbot.addWidget(status)
    assert status.set_aside_label.isHidden()
    with ctx.sessions() as s, s.begin():
        set_aside(
            s,
            "device",
            "d-1",
            "other-origin",
            {"status": "bogus"},
            {"status": "1795757725326-000001-x"},
            "device.status bogus",
            dt.datetime(2026, 12, 1, 10, 0),
        )
    status.refresh()
    assert status.set_aside_label.text() == "⚠ 1 ontvangen wijziging(en) apart"
    assert not status.set_aside_label.isHidden()
    assert "opnieuw geprobeerd" in status.set_aside_label.toolTip()
