"""Conflicten: what a sync showed that a person must decide, and the decisions."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.i18n import _
from app.sync.domain_conflicts import DOUBLE_LOAN, DUPLICATE_SERIAL, ConflictService, kind_names
from app.sync.refusals import RefusedView

REFUSED = "refused"

log = logging.getLogger(__name__)

ROLE = Qt.ItemDataRole.UserRole


class ConflictsView(QWidget):
    resolved = Signal()

    def __init__(
        self,
        conflicts: ConflictService,
        parent: QWidget | None = None,
        refused: Callable[[], list[RefusedView]] | None = None,
    ) -> None:
        super().__init__(parent)
        self._conflicts = conflicts
        # Changes the server refused: listed here with what to do (nothing to decide).
        self._refused = refused or (lambda: [])
        self._explanations: dict[str, str] = {}
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels([_("Soort"), _("Wat"), _("Behouden"), _("Verloren")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.currentItemChanged.connect(self._update_buttons)
        layout.addWidget(self.tree)
        self.explanation = QLabel(self)
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)
        buttons = QHBoxLayout()
        self.keep_button = QPushButton(_("&Beide behouden"), self)
        self.cancel_button = QPushButton(_("&Uitlening annuleren"), self)
        self.delete_button = QPushButton(_("&Dubbel toestel verwijderen"), self)
        self.restore_button = QPushButton(_("Verloren waarde &terugzetten"), self)
        self.resolve_allowed = True
        for b in (self.keep_button, self.cancel_button, self.delete_button, self.restore_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.keep_button.clicked.connect(lambda: self._resolve("keep"))
        self.cancel_button.clicked.connect(lambda: self._resolve("cancel"))
        self.delete_button.clicked.connect(lambda: self._resolve("delete"))
        self.restore_button.clicked.connect(lambda: self._resolve("restore"))
        self.refresh()

    def refresh(self) -> None:
        self.tree.clear()
        self._explanations = {}
        names = kind_names()
        refused = self._refused()
        for r in refused:
            item = QTreeWidgetItem([_("geweigerd door de server"), r.what, "", ""])
            item.setData(0, ROLE, (REFUSED, str(r.seq)))
            text = _("{what}: {reason}. {todo}").format(what=r.what, reason=r.reason, todo=r.todo)
            self._explanations[str(r.seq)] = text
            item.setToolTip(1, text)
            self.tree.addTopLevelItem(item)
        domain = self._conflicts.domain()
        fields = self._conflicts.fields()
        for c in domain:
            item = QTreeWidgetItem([names[c.kind], c.message, "", ""])
            item.setData(0, ROLE, (c.kind, c.subject_id))
            self.tree.addTopLevelItem(item)
        for f in fields:
            item = QTreeWidgetItem(
                [
                    _("veld gewijzigd op twee plaatsen"),
                    f"{f.table}.{f.field}",
                    str(f.kept_value),
                    str(f.lost_value),
                ]
            )
            item.setData(0, ROLE, ("field", str(f.id)))
            self.tree.addTopLevelItem(item)
        total = len(domain) + len(fields)
        text = (
            _("Geen conflicten.")
            if total == 0
            else _(
                "{n} conflict(en) om te bekijken. Een beslissing wordt met de andere locaties gedeeld."
            ).format(n=total)
        )
        if refused:
            text = _(
                "{n} wijziging(en) geweigerd door de server: pas die records aan en bewaar ze; "
                "de verbeterde wijziging wordt dan verstuurd."
            ).format(n=len(refused)) + ("" if total == 0 else " " + text)
        self.summary.setText(text)
        total += len(refused)
        for col in range(4):
            self.tree.resizeColumnToContents(col)
        if total:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self._update_buttons()

    def _selected(self) -> tuple[str, str] | None:
        item = self.tree.currentItem()
        return item.data(0, ROLE) if item is not None else None

    def _update_buttons(self, *_args: object) -> None:
        kind, subject = self._selected() or ("", "")
        self.explanation.setText(self._explanations.get(subject, "") if kind == REFUSED else "")
        self.keep_button.setEnabled(bool(kind) and kind != REFUSED)
        self.cancel_button.setEnabled(kind == DOUBLE_LOAN)
        self.delete_button.setEnabled(kind == DUPLICATE_SERIAL)
        self.restore_button.setEnabled(kind == "field")
        if not self.resolve_allowed:  # the signed-in role may not (ui/staff_wiring.py)
            for b in (self.keep_button, self.cancel_button, self.delete_button, self.restore_button):
                b.setEnabled(False)

    def _resolve(self, decision: str) -> None:
        selected = self._selected()
        if selected is None:
            return
        kind, subject = selected
        if kind == REFUSED:
            return  # corrected by editing the record, not decided here
        try:
            if kind == "field":
                self._conflicts.resolve_field(int(subject), decision)
            else:
                self._conflicts.resolve_domain(kind, subject, decision)
        except UserError as exc:
            QMessageBox.warning(self, _("Conflict"), exc.message)
        self.refresh()
        self.resolved.emit()
