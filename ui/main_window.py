"""The main window: wires the views together. No business rules live here.

Other parts plug in through two public methods:
- `MainWindow.add_view(title, widget)` adds a tab (Ctrl+1..9 follow the tab order);
- `MainWindow.status.add_permanent(widget)` adds a widget to the status bar.

Start-up (issue 13): `MainWindow()` without a context is the frame only — the title, the
Balie tab saying "bezig met openen…" with a scan field that keeps what is scanned, and the
status bar — built from Qt and a few light modules, so it is on screen within a few tenths of
a second. `attach(ctx)` (ui/app.py, once the context is opened off the GUI thread) builds
the counter, menus and sign-in, hands the queued scans to the counter and emits `ready`.
The other tabs are built the first time they are opened (or asked for by their attribute).
`MainWindow(ctx)` does both at once (tests, the demo).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from app import i18n
from app.i18n import _
from ui.operations import Changes, data_bus, run_operation
from ui.screen_fit import ScrollingTabs, fit_window, remember_window
from ui.status_bar import StatusBar
from ui.widgets.scan_field import ScanField

if TYPE_CHECKING:
    from app.context import AppContext
    from ui.bench_view import BenchView
    from ui.borrowers_view import BorrowersView
    from ui.counter_view import CounterView
    from ui.devices_view import DevicesView
    from ui.donations_view import DonationsView
    from ui.helpdesk_view import HelpdeskView
    from ui.loans_view import LoansView
    from ui.reports_view import ReportsView
    from ui.table_models import SearchableTable
    from ui.trainings_view import TrainingsView
    from ui.waiting_list_view import WaitingListView

log = logging.getLogger(__name__)

WINDOW_TITLE = "Digibank Balie"
WINDOW_STATE_FILE = "window.ini"


class _OnFirstUse:
    """Stands for a service until it is first used: `ctx.printing` imports reportlab and loads
    its fonts (a few tenths of a second), which the counter needs only when it prints."""

    def __init__(self, make: Callable[[], object]) -> None:
        self._make = make
        self._service: object | None = None

    def __getattr__(self, name: str) -> Any:
        if self._service is None:
            self._service = self._make()
        return getattr(self._service, name)


class OpeningPage(QWidget):
    """The Balie tab while the data folder opens: a visible "bezig" line and the scan field.
    Scans typed meanwhile (a keyboard-wedge scanner does not wait) are kept, in order, and
    handed to the counter once it is ready (`MainWindow.attach`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queued: list[str] = []
        self.busy_label = QLabel(_("Bezig met openen…"), self)
        font = self.busy_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.busy_label.setFont(font)
        self.hint = QLabel(_("U kunt al scannen: wat u scant, wordt verwerkt zodra de balie klaar is."), self)
        self.hint.setWordWrap(True)
        self.queued_label = QLabel(self)
        self.scan_field = ScanField(self)
        self.scan_field.scanned.connect(self._keep)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scan_field)
        layout.addWidget(self.busy_label)
        layout.addWidget(self.hint)
        layout.addWidget(self.queued_label)
        layout.addStretch(1)

    def _keep(self, text: str) -> None:
        self.queued.append(text)
        self.queued_label.setText(_("Wachtende scans: {count}").format(count=len(self.queued)))

    def show_failure(self, text: str) -> None:
        self.busy_label.setText("⚠ " + text)
        self.hint.clear()


# The tabs after Balie, in order; each is built when first opened.
_LAZY_TABS = (
    "devices_view",
    "borrowers_view",
    "loans_view",
    "helpdesk_view",
    "trainings_view",
    "bench_view",
    "donations_view",
    "waiting_view",
    "reports_view",
)


def _tab_title(attribute: str) -> str:
    # Spelled out for the translation extractor (scripts/translations.py).
    return {
        "devices_view": _("Toestellen"),
        "borrowers_view": _("Ontleners"),
        "loans_view": _("Uitleningen"),
        "helpdesk_view": _("Helpdesk"),
        "trainings_view": _("Opleidingen"),
        "bench_view": _("Werkbank"),
        "donations_view": _("Schenkingen"),
        "waiting_view": _("Wachtlijst"),
        "reports_view": _("Rapporten"),
    }[attribute]


class MainWindow(QMainWindow):
    ready = Signal()  # attach() finished: the counter takes scans (benchmarks/window_probe.py)
    counter_view: CounterView

    def __init__(
        self, ctx: AppContext | None = None, parent: QWidget | None = None, *, data_dir: Path | None = None
    ) -> None:
        """`data_dir` (for the frame only): where last time's size and place are kept."""
        super().__init__(parent)
        self.ctx: AppContext = None  # type: ignore[assignment]  # set by attach()
        self.is_ready = False
        self._built: dict[str, QWidget] = {}
        self._lazy_index: dict[int, str] = {}
        self.setWindowTitle(WINDOW_TITLE)
        self.tabs = ScrollingTabs(self)  # a view larger than the screen scrolls (ui/screen_fit.py)
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.status = StatusBar(None, None, self)
        self.setStatusBar(self.status)
        self.opening: OpeningPage | None = OpeningPage()
        self.add_view(_("Balie"), self.opening)
        self._build_file_menu()  # Ctrl+Q works while opening too
        self.opening.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)
        if ctx is not None:
            self.attach(ctx)
        else:
            self.status.show_busy(_("Bezig met openen…"))
            # Already where it will stay: attach() fits it from the same file again.
            fit_window(self, data_dir / WINDOW_STATE_FILE if data_dir else None, QSize(1280, 800))

    def attach(self, ctx: AppContext, *, sync_later: bool = False) -> None:
        """Build the window on an opened context; the counter gets what was scanned so far.

        `sync_later`: the sync pieces (pydantic, httpx: a few tenths of a second of imports)
        are plugged in by `attach_sync()` once the counter is ready (ui/app.py)."""
        from ui.counter_view import CounterView
        from ui.printing.actions import PrintActions
        from ui.staff_wiring import StaffWiring, wire_window

        self.ctx = ctx
        location = ctx.locations.current()
        title = _("{app} — {name} ({code})").format(app=WINDOW_TITLE, name=location.name, code=location.code)
        if ctx.settings.demo:  # a practice folder (digibank demo): never taken for the real one
            title = _("OEFENING (DEMO) — {title}").format(title=title)
        self.setWindowTitle(title)
        self.status.attach(ctx.locations, ctx.loans)
        self.status.overdue_clicked.connect(self.show_late_loans)

        printing: Any = _OnFirstUse(lambda: ctx.printing)
        self.counter_view = CounterView(
            ctx.counter(), self, printing=printing, receipts_dir=ctx.data_dir / "ontvangstbewijzen"
        )
        opening, self.opening = self.opening, None
        assert opening is not None
        typed = opening.scan_field.text()  # a scan half typed: it goes on in the real field
        self._queued = list(opening.queued)
        self._replace_page(0, self.counter_view)  # deletes the opening page
        for attribute in _LAZY_TABS:
            index = self.add_view(_tab_title(attribute), QWidget())
            self._lazy_index[index] = attribute
        self.sync: Any = None
        if not sync_later:
            self.attach_sync(wire=False)  # wire_window below guards it
        self.print_actions = PrintActions(
            printing,
            lambda: self.devices_view,
            lambda: self.borrowers_view,
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
        self.staff = StaffWiring(ctx, self, self._on_unlocked)
        wire_window(self.staff, self)
        self.staff.start()
        for number in range(1, 11):  # Ctrl+1 … Ctrl+9, and Ctrl+0 for the tenth tab
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number % 10}"), self)
            shortcut.activated.connect(lambda n=number: self.show_tab(n - 1))
        # The size and place of last time (in the data folder), never larger than the screen.
        fit_window(self, self.window_state_file, QSize(1280, 800))
        self.is_ready = True
        self.status.clear_busy()
        self.counter_view.scan_field.setText(typed)
        self.counter_view.focus_scan()
        self._flush_queued()
        log.info("window ready")
        self.ready.emit()

    def attach_sync(self, wire: bool = True) -> None:
        """Plug in background sync: its status in the status bar, the Conflicten and
        Synchronisatie tabs (ui/sync/wiring.py)."""
        from ui.staff_wiring import wire_sync
        from ui.sync.wiring import SyncWiring

        self.sync = SyncWiring(self.ctx, self)
        if wire:
            wire_sync(self.staff, self)

    def _on_unlocked(self) -> None:
        self._on_tab_changed(self.tabs.currentIndex())
        self._flush_queued()

    def _flush_queued(self) -> None:
        """Scans typed while the window opened go to the counter, in order — once somebody
        is signed in when staff exist (a scan is never committed for nobody)."""
        if not getattr(self, "_queued", None) or self.staff.locked:
            return
        queued, self._queued = self._queued, []
        log.info("%d scan(s) typed while opening handed to the counter", len(queued))
        for text in queued:
            self.counter_view.scan(text)

    def show_opening_failure(self, text: str) -> None:
        """Opening failed in the background: said on the page (ui/app.py shows the message)."""
        self.status.clear_busy()
        if self.opening is not None:
            self.opening.show_failure(text)

    # -- tabs built when first opened ---------------------------------------------------

    def _replace_page(self, index: int, widget: QWidget) -> None:
        # The page sits in ScrollingTabs' scroll area: swapping its widget keeps the index,
        # the title and the current tab (no currentChanged), and deletes the placeholder.
        area = QTabWidget.widget(self.tabs, index)
        area.setWidget(widget)  # type: ignore[attr-defined]

    def _view(self, attribute: str) -> Any:
        view = self._built.get(attribute)
        if view is None:
            if self.ctx is None:
                raise RuntimeError("the window is still opening")
            view = self._build(attribute)
            self._built[attribute] = view
            index = next(i for i, a in self._lazy_index.items() if a == attribute)
            self._replace_page(index, view)
            del self._lazy_index[index]
            log.info("tab %s built", attribute)
        return view

    def _build(self, attribute: str) -> QWidget:
        ctx = self.ctx
        if attribute == "devices_view":
            from ui.devices_view import DevicesView

            return DevicesView(ctx.devices, ctx.loans, self, history=ctx.history)
        if attribute == "borrowers_view":
            from ui.borrowers_view import BorrowersView
            from ui.staff_wiring import wire_borrowers

            borrowers = BorrowersView(
                ctx.borrowers,
                ctx.loans,
                self,
                privacy=ctx.privacy,
                backup_keep_days=ctx.settings.backup_keep_days,
                retention_months=ctx.settings.retention_months,
                erasures=ctx.erasure_requests,
                history=ctx.history,
            )
            wire_borrowers(self.staff, borrowers)
            return borrowers
        if attribute == "loans_view":
            from ui.loans_view import LoansView

            loans = LoansView(
                ctx.loan_overview,
                ctx.reminders,
                letters_dir=ctx.data_dir / "herinneringen",
                parent=self,
                settings=ctx.settings,
            )
            loans.open_borrower.connect(self.show_borrower)
            loans.open_device.connect(self.show_device)
            return loans
        if attribute == "helpdesk_view":
            from ui.helpdesk_view import HelpdeskView

            return HelpdeskView(ctx.helpdesk, self)
        if attribute == "trainings_view":
            from ui.trainings_view import TrainingsView

            return TrainingsView(
                ctx.trainings, self, location=ctx.locations.current, documents_dir=ctx.data_dir / "documenten"
            )
        if attribute == "bench_view":
            from ui.bench_view import BenchView

            return BenchView(
                ctx.devices,
                ctx.bench,
                ctx.waiting_list,
                self,
                borrowers=ctx.borrowers,
                location=ctx.locations.current,
                documents_dir=ctx.data_dir / "documenten",
            )
        if attribute == "donations_view":
            from ui.donations_view import DonationsView

            return DonationsView(
                ctx.donations,
                printer=ctx.printing,
                labels_dir=ctx.data_dir / "etiketten",
                label_layout=ctx.settings.label_layout,
                parent=self,
            )
        if attribute == "waiting_view":
            from ui.waiting_list_view import WaitingListView

            return WaitingListView(ctx.waiting_list, self)
        if attribute == "reports_view":
            from ui.reports_view import ReportsView

            return ReportsView(ctx.reports, parent=self)
        raise KeyError(attribute)

    @property
    def devices_view(self) -> DevicesView:
        return self._view("devices_view")

    @property
    def borrowers_view(self) -> BorrowersView:
        return self._view("borrowers_view")

    @property
    def loans_view(self) -> LoansView:
        return self._view("loans_view")

    @property
    def helpdesk_view(self) -> HelpdeskView:
        return self._view("helpdesk_view")

    @property
    def trainings_view(self) -> TrainingsView:
        return self._view("trainings_view")

    @property
    def bench_view(self) -> BenchView:
        return self._view("bench_view")

    @property
    def donations_view(self) -> DonationsView:
        return self._view("donations_view")

    @property
    def waiting_view(self) -> WaitingListView:
        return self._view("waiting_view")

    @property
    def reports_view(self) -> ReportsView:
        return self._view("reports_view")

    @property
    def window_state_file(self) -> Path:
        return self.ctx.data_dir / WINDOW_STATE_FILE

    def start_background_work(self, daily_backup: Callable[[], object] | None = None) -> None:
        """What the window starts once it is on screen (ui/app.py calls it after the first
        show): background sync, and the daily backup off the GUI thread with a "bezig" note."""
        if self.sync is not None:
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
        if index in self._lazy_index:
            self._view(self._lazy_index[index])  # built the first time it is opened
        widget = self.tabs.widget(index)
        built = self._built
        if widget is self.counter_view:
            self.counter_view.focus_scan()
        elif widget is built.get("devices_view"):
            self.devices_view.table.search_field.setFocus()
        elif widget is built.get("borrowers_view"):
            self.borrowers_view.table.search_field.setFocus()
        elif widget is built.get("loans_view"):
            self.loans_view.focus_search()

    # -- menus -------------------------------------------------------------------------

    def _build_file_menu(self) -> None:
        file_menu = self.menuBar().addMenu(_("&Bestand"))
        quit_action = QAction(_("&Afsluiten"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

    def _build_menus(self) -> None:
        menu_bar = self.menuBar()
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
        if self.ctx is not None:  # closed while still opening: nothing was started yet
            remember_window(self, self.window_state_file)
            if self.sync is not None:
                self.sync.stop()
            if "reports_view" in self._built:
                self.reports_view.shutdown()
        super().closeEvent(event)
