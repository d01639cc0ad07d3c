"""The words a person reads for codes (device status and kind) and a person's name.

Apart from app/inventory.py and app/borrowers.py (which re-export them) because the light
read path of the command line (app/cli/light.py) prints them without importing SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

from app.i18n import _


def status_names() -> dict[str, str]:
    return {
        "intake": _("binnengekomen"),
        "wiping": _("wissen"),
        "repair": _("in herstelling"),
        "ready": _("klaar om uit te lenen"),
        "on-loan": _("uitgeleend"),
        "given-away": _("weggeschonken"),
        "recycled": _("gerecycleerd"),
        "lost": _("verloren"),
    }


def kind_names() -> dict[str, str]:
    return {
        "laptop": _("laptop"),
        "desktop": _("desktop"),
        "screen": _("scherm"),
        "tablet": _("tablet"),
        "smartphone": _("smartphone"),
        "printer": _("printer"),
        "router": _("router"),
        "other": _("ander toestel"),
    }


def status_name(code: str) -> str:
    return status_names().get(code, code)


def full_name(borrower: Any) -> str:
    return f"{borrower.first_name} {borrower.last_name}".strip()
