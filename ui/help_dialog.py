"""F1: a short help page for the tab in front (what to do here, the keys).

The pages are Markdown files in resources/help/<language>/<page>.md. A view names its
page with a `help_page` attribute; the views of the main window are named here by class,
and a tab without a page of its own shows the general one (algemeen.md)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from app import i18n
from app.i18n import _
from ui.dialogs.common import fit_to_screen

log = logging.getLogger(__name__)

HELP_DIR = Path(__file__).resolve().parent.parent / "resources" / "help"
GENERAL = "algemeen"
PAGES = {
    "CounterView": "balie",
    "DevicesView": "toestellen",
    "BorrowersView": "ontleners",
    "HelpdeskView": "helpdesk",
    "TrainingsView": "opleidingen",
    "BenchView": "werkbank",
    "DonationsView": "schenkingen",
    "WaitingListView": "wachtlijst",
    "ReportsView": "rapporten",
    "SyncSettingsPage": "synchronisatie",
    "ConflictsView": "synchronisatie",
}


def page_for(widget: QWidget | None) -> str:
    if widget is None:
        return GENERAL
    return str(getattr(widget, "help_page", "") or PAGES.get(type(widget).__name__, GENERAL))


def help_text(page: str, language: str | None = None) -> str:
    """The page in the program's language; Dutch when it has no translation."""
    for lang in (language or i18n.language(), "nl"):
        path = HELP_DIR / lang / f"{page}.md"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    if page != GENERAL:
        return help_text(GENERAL, language)
    return ""


class HelpDialog(QDialog):
    def __init__(self, page: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.setWindowTitle(_("Hulp"))
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(False)
        self.browser.setMarkdown(help_text(page))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        metrics = self.fontMetrics()
        fit_to_screen(self, metrics.averageCharWidth() * 80, metrics.lineSpacing() * 26)


def install_help(window) -> QAction:  # type: ignore[no-untyped-def]
    """Help → "Hulp bij dit tabblad" with F1, for the tab in front."""
    action = QAction(_("&Hulp bij dit tabblad"), window)
    action.setShortcut(QKeySequence(Qt.Key.Key_F1))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)

    def show() -> None:
        dialog = HelpDialog(page_for(window.tabs.currentWidget()), window)
        window.help_dialog = dialog  # tests look at it
        dialog.open()

    action.triggered.connect(show)
    window.addAction(action)  # F1 works also while the menu bar is hidden
    return action
