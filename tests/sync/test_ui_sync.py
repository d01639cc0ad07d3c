"""The sync controller, status widget, Conflicten view and settings page (offscreen Qt)."""

from __future__ import annotations

import random

from PySide6.QtCore import QThreadPool

from app.borrowers import BorrowerInput
from app.inventory import DeviceInput
from app.sync.account import SyncState, login, service_for
from app.sync.domain_conflicts import ConflictService
from app.sync.service import SKEW_KEY
from db.changes import write_state
from tests.conftest import make_ready
from tests.shots import shots_folder
from tests.sync.conftest import make_replica
from ui.sync.conflicts_view import ConflictsView
from ui.sync.controller import SyncController
from ui.sync.settings import SyncSettingsPage
from ui.sync.status import SyncStatus


def _shot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    folder = shots_folder()
    if folder is not None:
        widget.grab().save(str(folder / name))


def test_controller_syncs_in_the_background_and_reports(
    qtbot, tmp_path, sqlite_server, replicas, monkeypatch
):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    monkeypatch.setenv("DIGIBANK_TOKEN", server.issue_token("Kortrijk", "KRT"))
    a = make_replica(tmp_path, "a", server, "unused", "KRT")
    replicas.append(a)
    a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500"))
    pool = QThreadPool()
    controller = SyncController(
        lambda progress: service_for(a.ctx.sessions, server.url, progress=progress),
        interval_seconds=60,
        pool=pool,
    )
    status = SyncStatus(SyncState(a.ctx.sessions))
    qtbot.addWidget(status)
    controller.started.connect(status.on_started)
    controller.finished.connect(status.on_finished)
    controller.failed.connect(status.on_failed)
    status.sync_requested.connect(controller.sync_now)
    assert not controller.busy and controller.next_delay_ms() == -1  # nothing started yet
    assert "2 wijziging(en) wachten" in status.waiting_label.text()
    with qtbot.waitSignal(controller.finished, timeout=10000) as blocker:
        controller.start()
    assert blocker.args[0].pushed == 2
    assert status.state_label.text() == "● Online"
    assert "0 wijziging(en) wachten" in status.waiting_label.text()
    assert status.last_label.text().startswith("laatst: ")
    assert 55000 < controller.next_delay_ms() <= 63000  # a coarse timer may be 5% off
    _shot(status, "sync_status_online.png")
    controller.stop()
    pool.waitForDone()


def test_failures_back_off_with_jitter_and_show_offline(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIBANK_TOKEN", "x")
    from app.context import open_context

    ctx = open_context(tmp_path / "c")
    try:
        pool = QThreadPool()

        def broken(_progress):  # type: ignore[no-untyped-def]
            raise RuntimeError("boom")

        controller = SyncController(
            lambda p: service_for(ctx.sessions, "http://127.0.0.1:9", progress=p),
            interval_seconds=60,
            pool=pool,
            rng=random.Random(1),
        )
        status = SyncStatus(SyncState(ctx.sessions))
        qtbot.addWidget(status)
        controller.failed.connect(status.on_failed)
        with qtbot.waitSignal(controller.failed, timeout=10000) as blocker:
            controller.sync_now()
        assert "niet bereikbaar" in blocker.args[0]
        first = controller.next_delay_ms()
        assert status.state_label.text() == "○ Offline" and controller.failures == 1
        with qtbot.waitSignal(controller.failed, timeout=10000):
            controller.sync_now()
        assert controller.failures == 2 and controller.next_delay_ms() > first / 2
        other = SyncController(broken, pool=pool)
        with qtbot.waitSignal(other.failed, timeout=10000) as blocker:
            other.sync_now()
        assert "RuntimeError" in blocker.args[0] and "logboek" in blocker.args[0]
        controller.stop(), other.stop()
        pool.waitForDone()
    finally:
        ctx.close()


def test_clock_warning_in_the_status_bar(qtbot, ctx):
    with ctx.sessions() as s, s.begin():
        write_state(s, SKEW_KEY, str(3 * 86_400_000))
    status = SyncStatus(SyncState(ctx.sessions))
    qtbot.addWidget(status)
    assert not status.clock_label.isHidden() and "3 dagen" in status.clock_label.text()


def test_conflicts_view_lists_and_resolves_a_double_loan(qtbot, tmp_path, sqlite_server, replicas):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    # Cancelling a loan deletes it: the server takes that from a coordinator-scope token only.
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT", "coordinator"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    tag = a.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN1")).asset_tag
    make_ready(a.ctx, tag)
    p1 = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    p2 = a.ctx.borrowers.add(BorrowerInput("An", "Claes", "8500")).card_number
    a.sync(), b.sync()
    a.ctx.loans.checkout(tag, p1)
    b.ctx.loans.checkout(tag, p2)
    a.sync(), b.sync(), a.sync()
    view = ConflictsView(ConflictService(a.ctx.sessions))
    qtbot.addWidget(view)
    view.resize(900, 300)
    assert view.tree.topLevelItemCount() == 1
    assert view.tree.topLevelItem(0).text(0) == "dubbel uitgeleend"
    assert view.cancel_button.isEnabled() and not view.restore_button.isEnabled()
    _shot(view, "conflicts_view.png")
    with qtbot.waitSignal(view.resolved):
        view.cancel_button.click()
    assert view.tree.topLevelItemCount() == 0 and view.summary.text() == "Geen conflicten."
    assert a.ctx.loans.open_count() == 1
    a.sync(), b.sync()
    assert ConflictService(b.ctx.sessions).domain() == [] and b.ctx.loans.open_count() == 1


def test_settings_page_logs_in_off_the_gui_thread(qtbot, ctx, sqlite_server, keychain):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    pool = QThreadPool()
    page = SyncSettingsPage("", lambda url, tok: login(ctx.sessions, url, tok), pool=pool)
    qtbot.addWidget(page)
    page.url_edit.setText("ftp://nope")
    page.token_edit.setText(token)
    page.submit()
    qtbot.waitUntil(lambda: "https://" in page.message.text(), timeout=5000)
    page.url_edit.setText(server.url)
    with qtbot.waitSignal(page.logged_in, timeout=10000) as blocker:
        page.submit()
    assert blocker.args == [server.url]
    assert page.token_edit.text() == "" and "Kortrijk" in page.message.text()
    assert list(keychain.secrets.values()) == [token]
    page.show_progress(40, 100)
    assert not page.progress.isHidden() and page.progress.value() == 40
    page.resize(500, 260)
    _shot(page, "sync_settings.png")
    pool.waitForDone()
