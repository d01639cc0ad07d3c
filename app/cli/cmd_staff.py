"""`digibank staff add|list|disable|pin|unlock` and `digibank audit`.

Who may run them is decided in app/cli/staff_gate.py like for every other command.
A new PIN comes from `DIGIBANK_NEW_PIN`, or (for the very first staff member, when
nobody signs in) from `DIGIBANK_PIN`, or is typed twice at a terminal prompt.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from app.cli.output import emit_json
from app.context import AppContext
from app.errors import UserError
from app.i18n import _
from app.reports.periods import parse_period
from app.staff import role_label
from db.models_staff import ROLES


def register(sub: argparse._SubParsersAction) -> None:
    staff = sub.add_parser("staff", help=_("personeel: wie zich aanmeldt, met welke rol"))
    ssub = staff.add_subparsers(dest="staff_command", metavar=_("actie"), parser_class=type(staff))
    ssub.required = True
    p = ssub.add_parser("add", help=_("een personeelslid toevoegen (het eerste is een coördinator)"))
    p.add_argument("name", metavar="NAAM")
    p.add_argument("--role", required=True, choices=(*ROLES, "coördinator"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_add)
    p = ssub.add_parser("list", help=_("het personeel oplijsten"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_list)
    for name, helptext, handler in (
        ("disable", _("een personeelslid uitschakelen (kan zich niet meer aanmelden)"), _disable),
        ("pin", _("een nieuwe pincode instellen"), _pin),
        ("unlock", _("een blokkering na verkeerde pincodes opheffen"), _unlock),
    ):
        p = ssub.add_parser(name, help=helptext)
        p.add_argument("name", metavar="NAAM")
        p.set_defaults(handler=handler)

    p = sub.add_parser("audit", help=_("het auditlogboek: wie deed wat, wanneer"))
    p.add_argument("--from", dest="start", help=_("begindatum JJJJ-MM-DD (telt mee)"))
    p.add_argument("--to", dest="end", help=_("einddatum JJJJ-MM-DD (telt mee)"))
    p.add_argument("--person", help=_("alleen de acties van dit personeelslid"))
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--csv", metavar="FILE", help=_("CSV-bestand om te schrijven"))
    p.set_defaults(handler=_audit)


def _new_pin(ctx: AppContext, name: str) -> str:
    pin = os.environ.get("DIGIBANK_NEW_PIN")
    if pin is None and ctx.signed_in is None:
        pin = os.environ.get("DIGIBANK_PIN")  # the first staff member: nobody else signs in
    if pin is not None:
        return pin
    if not sys.stdin.isatty():
        raise UserError(_("Geef de nieuwe pincode van {name} in DIGIBANK_NEW_PIN.").format(name=name))
    first = getpass.getpass(_("Nieuwe pincode voor {name} (4 tot 8 cijfers): ").format(name=name))
    second = getpass.getpass(_("Dezelfde pincode nog eens: "))
    if first != second:
        raise UserError(_("De twee pincodes zijn niet gelijk; er is niets gewijzigd."))
    return first


def _add(args: argparse.Namespace, ctx: AppContext) -> int:
    view = ctx.staff.add(args.name, args.role, _new_pin(ctx, args.name), by=ctx.signed_in)
    if args.json:
        emit_json(view.to_json())
    else:
        print(_("{name} is toegevoegd als {role}.").format(name=view.name, role=role_label(view.role)))
    return 0


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    rows = ctx.staff.list()
    if args.json:
        emit_json([r.to_json() for r in rows])
        return 0
    if not rows:
        print(_("Geen personeel ingesteld: deze balie werkt zonder aanmelden."))
    for r in rows:
        state = _("uitgeschakeld") if r.disabled else ""
        if r.locked_until is not None and r.locked_until > ctx.now():
            state = _("geblokkeerd tot {time}").format(time=r.locked_until.strftime("%H:%M"))
        print(f"{r.name:30} {role_label(r.role):14} {state}")
    return 0


def _disable(args: argparse.Namespace, ctx: AppContext) -> int:
    view = ctx.staff.disable(args.name, ctx.signed_in)
    print(_("{name} is uitgeschakeld.").format(name=view.name))
    return 0


def _pin(args: argparse.Namespace, ctx: AppContext) -> int:
    view = ctx.staff.set_pin(args.name, _new_pin(ctx, args.name), ctx.signed_in)
    print(_("De pincode van {name} is gewijzigd.").format(name=view.name))
    return 0


def _unlock(args: argparse.Namespace, ctx: AppContext) -> int:
    view = ctx.staff.unlock(args.name, ctx.signed_in)
    print(_("{name} kan zich weer aanmelden.").format(name=view.name))
    return 0


def _audit(args: argparse.Namespace, ctx: AppContext) -> int:
    start = end = None
    if args.start or args.end:
        period = parse_period(args.start or "2000-01-01", args.end or ctx.now().date().isoformat())
        start, end = period.start, period.end
    rows = ctx.audit.events(start, end, staff_name=args.person)
    if args.json:
        emit_json([r.to_json() for r in rows])
        return 0
    if args.csv:
        ctx.audit.write_csv(rows, args.csv)
        print(_("{count} gebeurtenis(sen) geschreven naar {path}.").format(count=len(rows), path=args.csv))
        return 0
    for r in rows:
        who = r.staff_name or "-"
        print(f"{r.at:%d/%m/%Y %H:%M:%S} {who:20} {r.action:22} {r.subject:16} {r.outcome:8} {r.detail}")
    return 0
