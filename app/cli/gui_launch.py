"""Starting the window from the command line; Qt is imported only here, lazily."""

from __future__ import annotations

import argparse
import os
import sys

from app.i18n import _


def _no_screen() -> bool:
    """On Linux without a display Qt aborts the process; say it plainly instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch_gui(args: argparse.Namespace) -> int:
    if _no_screen():
        print(
            _(
                "Er is geen scherm om het venster te tonen. Start het programma op het bureaublad, "
                "of gebruik de opdrachten (digibank --help)."
            ),
            file=sys.stderr,
        )
        return 1
    from ui.app import run  # noqa: PLC0415  (keeps the command line free of Qt)

    return run(data_dir=args.data_dir, language=args.lang)
