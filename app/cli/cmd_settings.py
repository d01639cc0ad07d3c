"""`digibank settings [show]` and `digibank settings set NAME VALUE`."""

from __future__ import annotations

import argparse

from app.cli.output import emit_json
from app.context import AppContext
from app.i18n import _
from app.settings_service import EDITABLE, change, describe


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("settings", help=_("instellingen van deze balie tonen of wijzigen"))
    actions = p.add_subparsers(dest="settings_action")
    show = actions.add_parser("show", help=_("alle instellingen tonen"))
    show.add_argument("--json", action="store_true")
    setp = actions.add_parser("set", help=_("een instelling wijzigen"))
    setp.add_argument("name", choices=EDITABLE)
    setp.add_argument("value")
    p.set_defaults(handler=_settings, json=False)


def _settings(args: argparse.Namespace, ctx: AppContext) -> int:
    if args.settings_action == "set":
        change(ctx.settings, args.name, args.value)
        ctx.save_settings()
        value = next(v for n, v, _d in describe(ctx.settings) if n == args.name)
        print(_("{name} is nu {value}.").format(name=args.name, value=value))
        return 0
    rows = describe(ctx.settings)
    if getattr(args, "json", False):
        emit_json({name: value for name, value, _d in rows})
        return 0
    for name, value, explanation in rows:
        print(f"{name:30} {value:20} {explanation}")
    return 0
