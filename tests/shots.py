"""Screenshots for people to look at: only when DIGIBANK_SHOTS names a folder (never a
fixed path of one machine); nothing is asserted on them."""

from __future__ import annotations

import os
from pathlib import Path


def shots_folder() -> Path | None:
    folder = os.environ.get("DIGIBANK_SHOTS", "")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path
