"""Starting the window: QApplication, language, one excepthook, database passphrase (when no
keychain keeps the key), first start, main window."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QTimer, QTranslator
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from app import config, i18n
from app.context import AppContext, open_context, setup_logging
from app.credentials import DatabaseKeys
from app.errors import UserError
from app.i18n import _
from ui.main_window import MainWindow
from ui.passphrase_dialog import PassphraseDialog
from ui.qt_i18n import install_qt_translations

log = logging.getLogger(__name__)


class ErrorReporter:
    """The one `sys.excepthook`: details to the log file, a plain message to the person."""

    def __init__(self, log_file: Path) -> None:
        self.log_file = log_file
        self._showing = False

    def __call__(self, kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, error, tb)))
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        if self._showing or QApplication.instance() is None:
            return  # an error while the box is open: logged, one box is enough
        self._showing = True
        try:
            self.show_message(
                _(
                    "Er ging iets mis in het programma. Wat u net deed, is misschien niet bewaard: "
                    "kijk het even na. Werk gerust verder; blijft het gebeuren, bel dan de coördinator."
                ),
                _("De details staan in het logboek: {path}").format(path=self.log_file),
            )
        finally:
            self._showing = False

    def show_message(self, text: str, details: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, _("Er ging iets mis"), text)
        box.setInformativeText(details)
        box.exec()


def run(data_dir: str | None = None, language: str | None = None, font_scale: float = 1.0) -> int:
    """Start the desktop window on a data folder; returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Digibank Balie")
    app.setOrganizationName("digibank")
    if font_scale != 1.0:
        font = QFont(app.font())
        font.setPointSizeF(font.pointSizeF() * font_scale)
        app.setFont(font)

    folder = config.data_dir(data_dir)
    setup_logging(folder)
    reporter = ErrorReporter(folder / config.LOG_FILE)
    previous_hook = sys.excepthook
    sys.excepthook = reporter
    translators: list[QTranslator] = []
    ctx: AppContext | None = None
    try:
        # The passphrase dialog comes before the database: speak the folder's language already.
        i18n.set_language(language or _settings_language(folder))
        try:
            ctx = open_with_passphrase(folder)
            if ctx is None:
                log.info("passphrase not given; window not started")
                return 0
        except UserError as exc:  # e.g. a wrong DIGIBANK_PASSPHRASE: there is nobody to ask again
            QMessageBox.critical(None, _("Digibank Balie"), exc.message)
            return 1
        except Exception:
            log.exception("could not open the data folder %s", folder)
            i18n.set_language(language or i18n.language_from_environment())
            QMessageBox.critical(
                None,
                _("Digibank Balie"),
                _(
                    "De gegevens in {folder} konden niet geopend worden. Is het programma al open "
                    "op deze computer? Details in het logboek."
                ).format(folder=folder),
            )
            return 1
        lang = i18n.set_language(language or ctx.settings.language)
        translators = install_qt_translations(app, lang)
        log.info("window starting on %s (language %s)", folder, lang)

        if not ctx.locations.is_initialised():
            from ui.first_language import FirstLanguageDialog
            from ui.first_start import FirstStartDialog, join_setup_for  # once per computer

            chooser = FirstLanguageDialog(folder, lang)
            _shoot_when_shown(chooser)
            chooser.exec()  # Escape keeps the proposed language: nothing here is required
            if _SHOT_TAKEN:
                return 0
            if chooser.chosen() != lang:
                lang = i18n.set_language(chooser.chosen())
                ctx.settings.language = lang
                ctx.save_settings()
                for translator in translators:
                    app.removeTranslator(translator)
                translators = install_qt_translations(app, lang)
            else:
                i18n.set_language(lang)

            dialog = FirstStartDialog(ctx.locations, join_setup_for(ctx))
            if dialog.exec() != QDialog.DialogCode.Accepted:
                log.info("first start cancelled")
                return 0
            if not ctx.staff.any_staff():  # a joined PC already has its digibank's staff
                from ui.first_coordinator import FirstCoordinatorDialog

                FirstCoordinatorDialog(ctx.staff).exec()  # skipping it keeps a lone counter

        window = MainWindow(ctx)
        _shoot_when_shown(window)
        window.show()
        window.raise_()
        window.activateWindow()
        window.counter_view.focus_scan()
        # Nothing heavy before the window is on screen: the daily backup (seconds on a large
        # database) and the first sync round start once the event loop has shown it.
        key = ctx.db_key
        QTimer.singleShot(0, lambda: window.start_background_work(lambda: _daily_backup(folder, key)))
        return app.exec()
    finally:
        for translator in translators:
            app.removeTranslator(translator)
        if ctx is not None:
            ctx.close()
        sys.excepthook = previous_hook


_SHOT_TAKEN: list[str] = []


def _shoot_when_shown(widget: QWidget) -> None:
    """The bundle's check (tests/test_bundle.py, packaging/README.md): with
    DIGIBANK_SCREENSHOT=FILE.png the first screen shown is saved to that file and the program
    ends, so an offscreen run proves the bundled window starts and draws."""
    target = os.environ.get("DIGIBANK_SCREENSHOT", "")
    if not target:
        return

    def shoot() -> None:
        widget.grab().save(target)
        log.info("screenshot of the first screen written")
        _SHOT_TAKEN.append(target)
        if isinstance(widget, QDialog):
            widget.reject()
        else:
            QApplication.exit(0)

    QTimer.singleShot(800, shoot)


class _Cancelled(Exception):
    pass


def open_with_passphrase(
    folder: Path, dialog_class: type[PassphraseDialog] = PassphraseDialog
) -> AppContext | None:
    """open_context, asking the passphrase in a dialog (again after a wrong one) when needed.

    None when the person cancels the dialog.
    """
    keys = DatabaseKeys()
    error = ""
    while True:
        asked: list[bool] = []

        def ask(new: bool, error: str = error, asked: list[bool] = asked) -> str:
            dialog = dialog_class(new, folder, error)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                raise _Cancelled
            asked.append(True)
            return dialog.passphrase()

        try:
            return open_context(folder, ask=ask, keys=keys)
        except _Cancelled:
            return None
        except UserError as exc:
            if exc.code == "wrong-database-key" and asked:
                log.info("wrong database passphrase typed")
                error = _("Dat wachtwoord klopt niet. Probeer opnieuw.")
                continue
            raise


def _settings_language(folder: Path) -> str | None:
    try:
        return config.Settings.load(folder).language
    except Exception:  # a broken settings file must not stop the start
        return None


def _daily_backup(folder: Path, key: str) -> Path | None:
    """Runs off the GUI thread (MainWindow.start_background_work); a failure is logged there
    and said in the status bar, it never stops the counter."""
    from app.backup import backup_if_due

    return backup_if_due(folder, key)
