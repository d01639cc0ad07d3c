"""`python -m app.cli …` runs the same command line as `digibank …`."""

import sys

from app.cli import main

sys.exit(main())
