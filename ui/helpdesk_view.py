"""Helpdesk register for a busy counter: set minutes/outcome (and a card or postcode
if you like), then one press on a topic button — or its key 1..9, 0 — saves the visit.

All rules live in `app.helpdesk.HelpdeskService`; this view only collects the choice.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.formatting import date_be
from app.helpdesk import HelpdeskService, outcome_names, topic_names
from app.i18n import _
from db.models import HELPDESK_OUTCOMES, HELPDESK_TOPICS
from ui.operations import Changes, data_bus, reload_on_change
from ui.widgets.scan_field import ScanField

log = logging.getLogger(__name__)

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0")
QUICK_MINUTES = (5, 10, 15, 30, 45)


class HelpdeskView(QWidget):
    """Constructor: `HelpdeskView(helpdesk: HelpdeskService, parent: QWidget | None = None)`."""

    saved = Signal(str)  # id of the visit just logged

    def __init__(self, helpdesk: HelpdeskService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.helpdesk = helpdesk
        self._card = ""
        self._last_id: str | None = None

        root = QVBoxLayout(self)

        # -- who (optional) ----------------------------------------------------------
        who = QGroupBox(_("Wie? (mag leeg blijven)"))
        who_row = QHBoxLayout(who)
        self.scan_field = ScanField()
        self.scan_field.setPlaceholderText(_("Scan de kaart (niet verplicht)"))
        self.scan_field.scanned.connect(self._on_card)
        self.scan_field.escaped.connect(self._clear_card)
        self.card_label = QLabel(_("anoniem"))
        self.postcode = QLineEdit()
        self.postcode.setPlaceholderText(_("bv. 8500"))
        self.postcode.setMaxLength(4)
        self.postcode.setMaximumWidth(150)
        who_row.addWidget(self.scan_field, 3)
        who_row.addWidget(self.card_label, 2)
        who_row.addWidget(QLabel(_("Postcode:")))
        who_row.addWidget(self.postcode)
        root.addWidget(who)

        # -- minutes and outcome --------------------------------------------------------
        how = QHBoxLayout()
        minutes_box = QGroupBox(_("Minuten"))
        minutes_row = QHBoxLayout(minutes_box)
        self.minutes = QSpinBox()
        self.minutes.setRange(1, 600)
        self.minutes.setValue(10)
        self.minutes.setSuffix(" min")
        minutes_row.addWidget(self.minutes)
        for m in QUICK_MINUTES:
            b = QPushButton(str(m))
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _checked=False, m=m: self.minutes.setValue(m))
            minutes_row.addWidget(b)
        how.addWidget(minutes_box, 3)

        outcome_box = QGroupBox(_("Afloop"))
        outcome_row = QHBoxLayout(outcome_box)
        self.outcome_group = QButtonGroup(self)
        self.outcome_buttons: dict[str, QRadioButton] = {}
        labels = {
            "solved": _("&opgelost"),
            "referred": _("&doorverwezen"),
            "follow-up": _("o&pvolging nodig"),
        }
        for code in HELPDESK_OUTCOMES:
            rb = QRadioButton(labels[code])
            self.outcome_group.addButton(rb)
            self.outcome_buttons[code] = rb
            outcome_row.addWidget(rb)
        self.outcome_buttons["solved"].setChecked(True)
        how.addWidget(outcome_box, 2)
        root.addLayout(how)

        # -- topic buttons: one press saves -------------------------------------------
        topics = QGroupBox(_("Onderwerp — klik, of druk Alt + het cijfer om te registreren"))
        grid = QGridLayout(topics)
        self.topic_buttons: dict[str, QPushButton] = {}
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.3)
        big.setBold(True)
        names = topic_names()
        for i, code in enumerate(HELPDESK_TOPICS):
            b = QPushButton(f"{KEYS[i]}   {names[code]}")
            b.setFont(big)
            b.setMinimumHeight(56)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setToolTip(_("Alt+{key}").format(key=KEYS[i]))
            b.clicked.connect(lambda _checked=False, code=code: self.log_topic(code))
            grid.addWidget(b, i // 2, i % 2)
            self.topic_buttons[code] = b
            # Digits typed in the card or postcode field stay there: line edits take
            # printable keys before shortcuts see them.
            # Alt+digit works everywhere in the view, also while the card field has the focus
            # (a scanner never sends Alt, so a scanned card cannot log a topic by accident).
            for sequence in (KEYS[i], f"Alt+{KEYS[i]}"):
                shortcut = QShortcut(QKeySequence(sequence), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(lambda code=code: self.log_topic(code))
        root.addWidget(topics)

        # -- feedback + undo ----------------------------------------------------------------
        feedback = QHBoxLayout()
        self.message = QLabel(_("Kies een onderwerp om het bezoek te registreren."))
        self.message.setWordWrap(True)
        self.undo_button = QPushButton(_("Laatste ongedaan maken"))
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_last)
        feedback.addWidget(self.message, 1)
        feedback.addWidget(self.undo_button)
        root.addLayout(feedback)

        # -- the day list -------------------------------------------------------------------
        self.day_label = QLabel()
        self.day_label.setStyleSheet("font-weight:bold;")
        root.addWidget(self.day_label)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([_("Uur"), _("Onderwerp"), _("Min."), _("Afloop"), _("Wie")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        root.addWidget(self.table, 1)
        self.refresh()
        reload_on_change(self, ("helpdesk_visit", "borrower"), self.refresh)
        self.saved.connect(lambda _id: data_bus().announce(Changes.of("helpdesk_visit")))

    # -- actions ------------------------------------------------------------------------

    def _on_card(self, text: str) -> None:
        try:
            name = self.helpdesk.person_name(text)
        except UserError as exc:
            self._clear_card()
            self._say(exc.message, ok=False)
            return
        self._card = text.strip()
        self.card_label.setText(_("{name} ({card})").format(name=name, card=self._card.upper()))
        self.postcode.clear()

    def _clear_card(self) -> None:
        self._card = ""
        self.card_label.setText(_("anoniem"))

    def outcome(self) -> str:
        for code, rb in self.outcome_buttons.items():
            if rb.isChecked():
                return code
        return "solved"

    def log_topic(self, topic: str) -> bool:
        try:
            visit = self.helpdesk.log(
                topic,
                card=self._card,
                postcode=self.postcode.text(),
                minutes=self.minutes.value(),
                outcome=self.outcome(),
            )
        except UserError as exc:
            self._say(exc.message, ok=False)
            return False
        self._last_id = visit.id
        self.undo_button.setEnabled(True)
        self._say(
            _("Geregistreerd: {topic}, {minutes} min., {outcome}.").format(
                topic=topic_names()[topic], minutes=visit.minutes, outcome=outcome_names()[visit.outcome]
            ),
            ok=True,
        )
        self._reset_form()
        self.refresh()
        self.saved.emit(visit.id)
        return True

    def undo_last(self) -> None:
        if not self._last_id:
            return
        try:
            self.helpdesk.undo(self._last_id)
        except UserError as exc:
            self._say(exc.message, ok=False)
        else:
            self._say(_("Het laatste bezoek is geschrapt."), ok=True)
            data_bus().announce(Changes.of("helpdesk_visit"))
        self._last_id = None
        self.undo_button.setEnabled(False)
        self.refresh()

    def _reset_form(self) -> None:
        self._clear_card()
        self.postcode.clear()
        self.minutes.setValue(10)
        self.outcome_buttons["solved"].setChecked(True)
        self.scan_field.setFocus()

    def _say(self, text: str, ok: bool) -> None:
        # A word and a sign as well as a colour: nothing only in colour.
        prefix = "✔ " if ok else "⚠ "
        style = "color:#1b5e20;" if ok else "color:#9b1c1c; font-weight:bold;"
        self.message.setStyleSheet(style)
        self.message.setText(prefix + text)

    def refresh(self) -> None:
        day = self.helpdesk.day()
        self.day_label.setText(
            _("Vandaag ({date}): {count} bezoeken, {minutes} minuten").format(
                date=date_be(day.day), count=day.count, minutes=day.minutes
            )
        )
        names, outcomes = topic_names(), outcome_names()
        self.table.setRowCount(len(day.rows))
        for r, row in enumerate(day.rows):
            v = row.visit
            values = [
                v.visited_at.strftime("%H:%M"),
                names.get(v.topic, v.topic),
                str(v.minutes),
                outcomes.get(v.outcome, v.outcome),
                row.who,
            ]
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
