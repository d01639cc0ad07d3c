"""The one way the window runs work off the GUI thread, and the one "data changed" signal.

Modelled on Anki's `CollectionOp`/`QueryOp` and Picard's `run_task`:

    run_operation(lambda op: service.checkout(card, tag),
                  on_success=self._show_loan, on_failure=self._show_error,
                  changes=Changes.of("loan", "device"), parent=self)

- `work(op)` runs on a thread pool. It may report progress with `op.progress(done, total, text)`
  and should call `op.check_cancelled()` between steps of long work; it never touches a widget.
- Its result comes back on the GUI thread to `on_success`; a `UserError` comes back as its plain
  message to `on_failure`; any other exception is logged (with its traceback, never shown) and
  comes back as one plain Dutch line. A worker therefore always reports back, exactly once.
- When `changes` is given (a write — Anki's CollectionOp), every view hears about it through
  `data_bus().changed` after `on_success` ran. A read (Anki's QueryOp) passes no `changes`.

Views never refresh one another by hand: each listens to `data_bus().changed` and reloads
what it shows when `Changes.touches()` its tables. The window also announces `Changes.ALL`
when it regains focus (another program — the command line — may have written) and the sync
controller announces what a round applied.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QEvent, QObject, QRunnable, QThreadPool, Signal, Slot

from app.i18n import _

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Changes:
    """What a write changed: table names (the models' `__tablename__`) and, when known, row ids.

    An empty `tables` means "anything may have changed" (focus regained, a restore)."""

    tables: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()

    ALL: ClassVar[Changes]

    @classmethod
    def of(cls, *tables: str, ids: Iterable[str] = ()) -> Changes:
        return cls(frozenset(tables), frozenset(ids))

    def touches(self, *tables: str) -> bool:
        """True when a view that shows these tables must reload."""
        return not self.tables or bool(self.tables.intersection(tables))

    def __or__(self, other: Changes) -> Changes:
        if not self.tables or not other.tables:
            return Changes.ALL
        return Changes(self.tables | other.tables, self.ids | other.ids)


Changes.ALL = Changes()


class DataBus(QObject):
    """Carries `changed(Changes)` to every view. One per application (see `data_bus`)."""

    changed = Signal(object)

    def announce(self, changes: Changes) -> None:
        self.changed.emit(changes)


_bus: DataBus | None = None


def data_bus() -> DataBus:
    """The application's bus; created on first use (on the GUI thread: views ask in __init__)."""
    global _bus
    if _bus is None:
        _bus = DataBus()
    return _bus


class OperationCancelled(Exception):
    """Raised inside `work` by `check_cancelled()` once the user asked to stop."""


class _Relay(QObject):
    # Emitted from the worker thread; Qt queues them to the relay's (GUI) thread.
    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Operation(QObject, Generic[T]):
    """A running piece of work. Signals arrive on the GUI thread; exactly one of
    `succeeded`, `failed`, `cancelled` fires, then `finished`."""

    progress = Signal(int, int, str)  # done, total, text
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, changes: Changes | None, parent: QObject | None = None) -> None:
        # No Qt parent: a closing dialog must not delete an operation whose worker still
        # reports to it (the module keeps it alive); closing the parent cancels instead.
        super().__init__()
        if parent is not None:
            parent.destroyed.connect(self.cancel)
        self._changes = changes
        self._stop = threading.Event()
        self._done = False
        self.relay = _Relay(self)
        self.relay.progress.connect(self.progress)
        self.relay.succeeded.connect(self._on_succeeded)
        self.relay.failed.connect(self._on_failed)
        self.relay.cancelled.connect(self._on_cancelled)

    # -- asked from the GUI thread

    def cancel(self) -> None:
        self._stop.set()

    @property
    def is_finished(self) -> bool:
        return self._done

    # -- asked from the worker

    def progress_report(self, done: int, total: int, text: str = "") -> None:
        self.check_cancelled()
        self.relay.progress.emit(done, total, text)

    def check_cancelled(self) -> None:
        if self._stop.is_set():
            raise OperationCancelled

    @property
    def cancel_requested(self) -> bool:
        return self._stop.is_set()

    # -- results, on the GUI thread

    @Slot(object)
    def _on_succeeded(self, result: object) -> None:
        self.succeeded.emit(result)
        if self._changes is not None:
            data_bus().announce(self._changes)
        self._finish()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.failed.emit(message)
        self._finish()

    @Slot()
    def _on_cancelled(self) -> None:
        self.cancelled.emit()
        self._finish()

    def _finish(self) -> None:
        self._done = True
        self.finished.emit()
        _running.discard(self)


class OpControl:
    """What `work` gets: progress reports and the cancel check (thread-safe)."""

    def __init__(self, operation: Operation[Any]) -> None:
        self._op = operation

    def progress(self, done: int, total: int, text: str = "") -> None:
        self._op.progress_report(done, total, text)

    def check_cancelled(self) -> None:
        self._op.check_cancelled()

    @property
    def cancel_requested(self) -> bool:
        return self._op.cancel_requested


def unexpected_error_text(exc: BaseException) -> str:
    return _("Onverwachte fout ({kind}); details in het logboek.").format(kind=type(exc).__name__)


class _Job(QRunnable):
    def __init__(
        self,
        work: Callable[[OpControl], Any],
        operation: Operation[Any],
        what: str,
        unexpected: Callable[[BaseException], str] = unexpected_error_text,
    ) -> None:
        super().__init__()
        self._work = work
        self._op = operation
        self._what = what
        self._unexpected = unexpected
        self.setAutoDelete(True)

    def run(self) -> None:
        # Imported here, on the worker: app.errors loads the models, and the window's frame
        # (ui/app.py) shows before anything that heavy is imported.
        from app.errors import UserError

        relay = self._op.relay
        try:
            result = self._work(OpControl(self._op))
        except OperationCancelled:
            relay.cancelled.emit()
        except UserError as exc:
            relay.failed.emit(exc.message)
        except BaseException as exc:  # a worker must always report back, and never show a traceback
            log.exception("background operation failed: %s", self._what)
            relay.failed.emit(self._unexpected(exc))
        else:
            relay.succeeded.emit(result)


# Operations are kept alive here until they finished, so a caller may drop its reference.
_running: set[Operation[Any]] = set()


def run_operation(
    work: Callable[[OpControl], T],
    *,
    on_success: Callable[[T], None] | None = None,
    on_failure: Callable[[str], None] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
    changes: Changes | None = None,
    parent: QObject | None = None,
    pool: QThreadPool | None = None,
    what: str = "",
    unexpected_text: Callable[[BaseException], str] | None = None,
) -> Operation[T]:
    """Start `work` off the GUI thread; see the module docstring. `what` names the work in the
    log (never personal data). The callbacks run on the GUI thread. `unexpected_text(exc)` words
    the one plain line shown for an unexpected exception (default: `unexpected_error_text`)."""
    op: Operation[T] = Operation(changes, parent)
    if on_success is not None:
        op.succeeded.connect(on_success)
    if on_failure is not None:
        op.failed.connect(on_failure)
    if on_progress is not None:
        op.progress.connect(on_progress)
    if on_cancelled is not None:
        op.cancelled.connect(on_cancelled)
    _running.add(op)
    job = _Job(work, op, what or getattr(work, "__name__", "work"), unexpected_text or unexpected_error_text)
    (pool or QThreadPool.globalInstance()).start(job)
    return op


def wait_for_running(timeout_ms: int = 10_000) -> bool:
    """Tests and window close: process events until every running operation finished."""
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QThread

    deadline = QDeadlineTimer(timeout_ms)
    while _running and not deadline.hasExpired():
        QCoreApplication.processEvents()
        QThread.msleep(5)
    return not _running


class ReloadWatcher(QObject):
    """Reloads one view when a change touches its tables: at once while it is visible,
    otherwise the next time it is shown (a hidden tab costs no query until it is looked at).

    Made by `reload_on_change`; a child of the view, so it goes with it."""

    def __init__(self, widget: Any, tables: Iterable[str], reload: Callable[[], None], stale: bool) -> None:
        super().__init__(widget)
        self._widget = widget
        self._tables = tuple(tables)
        self._reload = reload
        self.stale = stale
        self._reloading = False
        data_bus().changed.connect(self._on_changed)
        widget.installEventFilter(self)

    @Slot(object)
    def _on_changed(self, changes: Changes) -> None:
        if self._reloading or not changes.touches(*self._tables):
            return  # (a reload that itself announces must not start itself again)
        self.request()

    def request(self) -> None:
        """Reload now if the view is visible, else when it is shown next."""
        if self._widget.isVisible():
            self.reload()
        else:
            self.stale = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Show and self.stale:
            self.reload()
        return False

    def reload(self) -> None:
        self.stale = False
        self._reloading = True
        try:
            self._reload()
        except Exception:  # one view failing to reload must not stop the others hearing the change
            log.exception("reloading %s failed", type(self._widget).__name__)
        finally:
            self._reloading = False


def reload_on_change(
    widget: Any, tables: Iterable[str], reload: Callable[[], None], *, stale: bool = False
) -> ReloadWatcher:
    """Have `widget` call `reload()` whenever `data_bus()` announces a change touching `tables`
    (and after `Changes.ALL`). `stale=True`: the first load waits until the widget is shown."""
    return ReloadWatcher(widget, tables, reload, stale)
