"""Starting the window from the command line; Qt is imported only here, lazily."""

from __future__ import annotations

import argparse


def launch_gui(args: argparse.Namespace) -> int:
    from ui.app import run  # noqa: PLC0415  (keeps the command line free of Qt)

    return run(data_dir=args.data_dir, language=args.lang)
