"""Entry point of the bundled program: the same `digibank` command as `pip install .` gives
(no arguments: the window; `digibank selftest`, `digibank demo`, …: the command line)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
