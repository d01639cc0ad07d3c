"""The log file in the data folder (never the user's terminal).

Apart from app/context.py (which re-exports it) so that the light read path of the command
line (app/cli/light.py) logs to the same file without importing SQLAlchemy.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from app import config


def _file_handler(folder: Path) -> logging.Handler:
    import logging.handlers

    class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
        """Log files are created 0600 (also each new one after a rotation)."""

        def _open(self):
            config.private_file(Path(self.baseFilename))
            return super()._open()

    handler = _PrivateRotatingFileHandler(
        folder / config.LOG_FILE, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return handler


def setup_logging(folder: Path, level: int = logging.INFO) -> None:
    """Log to a rotating file in the data folder (never to the user's terminal)."""
    import logging.handlers

    config.secure_folder(folder)
    root = logging.getLogger()
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        return
    root.addHandler(_file_handler(folder))
    root.setLevel(level)


class _LogFileOnFirstRecord(logging.Handler):
    """Stands in for the log file until a first record arrives, then writes to the real one:
    a light read command that logs nothing never imports logging.handlers (issue 13)."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.real: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.real is None:
            self.real = _file_handler(self.folder)
        self.real.handle(record)


def setup_logging_on_first_record(folder: Path, level: int = logging.INFO) -> Callable[[], None]:
    """As `setup_logging`, the log file opened only when something is logged. Returns what
    hands over to `setup_logging` (the normal path after all): no record logged twice."""
    config.secure_folder(folder)
    root = logging.getLogger()
    handlers = sys.modules.get("logging.handlers")  # not imported: no log file yet
    if handlers is not None and any(isinstance(h, handlers.RotatingFileHandler) for h in root.handlers):
        return lambda: None
    stand_in = _LogFileOnFirstRecord(folder)
    root.addHandler(stand_in)
    root.setLevel(level)

    def hand_over() -> None:
        root.removeHandler(stand_in)
        if stand_in.real is not None:
            root.addHandler(stand_in.real)

    return hand_over
