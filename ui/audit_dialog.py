"""The audit log, read-only: who did what, when; filter by person, action and date."""

from __future__ import annotations

import datetime as dt
import logging

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.audit import AuditLog
from app.i18n import _
from app.staff import StaffService
from ui.screen_fit import fit_dialog

log = logging.getLogger(__name__)

MAX_ROWS = 5000  # the newest; narrow the dates for older ones


def outcome_word(outcome: str) -> str:
    return {"ok": _("gelukt"), "refused": _("geweigerd")}.get(outcome, outcome)


class AuditDialog(QDialog):
    def __init__(self, audit: AuditLog, staff: StaffService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._audit = audit
        self.setWindowTitle(_("Auditlogboek"))
        self.person = QComboBox(self)
        self.person.addItem(_("iedereen"), "")
        for member in staff.list():
            self.person.addItem(member.name, member.name)
        self.action = QLineEdit(self)
        self.action.setPlaceholderText(_("bv. erase, loan, sign-in"))
        today = QDate.currentDate()
        self.start = QDateEdit(today.addDays(-30), self)
        self.end = QDateEdit(today, self)
        for field in (self.start, self.end):
            field.setCalendarPopup(True)
            field.setDisplayFormat("dd/MM/yyyy")
        filters = QHBoxLayout()
        for text, widget in (
            (_("&Persoon:"), self.person),
            (_("&Actie:"), self.action),
            (_("&Van:"), self.start),
            (_("&Tot:"), self.end),
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        self.table = QTableWidget(0, 7, self)
        headers = [_("Wanneer"), _("Wie"), _("Actie"), _("Waarover"), _("Uitkomst")]
        self.table.setHorizontalHeaderLabels([*headers, _("Velden / reden"), _("Locatie")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count = QLabel(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 150, self.fontMetrics().height() * 30)
        self.person.currentIndexChanged.connect(self.refresh)
        self.action.textChanged.connect(self.refresh)
        self.start.dateChanged.connect(self.refresh)
        self.end.dateChanged.connect(self.refresh)
        self.refresh()
        fit_dialog(self)  # fits a 1366×768 screen at 150 % (ui/screen_fit.py)

    def refresh(self) -> None:
        start = self.start.date().toPython()
        end = self.end.date().toPython()
        if start > end:
            start, end = end, start
        assert isinstance(start, dt.date) and isinstance(end, dt.date)
        rows = self._audit.events(start, end, staff_name=self.person.currentData() or None)
        wanted = self.action.text().strip().lower()
        if wanted:
            rows = [r for r in rows if wanted in r.action.lower()]
        shown = rows[-MAX_ROWS:][::-1]  # newest first
        self.table.setRowCount(len(shown))
        for i, r in enumerate(shown):
            values = (
                r.at.strftime("%d/%m/%Y %H:%M:%S"),
                r.staff_name or "—",
                r.action,
                r.subject,
                outcome_word(r.outcome),
                r.detail,
                r.location,
            )
            for j, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.count.setText(_("{count} gebeurtenis(sen)").format(count=len(rows)))
