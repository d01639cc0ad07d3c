"""The label dialog's "Naar Brother QL…" button: the raster straight to the printer (network or
USB device file), off the GUI thread. The raster and the sending are app/printing/brother.py's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QLineEdit, QPushButton

from app.i18n import _
from app.printing import brother
from app.printing.layouts import get_layout
from ui.operations import run_operation

if TYPE_CHECKING:
    from ui.printing.dialogs import LabelPrintDialog


class BrotherButton(QPushButton):
    """Enabled for the Brother rolls only; remembers the last address for this window."""

    last_target = ""

    def __init__(self, dialog: LabelPrintDialog) -> None:
        super().__init__(_("Naar &Brother QL…"), dialog)
        self.dialog = dialog
        self.setToolTip(_("Rechtstreeks naar een Brother QL-printer, zonder stuurprogramma"))
        dialog.layout_combo.currentIndexChanged.connect(self._update)
        self.clicked.connect(self.ask_and_send)
        self._update()

    def _update(self) -> None:
        self.setEnabled(get_layout(self.dialog.layout_name()).name.upper() in brother.MEDIA)

    def ask_and_send(self) -> None:
        target, ok = QInputDialog.getText(
            self,
            _("Naar Brother QL"),
            _("Netwerkadres (bv. 192.168.1.50) of USB-printer (bv. /dev/usb/lp0):"),
            QLineEdit.EchoMode.Normal,
            BrotherButton.last_target,
        )
        if ok and target.strip():
            self.send(target.strip())

    def send(self, target: str) -> None:
        items, layout = list(self.dialog._items), self.dialog.layout_name()
        self.setEnabled(False)
        run_operation(
            lambda _op: brother.send(brother.raster(items, layout), target),
            on_success=self._sent,
            on_failure=self._failed,
            parent=self,
            what="brother print",
        )

    def _sent(self, shown: str) -> None:
        BrotherButton.last_target = shown
        self._update()
        self.dialog.message.setText(_("Klaar: {target}").format(target=shown))
        self.dialog.printed.emit(shown)

    def _failed(self, message: str) -> None:
        self._update()
        self.dialog.message.setText(message)
        self.dialog.failed.emit(message)
