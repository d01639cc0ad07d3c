"""The status bar: where we are, and how many loans are open and overdue."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from app.i18n import _
from ui.operations import reload_on_change
from ui.screen_fit import ElidedLabel

if TYPE_CHECKING:  # the window's frame shows this bar before the services are imported
    from app.loans import LoanService
    from app.locations import LocationService

log = logging.getLogger(__name__)


class _ClickableLabel(QLabel):
    clicked = Signal()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class StatusBar(QStatusBar):
    """Call `refresh()` after loans change; other parts add widgets with `add_permanent`.
    `overdue_clicked`: the TE LAAT counter was clicked (the window opens the late loans)."""

    overdue_clicked = Signal()

    def __init__(
        self, locations: LocationService | None, loans: LoanService | None, parent: QWidget | None = None
    ) -> None:
        """Without services (the window still opening) the bar shows only the busy note until
        `attach` gives them."""
        super().__init__(parent)
        self.locations = locations
        self.loans = loans
        # The location shrinks (ending in "…", the whole text as tooltip; the title bar has it
        # too) rather than widen the window; the counts are what people look at: never cut.
        self.location_label = ElidedLabel(parent=self)
        self.open_label = QLabel(self)
        self.overdue_label = _ClickableLabel(self)
        self.overdue_label.clicked.connect(self.overdue_clicked)
        self.overdue_label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.overdue_label.setToolTip(_("Toon de te late uitleningen"))
        self.busy_label = QLabel(self)  # "bezig…" while start-up work runs in the background
        self.busy_label.setVisible(False)
        for label in (self.location_label, self.open_label, self.overdue_label, self.busy_label):
            label.setContentsMargins(4, 0, 8, 0)
            self.addWidget(label)
        if locations is not None and loans is not None:
            self.attach(locations, loans)

    def attach(self, locations: LocationService, loans: LoanService) -> None:
        self.locations = locations
        self.loans = loans
        self.refresh()
        reload_on_change(self, ("loan", "location"), self.refresh)

    def add_permanent(self, widget: QWidget, stretch: int = 0) -> None:
        """Add a widget on the right that stays visible (e.g. the sync status)."""
        self.addPermanentWidget(widget, stretch)

    def show_busy(self, text: str) -> None:
        self.busy_label.setText("⏳ " + text)
        self.busy_label.setVisible(True)

    def show_warning(self, text: str) -> None:
        """A lasting note (no temporary message: that would hide the counts)."""
        self.busy_label.setText("⚠ " + text)
        self.busy_label.setToolTip(text)
        self.busy_label.setVisible(True)

    def clear_busy(self) -> None:
        self.busy_label.clear()
        self.busy_label.setVisible(False)

    def refresh(self) -> None:
        if self.locations is None or self.loans is None:
            return
        if self.locations.is_initialised():
            location = self.locations.current()
            self.location_label.setText(
                _("Locatie: {name} ({code})").format(name=location.name, code=location.code)
            )
        else:
            self.location_label.setText(_("Locatie: nog niet ingesteld"))
        self.open_label.setText(_("Open uitleningen: {count}").format(count=self.loans.open_count()))
        overdue = self.loans.overdue_count()
        if overdue:
            self.overdue_label.setText(_("TE LAAT: {count}").format(count=overdue))
            self.overdue_label.setStyleSheet("color:#9b1c1c; font-weight:bold;")
        else:
            self.overdue_label.setText(_("Te laat: 0"))
            self.overdue_label.setStyleSheet("")
