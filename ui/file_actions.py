"""The Bestand menu's coordinator work: settings, a backup now, putting a backup back.

Backups and restores run through ui/operations.run_operation (a large database takes
seconds) with a progress dialog; both are checked with app/backup.py's integrity check
(a new backup is read back before it is called done). Who may: app/staff.py, greyed by
ui/staff_wiring.py like every other role-bound action."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from app import backup
from app.i18n import _
from ui.operations import Changes, OpControl, Operation, run_operation

log = logging.getLogger(__name__)


class FileActions:
    """Builds the actions; `window` is the main window, `staff` its StaffWiring."""

    def __init__(self, window: Any, staff: Any) -> None:
        self._window = window
        self._staff = staff
        self._ctx = staff._ctx
        self.operation: Operation[Any] | None = None
        self.progress: QProgressDialog | None = None
        self.settings_action = QAction(_("&Instellingen…"), window)
        self.settings_action.triggered.connect(self.open_settings)
        self.backup_action = QAction(_("Back-up &nu maken"), window)
        self.backup_action.triggered.connect(self.backup_now)
        self.restore_action = QAction(_("Back-up &terugzetten…"), window)
        self.restore_action.triggered.connect(self.restore)

    # -- settings ---------------------------------------------------------------------------

    def open_settings(self) -> None:
        from ui.settings_dialog import SettingsDialog

        if not self._staff.allowed("settings"):
            return
        dialog = SettingsDialog(self._ctx.settings, self._ctx.save_settings, self._window)
        self._window.settings_dialog = dialog  # tests look at it
        dialog.open()

    # -- backup now -------------------------------------------------------------------------

    def backup_now(self) -> None:
        if not self._staff.allowed("backup"):
            return
        folder, key = self._ctx.data_dir, self._ctx.db_key

        def work(op: OpControl) -> Path:
            op.progress(0, 2, _("Back-up maken…"))
            path = backup.make_backup(folder, key)
            op.progress(1, 2, _("Back-up nakijken…"))
            backup.check_backup_file(path, key)
            op.progress(2, 2, _("Klaar"))
            return path

        self._start(
            _("Back-up maken"),
            work,
            lambda path: self.inform(
                _("Back-up"), _("Back-up gemaakt en nagekeken: {path}").format(path=path)
            ),
        )

    # -- restore ----------------------------------------------------------------------------

    def restore(self) -> None:
        if not self._staff.allowed("restore"):
            return
        path = self.choose_backup()
        if not path:
            return
        key = self._ctx.db_key

        def check(op: OpControl) -> Path:
            op.progress(0, 1, _("Back-up nakijken…"))
            backup.check_backup_file(Path(path), key)
            return Path(path)

        self._start(_("Back-up terugzetten"), check, self._confirm_restore)

    def _confirm_restore(self, path: Path) -> None:
        if not self.confirm(
            _("Back-up terugzetten"),
            _(
                "De gegevens van nu worden vervangen door die van de back-up {name} (ze worden eerst "
                "zelf bewaard). Het programma sluit daarna; start het opnieuw."
            ).format(name=path.name),
        ):
            return
        from db.engine import migrate

        ctx = self._ctx
        self._window.sync.stop()
        carried = ctx.audit.snapshot()
        ctx.engine.dispose()

        def work(op: OpControl) -> Path | None:
            op.progress(0, 3, _("Veiligheidskopie maken en terugzetten…"))
            safety = backup.restore(ctx.data_dir, path, ctx.db_key)
            op.progress(1, 3, _("Database bijwerken…"))
            migrate(ctx.engine)
            op.progress(2, 3, _("Auditlogboek bewaren…"))
            ctx.audit.carry_over(carried)
            op.progress(3, 3, _("Klaar"))
            return safety

        def done(_safety: Path | None) -> None:
            ctx.audit.record("restore", ctx.signed_in)
            self.inform(
                _("Back-up terugzetten"),
                _("De back-up is teruggezet. Het programma sluit nu; start het opnieuw."),
            )
            self._window.close()

        self._start(_("Back-up terugzetten"), work, done, changes=Changes.ALL)

    # -- shared -----------------------------------------------------------------------------

    def _start(self, title: str, work: Any, on_success: Any, changes: Changes | None = None) -> None:
        progress = QProgressDialog(title, "", 0, 0, self._window)
        progress.setWindowTitle(title)
        progress.setCancelButton(None)  # a half restore is worse than waiting a few seconds
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        self.progress = progress

        def step(done: int, total: int, text: str) -> None:
            progress.setMaximum(total)
            progress.setValue(done)
            progress.setLabelText(text)

        def finished_ok(result: Any) -> None:
            progress.close()
            on_success(result)

        def failed(message: str) -> None:
            progress.close()
            self.warn(title, message)

        self.operation = run_operation(
            work,
            on_success=finished_ok,
            on_failure=failed,
            on_progress=step,
            changes=changes,
            parent=self._window,
            what=title,
        )

    # Dialogs; tests replace these to answer without a nested event loop.

    def choose_backup(self) -> str:
        folder = str(backup.backup_folder(self._ctx.data_dir))
        path, _filter = QFileDialog.getOpenFileName(self._window, _("Back-up terugzetten"), folder)
        return path

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self._window, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def inform(self, title: str, text: str) -> None:
        QMessageBox.information(self._window, title, text)

    def warn(self, title: str, text: str) -> None:
        QMessageBox.warning(self._window, title, text)
