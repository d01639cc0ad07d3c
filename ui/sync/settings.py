"""Settings page: server address and login; the progress of a first (initial) sync."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.i18n import _
from app.sync.protocol import HandshakeAnswer

log = logging.getLogger(__name__)

LoginFunction = Callable[[str, str], HandshakeAnswer]


class _LoginRelay(QObject):
    done = Signal(object)
    error = Signal(str)


class _LoginTask(QRunnable):
    def __init__(self, login: LoginFunction, url: str, token: str, relay: _LoginRelay) -> None:
        super().__init__()
        self._login, self._url, self._token, self._relay = login, url, token, relay

    def run(self) -> None:
        try:
            self._relay.done.emit(self._login(self._url, self._token))
        except UserError as exc:
            self._relay.error.emit(exc.message)
        except BaseException as exc:
            log.exception("login failed")
            self._relay.error.emit(
                _("Aanmelden mislukte ({kind}); details in het logboek.").format(kind=type(exc).__name__)
            )


class SyncSettingsPage(QWidget):
    """`login(url, token)` checks the token with the server and stores it (app.sync.account.login);
    `logged_in(url)` is emitted after success so the window can save the address and sync."""

    logged_in = Signal(str)

    def __init__(
        self,
        server_url: str,
        login: LoginFunction,
        pool: QThreadPool | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._login = login
        self._pool = pool or QThreadPool.globalInstance()
        self._relay = _LoginRelay(self)
        self._relay.done.connect(self._on_done)
        self._relay.error.connect(self._on_error)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.url_edit = QLineEdit(server_url, self)
        self.url_edit.setPlaceholderText("https://sync.digibank.be")
        self.token_edit = QLineEdit(self)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText(_("sleutel van de beheerder"))
        form.addRow(_("&Server:"), self.url_edit)
        form.addRow(_("S&leutel:"), self.token_edit)
        layout.addLayout(form)
        self.login_button = QPushButton(_("&Aanmelden"), self)
        self.login_button.clicked.connect(self.submit)
        self.token_edit.returnPressed.connect(self.submit)
        layout.addWidget(self.login_button)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.progress.setFormat(_("Eerste synchronisatie: %p%"))
        layout.addWidget(self.progress)
        layout.addStretch(1)

    def submit(self) -> None:
        self.login_button.setEnabled(False)
        self.message.setText(_("Bezig met aanmelden…"))
        self._pool.start(_LoginTask(self._login, self.url_edit.text(), self.token_edit.text(), self._relay))

    def _on_done(self, answer: HandshakeAnswer) -> None:
        self.login_button.setEnabled(True)
        self.token_edit.clear()  # the secret lives in the keychain now, not in a widget
        self.message.setText(
            _("Aangemeld bij {tenant} als locatie {code}.").format(
                tenant=answer.tenant, code=answer.location_code
            )
        )
        self.logged_in.emit(self.url_edit.text().strip().rstrip("/"))

    def _on_error(self, message: str) -> None:
        self.login_button.setEnabled(True)
        self.message.setText(message)

    def show_progress(self, done: int, total: int) -> None:
        """Connect to SyncController.progress: resumable pages of a first sync."""
        self.progress.setVisible(total > 0 and done < total or self.progress.isVisible())
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))
        if total and done >= total:
            self.progress.setFormat(_("Synchronisatie klaar"))
