"""Undo a deletion in the window (Bestand → Verwijderd in de laatste 30 dagen…): the list of
app/deletions.py, newest first, and a button that puts the chosen record back.

Coordinators only (the `restore` capability, greyed by ui/staff_wiring.py with who may);
the restore is a change like any other, so the window's audit hook records it and it
syncs. It runs through ui/operations.run_operation and tells every view what changed."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.deletions import DeletedRecord, DeletionService
from app.formatting import date_be, datetime_be
from app.i18n import _
from app.sync.refusals import table_name
from db.deletions import UNDO_DAYS
from ui.devices_view import MessageBanner
from ui.operations import Changes, OpControl, run_operation
from ui.screen_fit import fit_dialog

log = logging.getLogger(__name__)


class DeletionsDialog(QDialog):
    """What was deleted in the last 30 days; `allowed`: may this person restore."""

    def __init__(
        self, deletions: DeletionService, allowed: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._deletions = deletions
        self._allowed = allowed
        self._busy = False
        self.setWindowTitle(_("Verwijderd in de laatste {days} dagen").format(days=UNDO_DAYS))
        intro = QLabel(
            _(
                "Een toestel, helpdeskbezoek of uitlening dat verwijderd werd, kan {days} dagen lang "
                "teruggezet worden. Gewiste persoonsgegevens (privacy) komen nooit terug."
            ).format(days=UNDO_DAYS),
            self,
        )
        intro.setWordWrap(True)
        self._table = QTableWidget(0, 4, self)
        self._table.setHorizontalHeaderLabels(
            [_("Wat"), _("Welke"), _("Verwijderd op"), _("Herstellen kan tot")]
        )
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._table.verticalHeader().setVisible(False)
        self._table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._table.itemSelectionChanged.connect(self._enable)
        self._table.itemActivated.connect(lambda _item: self.restore_selected())  # Enter restores
        self._empty = QLabel(_("Niets verwijderd in de laatste {days} dagen.").format(days=UNDO_DAYS), self)
        self._note = QLabel(_("Alleen een coördinator mag dit") + ".", self)
        self._note.setVisible(not allowed)
        self._message = MessageBanner(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self._restore_button = buttons.addButton(_("&Terugzetten"), QDialogButtonBox.ButtonRole.ActionRole)
        self._restore_button.clicked.connect(self.restore_selected)
        layout = QVBoxLayout(self)
        for widget in (intro, self._table, self._empty, self._note, self._message, buttons):
            layout.addWidget(widget)
        self.resize(720, 380)
        self.refresh()
        fit_dialog(self)

    # -- the small API tests and the menu use ------------------------------------------------

    def rows(self) -> list[DeletedRecord]:
        items = (self._table.item(r, 0) for r in range(self._table.rowCount()))
        return [item.data(Qt.ItemDataRole.UserRole) for item in items if item is not None]

    def cell_texts(self, row: int) -> list[str]:
        items = (self._table.item(row, column) for column in range(self._table.columnCount()))
        return [item.text() if item is not None else "" for item in items]

    def select(self, row: int) -> None:
        self._table.selectRow(row)

    def message_text(self) -> str:
        return self._message.text() if self._message.isVisible() else ""

    def can_restore(self) -> bool:
        return self._restore_button.isEnabled()

    def refresh(self) -> None:
        records = self._deletions.list()
        self._table.setRowCount(len(records))
        for row, record in enumerate(records):
            cells = (
                table_name(record.table),
                record.label,
                datetime_be(record.deleted_at),
                date_be(record.final_on),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 0:
                    item.setData(Qt.ItemDataRole.UserRole, record)
                self._table.setItem(row, column, item)
        self._table.resizeColumnsToContents()
        self._table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._empty.setVisible(not records)
        self._table.setVisible(bool(records))
        if records:
            self._table.selectRow(0)
            self._table.setFocus()
        self._enable()

    def restore_selected(self) -> None:
        record = self._selected()
        if record is None or not self._allowed or self._busy:
            return
        self._busy = True
        self._enable()
        deletions = self._deletions

        def work(_op: OpControl) -> DeletedRecord:
            return deletions.restore(record.table, record.id)

        run_operation(
            work,
            on_success=self._restored,
            on_failure=self._failed,
            changes=Changes.of(record.table, ids=[record.id]),
            parent=self,
            what="restore a deletion",
        )

    # -- private -----------------------------------------------------------------------------

    def _selected(self) -> DeletedRecord | None:
        rows = self._table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self._table.item(rows[0].row(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _enable(self) -> None:
        self._restore_button.setEnabled(self._allowed and not self._busy and self._selected() is not None)

    def _restored(self, record: DeletedRecord) -> None:
        self._busy = False
        self.refresh()
        self._message.show_ok(
            _("Teruggezet: {what} {label}.").format(what=table_name(record.table), label=record.label)
        )

    def _failed(self, message: str) -> None:
        self._busy = False
        self._enable()
        self._message.show_error(message)
