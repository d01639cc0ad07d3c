"""`digibank init`, `digibank export`, `digibank gui`."""

from __future__ import annotations

import argparse
import sys

from app.cli.output import emit_json, record_json
from app.context import AppContext
from app.export import export_json
from app.i18n import _


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("init", help=_("deze computer instellen als locatie (balie of bus)"))
    p.add_argument("--location-code", required=True, help=_("2 tot 5 letters, bv. KRT"))
    p.add_argument("--location-name", required=True, help=_("bv. 'Kortrijk balie'"))
    p.add_argument("--kind", choices=("fixed", "mobile"), default="fixed")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_init)

    p = sub.add_parser("export", help=_("alle gesynchroniseerde gegevens, in vaste volgorde"))
    p.add_argument("--json", action="store_true", required=True)
    p.set_defaults(handler=_export)

    sub.add_parser("gui", help=_("het venster openen (standaard)"))


def _init(args: argparse.Namespace, ctx: AppContext) -> int:
    location = ctx.locations.initialise(args.location_code, args.location_name, args.kind)
    if args.json:
        emit_json(record_json(location))
    else:
        print(_("Locatie {code} ({name}) is ingesteld.").format(code=location.code, name=location.name))
    return 0


def _export(args: argparse.Namespace, ctx: AppContext) -> int:
    sys.stdout.write(export_json(ctx.sessions) + "\n")
    return 0
