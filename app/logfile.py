"""The log file in the data folder: importable without the database layer (the window sets it
up before anything heavy is imported, ui/app.py)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from app import config


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files are created 0600 (also each new one after a rotation)."""

    def _open(self):
        config.private_file(Path(self.baseFilename))
        return super()._open()


def setup_logging(folder: Path, level: int = logging.INFO) -> None:
    """Log to a rotating file in the data folder (never to the user's terminal)."""
    config.secure_folder(folder)
    root = logging.getLogger()
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        return
    handler = _PrivateRotatingFileHandler(
        folder / config.LOG_FILE, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
