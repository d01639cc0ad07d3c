"""Starting the window: QApplication, language, one excepthook, the window's frame at once,
then the data folder opened off the GUI thread (database, schema check, key), the database
passphrase asked (when no keychain keeps the key), first start, and the window built on it.

Issue 13: the frame (ui/main_window.py `MainWindow()`) is on screen after Qt and a few light
modules; SQLAlchemy, the models and the services are imported by the worker that opens the
context (ui/operations.py `run_operation`). Scans typed meanwhile wait in the frame's scan
field and go to the counter when it is ready.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QThreadPool, QTimer, QTranslator
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from app import config, i18n
from app.i18n import _
from app.logfile import setup_logging
from ui.qt_i18n import install_qt_translations

if TYPE_CHECKING:
    from app.context import AppContext
    from ui.main_window import MainWindow
    from ui.operations import OpControl
    from ui.passphrase_dialog import PassphraseDialog

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
    start: _Start | None = None
    try:
        # The frame and the passphrase dialog come before the database: speak the folder's
        # language already (the same settings file the context reads).
        lang = i18n.set_language(language or _settings_language(folder))
        start = _Start(app, folder, language, install_qt_translations(app, lang))
        from ui.main_window import MainWindow

        window = MainWindow(data_dir=folder)  # the frame: "bezig met openen…", the scan field keeps scans
        start.window = window
        window.show()
        window.raise_()
        window.activateWindow()
        log.info("window frame shown on %s (language %s); opening the data folder", folder, lang)
        # Once the event loop has drawn the frame, the worker opens the folder.
        QTimer.singleShot(0, start.open)
        code = app.exec()
        return start.exit_code if start.exit_code is not None else code
    finally:
        if start is not None:
            start.finish()
        sys.excepthook = previous_hook


class _NeedsDialog(Exception):
    """open_context wants the passphrase typed: that dialog is asked on the GUI thread."""


def _no_dialog(_new: bool, _error: str = "") -> str:
    raise _NeedsDialog


class _Start:
    """The start after the frame is shown: open the folder off the GUI thread, then (on it)
    the passphrase if needed, first start, and the window built on the context."""

    def __init__(self, app: QApplication, folder: Path, language: str | None, translators: list[QTranslator]):
        self.app = app
        self.folder = folder
        self.language = language
        self.translators = translators
        self.window: MainWindow | None = None
        self.ctx: AppContext | None = None
        self.exit_code: int | None = None

    def open(self) -> None:
        from ui.operations import run_operation

        run_operation(
            self._work,
            on_success=self._opened,
            on_failure=self._refused,
            what="open the data folder",
            unexpected_text=lambda _exc: self._cannot_open_text(),
        )

    def _work(self, _op: OpControl) -> AppContext | None:
        """On a worker: the imports, the database, the schema check and the key."""
        from app.context import open_context
        from app.credentials import DatabaseKeys

        try:
            ctx = open_context(self.folder, ask=_no_dialog, keys=DatabaseKeys())
        except _NeedsDialog:
            return None
        self.ctx = ctx  # closed by finish() even if the window is closed before it arrives
        _prepare(ctx)
        return ctx

    def _cannot_open_text(self) -> str:
        i18n.set_language(self.language or i18n.language_from_environment())
        return _(
            "De gegevens in {folder} konden niet geopend worden. Is het programma al open "
            "op deze computer? Details in het logboek."
        ).format(folder=self.folder)

    def _refused(self, message: str) -> None:
        """A plain message (a wrong DIGIBANK_PASSPHRASE, a newer schema, a locked folder): there
        is nobody to ask again; the traceback, if any, is in the log."""
        log.info("the data folder was not opened")
        if self.window is not None:
            self.window.show_opening_failure(message)
        QMessageBox.critical(self.window, _("Digibank Balie"), message)
        self._quit(1)

    def _quit(self, code: int) -> None:
        self.exit_code = code
        if self.window is not None:
            self.window.hide()
        self.app.exit(code)

    def _opened(self, ctx: AppContext | None) -> None:
        try:
            self._build(ctx)
        except Exception:  # never a traceback for the person: the folder's plain message
            log.exception("could not start the window on %s", self.folder)
            self._refused(self._cannot_open_text())

    def _build(self, ctx: AppContext | None) -> None:
        from app.errors import UserError

        window = self.window
        assert window is not None
        if ctx is None:  # no keychain holds the key: ask it, here on the GUI thread
            try:
                ctx = open_with_passphrase(self.folder)
            except UserError as exc:
                self._refused(exc.message)
                return
            if ctx is None:
                log.info("passphrase not given; window not started")
                self._quit(0)
                return
            self.ctx = ctx
        shown_in = i18n.language()  # the frame's language (the settings file's, read before)
        lang = i18n.set_language(self.language or ctx.settings.language)
        if lang != shown_in:
            self._translate(lang)
        log.info("window starting on %s (language %s)", self.folder, lang)

        # Once per computer, asked over the frame.
        if not ctx.locations.is_initialised() and not self._first_start(ctx, lang):
            return

        window.attach(ctx, sync_later=True)
        _shoot_when_shown(window)
        # The counter takes scans now. Sync is plugged in once its modules are imported (off
        # the GUI thread); then the daily backup (seconds on a large database) and the first
        # sync round start, in the background.
        from ui.operations import run_operation

        key, folder = ctx.db_key, self.folder

        def then(_imported: object = None) -> None:
            if window.ctx is None or window.sync is not None:
                return
            try:
                window.attach_sync()
            except Exception:  # the counter works without sync: said in the log, not a traceback
                log.exception("sync could not be plugged in")
            window.start_background_work(lambda: _daily_backup(folder, key))

        run_operation(
            lambda _op: _import_sync(),
            on_success=then,
            on_failure=lambda _message: then(),
            parent=window,
            what="import the sync modules",
        )

    def _translate(self, lang: str) -> None:
        for translator in self.translators:
            self.app.removeTranslator(translator)
        self.translators = install_qt_translations(self.app, lang)

    def _first_start(self, ctx: AppContext, lang: str) -> bool:
        from ui.first_language import FirstLanguageDialog
        from ui.first_start import FirstStartDialog, join_setup_for  # once per computer

        chooser = FirstLanguageDialog(self.folder, lang)
        _shoot_when_shown(chooser)
        chooser.exec()  # Escape keeps the proposed language: nothing here is required
        if _SHOT_TAKEN:
            self._quit(0)
            return False
        if chooser.chosen() != lang:
            lang = i18n.set_language(chooser.chosen())
            ctx.settings.language = lang
            ctx.save_settings()
            self._translate(lang)
        else:
            i18n.set_language(lang)

        dialog = FirstStartDialog(ctx.locations, join_setup_for(ctx))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            log.info("first start cancelled")
            self._quit(0)
            return False
        if not ctx.staff.any_staff():  # a joined PC already has its digibank's staff
            from ui.first_coordinator import FirstCoordinatorDialog

            FirstCoordinatorDialog(ctx.staff).exec()  # skipping it keeps a lone counter
        return True

    def finish(self) -> None:
        # A worker still busy (the folder opening when the window was closed at once, the sync
        # modules importing, the daily backup) ends before the database closes and Python exits.
        QThreadPool.globalInstance().waitForDone(60_000 if self.ctx is None else 15_000)
        for translator in self.translators:
            self.app.removeTranslator(translator)
        if self.ctx is not None:
            self.ctx.close()


def _prepare(ctx: AppContext) -> None:
    """Still on the worker: import what building the counter needs and read what it shows
    first, so the GUI thread's part (MainWindow.attach) is short."""
    import ui.counter_view  # noqa: F401
    import ui.file_actions  # noqa: F401
    import ui.help_dialog  # noqa: F401
    import ui.printing.actions  # noqa: F401
    import ui.staff_wiring  # noqa: F401

    ctx.counter()
    ctx.locations.is_initialised()


def _import_sync() -> None:
    """On a worker, after the counter is ready: the sync modules (pydantic, httpx)."""
    import ui.sync.wiring  # noqa: F401


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
    folder: Path, dialog_class: type[PassphraseDialog] | None = None
) -> AppContext | None:
    """open_context, asking the passphrase in a dialog (again after a wrong one) when needed.

    None when the person cancels the dialog.
    """
    from app.context import open_context
    from app.credentials import DatabaseKeys
    from app.errors import UserError

    if dialog_class is None:
        from ui.passphrase_dialog import PassphraseDialog

        dialog_class = PassphraseDialog
    keys = DatabaseKeys()
    error = ""
    while True:
        asked: list[bool] = []

        def ask(new: bool, error: str = error, asked: list[bool] = asked) -> str:
            assert dialog_class is not None
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
