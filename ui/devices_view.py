"""Devices ("Toestellen"): search, a lazy table, details, add/edit and status changes.

Which status may follow which is `app.inventory`'s business: the menu offers
what `TRANSITIONS` allows and `DeviceService.set_status` has the last word.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QLabel,
    QMenu,
    QPushButton,
    QWidget,
)

from app.borrowers import full_name
from app.errors import UserError
from app.formatting import date_be, euro
from app.history import HistoryService, history_lines
from app.i18n import _
from app.inventory import TRANSITIONS, DeviceService, kind_names, status_name, status_names
from app.loans import LoanService
from db.models import DEVICE_STATUSES, Device
from ui.dialogs.device_dialog import DeviceDialog, source_names
from ui.operations import Changes, data_bus, reload_on_change
from ui.table_models import SearchableTable, device_model
from ui.widgets.detail_pane import DetailPane, table_beside_details

log = logging.getLogger(__name__)

MESSAGE_STYLE = {
    "error": "background:#fde2e1; color:#5c0b0b; border:2px solid #c62828; padding:6px;",
    "ok": "background:#e3f4e1; color:#123d12; border:2px solid #2e7d32; padding:6px;",
}


def specs_lines(specs: dict[str, object], limit: int = 12) -> list[str]:
    lines = []
    for key, value in list(specs.items())[:limit]:
        if isinstance(value, dict | list):
            continue  # nested data (raw lshw) is for the bench view, not this summary
        lines.append(f"{key}: {value}")
    return lines


class MessageBanner(QLabel):
    """A plain-language message inside the view: no modal box, nothing only in colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setVisible(False)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.setFont(font)

    def show_error(self, message: str) -> None:
        self.setStyleSheet(MESSAGE_STYLE["error"])
        self.setText(_("Niet gelukt: {message}").format(message=message))
        self.setVisible(True)

    def show_ok(self, message: str) -> None:
        self.setStyleSheet(MESSAGE_STYLE["ok"])
        self.setText(message)
        self.setVisible(True)


class DevicesView(QWidget):
    devices_changed = Signal()

    def __init__(
        self,
        devices: DeviceService,
        loans: LoanService,
        parent: QWidget | None = None,
        history: HistoryService | None = None,
    ) -> None:
        super().__init__(parent)
        self.devices = devices
        self.loans = loans
        self.history = history

        self.status_filter = QComboBox(self)
        self.status_filter.addItem(_("Alle statussen"), "")
        names = status_names()
        for code in DEVICE_STATUSES:
            self.status_filter.addItem(names[code], code)
        self.status_filter.setAccessibleName(_("Filter op status"))

        self.model = device_model(devices.table_rows, devices.by_id)
        self.table = SearchableTable(
            self.model,
            lambda text, order: devices.search_ids(
                text, status=self.status_filter.currentData() or None, order=order
            ),
            _("Zoek op nummer, merk, model of serienummer…"),
            self,
            sortable=True,
        )
        self.table.filters.addWidget(QLabel(_("Status:"), self))
        self.table.filters.addWidget(self.status_filter)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.table.run_search())
        self.table.set_column_widths([16, 20, 10, 10, 18, 14, 13])
        # Several devices at once (Shift/Ctrl+click, Shift+arrows) for printing labels.
        self.table.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.selection_changed.connect(self._show_device)
        self.table.activated.connect(lambda _d: self.edit_device())

        # -- details -----------------------------------------------------------------
        details = DetailPane(self)
        self.detail_title, self.detail_text = details.title, details.text
        self.message = MessageBanner(self)

        self.new_button = QPushButton(_("&Nieuw toestel"), self)
        self.new_button.clicked.connect(self.new_device)
        self.edit_button = QPushButton(_("Be&werken"), self)
        self.edit_button.clicked.connect(self.edit_device)
        self.status_button = QPushButton(_("&Status wijzigen"), self)
        self.status_menu = QMenu(self.status_button)
        self.status_button.setMenu(self.status_menu)
        table_beside_details(
            self,
            self.table,
            [details, self.message],
            [self.new_button, self.edit_button, self.status_button],
        )

        self._show_device(None)
        self.table.run_search()
        # Statuses change in Werkbank, at the counter, by a sync or the command line.
        reload_on_change(self, ("device", "loan", "borrower"), self.table.reload)
        self.devices_changed.connect(lambda: data_bus().announce(Changes.of("device")))

    # -- showing -------------------------------------------------------------------------

    def current_device(self) -> Device | None:
        return self.table.current_record()

    def _show_device(self, device: Device | None) -> None:
        self.edit_button.setEnabled(device is not None)
        self.status_menu.clear()
        if device is None:
            self.detail_title.setText(_("Geen toestel gekozen"))
            self.detail_text.setText(_("Kies een toestel in de lijst, of zoek op nummer of serienummer."))
            self.status_button.setEnabled(False)
            return
        what = kind_names().get(device.kind, device.kind).capitalize()
        self.detail_title.setText(
            _("{tag} — {what} {brand} {model}").format(
                tag=device.asset_tag, what=what, brand=device.brand, model=device.model
            )
        )
        lines = [
            _("Status: {status}").format(status=status_name(device.status)),
            _("Serienummer: {serial}").format(serial=device.serial or "—"),
            _("Binnengekomen: {date} ({source})").format(
                date=date_be(device.intake_date), source=source_names().get(device.source, device.source)
            ),
        ]
        if device.acquisition_cost_cents:
            lines.append(_("Kostprijs: {cost}").format(cost=euro(device.acquisition_cost_cents)))
        if device.accessories:
            lines.append(_("Toebehoren: {items}").format(items=device.accessories))
        if device.notes:
            lines.append(_("Notities: {notes}").format(notes=device.notes))
        specs = specs_lines(device.specs or {})
        if specs:
            lines.append("")
            lines.append(_("Specificaties:"))
            lines.extend(f"  {line}" for line in specs)
        view = self.loans.for_device(device.asset_tag) if device.status == "on-loan" else None
        if view is not None:
            lines.append("")
            lines.append(
                _("Uitgeleend aan {name} ({card}) sinds {out}, terug tegen {due}.").format(
                    name=full_name(view.borrower),
                    card=view.borrower.card_number,
                    out=date_be(view.loan.out_at),
                    due=date_be(view.loan.due_date),
                )
            )
            if view.overdue:
                lines.append(_("TE LAAT: deze uitlening is over datum."))
        if self.history is not None:  # loans, returns, wipes, repairs, reminders
            lines += ["", *history_lines(self.history.device(device.id))]
        self.detail_text.setText("\n".join(lines))
        allowed = sorted(TRANSITIONS.get(device.status, frozenset()), key=DEVICE_STATUSES.index)
        for status in allowed:
            action = QAction(status_name(status), self.status_menu)
            action.triggered.connect(lambda _checked=False, s=status: self.change_status(s))
            self.status_menu.addAction(action)
        self.status_button.setEnabled(bool(allowed))
        if device.status == "on-loan":
            self.status_button.setToolTip(_("Een uitgeleend toestel wordt teruggenomen aan de balie."))
        else:
            self.status_button.setToolTip("")

    # -- actions ------------------------------------------------------------------------------

    def change_status(self, status: str) -> bool:
        device = self.current_device()
        if device is None:
            return False
        try:
            self.devices.set_status(device.asset_tag, status)
        except UserError as exc:
            self.message.show_error(exc.message)
            return False
        self.message.show_ok(
            _("{tag} staat nu op '{status}'.").format(tag=device.asset_tag, status=status_name(status))
        )
        self.table.refresh_current()
        self.devices_changed.emit()
        return True

    def new_device(self) -> None:
        dialog = DeviceDialog(self.devices, None, self)
        if self._exec(dialog) and dialog.result_device is not None:
            self.table.search_field.clear()
            self.table.run_search()
            self.table.select_id(dialog.result_device.id)
            self.message.show_ok(
                _("Toestel toegevoegd met nummer {tag}. Kleef het label en registreer de wissing.").format(
                    tag=dialog.result_device.asset_tag
                )
            )
            self.devices_changed.emit()

    def edit_device(self) -> None:
        device = self.current_device()
        if device is None:
            return
        dialog = DeviceDialog(self.devices, device, self)
        if self._exec(dialog):
            self.table.refresh_current()
            self.message.show_ok(_("{tag} is bijgewerkt.").format(tag=device.asset_tag))
            self.devices_changed.emit()

    def _exec(self, dialog: QDialog) -> bool:
        """Run a dialog; tests replace this to drive the dialog without a nested loop."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def refresh(self) -> None:
        self.table.run_search()
