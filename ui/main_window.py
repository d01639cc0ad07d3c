"""The main window: wires the views together. No business rules live here.

Other parts plug in through two public methods:
- `MainWindow.add_view(title, widget)` adds a tab (Ctrl+1..9 follow the tab order);
- `MainWindow.status.add_permanent(widget)` adds a widget to the status bar.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from app import i18n
from app.context import AppContext
from app.i18n import _
from ui.bench_view import BenchView
from ui.borrowers_view import BorrowersView
from ui.counter_view import CounterView
from ui.devices_view import DevicesView
from ui.donations_view import DonationsView
from ui.helpdesk_view import HelpdeskView
from ui.loans_view import LoansView
from ui.operations import Changes, data_bus, run_operation
from ui.printing.actions import PrintActions
from ui.reports_view import ReportsView
from ui.screen_fit import ScrollingTabs, fit_window, remember_window
from ui.staff_wiring import StaffWiring, wire_window
from ui.status_bar import StatusBar
from ui.sync.wiring import SyncWiring
from ui.table_models import SearchableTable
from ui.trainings_view import TrainingsView
from ui.waiting_list_view import WaitingListView

log = logging.getLogger(__name__)

WINDOW_TITLE = "Digibank Balie"
WINDOW_STATE_FILE = "window.ini"


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        location = ctx.locations.current()
        title = _("{app} — {name} ({code})").format(app=WINDOW_TITLE, name=location.name, code=location.code)
        if ctx.settings.demo:  # a practice folder (digibank demo): never taken for the real one
            title = _("OEFENING (DEMO) — {title}").format(title=title)
        self.setWindowTitle(title)
        self.tabs = ScrollingTabs(self)  # a view larger than the screen scrolls (ui/screen_fit.py)
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.status = StatusBar(ctx.locations, ctx.loans, self)
        self.setStatusBar(self.status)

        self.counter_view = CounterView(
            ctx.counter(), self, printing=ctx.printing, receipts_dir=ctx.data_dir / "ontvangstbewijzen"
        )
        self.devices_view = DevicesView(ctx.devices, ctx.loans, self, history=ctx.history)
        self.borrowers_view = BorrowersView(
            ctx.borrowers,
            ctx.loans,
            self,
            privacy=ctx.privacy,
            backup_keep_days=ctx.settings.backup_keep_days,
            retention_months=ctx.settings.retention_months,
            erasures=ctx.erasure_requests,
            history=ctx.history,
        )
        self.loans_view = LoansView(
            ctx.loan_overview,
            ctx.reminders,
            letters_dir=ctx.data_dir / "herinneringen",
            parent=self,
            settings=ctx.settings,
        )
        self.add_view(_("Balie"), self.counter_view)
        self.add_view(_("Toestellen"), self.devices_view)
        self.add_view(_("Ontleners"), self.borrowers_view)
        self.add_view(_("Uitleningen"), self.loans_view)
        self.loans_view.open_borrower.connect(self.show_borrower)
        self.loans_view.open_device.connect(self.show_device)
        self.status.overdue_clicked.connect(self.show_late_loans)
        self.helpdesk_view = HelpdeskView(ctx.helpdesk, self)
        self.trainings_view = TrainingsView(
            ctx.trainings, self, location=ctx.locations.current, documents_dir=ctx.data_dir / "documenten"
        )
        self.bench_view = BenchView(
            ctx.devices,
            ctx.bench,
            ctx.waiting_list,
            self,
            borrowers=ctx.borrowers,
            location=ctx.locations.current,
            documents_dir=ctx.data_dir / "documenten",
        )
        self.donations_view = DonationsView(
            ctx.donations,
            printer=ctx.printing,
            labels_dir=ctx.data_dir / "etiketten",
            label_layout=ctx.settings.label_layout,
            parent=self,
        )
        self.waiting_view = WaitingListView(ctx.waiting_list, self)
        self.reports_view = ReportsView(ctx.reports, parent=self)
        self.add_view(_("Helpdesk"), self.helpdesk_view)
        self.add_view(_("Opleidingen"), self.trainings_view)
        self.add_view(_("Werkbank"), self.bench_view)
        self.add_view(_("Schenkingen"), self.donations_view)
        self.add_view(_("Wachtlijst"), self.waiting_view)
        self.add_view(_("Rapporten"), self.reports_view)
        self.sync = SyncWiring(ctx, self)
        self.print_actions = PrintActions(
            ctx.printing,
            self.devices_view,
            self.borrowers_view,
            ctx.settings.label_layout,
            self,
            counter_view=self.counter_view,
        )

        # No view refreshes another: each follows data_bus().changed (ui/operations.py). Another
        # program (the command line, a second window) may have written while this one was in
        # the background: everything is re-read when it becomes active again.
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._on_application_state)
        self._was_inactive = False
        self.tabs.currentChanged.connect(self._on_tab_changed)

        self._build_menus()
        # Sign-in, Ctrl+L, the idle lock and greying by role (ui/staff_wiring.py).
        self.staff = StaffWiring(ctx, self, lambda: self._on_tab_changed(self.tabs.currentIndex()))
        wire_window(self.staff, self)
        self.staff.start()
        for number in range(1, 11):  # Ctrl+1 … Ctrl+9, and Ctrl+0 for the tenth tab
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number % 10}"), self)
            shortcut.activated.connect(lambda n=number: self.show_tab(n - 1))
        self.counter_view.focus_scan()
        # The size and place of last time (in the data folder), never larger than the screen.
        fit_window(self, self.window_state_file, QSize(1280, 800))

    @property
    def window_state_file(self) -> Path:
        return self.ctx.data_dir / WINDOW_STATE_FILE

    def start_background_work(self, daily_backup: Callable[[], object] | None = None) -> None:
        """What the window starts once it is on screen (ui/app.py calls it after the first
        show): background sync, and the daily backup off the GUI thread with a "bezig" note."""
        self.sync.start()
        if daily_backup is None:
            return
        log.info("daily backup check started")
        self.status.show_busy(_("Reservekopie wordt gemaakt…"))
        run_operation(
            lambda _op: daily_backup(),
            on_success=lambda _made: self.status.clear_busy(),
            on_failure=self._backup_failed,
            parent=self,
            what="daily backup",
        )

    def _backup_failed(self, message: str) -> None:
        log.error("automatic backup failed: %s", message)  # the traceback is logged by the operation
        self.status.show_warning(_("Automatische reservekopie mislukt: {message}").format(message=message))

    # -- plugging in -----------------------------------------------------------------

    def add_view(self, title: str, widget: QWidget) -> int:
        """Add a view as a tab; returns its index (Ctrl+<index+1> opens it)."""
        index = self.tabs.addTab(widget, title)
        if index < 10:
            self.tabs.setTabToolTip(index, _("Ctrl+{number}").format(number=(index + 1) % 10))
        return index

    def show_tab(self, index: int) -> None:
        if 0 <= index < self.tabs.count():
            self.tabs.setCurrentIndex(index)

    def _on_application_state(self, state: Qt.ApplicationState) -> None:
        if state != Qt.ApplicationState.ApplicationActive:
            self._was_inactive = True
        elif self._was_inactive:
            self._was_inactive = False
            data_bus().announce(Changes.ALL)

    def show_device(self, device_id: str) -> None:
        """Open Toestellen with this device selected (from the loans overview)."""
        self.devices_view.status_filter.setCurrentIndex(0)  # every status: the device must be in the list
        self._show_record(self.devices_view, self.devices_view.table, device_id)

    def show_borrower(self, borrower_id: str) -> None:
        """Open Ontleners with this person selected."""
        self._show_record(self.borrowers_view, self.borrowers_view.table, borrower_id)

    def show_late_loans(self) -> None:
        self.tabs.setCurrentWidget(self.loans_view)
        self.loans_view.show_late()

    def _show_record(self, view: QWidget, table: SearchableTable, record_id: str) -> None:
        self.tabs.setCurrentWidget(view)
        table.search_field.blockSignals(True)  # no second, delayed search from the timer
        table.search_field.clear()
        table.search_field.blockSignals(False)
        table.run_search()
        table.select_id(record_id)
        table.table.setFocus()

    def _on_tab_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self.counter_view:
            self.counter_view.focus_scan()
        elif widget is self.devices_view:
            self.devices_view.table.search_field.setFocus()
        elif widget is self.borrowers_view:
            self.borrowers_view.table.search_field.setFocus()
        elif widget is self.loans_view:
            self.loans_view.focus_search()

    # -- menus -------------------------------------------------------------------------

    def _build_menus(self) -> None:
        menu_bar = self.menuBar()
        file_menu = menu_bar.addMenu(_("&Bestand"))
        quit_action = QAction(_("&Afsluiten"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        self.print_actions.build_menu(menu_bar.addMenu(_("&Afdrukken")))

        language_menu = menu_bar.addMenu(_("&Taal"))
        group = QActionGroup(self)
        group.setExclusive(True)
        self.language_actions: dict[str, QAction] = {}
        # Each in its own language.
        for code, name in (("nl", "Nederlands"), ("en", "English"), ("fr", "Français")):
            action = QAction(name, self)
            action.setCheckable(True)
            action.setChecked(self.ctx.settings.language == code)
            action.triggered.connect(lambda _checked=False, c=code: self.choose_language(c))
            group.addAction(action)
            language_menu.addAction(action)
            self.language_actions[code] = action

        help_menu = menu_bar.addMenu(_("&Help"))
        from ui.help_dialog import install_help

        self.help_action = install_help(self)  # F1: the page of the tab in front
        help_menu.addAction(self.help_action)
        about = QAction(_("&Over Digibank Balie"), self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def choose_language(self, code: str) -> None:
        if code == self.ctx.settings.language:
            return
        self.ctx.settings.language = code
        self.ctx.save_settings()
        log.info("language set to %s (from next start)", code)
        # Say it in the language chosen: that is the one the person can read.
        previous = i18n.language()
        i18n.set_language(code)
        text = _("De taal wordt gewijzigd bij de volgende start van het programma.")
        title = _("Taal")
        i18n.set_language(previous)
        self._inform(title, text)

    def show_about(self) -> None:
        location = self.ctx.locations.current()
        self._inform(
            _("Over Digibank Balie"),
            _(
                "Digibank Balie — uitlenen, herstellen, opleiden en rapporteren voor digibanken.\n"
                "Locatie: {name} ({code})\nGegevensmap: {folder}"
            ).format(name=location.name, code=location.code, folder=self.ctx.data_dir),
        )

    def _inform(self, title: str, text: str) -> None:
        """A message box; tests replace it."""
        QMessageBox.information(self, title, text)

    def closeEvent(self, event: QCloseEvent) -> None:
        log.info("window closed")
        remember_window(self, self.window_state_file)
        self.sync.stop()
        self.reports_view.shutdown()
        super().closeEvent(event)
