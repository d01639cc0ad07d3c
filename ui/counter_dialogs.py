"""The counter's two small forms: a return with the checklist, and how the deposit was paid.

Both are driven by the keyboard alone (Tab, Space on a checkbox, Enter = OK, Esc =
cancel) and only collect values; the counter (app.counter.Counter) does the work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.formatting import date_be, euro, parse_euro
from app.i18n import _
from app.inventory import kind_names
from app.loans import LoanView, deposit_method_name


def accessory_items(text: str) -> list[str]:
    """'lader, muis; hoes' → ['lader', 'muis', 'hoes'] (the device's accessories field)."""
    return [part.strip() for part in re.split(r"[,;+\n]", text or "") if part.strip()]


@dataclass(frozen=True)
class ReturnChoice:
    condition: str
    to_status: str
    refund_cents: int
    kept_reason: str


class ReturnDialog(QDialog):
    """Return with condition, accessories checklist, the refund and where the device goes next."""

    def __init__(self, view: LoanView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        device, loan = view.device, view.loan
        what = kind_names().get(device.kind, device.kind)
        self.setWindowTitle(_("Terugnemen: {tag}").format(tag=device.asset_tag))
        intro = QLabel(
            _(
                "{tag} — {what} {brand} {model}, uitgeleend op {out}. Betaalde waarborg: {paid}. "
                "Vink aan wat terug is."
            ).format(
                tag=device.asset_tag,
                what=what,
                brand=device.brand,
                model=device.model,
                out=date_be(loan.out_at),
                paid=euro(loan.deposit_cents),
            ),
            self,
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.accessories: list[QCheckBox] = []
        checklist = QVBoxLayout()
        for item in accessory_items(device.accessories):
            box = QCheckBox(item, self)
            box.setChecked(True)
            self.accessories.append(box)
            checklist.addWidget(box)
        if not self.accessories:
            checklist.addWidget(QLabel(_("geen toebehoren genoteerd"), self))
        form.addRow(_("Toebehoren:"), checklist)
        self.condition = QLineEdit(self)
        self.condition.setPlaceholderText(_("bv. kras op het deksel"))
        form.addRow(_("&Staat:"), self.condition)
        self.to_status = QComboBox(self)
        self.to_status.addItem(_("Eerst wissen"), "wiping")
        self.to_status.addItem(_("In herstelling"), "repair")
        form.addRow(_("&Daarna:"), self.to_status)
        self.deposit_cents = loan.deposit_cents
        self.refund = QLineEdit(euro(loan.deposit_cents).replace("€ ", ""), self)
        form.addRow(_("&Terug te geven waarborg:"), self.refund)
        self.kept_reason = QLineEdit(self)
        self.kept_reason.setPlaceholderText(_("verplicht als u een deel inhoudt"))
        form.addRow(_("&Reden ingehouden:"), self.kept_reason)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#8b0000;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Terugnemen"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 36)
        self.choice: ReturnChoice | None = None
        (self.accessories[0] if self.accessories else self.condition).setFocus()

    def missing(self) -> list[str]:
        return [box.text() for box in self.accessories if not box.isChecked()]

    def _accept(self) -> None:
        try:
            refund = parse_euro(self.refund.text())
        except UserError as exc:
            self.message.setText(exc.message)
            return
        condition = self.condition.text().strip()
        missing = self.missing()
        if missing:
            # Written into the condition on the loan and the receipt, so it is not forgotten.
            condition = "; ".join(
                part for part in (condition, _("ontbreekt: {items}").format(items=", ".join(missing))) if part
            )
        self.choice = ReturnChoice(
            condition=condition,
            to_status=str(self.to_status.currentData()),
            refund_cents=refund,
            kept_reason=self.kept_reason.text().strip(),
        )
        self.accept()


@dataclass(frozen=True)
class DepositChoice:
    cents: int | None
    method: str
    reason: str


class DepositDialog(QDialog):
    """How the deposit of a loan was paid: cash, Payconiq, or waived with a reason."""

    def __init__(self, view: LoanView, asked_cents: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Waarborg: {tag}").format(tag=view.device.asset_tag))
        intro = QLabel(
            _("Gevraagd voor een {what}: {asked}. Nu genoteerd: {paid} ({method}).").format(
                what=kind_names().get(view.device.kind, view.device.kind),
                asked=euro(asked_cents),
                paid=euro(view.loan.deposit_cents),
                method=deposit_method_name(view.loan.deposit_method),
            ),
            self,
        )
        intro.setWordWrap(True)
        self.method = QComboBox(self)
        for code in ("cash", "payconiq", "waived"):
            self.method.addItem(deposit_method_name(code), code)
        current = self.method.findData(view.loan.deposit_method or "cash")
        self.method.setCurrentIndex(max(0, current))
        self.amount = QLineEdit(euro(view.loan.deposit_cents or asked_cents).replace("€ ", ""), self)
        self.reason = QLineEdit(view.loan.deposit_reason, self)
        self.reason.setPlaceholderText(_("verplicht bij vrijstelling of minder"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(_("&Betaald met:"), self.method)
        form.addRow(_("Be&drag:"), self.amount)
        form.addRow(_("&Reden:"), self.reason)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#8b0000;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.method.currentIndexChanged.connect(self._method_changed)
        self._method_changed()
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 30)
        self.choice: DepositChoice | None = None
        self.method.setFocus()

    def _method_changed(self) -> None:
        self.amount.setEnabled(self.method.currentData() != "waived")

    def _accept(self) -> None:
        method = str(self.method.currentData())
        try:
            cents = None if method == "waived" else parse_euro(self.amount.text())
        except UserError as exc:
            self.message.setText(exc.message)
            return
        self.choice = DepositChoice(cents=cents, method=method, reason=self.reason.text().strip())
        self.accept()
