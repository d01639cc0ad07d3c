"""`digibank donation erase` and `digibank privacy retention [--apply]` (GDPR)."""

from __future__ import annotations

import argparse

from app.cli.output import add_json_flag, emit_json, record_json
from app.context import AppContext
from app.i18n import _


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    pass


def add_donation_erase(dsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Called by cmd_bench.py, which owns the `donation` command group."""
    p = dsub.add_parser("erase", help=_("naam en contact van een particuliere schenker wissen (GDPR)"))
    p.add_argument("donation", metavar="DONATION", help=_("schenkingsnummer, bv. KRT-D-00001"))
    add_json_flag(p)
    p.set_defaults(handler=_donation_erase)


def _donation_erase(args: argparse.Namespace, ctx: AppContext) -> int:
    donation = ctx.privacy.erase_donor(args.donation)
    if args.json:
        emit_json(record_json(donation))
    else:
        print(_("De schenker van {number} is gewist; de toestellen blijven.").format(number=donation.number))
    return 0
