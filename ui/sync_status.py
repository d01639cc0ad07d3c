"""Status-bar widget: online/offline, changes waiting, last sync, clock warning, conflicts."""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.i18n import _
from app.sync.account import SyncState
from app.sync.service import SyncResult

log = logging.getLogger(__name__)


class SyncStatus(QWidget):
    """Connect: controller.started → on_started, finished → on_finished, failed → on_failed;
    `sync_requested` → controller.sync_now; `conflicts_requested` opens the Conflicten view."""

    sync_requested = Signal()
    conflicts_requested = Signal()

    def __init__(self, state: SyncState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.online = None  # unknown until the first round
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        self.state_label = QLabel(self)
        self.waiting_label = QLabel(self)
        self.last_label = QLabel(self)
        self.clock_label = QLabel(self)
        self.conflicts_button = QPushButton(self)
        self.conflicts_button.setFlat(True)
        self.conflicts_button.clicked.connect(self.conflicts_requested)
        self.sync_button = QPushButton(_("Nu synchroniseren"), self)
        self.sync_button.clicked.connect(self.sync_requested)
        for w in (self.state_label, self.waiting_label, self.last_label, self.clock_label):
            layout.addWidget(w)
        layout.addWidget(self.conflicts_button)
        layout.addWidget(self.sync_button)
        self.refresh()

    def refresh(self) -> None:
        snap = self._state.snapshot()
        if self.online is None:
            self.state_label.setText(_("Synchronisatie: nog niet gestart"))
        elif self.online:
            self.state_label.setText(_("● Online"))
        else:
            self.state_label.setText(_("○ Offline"))
        self.waiting_label.setText(_("{n} wijziging(en) wachten").format(n=snap.waiting))
        if snap.last_sync is None:
            self.last_label.setText(_("nog nooit gesynchroniseerd"))
        else:
            self.last_label.setText(
                _("laatst: {when}").format(when=snap.last_sync.strftime("%d/%m/%Y %H:%M"))
            )
        if snap.clock_warning:
            self.clock_label.setText(
                _("⚠ Klok wijkt {minutes} min af").format(minutes=round(abs(snap.skew_ms) / 60000))
            )
            self.clock_label.setToolTip(_("Zet de klok van deze computer juist (datum en uur)."))
        else:
            self.clock_label.setText("")
        self.clock_label.setVisible(snap.clock_warning)
        self.conflicts_button.setText(_("{n} conflict(en)").format(n=snap.conflicts))
        self.conflicts_button.setVisible(snap.conflicts > 0)

    def on_started(self) -> None:
        self.sync_button.setEnabled(False)
        self.sync_button.setText(_("Bezig…"))

    def on_finished(self, _result: SyncResult) -> None:
        self.online = True
        self._done()

    def on_failed(self, message: str) -> None:
        self.online = False
        self.state_label.setToolTip(message)
        self._done()

    def _done(self) -> None:
        self.sync_button.setEnabled(True)
        self.sync_button.setText(_("Nu synchroniseren"))
        self.refresh()
