"""`digibank init`, `digibank export`, `digibank gui`."""

from __future__ import annotations

import argparse
import sys

from app.cli.cmd_sync import _server_url
from app.cli.output import emit_json, record_json
from app.context import AppContext
from app.errors import UserError
from app.export import export_json
from app.i18n import _
from app.locations import LocationNotSynced
from app.sync.account import service_for
from db.models import Location


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help=_("deze computer instellen als locatie (balie of bus)"))
    p.add_argument("--location-code", help=_("2 tot 5 letters, bv. KRT"))
    p.add_argument("--location-name", help=_("bv. 'Kortrijk balie'"))
    p.add_argument("--kind", choices=("fixed", "mobile"), default="fixed")
    p.add_argument(
        "--join",
        metavar="CODE",
        help=_("deze pc vervangt een bestaande locatie (eerst aanmelden en synchroniseren)"),
    )
    p.add_argument("--server", help=_("adres van de server (standaard: het bewaarde adres)"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_init)

    p = sub.add_parser("export", help=_("alle gesynchroniseerde gegevens, in vaste volgorde"))
    p.add_argument("--json", action="store_true", required=True)
    p.set_defaults(handler=_export)

    sub.add_parser("gui", help=_("het venster openen (standaard)"))


def _init(args: argparse.Namespace, ctx: AppContext) -> int:
    if args.join:
        if args.location_code or args.location_name:
            raise UserError(_("Geef --join CODE of --location-code en --location-name, niet allebei."))
        location = _join(args, ctx)
    elif not (args.location_code and args.location_name):
        raise UserError(
            _(
                "Geef --location-code en --location-name (nieuwe locatie, bv. --location-code KRT "
                '--location-name "Kortrijk balie") of --join CODE (deze pc vervangt een bestaande locatie).'
            )
        )
    else:
        location = ctx.locations.initialise(args.location_code, args.location_name, args.kind)
    if args.json:
        emit_json(record_json(location))
    elif args.join:
        print(
            _("Deze computer is nu locatie {code} ({name}); nieuwe nummers volgen op de bestaande.").format(
                code=location.code, name=location.name
            )
        )
    else:
        print(_("Locatie {code} ({name}) is ingesteld.").format(code=location.code, name=location.name))
    return 0


def _join(args: argparse.Namespace, ctx: AppContext) -> Location:
    try:
        location = ctx.locations.join(args.join)
    except LocationNotSynced:
        if not ctx.locations.has_unused_location():
            raise
        # Set up as a new location by mistake, and stopped at its first sync: drop that
        # unsynced location, pull the existing one, then take it over.
        service = service_for(ctx.sessions, _server_url(args, ctx))  # no server/token: nothing changed
        ctx.locations.release_unused_location(args.join)
        service.run_once()
        location = ctx.locations.join(args.join)
    return location


def _export(args: argparse.Namespace, ctx: AppContext) -> int:
    sys.stdout.write(export_json(ctx.sessions) + "\n")
    return 0
