"""Connects the sync pieces (controller, status-bar widget, Conflicten view, settings page)
to each other and to the main window. Only signal wiring: no business rules here."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QThreadPool

from app.context import AppContext
from app.i18n import _
from app.sync.account import SyncState, login, service_for
from app.sync.domain_conflicts import ConflictService
from app.sync.refusals import refused_views
from ui.sync.conflicts_view import ConflictsView
from ui.sync.controller import SyncController
from ui.sync.settings import SyncSettingsPage
from ui.sync.status import SyncStatus

log = logging.getLogger(__name__)


class SyncWiring(QObject):
    def __init__(self, ctx: AppContext, window) -> None:  # type: ignore[no-untyped-def]
        super().__init__(window)
        self._ctx = ctx
        self._window = window
        self.controller = SyncController(
            lambda progress: service_for(ctx.sessions, ctx.settings.server_url, progress=progress),
            interval_seconds=ctx.settings.sync_interval_seconds,
            parent=self,
        )
        self.status = SyncStatus(SyncState(ctx.sessions), window)
        window.status.add_permanent(self.status)
        self.conflicts_view = ConflictsView(
            ConflictService(ctx.sessions), window, refused=lambda: refused_views(ctx.sessions)
        )
        conflicts_tab = window.add_view(_("Conflicten"), self.conflicts_view)
        self.settings_page = SyncSettingsPage(
            ctx.settings.server_url, lambda url, token: login(ctx.sessions, url, token), parent=window
        )
        window.add_view(_("Synchronisatie"), self.settings_page)

        self.controller.started.connect(self.status.on_started)
        self.controller.finished.connect(self.status.on_finished)
        self.controller.failed.connect(self.status.on_failed)
        self.controller.finished.connect(self._after_round)
        self.controller.progress.connect(self.settings_page.show_progress)
        self.status.sync_requested.connect(self.sync_now)
        self.status.conflicts_requested.connect(lambda: window.show_tab(conflicts_tab))
        self.conflicts_view.resolved.connect(self.status.refresh)
        self.conflicts_view.resolved.connect(window.status.refresh)
        self.settings_page.logged_in.connect(self._logged_in)
        self._seen: object = None  # what the Conflicten tab last showed (see _status_refreshed)

    def start(self) -> None:
        """Background sync only once this counter knows its server. The status is re-read
        from the database all the same (a command-line sync may run with --server)."""
        self.status.watch()
        self.status.refreshed.connect(self._status_refreshed)
        if self._ctx.settings.server_url:
            self.controller.start()

    def sync_now(self) -> None:
        if not self._ctx.settings.server_url:
            self._window.show_tab(self._window.tabs.indexOf(self.settings_page))
            return
        self.controller.sync_now()

    def stop(self, wait_ms: int = 15_000) -> None:
        self.controller.stop()
        # A round cut off by exit would be safe (every page commits with its cursor), but a
        # worker must not outlive the database it writes to.
        QThreadPool.globalInstance().waitForDone(wait_ms)

    def _logged_in(self, url: str) -> None:
        self._ctx.settings.server_url = url
        self._ctx.save_settings()
        log.info("logged in at %s; starting background sync", url)
        self.controller.start()

    def _status_refreshed(self) -> None:
        # A round run elsewhere changed what the Conflicten tab lists: show it there too.
        snap = self.status.snapshot
        seen = (snap.refused, snap.conflicts, snap.last_attempt) if snap is not None else None
        if seen != self._seen:
            self._seen = seen
            self.conflicts_view.refresh()

    def _after_round(self, _result: object) -> None:
        self.conflicts_view.refresh()
        self._window.status.refresh()
        self._window.devices_view.table.refresh_current()
        self._window.borrowers_view.table.refresh_current()
