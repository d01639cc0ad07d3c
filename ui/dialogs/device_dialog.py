"""Add or edit a device. The checks are the service's; this dialog shows its answers."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.duplicates import DuplicateSerial
from app.errors import UserError
from app.formatting import euro, parse_euro
from app.i18n import _
from app.inventory import DeviceInput, DeviceService, kind_names
from app.validation import max_length
from db.models import DEVICE_KINDS, DEVICE_SOURCES, Device
from ui.dialogs.common import ErrorLabel
from ui.screen_fit import fit_dialog

log = logging.getLogger(__name__)


def source_names() -> dict[str, str]:
    return {"donation": _("schenking"), "purchase": _("aankoop")}


class DeviceDialog(QDialog):
    def __init__(self, devices: DeviceService, device: Device | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.devices = devices
        self.device = device
        self.result_device: Device | None = None
        self.setWindowTitle(
            _("Nieuw toestel") if device is None else _("Toestel {tag} bewerken").format(tag=device.asset_tag)
        )
        self.setMinimumWidth(460)

        self.kind = QComboBox(self)
        for code in DEVICE_KINDS:
            self.kind.addItem(kind_names().get(code, code), code)
        self.brand = QLineEdit(self)
        self.brand.setPlaceholderText(_("bv. Lenovo"))
        self.model_edit = QLineEdit(self)
        self.model_edit.setPlaceholderText(_("bv. ThinkPad T480"))
        self.serial = QLineEdit(self)
        self.source = QComboBox(self)
        for code in DEVICE_SOURCES:
            self.source.addItem(source_names()[code], code)
        self.cost = QLineEdit(self)
        self.cost.setPlaceholderText(_("bv. 25,00"))
        self.accessories = QLineEdit(self)
        self.accessories.setPlaceholderText(_("bv. lader, muis"))
        self.notes = QLineEdit(self)
        self.brand_error = ErrorLabel(self)
        self.model_error = ErrorLabel(self)
        self.cost_error = ErrorLabel(self)
        self.error = ErrorLabel(self)
        # Typing stops at the length the field rules allow (db/rules.py), as on the server.
        for edit, name in (
            (self.brand, "brand"),
            (self.model_edit, "model"),
            (self.serial, "serial"),
            (self.accessories, "accessories"),
        ):
            edit.setMaxLength(max_length("device", name))

        form = QFormLayout()
        form.addRow(_("&Soort:"), self.kind)
        form.addRow(_("&Merk:"), self.brand)
        form.addRow("", self.brand_error)
        form.addRow(_("M&odel:"), self.model_edit)
        form.addRow("", self.model_error)
        form.addRow(_("S&erienummer:"), self.serial)
        form.addRow(_("&Herkomst:"), self.source)
        form.addRow(_("&Kostprijs:"), self.cost)
        form.addRow("", self.cost_error)
        form.addRow(_("&Toebehoren:"), self.accessories)
        form.addRow(_("&Notities:"), self.notes)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        if device is not None:
            self.kind.setCurrentIndex(max(0, self.kind.findData(device.kind)))
            self.brand.setText(device.brand)
            self.model_edit.setText(device.model)
            self.serial.setText(device.serial)
            self.source.setCurrentIndex(max(0, self.source.findData(device.source)))
            self.cost.setText(euro(device.acquisition_cost_cents).replace("€ ", ""))
            self.accessories.setText(device.accessories)
            self.notes.setText(device.notes)
        fit_dialog(self)  # fits a 1366×768 screen at 150 % (ui/screen_fit.py)

    def _clear_errors(self) -> None:
        for label in (self.brand_error, self.model_error, self.cost_error, self.error):
            label.clear_message()

    def accept(self) -> None:
        self._clear_errors()
        try:
            cost = parse_euro(self.cost.text())
        except UserError as exc:
            self.cost_error.show_message(exc.message)
            self.cost.setFocus()
            return
        values = {
            "kind": str(self.kind.currentData()),
            "brand": self.brand.text(),
            "model": self.model_edit.text(),
            "serial": self.serial.text(),
            "source": str(self.source.currentData()),
            "acquisition_cost_cents": cost,
            "accessories": self.accessories.text(),
            "notes": self.notes.text(),
        }
        try:
            if self.device is None:
                data = DeviceInput(**values)  # type: ignore[arg-type]
                try:
                    self.result_device = self.devices.add(data)
                except DuplicateSerial as exc:
                    # Warned before saving: the same device again, or a second label?
                    self.error.show_message(exc.message)
                    if not self.confirm_duplicate(exc):
                        self.serial.setFocus()
                        return
                    self.result_device = self.devices.add(data, duplicate_ok=True)
            else:
                changes = {k: v for k, v in values.items() if getattr(self.device, k) != v}
                self.result_device = (
                    self.devices.edit(self.device.asset_tag, **changes) if changes else self.device
                )
        except UserError as exc:
            self._show_service_error(exc.message, values)
            return
        super().accept()

    def _show_service_error(self, message: str, values: dict[str, object]) -> None:
        # Put the message next to the field it is about when that is clear; else under the form.
        if not str(values["brand"]).strip():
            self.brand_error.show_message(message)
            self.brand.setFocus()
        elif not str(values["model"]).strip():
            self.model_error.show_message(message)
            self.model_edit.setFocus()
        else:
            self.error.show_message(message)

    def confirm_duplicate(self, exc: DuplicateSerial) -> bool:
        """Ask whether to book it in anyway; tests replace this."""
        box = QMessageBox(QMessageBox.Icon.Question, _("Is dit hetzelfde toestel?"), exc.message, parent=self)
        again = box.addButton(_("Toch &inboeken"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is again
