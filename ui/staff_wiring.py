"""Staff sign-in in the window: the sign-in page, "Wissel van persoon" (Ctrl+L), the idle
lock, and greying what the signed-in person's role may not do.

The main window's tabs go into a stack with the sign-in page beside them: locking shows
the page, signing in shows the tabs again, exactly as they were (the counter's active
borrower included). Who may do what comes from app/staff.py's one table; this module
only asks it. Until staff exist nothing locks and the status bar says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QApplication,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.errors import UserError
from app.i18n import _
from app.staff import StaffService, StaffView, may, role_label, who_may
from db.models_staff import AUDIT_CHANGES
from ui.screen_fit import ElidedLabel

log = logging.getLogger(__name__)

_ACTIVITY = frozenset(
    {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel, QEvent.Type.MouseMove}
)


class SignInPage(QWidget):
    """Name and PIN, keyboard only: Enter in the name goes to the PIN, Enter there signs in."""

    signed_in = Signal(object)  # StaffView

    def __init__(self, staff: StaffService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._staff = staff
        self.title = QLabel(_("Aanmelden"), self)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title.setFont(font)
        self.hint = QLabel(_("Geef je naam (of scan je personeelskaart) en je pincode."), self)
        self.hint.setWordWrap(True)
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName(_("Naam"))
        self.pin_edit = QLineEdit(self)
        self.pin_edit.setAccessibleName(_("Pincode"))
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setMaxLength(8)
        self.pin_edit.setValidator(QRegularExpressionValidator(r"\d{0,8}", self.pin_edit))
        self.button = QPushButton(_("&Aanmelden"), self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#9b1c1c; font-weight:bold;")

        form = QFormLayout()
        form.addRow(_("&Naam:"), self.name_edit)
        form.addRow(_("&Pincode:"), self.pin_edit)
        box = QWidget(self)
        inner = QVBoxLayout(box)
        inner.addWidget(self.title)
        inner.addWidget(self.hint)
        inner.addLayout(form)
        inner.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        inner.addWidget(self.message)
        # A fixed width: word-wrapped labels in a centred box otherwise get a one-line height.
        box.setFixedWidth(self.fontMetrics().averageCharWidth() * 60)
        self.message.setMinimumHeight(self.message.fontMetrics().lineSpacing() * 3)
        self.hint.setMinimumHeight(self.hint.fontMetrics().lineSpacing() * 2)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

        self.name_edit.returnPressed.connect(self.pin_edit.setFocus)
        self.pin_edit.returnPressed.connect(self.try_sign_in)
        self.button.clicked.connect(self.try_sign_in)

    def reset(self, name: str = "", note: str = "") -> None:
        names = [s.name for s in self._staff.list() if not s.disabled]
        completer = QCompleter(names, self.name_edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        # Inline: no popup to step over, Enter still goes straight to the PIN.
        completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
        self.name_edit.setCompleter(completer)
        self.name_edit.setText(name)
        self.pin_edit.clear()
        self.message.setText(note)
        (self.pin_edit if name else self.name_edit).setFocus()

    def try_sign_in(self) -> None:
        name, pin = self.name_edit.text().strip(), self.pin_edit.text()
        self.pin_edit.clear()
        if not name:
            self.message.setText(_("Geef je naam."))
            self.name_edit.setFocus()
            return
        try:
            staff = self._staff.authenticate(name, pin)
        except UserError as exc:
            self.message.setText(exc.message)
            self.pin_edit.setFocus()
            return
        self.message.clear()
        self.signed_in.emit(staff)


class StaffWiring(QObject):
    """Plugs sign-in into a main window that has `tabs`, `status` and a menu bar."""

    changed = Signal()

    def __init__(self, ctx: AppContext, window: QMainWindow, on_unlocked: Callable[[], None]) -> None:
        super().__init__(window)
        self._ctx = ctx
        self._window = window
        self._on_unlocked = on_unlocked
        self._guards: list[tuple[Callable[[bool, str], None], str]] = []
        self.stack = QStackedWidget(window)
        tabs = window.takeCentralWidget()
        self.stack.addWidget(tabs)
        self.page = SignInPage(ctx.staff, self.stack)
        self.stack.addWidget(self.page)
        window.setCentralWidget(self.stack)
        self.page.signed_in.connect(self._signed_in)
        # Every change made in the window by a signed-in person becomes an audit event.
        ctx.sessions.kw.setdefault("info", {})[AUDIT_CHANGES] = True

        self.status_label = ElidedLabel(parent=window)
        self.status_label.setContentsMargins(6, 0, 12, 0)
        window.status.add_permanent(self.status_label)  # type: ignore[attr-defined]

        self.switch_action = QAction(_("Wissel van &persoon"), window)
        self.switch_action.setShortcut(QKeySequence("Ctrl+L"))
        self.switch_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.switch_action.triggered.connect(lambda: self.lock("switch"))
        window.addAction(self.switch_action)  # Ctrl+L works also while the menus are off

        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(max(1, ctx.settings.idle_lock_minutes) * 60_000)
        self.idle_timer.timeout.connect(lambda: self.lock("idle"))
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def build_menu(self, menu) -> None:  # type: ignore[no-untyped-def]
        menu.addAction(self.switch_action)

    def guard(self, apply: Callable[[bool, str], None], capability: str) -> None:
        """`apply(allowed, tooltip)` runs now and whenever the signed-in person changes."""
        self._guards.append((apply, capability))
        self._apply_guards()

    # -- state ---------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self.stack.currentIndex() == 1

    def start(self) -> None:
        """At window start: with staff, sign in first; without, work as a lone counter."""
        if self._ctx.staff.any_staff():
            self._show_page("")
        self._refresh_status()
        self._apply_guards()

    def lock(self, reason: str = "switch") -> None:
        if self.locked or not self._ctx.staff.any_staff():
            return
        who = self._ctx.signed_in
        if who is not None:
            self._ctx.audit.record("sign-out", who, detail=reason)
            log.info("window locked (%s)", reason)
        # An idle lock expects the same person back; a switch is for someone else.
        name = who.name if (who is not None and reason == "idle") else ""
        note = (
            _("Vergrendeld na {minutes} minuten zonder activiteit.").format(
                minutes=self._ctx.settings.idle_lock_minutes
            )
            if reason == "idle"
            else ""
        )
        self._ctx.sign_in(None)
        self._close_dialogs()
        self._show_page(name, note)
        self._refresh_status()
        self._apply_guards()

    def _close_dialogs(self) -> None:
        """A dialog left open must not stay usable on top of the lock: it is cancelled
        (nothing in it was saved yet; the views behind it keep their state)."""
        from PySide6.QtWidgets import QDialog

        for _attempt in range(10):
            modal = QApplication.activeModalWidget()
            if modal is None or modal is self._window or not isinstance(modal, QDialog):
                break
            log.info("lock: %s cancelled", type(modal).__name__)
            modal.reject()

    def _show_page(self, name: str, note: str = "") -> None:
        self.idle_timer.stop()
        self._window.menuBar().setEnabled(False)
        # Hidden is not enough: the views' and menus' shortcuts (Ctrl+P, Escape, …) must
        # not act for nobody. Disabled widgets keep their state, the active borrower too.
        self.stack.widget(0).setEnabled(False)
        keep = {
            self.switch_action,
            *(a for a in self._window.findChildren(QAction) if a.shortcut() == QKeySequence("Ctrl+Q")),
        }
        self._paused = [
            a for a in self._window.findChildren(QAction) if a.isEnabled() and a not in keep and a.shortcut()
        ]
        for action in self._paused:
            action.setEnabled(False)
        self.stack.setCurrentIndex(1)
        self.page.reset(name, note)

    def _signed_in(self, staff: StaffView) -> None:
        self._ctx.sign_in(staff)
        self._ctx.audit.record("sign-in", staff)
        self.stack.setCurrentIndex(0)
        self.stack.widget(0).setEnabled(True)
        for action in getattr(self, "_paused", []):
            action.setEnabled(True)
        self._paused = []
        self._window.menuBar().setEnabled(True)
        self.idle_timer.start()
        self._refresh_status()
        self._apply_guards()
        self.changed.emit()
        self._on_unlocked()

    def _refresh_status(self) -> None:
        who = self._ctx.signed_in
        if not self._ctx.staff.any_staff():
            self.status_label.setText(_("geen personeel ingesteld"))
        elif who is None:
            self.status_label.setText(_("Niemand aangemeld"))
        else:
            # Short: the status bar is full; the role is in the tooltip and the window title.
            self.status_label.setText(_("Aangemeld: {name}").format(name=who.name))
        tip = ""
        if who is not None:
            tip = _("{name} ({role}); wissel van persoon: Ctrl+L").format(
                name=who.name, role=role_label(who.role)
            )
        self.status_label.setToolTip(tip)
        title = self._window.windowTitle().split(" · ")[0]
        if who is not None:
            title += " · " + _("{name} ({role})").format(name=who.name, role=role_label(who.role))
        self._window.setWindowTitle(title)
        # Who is signed in must stay readable when the status bar is full.
        self.status_label.setMinimumWidth(self.status_label.sizeHint().width())

    def allowed(self, capability: str) -> bool:
        if not self._ctx.staff.any_staff():
            return True  # a lone counter, as before staff existed
        who = self._ctx.signed_in
        return who is not None and may(who.role, capability)

    def _apply_guards(self) -> None:
        for apply, capability in self._guards:
            ok = self.allowed(capability)
            apply(ok, "" if ok else who_may(capability) + ".")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in _ACTIVITY and self.idle_timer.isActive():
            self.idle_timer.start()  # restarts the countdown
        return False


def guard_widget(widget: QWidget | QAction) -> Callable[[bool, str], None]:
    def apply(allowed: bool, tooltip: str) -> None:
        widget.setEnabled(allowed)
        widget.setToolTip(tooltip)
        if isinstance(widget, QAction):
            widget.setStatusTip(tooltip)

    return apply


def wire_window(staff: StaffWiring, window) -> None:  # type: ignore[no-untyped-def]
    """The main window's actions that not every role may use: greyed, with who may."""
    file_menu = window.menuBar().actions()[0].menu()
    first = file_menu.actions()[0] if file_menu.actions() else None
    from ui.file_actions import FileActions

    window.file_actions = files = FileActions(window, staff)
    restore = files.restore_action
    file_menu.insertAction(first, staff.switch_action)
    file_menu.insertAction(first, files.settings_action)
    file_menu.insertAction(first, files.backup_action)
    file_menu.insertAction(first, restore)
    staff.guard(guard_widget(files.settings_action), "settings")
    staff.guard(guard_widget(files.backup_action), "backup")
    audit = QAction(_("Audit&logboek…"), window)
    audit.triggered.connect(lambda: open_audit(window, staff))
    file_menu.insertAction(first, audit)
    window.audit_action = audit
    # Read-only, but it says who did what: for coordinators (or a lone counter).
    staff.guard(guard_widget(audit), "staff")
    deletions = QAction(_("&Verwijderd (30 dagen)…"), window)
    deletions.triggered.connect(lambda: open_deletions(window, staff))
    file_menu.insertAction(first, deletions)
    window.deletions_action = deletions
    staff.guard(guard_widget(deletions), "restore")
    file_menu.insertSeparator(first)
    window.restore_action = restore
    staff.guard(guard_widget(restore), "restore")
    for action in window.language_actions.values():  # the language is a setting
        staff.guard(guard_widget(action), "settings")
    if getattr(window, "sync", None) is not None:
        wire_sync(staff, window)


def wire_sync(staff: StaffWiring, window) -> None:  # type: ignore[no-untyped-def]
    """The sync pieces' buttons by role; the window plugs sync in just after it is ready."""
    login = getattr(getattr(window, "sync", None), "settings_page", None)
    if login is not None:
        staff.guard(guard_widget(login.login_button), "server")

    conflicts = getattr(getattr(window, "sync", None), "conflicts_view", None)
    if conflicts is not None:

        def resolve(allowed: bool, tooltip: str) -> None:
            conflicts.resolve_allowed = allowed
            for b in (conflicts.keep_button, conflicts.cancel_button, conflicts.delete_button):
                b.setToolTip(tooltip)
            conflicts.restore_button.setToolTip(tooltip)
            conflicts._update_buttons()

        staff.guard(resolve, "conflicts")


def wire_borrowers(staff: StaffWiring, borrowers) -> None:  # type: ignore[no-untyped-def]
    """The Ontleners tab's privacy buttons: by role. Called when the window builds that tab
    (the first time it is opened, ui/main_window.py)."""

    def erase(allowed: bool, tooltip: str) -> None:
        borrowers.erase_allowed = allowed
        borrowers.erase_button.setToolTip(tooltip)
        for button in (borrowers.merge_button, borrowers.export_button, borrowers.retention_button):
            button.setToolTip(tooltip)
        borrowers._show_borrower(borrowers.current_borrower())
        borrowers._show_retention()

    staff.guard(erase, "gdpr")


def open_deletions(window, staff: StaffWiring) -> None:  # type: ignore[no-untyped-def]
    from ui.deletions_dialog import DeletionsDialog

    dialog = DeletionsDialog(staff._ctx.deletions, allowed=staff.allowed("restore"), parent=window)
    window.deletions_dialog = dialog  # tests look at it
    dialog.open()


def open_audit(window, staff: StaffWiring) -> None:  # type: ignore[no-untyped-def]
    from ui.audit_dialog import AuditDialog

    dialog = AuditDialog(staff._ctx.audit, staff._ctx.staff, window)
    window.audit_dialog = dialog  # tests look at it
    dialog.open()
