"""`digibank device add|list|show|status|edit`: intake and the device life cycle."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.borrowers import full_name
from app.cli.listing import device_line, print_devices
from app.cli.output import add_json_flag, emit_json, record_json
from app.context import AppContext
from app.errors import UserError
from app.formatting import date_be, euro, parse_euro
from app.i18n import _
from app.inventory import DeviceInput, status_name
from db.models import DEVICE_KINDS, DEVICE_SOURCES, DEVICE_STATUSES, Device


def register(sub: argparse._SubParsersAction) -> None:
    device = sub.add_parser("device", help=_("toestellen: binnenbrengen, opzoeken, status wijzigen"))
    dsub = device.add_subparsers(dest="device_command", metavar=_("actie"), parser_class=type(device))
    dsub.required = True

    p = dsub.add_parser("add", help=_("een toestel registreren (toont het inventarisnummer)"))
    p.add_argument("--kind", required=True, choices=DEVICE_KINDS)
    p.add_argument("--brand", required=True, help=_("merk, bv. Lenovo"))
    p.add_argument("--model", required=True, help=_("model, bv. ThinkPad T480"))
    p.add_argument("--serial", default="", help=_("serienummer"))
    p.add_argument("--source", default="donation", choices=DEVICE_SOURCES)
    p.add_argument("--cost", default="", help=_("aankoopprijs in euro, bv. 120,00"))
    p.add_argument("--accessories", default="", help=_("meegeleverd, bv. lader, tas"))
    p.add_argument("--notes", default="")
    p.add_argument(
        "--duplicate-ok",
        action="store_true",
        help=_("ook inboeken als een ander toestel dit serienummer heeft"),
    )
    add_json_flag(p)
    p.set_defaults(handler=_add)

    p = dsub.add_parser("list", help=_("toestellen oplijsten"))
    p.add_argument("--status", choices=DEVICE_STATUSES)
    add_json_flag(p)
    p.set_defaults(handler=_list)

    p = dsub.add_parser("show", help=_("de gegevens van één toestel"))
    p.add_argument("tag", metavar="TAG")
    add_json_flag(p)
    p.set_defaults(handler=_show)

    p = dsub.add_parser("status", help=_("de status van een toestel wijzigen"))
    p.add_argument("tag", metavar="TAG")
    p.add_argument("status", metavar="STATUS", help=", ".join(DEVICE_STATUSES))
    add_json_flag(p)
    p.set_defaults(handler=_status)

    p = dsub.add_parser("edit", help=_("gegevens van een toestel aanpassen"))
    p.add_argument("tag", metavar="TAG")
    p.add_argument("--kind", choices=DEVICE_KINDS)
    p.add_argument("--brand")
    p.add_argument("--model")
    p.add_argument("--serial")
    p.add_argument("--source", choices=DEVICE_SOURCES)
    p.add_argument("--cost", help=_("aankoopprijs in euro, bv. 120,00"))
    p.add_argument("--accessories")
    p.add_argument("--notes")
    add_json_flag(p)
    p.set_defaults(handler=_edit)

    from app.cli.cmd_bench import add_device_commands  # end of life lives with the bench

    add_device_commands(dsub)


def device_json(device: Device) -> dict[str, Any]:
    return record_json(device)


_line = device_line


def _add(args: argparse.Namespace, ctx: AppContext) -> int:
    cost = parse_euro(args.cost) if args.cost else 0
    device = ctx.devices.add(
        DeviceInput(
            kind=args.kind,
            brand=args.brand,
            model=args.model,
            serial=args.serial,
            source=args.source,
            acquisition_cost_cents=cost,
            accessories=args.accessories,
            notes=args.notes,
        ),
        duplicate_ok=args.duplicate_ok,
    )
    others = [d.asset_tag for d in ctx.devices.same_serial(device.serial) if d.id != device.id]
    if others:
        # Saved all the same (two labels on one laptop happen), but a person should look.
        print(
            _("Let op: serienummer {serial} staat ook op {tags}: mogelijk dubbel ingeboekt.").format(
                serial=device.serial, tags=", ".join(others)
            ),
            file=sys.stderr,
        )
    if args.json:
        emit_json(device_json(device))
    else:
        # Scripts read the tag from stdout: print it alone.
        print(device.asset_tag)
    return 0


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    # What is printed lives in app/cli/listing.py, shared with the light read path.
    return print_devices(ctx.devices.list(status=args.status), args.json)


def _show(args: argparse.Namespace, ctx: AppContext) -> int:
    device = ctx.devices.get(args.tag)
    loan = ctx.loans.for_device(device.asset_tag)
    if args.json:
        data = device_json(device)
        data["open_loan"] = (
            None
            if loan is None
            else {
                "id": loan.loan.id,
                "card_number": loan.borrower.card_number,
                "due_date": loan.loan.due_date.isoformat(),
            }
        )
        emit_json(data)
        return 0
    print(_line(device))
    print(_("Serienummer: {serial}").format(serial=device.serial or "-"))
    print(_("Binnengekomen op: {date}").format(date=date_be(device.intake_date)))
    if device.acquisition_cost_cents:
        print(_("Aankoopprijs: {amount}").format(amount=euro(device.acquisition_cost_cents)))
    if device.accessories:
        print(_("Toebehoren: {text}").format(text=device.accessories))
    if device.notes:
        print(_("Opmerkingen: {text}").format(text=device.notes))
    if loan is not None:
        print(
            _("Uitgeleend aan {name} ({card}) tot {due}.").format(
                name=full_name(loan.borrower), card=loan.borrower.card_number, due=date_be(loan.loan.due_date)
            )
        )
    return 0


def _status(args: argparse.Namespace, ctx: AppContext) -> int:
    device = ctx.devices.set_status(args.tag, args.status)
    if args.json:
        emit_json(device_json(device))
    else:
        print(
            _("{tag} heeft nu status '{status}'.").format(
                tag=device.asset_tag, status=status_name(device.status)
            )
        )
    return 0


def _edit(args: argparse.Namespace, ctx: AppContext) -> int:
    changes: dict[str, object] = {}
    for name in ("kind", "brand", "model", "serial", "source", "accessories", "notes"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if args.cost is not None:
        changes["acquisition_cost_cents"] = parse_euro(args.cost)
    if not changes:
        raise UserError(_("Niets om te wijzigen: geef bv. --serial of --model."))
    device = ctx.devices.edit(args.tag, **changes)
    if args.json:
        emit_json(device_json(device))
    else:
        print(_("{tag} is aangepast.").format(tag=device.asset_tag))
    return 0
