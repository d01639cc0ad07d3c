"""Waiting list for devices: who is next per kind, add a person, mark served or remove."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.borrowers import full_name
from app.errors import UserError
from app.formatting import date_be
from app.i18n import _
from app.inventory import kind_names
from app.waiting_list import PRIORITIES, WaitingListService, WaitingRow, priority_names
from db.models import DEVICE_KINDS
from ui.operations import Changes, data_bus, reload_on_change
from ui.widgets.scan_field import ScanField

log = logging.getLogger(__name__)


class WaitingListView(QWidget):
    """Constructor: `WaitingListView(waiting: WaitingListService, parent: QWidget | None = None)`."""

    def __init__(self, waiting: WaitingListService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.waiting = waiting
        self._rows: list[WaitingRow] = []
        root = QVBoxLayout(self)

        self.next_label = QLabel()
        _enlarge(self.next_label, 1.3)
        self.next_label.setWordWrap(True)
        root.addWidget(self.next_label)

        add = QGroupBox(_("Iemand op de wachtlijst zetten"))
        row = QHBoxLayout(add)
        self.scan_field = ScanField()
        self.scan_field.setPlaceholderText(_("Scan de kaart en druk Enter"))
        self.scan_field.scanned.connect(self.add_card)
        self.kind = QComboBox()
        names = kind_names()
        for code in DEVICE_KINDS:
            self.kind.addItem(names[code], code)
        self.priority = QComboBox()
        for p in PRIORITIES:
            self.priority.addItem(f"{p} — {priority_names()[p]}", p)
        self.priority.setCurrentIndex(1)
        row.addWidget(self.scan_field, 3)
        row.addWidget(QLabel(_("Soort:")))
        row.addWidget(self.kind)
        row.addWidget(QLabel(_("Prioriteit:")))
        row.addWidget(self.priority)
        root.addWidget(add)

        self.message = QLabel()
        # No word wrap (a wrapped label gets squeezed by the layouts around it): the text
        # has its own line breaks, and an ignored width keeps long lines from widening the view.
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        root.addWidget(self.message)

        filter_row = QHBoxLayout()
        filter_row.addWidget(QLabel(_("Toon:")))
        self.filter = QComboBox()
        self.filter.addItem(_("alle soorten"), "")
        for code in DEVICE_KINDS:
            self.filter.addItem(names[code], code)
        self.filter.currentIndexChanged.connect(self.refresh)
        filter_row.addWidget(self.filter)
        filter_row.addStretch(1)
        self.serve_button = QPushButton(_("&Geholpen (toestel gekregen)"))
        self.serve_button.clicked.connect(self.serve_selected)
        self.cancel_button = QPushButton(_("Van de lijst &halen"))
        self.cancel_button.clicked.connect(self.cancel_selected)
        filter_row.addWidget(self.serve_button)
        filter_row.addWidget(self.cancel_button)
        root.addLayout(filter_row)

        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(
            [_("Plaats"), _("Kaart"), _("Naam"), _("Soort"), _("Prioriteit"), _("Sinds")]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        root.addWidget(self.table, 1)
        self.refresh()
        reload_on_change(self, ("waiting_list_entry", "borrower"), self.refresh)

    def add_card(self, card: str) -> bool:
        try:
            entry = self.waiting.add(
                card, kind=self.kind.currentData(), priority=int(self.priority.currentData())
            )
        except UserError as exc:
            self._say(exc.message, ok=False)
            return False
        data_bus().announce(Changes.of("waiting_list_entry"))
        self.refresh()
        position = next(
            (r.position for r in self.waiting.list(entry.device_kind) if r.entry.id == entry.id), 0
        )
        self._say(
            _("{card} staat op plaats {position} van de wachtlijst.").format(
                card=card.strip().upper(), position=position
            ),
            ok=True,
        )
        return True

    def selected(self) -> WaitingRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self._rows[rows[0].row()] if rows else None

    def serve_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self._close(row, served=True)

    def cancel_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self._close(row, served=False)

    def _close(self, row: WaitingRow, served: bool) -> None:
        try:
            if served:
                self.waiting.serve(row.entry.id)
            else:
                self.waiting.cancel(row.entry.id)
        except UserError as exc:
            self._say(exc.message, ok=False)
            return
        data_bus().announce(Changes.of("waiting_list_entry"))
        name = f"{row.borrower.first_name} {row.borrower.last_name}"
        self._say(
            (_("{name} is geholpen.") if served else _("{name} is van de wachtlijst gehaald.")).format(
                name=name
            ),
            ok=True,
        )
        self.refresh()

    def _say(self, text: str, ok: bool) -> None:
        self.message.setStyleSheet("color:#1b5e20;" if ok else "color:#9b1c1c; font-weight:bold;")
        self.message.setText(("✔ " if ok else "⚠ ") + text)

    def refresh(self) -> None:
        kind = self.filter.currentData() or None
        self._rows = self.waiting.list(kind)
        names, prios = kind_names(), priority_names()
        self.table.setRowCount(len(self._rows))
        for r, row in enumerate(self._rows):
            e, b = row.entry, row.borrower
            values = [
                str(row.position),
                b.card_number,
                full_name(b),
                names.get(e.device_kind, e.device_kind),
                f"{e.priority} — {prios.get(e.priority, '')}",
                date_be(e.requested_on),
            ]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(r, c, item)
        nxt = self.waiting.next("laptop")
        if nxt is None:
            self.next_label.setText(_("Niemand wacht op een laptop."))
        else:
            self.next_label.setText(
                _("Volgende voor een laptop: {name} ({card}), wacht sinds {since}.").format(
                    name=f"{nxt.borrower.first_name} {nxt.borrower.last_name}",
                    card=nxt.borrower.card_number,
                    since=date_be(nxt.entry.requested_on),
                )
            )


def _enlarge(widget: QWidget, factor: float) -> None:
    """Bold and bigger relative to the user's font, so it scales with a 150% system font."""
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(True)
    widget.setFont(font)
