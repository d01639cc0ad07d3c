"""Bestand → Instellingen (coordinator): every setting app/settings_service.py describes.

The form is built from `describe()` and checked by `change()`, so a setting added there
appears here without a change to this file. The changes are tried on a copy first: one
refused value is shown next to its field and nothing at all is saved."""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app import settings_service
from app.config import Settings
from app.errors import UserError
from app.i18n import _
from ui.dialogs.common import ErrorLabel, fit_to_screen

log = logging.getLogger(__name__)


def metrics_spacing(widget: QWidget) -> int:
    return widget.fontMetrics().lineSpacing() // 2


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, save: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Instellingen"))
        self._settings = settings
        self._save = save
        self.fields: dict[str, QLineEdit] = {}
        self.errors: dict[str, ErrorLabel] = {}
        self._shown: dict[str, str] = {}

        body = QWidget(self)
        rows = QVBoxLayout(body)
        for name, value, explanation in settings_service.describe(settings):
            # The explanation above its field, full width: word-wrapped labels in a form
            # column get squeezed to a few words a line on a small screen.
            label = QLabel(f"{explanation} <span style='color:#555'>({name})</span>", body)
            label.setWordWrap(True)
            edit = QLineEdit(value, body)
            edit.setAccessibleName(explanation)
            label.setBuddy(edit)
            error = ErrorLabel(body)
            rows.addWidget(label)
            rows.addWidget(edit)
            rows.addWidget(error)
            rows.addSpacing(metrics_spacing(body))
            self.fields[name], self.errors[name], self._shown[name] = edit, error, value
        note = QLabel(_("Taal, synchronisatie en vergrendeling gelden vanaf de volgende start."), body)
        note.setWordWrap(True)
        rows.addWidget(note)
        self.message = ErrorLabel(body)
        rows.addWidget(self.message)
        rows.addStretch(1)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        metrics = self.fontMetrics()
        fit_to_screen(self, metrics.averageCharWidth() * 90, metrics.lineSpacing() * 40)

    def changed(self) -> dict[str, str]:
        return {n: e.text() for n, e in self.fields.items() if e.text().strip() != self._shown[n].strip()}

    def accept(self) -> None:
        trial = copy.deepcopy(self._settings)
        first_bad: QLineEdit | None = None
        for error in self.errors.values():
            error.clear_message()
        self.message.clear_message()
        for name, value in self.changed().items():
            try:
                settings_service.change(trial, name, value)
            except UserError as exc:
                self.errors[name].show_message(exc.message)
                first_bad = first_bad or self.fields[name]
        if first_bad is not None:
            first_bad.setFocus()
            return  # nothing saved, nothing changed in the running program
        previous = copy.deepcopy(self._settings)
        for field in dataclasses.fields(trial):
            setattr(self._settings, field.name, getattr(trial, field.name))
        try:
            self._save()
        except OSError as exc:
            for field in dataclasses.fields(previous):  # not saved: keep running with the old values
                setattr(self._settings, field.name, getattr(previous, field.name))
            log.warning("settings not saved: %s", exc)
            self.message.show_message(
                _("De instellingen konden niet bewaard worden: {error}").format(error=exc)
            )
            return
        log.info("settings changed in the window: %s", ", ".join(sorted(self.changed())))
        super().accept()
