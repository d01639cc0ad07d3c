"""The Afdrukken menu: labels, member card and loan contract for what is selected.

Kept out of the main window so that it only wires; the dialogs do the work
through the PrintService they get.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from app.errors import UserError
from app.i18n import _

if TYPE_CHECKING:  # the window builds these tabs when first opened (ui/main_window.py)
    from app.printing.service import PrintService
    from ui.borrowers_view import BorrowersView
    from ui.counter_view import CounterView
    from ui.devices_view import DevicesView

log = logging.getLogger(__name__)


class PrintActions:
    def __init__(
        self,
        printing: PrintService,
        devices_view: DevicesView | Callable[[], DevicesView],
        borrowers_view: BorrowersView | Callable[[], BorrowersView],
        default_layout: str,
        window: QMainWindow,
        counter_view: CounterView | None = None,
    ) -> None:
        self._counter = counter_view
        self._printing = printing
        # A view or how to get it: the tab is built the first time it is needed.
        self._devices_view = devices_view
        self._borrowers_view = borrowers_view
        self._layout = default_layout
        self._window = window

    @property
    def _devices(self) -> DevicesView:
        view = self._devices_view
        return view if isinstance(view, QWidget) else view()

    @property
    def _borrowers(self) -> BorrowersView:
        view = self._borrowers_view
        return view if isinstance(view, QWidget) else view()

    def build_menu(self, menu: QMenu) -> None:
        labels = QAction(_("&Etiketten van geselecteerde toestellen…"), self._window)
        labels.setShortcut(QKeySequence("Ctrl+P"))
        labels.triggered.connect(self.print_labels)
        card = QAction(_("&Lidkaart van geselecteerde ontlener…"), self._window)
        card.setShortcut(QKeySequence("Ctrl+Shift+K"))
        card.triggered.connect(self.print_card)
        contract = QAction(_("&Uitleencontract van geselecteerd toestel…"), self._window)
        contract.setShortcut(QKeySequence("Ctrl+Shift+C"))
        contract.triggered.connect(self.print_contract)
        for action in (labels, card, contract):
            menu.addAction(action)

    def selected_tags(self) -> list[str]:
        table = self._devices.table
        rows = sorted({index.row() for index in table.table.selectionModel().selectedRows()})
        tags = [record.asset_tag for row in rows if (record := table.model.record(row)) is not None]
        if not tags and (current := self._devices.current_device()) is not None:
            tags = [current.asset_tag]
        return tags

    def print_labels(self) -> None:
        from ui.printing.dialogs import LabelPrintDialog

        tags = self.selected_tags()
        if not tags:
            self._say(_("Kies eerst een of meer toestellen in het tabblad Toestellen."))
            return
        LabelPrintDialog(self._printing, tags, default_layout=self._layout, parent=self._window).exec()

    def print_card(self) -> None:
        from ui.printing.dialogs import CardPrintDialog

        borrower = self._borrowers.current_borrower()
        if borrower is None:
            self._say(_("Kies eerst een ontlener in het tabblad Ontleners."))
            return
        CardPrintDialog(self._printing, [borrower.card_number], parent=self._window).exec()

    def print_contract(self) -> None:
        from ui.printing.contract_dialog import ContractDialog

        if self._counter is not None and self._counter.isVisible():
            # At the counter the contract is the active person's, never the device picked in Toestellen.
            self._counter.print_contract()
            return
        device = self._devices.current_device()
        if device is None:
            self._say(_("Kies eerst een uitgeleend toestel in het tabblad Toestellen."))
            return
        try:
            dialog = ContractDialog(self._printing, device.asset_tag, parent=self._window)
        except UserError as exc:
            self._say(exc.message)
            return
        dialog.exec()

    def _say(self, text: str, parent: QWidget | None = None) -> None:
        QMessageBox.information(parent or self._window, _("Afdrukken"), text)
