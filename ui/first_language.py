"""First start, step one: the language of the program, and where its data will live.

Shown before anything else on a new computer, in all languages at once (the person may
not read Dutch). Choosing is optional: Enter keeps the proposed language. The choice is
the `language` setting, changeable later in the settings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app import i18n
from app.backup import backup_folder
from app.i18n import _

# Each language's own name: a person looks for the name of their language in itself.
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English", "fr": "Français"}


class FirstLanguageDialog(QDialog):
    def __init__(self, data_dir: Path, proposed: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Digibank Balie — Taal · Language · Langue")
        self._data_dir = data_dir
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        title = QLabel("<b>Kies uw taal · Choose your language · Choisissez votre langue</b>")
        title.setWordWrap(True)
        layout.addWidget(title)
        self._buttons: dict[str, QRadioButton] = {}
        for code in i18n.LANGUAGES:
            button = QRadioButton(f"&{LANGUAGE_NAMES.get(code, code)}")
            button.setChecked(code == (proposed if proposed in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE))
            button.toggled.connect(self._retranslate)
            self._buttons[code] = button
            layout.addWidget(button)
        self._where = QLabel()
        self._where.setWordWrap(True)
        layout.addWidget(self._where)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self._retranslate()

    def chosen(self) -> str:
        return next((code for code, b in self._buttons.items() if b.isChecked()), i18n.DEFAULT_LANGUAGE)

    def _retranslate(self) -> None:
        i18n.set_language(self.chosen())
        self._where.setText(
            _(
                "Uw gegevens blijven op deze computer, versleuteld, in {folder}; elke dag komt er "
                "een back-up in {backups}. De taal kunt u later wijzigen in de instellingen."
            ).format(folder=self._data_dir, backups=backup_folder(self._data_dir))
        )
        self._ok.setText(_("&Verder"))
