"""Qt's own translations (qtbase), so standard dialogs and buttons speak the chosen language."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)


def install_qt_translations(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Load qtbase_<language>; return the translators (keep them alive as long as the app)."""
    # Belgian conventions in Qt's own widgets too (dates in date pickers, decimal comma).
    QLocale.setDefault(QLocale({"nl": "nl_BE", "en": "en_BE", "fr": "fr_BE"}.get(language, "nl_BE")))
    if language == "en":
        return []  # Qt's built-in texts are English
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translators = []
    for name in (f"qtbase_{language}",):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            translators.append(translator)
        else:
            log.warning("Qt translation %s not found in %s", name, folder)
    return translators
