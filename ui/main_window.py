"""The main window: wires the views together. No business rules live here.

Other parts plug in through two public methods:
- `MainWindow.add_view(title, widget)` adds a tab (Ctrl+1..9 follow the tab order);
- `MainWindow.status.add_permanent(widget)` adds a widget to the status bar.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QMessageBox, QTabWidget, QWidget

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
from ui.printing.actions import PrintActions
from ui.reports_view import ReportsView
from ui.staff_wiring import StaffWiring, wire_window
from ui.status_bar import StatusBar
from ui.sync.wiring import SyncWiring
from ui.table_models import SearchableTable
from ui.trainings_view import TrainingsView
from ui.waiting_list_view import WaitingListView

log = logging.getLogger(__name__)

WINDOW_TITLE = "Digibank Balie"


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        location = ctx.locations.current()
        self.setWindowTitle(
            _("{app} — {name} ({code})").format(app=WINDOW_TITLE, name=location.name, code=location.code)
        )
        self.resize(1200, 760)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.status = StatusBar(ctx.locations, ctx.loans, self)
        self.setStatusBar(self.status)

        self.counter_view = CounterView(ctx.counter(), self)
        self.devices_view = DevicesView(ctx.devices, ctx.loans, self, history=ctx.history)
        self.borrowers_view = BorrowersView(
            ctx.borrowers,
            ctx.loans,
            self,
            privacy=ctx.privacy,
            backup_keep_days=ctx.settings.backup_keep_days,
            retention_months=ctx.settings.retention_months,
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
        self.trainings_view = TrainingsView(ctx.trainings, self)
        self.bench_view = BenchView(ctx.devices, ctx.bench, ctx.waiting_list, self)
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
        # Every local change adds to "changes waiting" in the status bar.
        for changed in (
            self.counter_view.loans_changed,
            self.devices_view.devices_changed,
            self.borrowers_view.borrowers_changed,
        ):
            changed.connect(self.sync.status.refresh)
        self.print_actions = PrintActions(
            ctx.printing, self.devices_view, self.borrowers_view, ctx.settings.label_layout, self
        )

        # Loans changed at the counter: counts, and the lists that show statuses.
        self.counter_view.loans_changed.connect(self.status.refresh)
        self.counter_view.loans_changed.connect(self.devices_view.table.refresh_current)
        self.counter_view.loans_changed.connect(self.borrowers_view.table.refresh_current)
        self.devices_view.devices_changed.connect(self.status.refresh)
        self.borrowers_view.borrowers_changed.connect(self.status.refresh)
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
        self.status.refresh()  # other views may have changed loans; two small count queries
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
        for code, name in (("nl", "Nederlands"), ("en", "English")):  # each in its own language
            action = QAction(name, self)
            action.setCheckable(True)
            action.setChecked(self.ctx.settings.language == code)
            action.triggered.connect(lambda _checked=False, c=code: self.choose_language(c))
            group.addAction(action)
            language_menu.addAction(action)
            self.language_actions[code] = action

        help_menu = menu_bar.addMenu(_("&Help"))
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
        self.sync.stop()
        self.reports_view.shutdown()
        super().closeEvent(event)
