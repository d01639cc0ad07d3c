"""First start: name this computer's location (its code prefixes every tag and card), or
take over an existing location (a replacement PC): log in, pull everything, then join."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.errors import UserError
from app.i18n import _
from app.locations import LocationService
from app.sync.account import service_for
from app.sync.joining import first_login
from app.sync.service import SyncResult
from db.models import Location
from ui.dialogs.common import ErrorLabel
from ui.sync.controller import ServiceFactory, SyncController
from ui.sync.settings import LoginFunction, SyncSettingsPage

log = logging.getLogger(__name__)


def location_kind_names() -> dict[str, str]:
    return {"fixed": _("vaste balie"), "mobile": _("bus")}


@dataclass(frozen=True)
class JoinSetup:
    """What 'Deze pc vervangt een bestaande locatie' needs, and nothing more: check the
    token and keep it, build a sync service for an address, remember the address."""

    login: LoginFunction
    service_for: Callable[[str], ServiceFactory]
    remember_server: Callable[[str], None]
    pool: QThreadPool | None = None


def join_setup_for(ctx: AppContext, pool: QThreadPool | None = None) -> JoinSetup:
    def remember(url: str) -> None:
        ctx.settings.server_url = url
        ctx.save_settings()

    return JoinSetup(
        login=lambda url, token: first_login(ctx.sessions, url, token),
        service_for=lambda url: lambda progress: service_for(ctx.sessions, url, progress=progress),
        remember_server=remember,
        pool=pool,
    )


class FirstStartDialog(QDialog):
    def __init__(
        self, locations: LocationService, join: JoinSetup | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.locations = locations
        self.location: Location | None = None
        self._join = join
        self.sync: SyncController | None = None
        self.setWindowTitle(_("Digibank Balie — eerste start"))
        self.setMinimumWidth(520)

        intro = QLabel(
            _(
                "Welkom! Deze computer moet eerst weten welke locatie hij is. De code staat "
                "voor elk toestel- en kaartnummer (bv. KRT-000123) en kan later niet meer veranderen."
            ),
            self,
        )
        intro.setWordWrap(True)
        font = QFont(intro.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        intro.setFont(font)

        self.name = QLineEdit(self)
        self.name.setPlaceholderText(_("bv. Kortrijk balie"))
        self.code = QLineEdit(self)
        self.code.setPlaceholderText(_("2 tot 5 letters, bv. KRT"))
        self.code.setMaxLength(5)
        self.code.textEdited.connect(lambda text: self.code.setText(text.upper()))
        self.kind = QComboBox(self)
        for code, name in location_kind_names().items():
            self.kind.addItem(name, code)
        self.error = ErrorLabel(self)

        self.new_choice = QRadioButton(_("N&ieuwe locatie"), self)
        self.join_choice = QRadioButton(_("Deze pc &vervangt een bestaande locatie"), self)
        self.new_choice.setChecked(True)
        self.join_choice.setVisible(join is not None)

        new_page = QWidget(self)
        form = QFormLayout(new_page)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(_("&Naam van de locatie:"), self.name)
        form.addRow(_("&Code:"), self.code)
        form.addRow(_("&Soort:"), self.kind)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(new_page)
        self.join_page: SyncSettingsPage | None = None
        if join is not None:
            self.join_page = self._build_join_page(join)
            self.pages.widget(1).setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.new_choice.toggled.connect(self._choose)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.new_choice)
        layout.addWidget(self.join_choice)
        layout.addWidget(self.pages)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.name.setFocus()

    def _build_join_page(self, join: JoinSetup) -> SyncSettingsPage:
        holder = QWidget(self)
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        explain = QLabel(
            _(
                "Geef het adres van de server en de sleutel van de locatie die deze pc vervangt. "
                "Eerst worden alle gegevens van die locatie opgehaald; daarna gaan de nummers "
                "verder na de laatste toestel-, kaart- en schenkingsnummers."
            ),
            holder,
        )
        explain.setWordWrap(True)
        page = SyncSettingsPage("", join.login, pool=join.pool, parent=holder)
        page.login_button.setText(_("&Aanmelden en gegevens ophalen"))
        page.logged_in.connect(self._logged_in)
        # After a failed first sync the token is already in the keychain: retry without it.
        self.retry_button = QPushButton(_("&Opnieuw ophalen"), holder)
        self.retry_button.setVisible(False)
        self.retry_button.clicked.connect(self._retry)
        box.addWidget(explain)
        box.addWidget(page)
        box.addWidget(self.retry_button)
        self.pages.addWidget(holder)
        return page

    def _choose(self, new: bool) -> None:
        self.error.clear_message()
        self.pages.setCurrentIndex(0 if new else 1)
        # The stack takes the size of the page shown, not of the largest one.
        for index in range(self.pages.count()):
            policy = (
                QSizePolicy.Policy.Preferred
                if index == self.pages.currentIndex()
                else QSizePolicy.Policy.Ignored
            )
            self.pages.widget(index).setSizePolicy(policy, policy)
        self.adjustSize()
        # Joining has its own button (log in, then fetch); OK would only confuse.
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setVisible(new)
        if new:
            self.name.setFocus()
        elif self.join_page is not None:
            self.join_page.url_edit.setFocus()

    # -- joining: log in (worker) → first sync (worker) → take over the location ------

    def _logged_in(self, url: str) -> None:
        assert self._join is not None and self.join_page is not None
        self._join.remember_server(url)
        self.sync = SyncController(self._join.service_for(url), pool=self._join.pool, parent=self)
        self.sync.progress.connect(self.join_page.show_progress)
        self.sync.finished.connect(self._synced)
        self.sync.failed.connect(self._sync_failed)
        self._retry()

    def _retry(self) -> None:
        assert self.sync is not None and self.join_page is not None
        self.error.clear_message()
        self.retry_button.setVisible(False)
        self._set_busy(True)
        self.join_page.message.setText(_("Alle gegevens van de locatie worden opgehaald…"))
        self.join_page.progress.setVisible(True)
        self.sync.sync_now()

    def _synced(self, _result: SyncResult) -> None:
        assert self.sync is not None and self.join_page is not None
        self.sync.stop()  # the window runs the regular rounds
        self._set_busy(False)
        try:
            self.location = self.locations.join(self.locations.synced_token_code())
        except UserError as exc:
            self.join_page.message.setText("")
            self.error.show_message(exc.message)
            return
        log.info("first start: joined %s", self.location.code)
        super().accept()

    def _sync_failed(self, message: str) -> None:
        assert self.sync is not None and self.join_page is not None
        self.sync.stop()  # no retry behind the person's back: they press the button again
        self._set_busy(False)
        self.join_page.message.setText("")
        self.error.show_message(message)
        self.retry_button.setVisible(True)
        self.retry_button.setFocus()

    def _set_busy(self, busy: bool) -> None:
        # The round is safe to stop anywhere, but the database must outlive its worker:
        # leaving is possible again as soon as the round has ended.
        assert self.join_page is not None
        self.join_page.login_button.setEnabled(not busy)
        self.join_page.url_edit.setEnabled(not busy)
        self.join_page.token_edit.setEnabled(not busy)
        self.new_choice.setEnabled(not busy)
        self.join_choice.setEnabled(not busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setEnabled(not busy)

    def reject(self) -> None:
        if self.sync is not None and self.sync.busy:
            return  # Escape during the first sync: wait for the round (see _set_busy)
        super().reject()

    def accept(self) -> None:
        if self.join_choice.isChecked():
            return  # Enter in the join page starts the login there, not an empty accept
        self.error.clear_message()
        try:
            self.location = self.locations.initialise(
                self.code.text(), self.name.text(), str(self.kind.currentData())
            )
        except UserError as exc:
            self.error.show_message(exc.message)
            return
        super().accept()
