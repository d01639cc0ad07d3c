"""Background sync for the window: one round at a time on a thread pool, every minute
and on demand, with exponential backoff and jitter after failures.

Nothing starts in the constructor (call `start()`); the worker never touches a
widget — results come back through a relay object's signals, queued to the GUI
thread; every exception becomes a `failed` signal with a plain message.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from app.errors import UserError
from app.i18n import _
from app.sync.service import SyncResult, SyncService, backoff_delay

log = logging.getLogger(__name__)

ServiceFactory = Callable[[Callable[[int, int], None]], SyncService]


class _Relay(QObject):
    done = Signal(object)
    error = Signal(str)
    progress = Signal(int, int)


class _Round(QRunnable):
    def __init__(self, factory: ServiceFactory, relay: _Relay) -> None:
        super().__init__()
        self._factory = factory
        self._relay = relay

    def run(self) -> None:
        try:
            service = self._factory(self._relay.progress.emit)
            result = service.run_once()
        except UserError as exc:
            self._relay.error.emit(exc.message)
        except BaseException as exc:  # never let a worker die silently
            log.exception("sync round failed")
            self._relay.error.emit(
                _("Onverwachte fout bij het synchroniseren ({kind}); details in het logboek.").format(
                    kind=type(exc).__name__
                )
            )
        else:
            self._relay.done.emit(result)


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
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._relay.error.connect(self._on_error)
        self._relay.progress.connect(self.progress)
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
        self._pool.start(_Round(self._factory, self._relay))
        return True

    def _on_done(self, result: SyncResult) -> None:
        self._busy = False
        self._failures = 0
        self.last_result = result
        self.last_error = ""
        self._timer.start(self._interval_ms)
        self.finished.emit(result)

    def _on_error(self, message: str) -> None:
        self._busy = False
        self._failures += 1
        self.last_error = message
        delay = backoff_delay(self._failures, base=self._interval_ms / 4000, cap=900, rng=self._rng)
        self._timer.start(max(1000, int(delay * 1000)))
        self.failed.emit(message)
