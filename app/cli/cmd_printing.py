"""`digibank labels`, `digibank card`, `digibank contract`, `digibank receipt`."""

from __future__ import annotations

import argparse
from pathlib import Path

from app import i18n
from app.context import AppContext
from app.errors import UserError
from app.i18n import _
from app.printing.layouts import layout_names
from app.printing.service import PrintService


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("labels", help=_("etiketten met streepjescode drukken (PDF of ZPL)"))
    p.add_argument("tags", nargs="+", metavar="TAG", help=_("toestelnummers, bv. KRT-000123"))
    p.add_argument("--layout", help=_("etiketindeling: {names}").format(names=", ".join(layout_names())))
    p.add_argument("--skip", type=int, default=0, help=_("aantal al gebruikte etiketten op het eerste vel"))
    p.add_argument("--out", help=_("uitvoerbestand (PDF, of ZPL met --zpl)"))
    p.add_argument("--zpl", action="store_true", help=_("ZPL II voor Zebra-printers in plaats van PDF"))
    p.add_argument("--printer-host", metavar="HOST:9100", help=_("ZPL rechtstreeks naar deze netwerkprinter"))
    p.add_argument(
        "--brother",
        metavar="HOST|DEVICE",
        help=_("rechtstreeks naar een Brother QL: netwerk (HOST of tcp://HOST:9100) of USB (/dev/usb/lp0)"),
    )
    p.add_argument("--brother-model", default=None, help=_("Brother-model, standaard QL-820NWB"))
    p.set_defaults(handler=_labels)

    p = sub.add_parser("card", help=_("lidkaarten drukken (PDF)"))
    p.add_argument("cards", nargs="+", metavar="CARD", help=_("kaartnummers, bv. KRT-B-00042"))
    p.add_argument("--out", required=True, help=_("PDF-bestand"))
    p.add_argument("--per-page", action="store_true", help=_("één kaart per pagina (kaartprinter)"))
    p.set_defaults(handler=_card)

    p = sub.add_parser("contract", help=_("de uitleenovereenkomst van de lopende uitlening drukken"))
    p.add_argument("tag", metavar="TAG")
    p.add_argument("--out", required=True, help=_("PDF-bestand"))
    # Its own dest: the global --lang chooses the language of the messages.
    p.add_argument("--lang", dest="contract_lang", choices=i18n.LANGUAGES, help=_("taal van de overeenkomst"))
    p.set_defaults(handler=_contract)

    p = sub.add_parser("receipt", help=_("ontvangstbewijs van het laatste terugbrengen drukken"))
    p.add_argument("tag", metavar="TAG")
    p.add_argument("--out", required=True, help=_("PDF-bestand"))
    p.set_defaults(handler=_receipt)


def service(ctx: AppContext) -> PrintService:
    return PrintService(ctx.sessions, ctx.settings, templates_dir=ctx.data_dir / "contracts")


def _labels(args: argparse.Namespace, ctx: AppContext) -> int:
    printing = service(ctx)
    if args.brother:
        if args.zpl or args.printer_host or args.out or args.skip:
            raise UserError(_("--brother gaat niet samen met --zpl, --printer-host, --out of --skip."))
        count = printing.send_brother(args.tags, args.brother, args.layout, args.brother_model)
        print(
            _("{count} etiket(ten) naar Brother-printer {target} gestuurd.").format(
                count=count, target=args.brother
            )
        )
        return 0
    if args.printer_host and not args.zpl:
        raise UserError(_("--printer-host gaat alleen samen met --zpl."))
    if args.zpl:
        if args.skip:
            raise UserError(_("--skip kan niet met --zpl: een rol heeft geen vellen."))
        if args.printer_host:
            count = printing.send_zpl(args.tags, args.printer_host, args.layout)
            print(
                _("{count} etiket(ten) naar printer {host} gestuurd.").format(
                    count=count, host=args.printer_host
                )
            )
            return 0
        if not args.out:
            raise UserError(_("Geef --out BESTAND of --printer-host HOST:9100."))
        count = printing.write_zpl(args.tags, Path(args.out), args.layout)
    else:
        if not args.out:
            raise UserError(_("Geef --out BESTAND.pdf om de etiketten te bewaren."))
        count = printing.labels_for_tags(args.tags, args.layout, Path(args.out), skip=args.skip)
    print(_("{count} etiket(ten) geschreven naar {out}.").format(count=count, out=args.out))
    return 0


def _card(args: argparse.Namespace, ctx: AppContext) -> int:
    count = service(ctx).cards(args.cards, Path(args.out), per_page=args.per_page)
    print(_("{count} lidkaart(en) geschreven naar {out}.").format(count=count, out=args.out))
    return 0


def _contract(args: argparse.Namespace, ctx: AppContext) -> int:
    data = service(ctx).contract(args.tag, Path(args.out), language=args.contract_lang)
    print(_("Overeenkomst voor {tag} geschreven naar {out}.").format(tag=data.tag, out=args.out))
    return 0


def _receipt(args: argparse.Namespace, ctx: AppContext) -> int:
    data = service(ctx).receipt(args.tag, Path(args.out))
    print(_("Ontvangstbewijs voor {tag} geschreven naar {out}.").format(tag=data.tag, out=args.out))
    return 0
