"""Status-bar widget: online/offline, changes waiting, refused and held changes, tables
that differ, clock warning, conflicts and the last sync result.

Everything but the online dot is read from the database (`SyncState`), so a round
run from the command line shows too: `watch()` re-reads it on a timer and whenever
the window regains focus.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.i18n import _
from app.sync.account import SyncSnapshot, SyncState
from app.sync.refusals import clock_offset_text, set_aside_line
from app.sync.service import SyncResult
from app.sync.transport import insecure_http_allowed

log = logging.getLogger(__name__)

WARN_STYLE = "color:#8a4b00; font-weight:bold;"
ERROR_STYLE = "color:#9b1c1c; font-weight:bold;"


class SyncStatus(QWidget):
    """Connect: controller.started → on_started, finished → on_finished, failed → on_failed;
    `sync_requested` → controller.sync_now; `conflicts_requested` opens the Conflicten view."""

    sync_requested = Signal()
    conflicts_requested = Signal()
    refreshed = Signal()

    def __init__(self, state: SyncState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.online = None  # unknown until the first round
        self.snapshot: SyncSnapshot | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        self.state_label = QLabel(self)
        self.waiting_label = QLabel(self)
        self.refused_button = QPushButton(self)
        self.refused_button.setFlat(True)
        self.refused_button.setStyleSheet(ERROR_STYLE)
        self.refused_button.clicked.connect(self.conflicts_requested)
        self.held_label = QLabel(self)
        self.held_label.setStyleSheet(WARN_STYLE)
        self.differ_label = QLabel(self)
        self.differ_label.setStyleSheet(WARN_STYLE)
        self.set_aside_label = QLabel(self)
        self.set_aside_label.setStyleSheet(WARN_STYLE)
        self.last_label = QLabel(self)
        self.clock_label = QLabel(self)
        self.clock_label.setStyleSheet(WARN_STYLE)
        self.insecure_label = QLabel(_("⚠ Onbeveiligde verbinding (http)"), self)
        self.insecure_label.setStyleSheet(ERROR_STYLE)
        self.insecure_label.setToolTip(
            _(
                "Plain http naar een andere computer is toegestaan (insecure_http): sleutel en "
                "gegevens gaan leesbaar over het netwerk. Gebruik https://."
            )
        )
        self.conflicts_button = QPushButton(self)
        self.conflicts_button.setFlat(True)
        self.conflicts_button.clicked.connect(self.conflicts_requested)
        self.sync_button = QPushButton(_("Nu synchroniseren"), self)
        self.sync_button.clicked.connect(self.sync_requested)
        for w in (self.state_label, self.insecure_label, self.waiting_label):
            layout.addWidget(w)
        layout.addWidget(self.refused_button)
        for w in (
            self.held_label,
            self.differ_label,
            self.set_aside_label,
            self.clock_label,
            self.last_label,
        ):
            layout.addWidget(w)
        layout.addWidget(self.conflicts_button)
        layout.addWidget(self.sync_button)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self.refresh()

    def watch(self, interval_ms: int = 15_000) -> None:
        """Re-read the state on a timer and when the window regains focus (a command-line
        sync may have run meanwhile). Not started in the constructor."""
        self._timer.start(interval_ms)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._on_app_state)

    def _on_app_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self.refresh()

    def refresh(self) -> None:
        snap = self._state.snapshot()
        self.snapshot = snap
        self._show_state(snap)
        self.insecure_label.setVisible(insecure_http_allowed())
        self.waiting_label.setText(_("{n} wijziging(en) wachten").format(n=snap.waiting))
        self.refused_button.setText(_("⚠ {n} geweigerd (zie Conflicten)").format(n=snap.refused))
        self.refused_button.setToolTip(
            _(
                "De server aanvaardde deze wijziging(en) niet. Zie het tabblad Conflicten: pas het "
                "record aan en bewaar het; de verbeterde wijziging wordt dan verstuurd."
            )
        )
        self.refused_button.setVisible(snap.refused > 0)
        # One warning about the clock: how far it is off, and what it held back.
        held = _("{n} tegengehouden").format(n=snap.held) if snap.held else ""
        self.held_label.setText(_("⚠ Klok loopt voor: {held}").format(held=held))
        self.held_label.setToolTip(
            _("De klok van deze computer loopt voor: zet datum en uur juist en synchroniseer opnieuw.")
        )
        self.held_label.setVisible(snap.held > 0 and not snap.clock_warning)
        self.differ_label.setText(_("⚠ {n} tabel(len) wijken af").format(n=len(snap.mismatched_tables)))
        self.differ_label.setToolTip(
            _(
                "Anders dan op de server: {tables}. De volgende synchronisatie probeert het "
                "te herstellen; blijft het, "
                "bel de beheerder."
            ).format(tables=", ".join(snap.mismatched_tables))
        )
        self.differ_label.setVisible(bool(snap.mismatched_tables))
        self.set_aside_label.setText(_("⚠ {n} ontvangen wijziging(en) apart").format(n=snap.set_aside))
        self.set_aside_label.setToolTip(set_aside_line(snap.set_aside))
        self.set_aside_label.setVisible(snap.set_aside > 0)
        if snap.clock_warning:
            text = _("⚠ Klok wijkt {amount} af").format(amount=clock_offset_text(snap.skew_ms))
            if held:
                text += ", " + held
            self.clock_label.setText(text)
            self.clock_label.setToolTip(
                _("Zet de klok van deze computer juist (datum en uur) en synchroniseer opnieuw.")
            )
        else:
            self.clock_label.setText("")
        self.clock_label.setVisible(snap.clock_warning)
        self._show_last(snap)
        self.conflicts_button.setText(_("{n} conflict(en)").format(n=snap.conflicts))
        self.conflicts_button.setVisible(snap.conflicts > 0)
        self.refreshed.emit()

    def _show_state(self, snap: SyncSnapshot) -> None:
        online = self.online
        if online is None and snap.last_ok is not None:
            online = snap.last_ok  # a round run elsewhere (command line) tells us too
        if online is None:
            self.state_label.setText(_("Synchronisatie: nog niet gestart"))
        elif online:
            self.state_label.setText(_("● Online"))
        else:
            self.state_label.setText(_("○ Offline"))

    def _show_last(self, snap: SyncSnapshot) -> None:
        if snap.last_ok is False and snap.last_attempt is not None:
            text = _("✖ mislukt om {when}: {reason}").format(
                when=snap.last_attempt.strftime("%d/%m %H:%M"), reason=snap.last_message
            )
            # Shown shortened where the bar is narrow; the whole sentence is in the tooltip.
            width = self.fontMetrics().horizontalAdvance("M") * 40
            self.last_label.setText(self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width))
            self.last_label.setToolTip(text)
            self.last_label.setStyleSheet(ERROR_STYLE)
        elif snap.last_sync is None:
            self.last_label.setText(_("nog nooit gesynchroniseerd"))
            self.last_label.setToolTip("")
            self.last_label.setStyleSheet("")
        else:
            self.last_label.setText(
                _("laatst: {when}").format(when=snap.last_sync.strftime("%d/%m/%Y %H:%M"))
            )
            self.last_label.setToolTip("")
            self.last_label.setStyleSheet("")

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
