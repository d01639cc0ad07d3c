"""`python -m ui [--data-dir DIR] [--lang nl|en]` starts the window."""

from __future__ import annotations

import argparse
import sys

from ui.app import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui")
    parser.add_argument("--data-dir")
    parser.add_argument("--lang", choices=("nl", "en", "fr"))
    args = parser.parse_args(argv)
    return run(data_dir=args.data_dir, language=args.lang)


if __name__ == "__main__":
    sys.exit(main())
