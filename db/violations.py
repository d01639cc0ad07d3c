"""What a refused field value raises (db/changes.py): app/ installs its translated user error
here, db/ has no texts. Apart from db/changes.py so that installing it imports no SQLAlchemy
(a light read command never loads the ORM; issue 13)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# None: db/changes.py raises db.rules.RuleViolation.
installed: Callable[[Any], Exception] | None = None
