"""Sign the loan contract at the counter: summary, conditions, signature pad or 'signed on paper'.

Saving stores the signature with the loan (it syncs like every other field)
through PrintService.sign_contract and writes the signed contract as PDF
(two copies), which can then be printed from the PDF viewer.
"""

from __future__ import annotations

import logging
from pathlib import Path
from xml.sax.saxutils import escape

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.formatting import date_be, euro
from app.i18n import _
from app.printing.service import PrintService
from ui.widgets.signature_pad import SignaturePad

log = logging.getLogger(__name__)


class ContractDialog(QDialog):
    """`signed(pdf_path)` after the signature (or the paper mark) was stored and the PDF written."""

    signed = Signal(str)

    def __init__(
        self,
        printing: PrintService,
        tag: str,
        parent: QWidget | None = None,
        language: str | None = None,
        open_pdf: bool = True,
    ) -> None:
        super().__init__(parent)
        self._printing = printing
        self._tag = tag
        self._language = language
        self._open_pdf = open_pdf
        data, conditions = printing.contract_summary(tag, language)
        self.setWindowTitle(_("Uitleenovereenkomst {tag}").format(tag=data.tag))
        self.resize(640, 720)

        rows = [
            (_("Ontlener"), f"{data.borrower_name} ({data.borrower_card})"),
            (_("Toestel"), f"{data.tag} — {data.kind}, {data.brand} {data.model}"),
            (_("Serienummer"), data.serial or "—"),
            (_("Terug uiterlijk op"), date_be(data.due_date)),
            (_("Waarborg"), euro(data.deposit_cents)),
            (_("Voorwaarden"), _("versie {version}").format(version=conditions.version)),
        ]
        self.summary = QLabel(
            "<table>"
            + "".join(
                f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(v)}</td></tr>" for k, v in rows
            )
            + "</table>",
            self,
        )
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.conditions = QTextBrowser(self)
        # The template is a small Markdown text (heading, numbered list): show it formatted.
        self.conditions.setMarkdown(
            "\n".join(conditions.lines).replace("{digibank}", data.digibank_name).strip()
        )
        self.pad = SignaturePad(self)
        self.paper = QCheckBox(_("Ondertekend op &papier"), self)
        self.paper.toggled.connect(lambda on: self.pad.setEnabled(not on))
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.save_button = QPushButton(_("&Opslaan en PDF maken…"), self)
        self.save_button.setDefault(True)
        cancel = QPushButton(_("Annuleren"), self)

        buttons = QHBoxLayout()
        buttons.addWidget(self.paper)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.conditions, 1)
        layout.addWidget(QLabel(_("Handtekening van de ontlener:"), self))
        layout.addWidget(self.pad, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self._choose_and_save)
        cancel.clicked.connect(self.reject)

    def _choose_and_save(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Overeenkomst opslaan"), f"overeenkomst-{self._tag}.pdf", "PDF (*.pdf)"
        )
        if name:
            self.save(Path(name))

    def save(self, out: Path) -> bool:
        """Store the signature (or the paper mark) and write the PDF; False with a message when refused."""
        paper = self.paper.isChecked()
        png = None if paper else (self.pad.to_png() or None)
        try:
            self._printing.sign_contract(
                self._tag, png, signed_on_paper=paper, out=out, language=self._language
            )
        except UserError as exc:
            self.message.setText(exc.message)
            return False
        log.info("contract %s signed and saved to %s", self._tag, out)
        self.signed.emit(str(out))
        if self._open_pdf:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(out)))
        self.accept()
        return True
