"""`digibank donation …`, `wipe`, `repair`, `specs import`: the refurbishment bench.

`device give-away` lives under the `device` command of cmd_devices.py; that module
calls `add_device_commands(dsub)` from here to attach it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app import i18n
from app.borrowers import full_name
from app.cli.cmd_privacy import add_donation_erase
from app.cli.output import add_json_flag, emit_json, record_json
from app.context import AppContext
from app.errors import UserError, os_error_message
from app.formatting import date_be, euro
from app.i18n import _
from db.models import WIPE_METHODS

if TYPE_CHECKING:
    from app.bench import BenchService
    from app.donations import DonationService


# The bench and donation code is imported by the handlers that use it: `device list` attaches
# `device give-away` from here and must not import it all (issue 13: start-up).


def bench_service(ctx: AppContext) -> BenchService:
    from app.bench import BenchService

    return getattr(ctx, "bench", None) or BenchService(ctx.sessions, ctx.devices, now=ctx.now)


def donation_service(ctx: AppContext) -> DonationService:
    from app.donations import DonationService

    return getattr(ctx, "donations", None) or DonationService(
        ctx.sessions, ctx.devices, today=lambda: ctx.now().date()
    )


def register(sub: argparse._SubParsersAction) -> None:
    donation = sub.add_parser("donation", help=_("schenkingen: schenker, inboeken, wisattest"))
    dsub = donation.add_subparsers(dest="donation_command", metavar=_("actie"), parser_class=type(donation))
    dsub.required = True

    p = dsub.add_parser("add", help=_("een schenking registreren (toont het schenkingsnummer)"))
    p.add_argument("--donor", required=True, help=_("naam van de schenker"))
    p.add_argument("--contact", default="", help=_("contactpersoon, telefoon of e-mail"))
    p.add_argument("--kind", default="organisation", help=_("person of organisation"))
    p.add_argument("--notes", default="")
    add_json_flag(p)
    p.set_defaults(handler=_donation_add)

    p = dsub.add_parser("intake", help=_("toestellen van een schenking inboeken (één per serienummer)"))
    p.add_argument("donation", metavar="DONATION", help=_("schenkingsnummer, bv. KRT-D-00001"))
    p.add_argument("--kind", default="laptop")
    p.add_argument("--brand", required=True)
    p.add_argument("--model", required=True)
    p.add_argument(
        "--serial", action="append", default=[], help=_("serienummer; herhaal voor meer toestellen")
    )
    p.add_argument("--count", type=int, default=0, help=_("aantal toestellen zonder serienummer"))
    p.add_argument(
        "--duplicate-ok",
        action="store_true",
        help=_("ook inboeken als een ander toestel dit serienummer heeft"),
    )
    add_json_flag(p)
    p.set_defaults(handler=_donation_intake)

    p = dsub.add_parser("list", help=_("schenkingen oplijsten"))
    add_json_flag(p)
    p.set_defaults(handler=_donation_list)

    p = dsub.add_parser("certificate", help=_("attest van gegevensverwijdering voor de schenker (PDF)"))
    p.add_argument("donation", metavar="DONATION")
    p.add_argument("--out", required=True, help=_("PDF-bestand"))
    # Its own dest: the global --lang chooses the language of the messages.
    p.add_argument(
        "--lang",
        dest="certificate_lang",
        choices=i18n.LANGUAGES,
        help=_("taal van het attest (die van de schenker)"),
    )
    p.add_argument(
        "--draft",
        action="store_true",
        help=_("zolang niet elk toestel gewist is: een voorlopig overzicht, zonder verklaring"),
    )
    p.set_defaults(handler=_donation_certificate)
    add_donation_erase(dsub)

    p = sub.add_parser("wipe", help=_("een gegevenswissing registreren"))
    p.add_argument("tag", metavar="TAG")
    p.add_argument("--method", help=", ".join(WIPE_METHODS))
    p.add_argument("--result", help="passed | failed")
    p.add_argument("--technician", default="")
    p.add_argument("--tool", default="", help=_("programma en versie, bv. 'nwipe 0.34'"))
    p.add_argument("--verified-by", default="", help=_("wie het resultaat naging"))
    p.add_argument("--log", help=_("nwipe-logboek: vult methode, programma, tijden en resultaat in"))
    p.add_argument(
        "--disk-confirmed",
        action="store_true",
        help=_("de schijf in het logboek is nagekeken: die van dit toestel (als de specs het niet weten)"),
    )
    add_json_flag(p)
    p.set_defaults(handler=_wipe)

    p = sub.add_parser("repair", help=_("een herstelling registreren"))
    p.add_argument("tag", metavar="TAG")
    p.add_argument("--action", required=True, help=_("wat er gedaan werd"))
    p.add_argument("--parts", default="", help=_("gebruikte onderdelen"))
    p.add_argument("--cost", default="0", help=_("kosten in euro, bv. 12,50"))
    p.add_argument("--minutes", type=int, default=0)
    p.add_argument("--technician", default="")
    add_json_flag(p)
    p.set_defaults(handler=_repair)

    specs = sub.add_parser("specs", help=_("hardwaregegevens inlezen (lshw -json, dmidecode)"))
    ssub = specs.add_subparsers(dest="specs_command", metavar=_("actie"), parser_class=type(specs))
    ssub.required = True
    p = ssub.add_parser("import", help=_("een bestand of een map met bestanden inlezen"))
    p.add_argument("path", metavar="FILE_OR_FOLDER")
    add_json_flag(p)
    p.set_defaults(handler=_specs_import)


def add_device_commands(dsub: argparse._SubParsersAction) -> None:
    """`device give-away TAG --card CARD [--form F.pdf]`, attached by cmd_devices."""
    p = dsub.add_parser("give-away", help=_("een toestel voorgoed wegschenken aan een persoon"))
    p.add_argument("tag", metavar="TAG")
    p.add_argument("--card", required=True, help=_("kaartnummer van de ontvanger"))
    p.add_argument("--form", help=_("overdrachtsformulier als PDF"))
    add_json_flag(p)
    p.set_defaults(handler=_give_away)


# -- handlers ------------------------------------------------------------------------


def _donation_add(args: argparse.Namespace, ctx: AppContext) -> int:
    donation = donation_service(ctx).add(args.donor, contact=args.contact, kind=args.kind, notes=args.notes)
    if args.json:
        emit_json(record_json(donation))
    else:
        print(donation.number)
    return 0


def _donation_intake(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.donations import MAX_INTAKE, IntakeItem

    serials = [s for s in args.serial if s.strip()]
    count = len(serials) + max(0, args.count)
    if count > MAX_INTAKE:  # before a list of a billion items is built, not after
        raise UserError(
            _("{count} toestellen in één keer is te veel (max. {max}); boek in delen in.").format(
                count=count, max=MAX_INTAKE
            )
        )
    items = [IntakeItem(args.kind, args.brand, args.model, serial) for serial in serials]
    if not 0 <= args.count <= MAX_INTAKE:
        # Checked before the list is built: 100 million items would fill the memory first.
        raise UserError(
            _("--count moet tussen 0 en {max} liggen; boek een grotere schenking in delen in.").format(
                max=MAX_INTAKE
            )
        )
    items += [IntakeItem(args.kind, args.brand, args.model) for _i in range(args.count)]
    if not items:
        raise UserError(_("Geef minstens één --serial (of --count N voor toestellen zonder serienummer)."))
    devices = donation_service(ctx).intake(args.donation, items, duplicate_ok=args.duplicate_ok)
    if args.json:
        emit_json([record_json(d) for d in devices])
    else:
        for d in devices:
            print(f"{d.asset_tag}  {d.serial}")
    return 0


def _donation_list(args: argparse.Namespace, ctx: AppContext) -> int:
    donations = donation_service(ctx).list()
    if args.json:
        emit_json([record_json(d) for d in donations])
    else:
        for d in donations:
            print(f"{d.number}  {date_be(d.received_on)}  {d.donor_name}  ({d.item_count})")
    return 0


def _donation_certificate(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.printing.certificates import render_wipe_certificate

    data = donation_service(ctx).certificate_data(args.donation)
    if not data.all_wiped and not args.draft:
        raise UserError(data.refusal() + " " + _("(--draft maakt het voorlopige overzicht)"))
    out = render_wipe_certificate(
        data, args.out, issued_on=ctx.now().date(), draft=args.draft, language=args.certificate_lang
    )
    if data.all_wiped:
        print(_("Attest geschreven naar {out}.").format(out=out))
    else:
        print(_("Voorlopig overzicht (nog niet gewist, geen attest) geschreven naar {out}.").format(out=out))
    return 0


def _wipe(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.bench import wipe_method_names, wipe_result_names

    log_text = ""
    if args.log:
        try:
            log_text = Path(args.log).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UserError(os_error_message(exc)) from None
    wipe = bench_service(ctx).record_wipe(
        args.tag,
        method=args.method,
        result=args.result,
        technician=args.technician,
        tool=args.tool,
        verified_by=args.verified_by,
        log_text=log_text,
        disk_confirmed=args.disk_confirmed,
    )
    if args.json:
        data = record_json(wipe)
        data.pop("log_text", None)
        emit_json(data)
    else:
        print(
            _("Wissing geregistreerd voor {tag}: {method}, {result}.").format(
                tag=args.tag.upper(),
                method=wipe_method_names()[wipe.method],
                result=wipe_result_names()[wipe.result],
            )
        )
    return 0


def _repair(args: argparse.Namespace, ctx: AppContext) -> int:
    repair = bench_service(ctx).record_repair(
        args.tag,
        action=args.action,
        parts=args.parts,
        cost=args.cost,
        minutes=args.minutes,
        technician=args.technician,
    )
    if args.json:
        emit_json(record_json(repair))
    else:
        print(
            _("Herstelling geregistreerd voor {tag}: {action} ({cost}, {minutes} min.).").format(
                tag=args.tag.upper(),
                action=repair.action,
                cost=euro(repair.cost_cents),
                minutes=repair.minutes,
            )
        )
    return 0


def _specs_import(args: argparse.Namespace, ctx: AppContext) -> int:
    report = bench_service(ctx).import_specs(args.path)
    if args.json:
        emit_json(
            [
                {"file": str(f.path), "ok": f.ok, "tag": f.tag, "created": f.created, "message": f.message}
                for f in report.files
            ]
        )
    else:
        for f in report.files:
            word = _("ingelezen") if f.ok else _("MISLUKT")
            print(f"{f.path.name}: {word}: {f.message}")
        print(
            _("{ok} bestand(en) ingelezen, {failed} mislukt.").format(
                ok=len(report.imported), failed=len(report.failed)
            )
        )
    if not report.files:
        print(_("Geen .json- of .txt-bestanden gevonden in {path}.").format(path=args.path), file=sys.stderr)
        return 1
    if report.failed:
        names = ", ".join(f.path.name for f in report.failed)
        print(
            _("Niet ingelezen: {names}. De andere bestanden zijn wel opgeslagen.").format(names=names),
            file=sys.stderr,
        )
        return 1
    return 0


def _give_away(args: argparse.Namespace, ctx: AppContext) -> int:
    device = bench_service(ctx).give_away(args.tag, args.card)
    if args.form:
        from app.printing.certificates import render_handover_form

        person = ctx.borrowers.get(args.card)
        render_handover_form(device, person, ctx.locations.current(), args.form)
    if args.json:
        emit_json(record_json(device))
    else:
        person = ctx.borrowers.get(args.card)
        print(
            _("{tag} is weggeschonken aan {name} ({card}).").format(
                tag=device.asset_tag, name=full_name(person), card=person.card_number
            )
        )
    return 0
