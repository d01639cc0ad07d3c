"""Background sync for the window: one round at a time on a thread pool, every minute
and on demand, with exponential backoff and jitter after failures.

Nothing starts in the constructor (call `start()`). A round is one `run_operation`
(ui/operations.py): the worker never touches a widget, the result or a plain message comes
back on the GUI thread, and the tables the round applied are announced on the data bus so
every view that shows them reloads.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from app.i18n import _
from app.sync.service import SyncResult, SyncService, backoff_delay
from ui.operations import Changes, OpControl, data_bus, run_operation

log = logging.getLogger(__name__)

# A round always writes its bookkeeping: the outbox (pushed), cursors, conflicts found.
ROUND_TABLES = ("outbox", "local_state", "field_conflict")

ServiceFactory = Callable[[Callable[[int, int], None]], SyncService]


class SyncController(QObject):
    started = Signal()
    finished = Signal(object)  # SyncResult
    failed = Signal(str)
    progress = Signal(int, int)  # applied up to, of (change numbers) — for the initial sync bar

    def __init__(
        self,
        service_factory: ServiceFactory,
        interval_seconds: int = 60,
        pool: QThreadPool | None = None,
        rng: random.Random | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory = service_factory
        self._interval_ms = max(1, interval_seconds) * 1000
        self._pool = pool or QThreadPool.globalInstance()
        self._rng = rng or random.Random()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.sync_now)
        self._busy = False
        self._failures = 0
        self.last_result: SyncResult | None = None
        self.last_error = ""

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def failures(self) -> int:
        return self._failures

    def next_delay_ms(self) -> int:
        return self._timer.remainingTime() if self._timer.isActive() else -1

    def start(self) -> None:
        """Sync now, then every interval (backing off after failures)."""
        self.sync_now()

    def stop(self) -> None:
        self._timer.stop()

    @Slot()
    def sync_now(self) -> bool:
        if self._busy:
            return False
        self._timer.stop()
        self._busy = True
        self.started.emit()
        factory = self._factory

        def round_(op: OpControl) -> SyncResult:
            return factory(lambda done, total: op.progress(done, total)).run_once()

        run_operation(
            round_,
            on_success=self._on_done,
            on_failure=self._on_error,
            on_progress=lambda done, total, _text: self.progress.emit(done, total),
            pool=self._pool,
            what="sync round",
            unexpected_text=lambda exc: _(
                "Onverwachte fout bij het synchroniseren ({kind}); details in het logboek."
            ).format(kind=type(exc).__name__),
        )
        return True

    def _on_done(self, result: SyncResult) -> None:
        self._busy = False
        self._failures = 0
        self.last_result = result
        self.last_error = ""
        self._timer.start(self._interval_ms)
        # What the round applied (and its own bookkeeping) reaches every view that shows it.
        data_bus().announce(Changes.of(*result.applied_tables, *ROUND_TABLES))
        self.finished.emit(result)

    def _on_error(self, message: str) -> None:
        self._busy = False
        self._failures += 1
        self.last_error = message
        delay = backoff_delay(self._failures, base=self._interval_ms / 4000, cap=900, rng=self._rng)
        self._timer.start(max(1000, int(delay * 1000)))
        self.failed.emit(message)
