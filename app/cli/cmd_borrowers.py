"""`digibank borrower add|find|edit|show|block|unblock`: the people a digibank serves."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.borrowers import TARGET_GROUPS, BorrowerInput, full_name
from app.cli.output import add_json_flag, emit_json, record_json
from app.context import AppContext
from app.errors import UserError
from app.formatting import date_be
from app.i18n import _
from app.postcodes import province_name
from db.models import Borrower

EDIT_FLAGS = (
    ("first_name", "--first-name"),
    ("last_name", "--last-name"),
    ("postcode", "--postcode"),
    ("municipality", "--municipality"),
    ("street", "--street"),
    ("phone", "--phone"),
    ("email", "--email"),
    ("language", "--language"),
    ("target_group", "--target-group"),
    ("eligibility_proof", "--eligibility-proof"),
    ("notes", "--notes"),
)


def register(sub: argparse._SubParsersAction) -> None:
    borrower = sub.add_parser("borrower", help=_("ontleners: inschrijven, opzoeken, aanpassen"))
    bsub = borrower.add_subparsers(dest="borrower_command", metavar=_("actie"), parser_class=type(borrower))
    bsub.required = True

    p = bsub.add_parser("add", help=_("iemand inschrijven (toont het kaartnummer)"))
    p.add_argument("--first-name", required=True)
    p.add_argument("--last-name", required=True)
    p.add_argument("--postcode", required=True, help=_("Belgische postcode, bv. 8500"))
    p.add_argument("--municipality", default="", help=_("gemeente (standaard: volgens de postcode)"))
    p.add_argument("--street", default="")
    p.add_argument("--phone", default="")
    p.add_argument("--email", default="")
    p.add_argument("--language", default="nl")
    p.add_argument("--target-group", default="", help=", ".join(g for g in TARGET_GROUPS if g))
    p.add_argument("--eligibility-proof", default="")
    p.add_argument("--notes", default="")
    p.add_argument(
        "--consent",
        action="store_true",
        help=_("de persoon las de privacyverklaring en stemt in (vandaag als datum)"),
    )
    p.add_argument(
        "--duplicate-ok",
        action="store_true",
        help=_("ook inschrijven als er al iemand met dezelfde naam en postcode, telefoon of e-mail is"),
    )
    add_json_flag(p)
    p.set_defaults(handler=_add)

    p = bsub.add_parser(
        "merge", help=_("twee inschrijvingen van één persoon samenvoegen (alles gaat naar KEEP)")
    )
    p.add_argument("keep", metavar="KEEP", help=_("de kaart die blijft"))
    p.add_argument("other", metavar="OTHER", help=_("de kaart die opgaat in KEEP"))
    add_json_flag(p)
    p.set_defaults(handler=_merge)

    p = bsub.add_parser("find", help=_("zoeken op naam, kaart, e-mail, telefoon of gemeente"))
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--limit", type=int, default=50)
    add_json_flag(p)
    p.set_defaults(handler=_find)

    p = bsub.add_parser("show", help=_("de gegevens van één ontlener"))
    p.add_argument("card", metavar="CARD")
    add_json_flag(p)
    p.set_defaults(handler=_show)

    p = bsub.add_parser("edit", help=_("gegevens van een ontlener aanpassen"))
    p.add_argument("card", metavar="CARD")
    for _name, flag in EDIT_FLAGS:
        p.add_argument(flag)
    add_json_flag(p)
    p.set_defaults(handler=_edit)

    p = bsub.add_parser("block", help=_("iemand blokkeren voor uitleningen"))
    p.add_argument("card", metavar="CARD")
    p.add_argument("--reason", required=True)
    add_json_flag(p)
    p.set_defaults(handler=_block)

    p = bsub.add_parser("unblock", help=_("een blokkering opheffen"))
    p.add_argument("card", metavar="CARD")
    add_json_flag(p)
    p.set_defaults(handler=_unblock)

    p = bsub.add_parser("erase", help=_("iemands persoonsgegevens wissen (GDPR, kan niet ongedaan)"))
    p.add_argument("card", metavar="CARD")
    add_json_flag(p)
    p.set_defaults(handler=_erase)

    p = bsub.add_parser(
        "export-data", help=_("alle gegevens van één persoon: een JSON-bestand en een leesbare PDF (GDPR)")
    )
    p.add_argument("card", metavar="CARD")
    p.add_argument("--out", required=True, type=Path, help=_("map waarin het bestand komt"))
    p.set_defaults(handler=_export_data, out_is_folder=True)


def borrower_json(borrower: Borrower) -> dict[str, Any]:
    return record_json(borrower)


def _line(borrower: Borrower) -> str:
    flag = "  " + _("[GEBLOKKEERD]") if borrower.blocked else ""
    return (
        f"{borrower.card_number:<13} {full_name(borrower):<30} "
        f"{borrower.postcode} {borrower.municipality}{flag}"
    )


def _add(args: argparse.Namespace, ctx: AppContext) -> int:
    borrower = ctx.borrowers.add(
        BorrowerInput(
            first_name=args.first_name,
            last_name=args.last_name,
            postcode=args.postcode,
            municipality=args.municipality,
            street=args.street,
            phone=args.phone,
            email=args.email,
            language=args.language,
            target_group=args.target_group,
            eligibility_proof=args.eligibility_proof,
            notes=args.notes,
            consent=args.consent,
        ),
        duplicate_ok=args.duplicate_ok,
    )
    if args.json:
        emit_json(borrower_json(borrower))
    else:
        # Scripts read the card number from stdout: print it alone.
        print(borrower.card_number)
    return 0


def _merge(args: argparse.Namespace, ctx: AppContext) -> int:
    result = ctx.borrowers.merge(args.keep, args.other)
    if args.json:
        emit_json({"kept": result.kept, "merged": result.merged, "moved": result.moved})
    else:
        print(
            _("{merged} is samengevoegd met {kept}: {count} record(s) verhuisd.").format(
                merged=result.merged, kept=result.kept, count=result.total
            )
        )
    return 0


def _find(args: argparse.Namespace, ctx: AppContext) -> int:
    people = ctx.borrowers.find(args.text, limit=max(1, args.limit))
    if args.json:
        emit_json([borrower_json(b) for b in people])
        return 0
    if not people:
        print(_("Niemand gevonden voor '{text}'.").format(text=args.text))
        return 0
    for borrower in people:
        print(_line(borrower))
    return 0


def _show(args: argparse.Namespace, ctx: AppContext) -> int:
    borrower = ctx.borrowers.get(args.card)
    loans = ctx.loans.list(open_only=True, borrower_id=borrower.id)
    if args.json:
        data = borrower_json(borrower)
        data["open_loans"] = [
            {"asset_tag": v.device.asset_tag, "due_date": v.loan.due_date.isoformat(), "overdue": v.overdue}
            for v in loans
        ]
        emit_json(data)
        return 0
    print(_line(borrower))
    print(_("Provincie: {province}").format(province=province_name(borrower.province)))
    if borrower.phone:
        print(_("Telefoon: {phone}").format(phone=borrower.phone))
    if borrower.email:
        print(_("E-mail: {email}").format(email=borrower.email))
    if borrower.blocked:
        print(_("Geblokkeerd: {reason}").format(reason=borrower.blocked_reason))
    print(_("{count} toestel(len) in bruikleen.").format(count=len(loans)))
    for view in loans:
        late = "  " + _("TE LAAT") if view.overdue else ""
        print(
            _("  {tag} tot {due}").format(tag=view.device.asset_tag, due=date_be(view.loan.due_date)) + late
        )
    return 0


def _edit(args: argparse.Namespace, ctx: AppContext) -> int:
    changes = {name: getattr(args, name) for name, _flag in EDIT_FLAGS if getattr(args, name) is not None}
    if not changes:
        raise UserError(_("Niets om te wijzigen: geef bv. --phone of --email."))
    borrower = ctx.borrowers.edit(args.card, **changes)
    if args.json:
        emit_json(borrower_json(borrower))
    else:
        print(_("{card} is aangepast.").format(card=borrower.card_number))
    return 0


def _block(args: argparse.Namespace, ctx: AppContext) -> int:
    borrower = ctx.borrowers.block(args.card, args.reason)
    if args.json:
        emit_json(borrower_json(borrower))
    else:
        print(_("{name} is geblokkeerd.").format(name=full_name(borrower)))
    return 0


def _unblock(args: argparse.Namespace, ctx: AppContext) -> int:
    borrower = ctx.borrowers.unblock(args.card)
    if args.json:
        emit_json(borrower_json(borrower))
    else:
        print(_("{name} is niet meer geblokkeerd.").format(name=full_name(borrower)))
    return 0


def _erase(args: argparse.Namespace, ctx: AppContext) -> int:
    borrower = ctx.privacy.erase(args.card)
    if args.json:
        emit_json(borrower_json(borrower))
    else:
        print(
            _("De gegevens van {card} zijn gewist; postcode en doelgroep blijven voor de rapporten.").format(
                card=borrower.card_number
            )
        )
    return 0


def _export_data(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.cli import refuse_existing

    card = ctx.borrowers.get(args.card).card_number  # the files are named after the card
    json_file = Path(args.out).expanduser() / f"{card}-gegevens.json"
    refuse_existing([json_file, json_file.with_suffix(".pdf")], args)
    target = ctx.privacy.export_data(args.card, args.out, backup_keep_days=ctx.settings.backup_keep_days)
    print(target)
    print(target.with_suffix(".pdf"))
    return 0
