"""`digibank borrower add|find|edit|show|block|unblock`: the people a digibank serves."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from app.borrowers import TARGET_GROUPS, BorrowerInput, full_name
from app.cli.output import add_json_flag, emit_json, record_json
from app.context import AppContext
from app.eligibility import Eligibility, eligibility_names
from app.errors import UserError
from app.formatting import date_be, parse_iso_date
from app.i18n import _
from app.postcodes import province_name
from db.models import AGE_BANDS, ELIGIBILITY_PROOFS, Borrower

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
    ("eligibility_code", "--eligibility"),
    ("referrer", "--referrer"),
    ("eligibility_checked_on", "--checked-on"),
    ("eligibility_valid_until", "--valid-until"),
    ("birth_year", "--birth-year"),
    ("age_band", "--age-band"),
)
DATE_FIELDS = ("eligibility_checked_on", "eligibility_valid_until")


def _eligibility_help() -> dict[str, str]:
    return {
        "--municipality": _("gemeente of NIS-code (nodig als de postcode bij meer gemeenten hoort)"),
        "--eligibility": _("bewijs dat gecontroleerd is: {codes}").format(
            codes=", ".join(c for c in ELIGIBILITY_PROOFS if c)
        ),
        "--referrer": _("wie doorverwees (uit de lijst in de instellingen: referrers)"),
        "--checked-on": _("datum van de controle, JJJJ-MM-DD (standaard vandaag)"),
        "--valid-until": _("geldig tot, JJJJ-MM-DD (standaard een jaar na de controle)"),
        "--birth-year": _("geboortejaar (nooit de volledige geboortedatum)"),
        "--age-band": _("of enkel een leeftijdsgroep: {bands}").format(
            bands=", ".join(b for b in AGE_BANDS if b)
        ),
    }


def register(sub: argparse._SubParsersAction) -> None:
    borrower = sub.add_parser("borrower", help=_("ontleners: inschrijven, opzoeken, aanpassen"))
    bsub = borrower.add_subparsers(dest="borrower_command", metavar=_("actie"), parser_class=type(borrower))
    bsub.required = True

    p = bsub.add_parser("add", help=_("iemand inschrijven (toont het kaartnummer)"))
    # Required unless --from-eid fills them (a flag given as well overrides the card).
    p.add_argument("--first-name")
    p.add_argument("--last-name")
    p.add_argument("--postcode", help=_("Belgische postcode, bv. 8500"))
    p.add_argument(
        "--from-eid", action="store_true", help=_("naam, adres en postcode van de eID in de kaartlezer")
    )
    p.add_argument(
        "--municipality",
        default="",
        help=_(
            "gemeente of NIS-code (standaard: volgens de postcode; nodig als die bij meer gemeenten hoort)"
        ),
    )
    p.add_argument("--street", default="")
    p.add_argument("--phone", default="")
    p.add_argument("--email", default="")
    p.add_argument("--language", default="nl")
    p.add_argument("--target-group", default="", help=", ".join(g for g in TARGET_GROUPS if g))
    p.add_argument("--eligibility-proof", default="")
    p.add_argument("--notes", default="")
    for flag in (
        "--eligibility",
        "--referrer",
        "--checked-on",
        "--valid-until",
        "--birth-year",
        "--age-band",
    ):
        p.add_argument(flag, default=None, help=_eligibility_help()[flag])
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
    for name, flag in EDIT_FLAGS:
        p.add_argument(flag, dest=name, help=_eligibility_help().get(flag))
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
    p.add_argument(
        "--reason", default="", help=_("waarom (bij een aanvraag aan de coördinator; geen persoonsgegevens)")
    )
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
    if args.from_eid:
        _fill_from_eid(args)
    missing = [
        flag
        for flag in ("--first-name", "--last-name", "--postcode")
        if getattr(args, flag[2:].replace("-", "_")) is None  # an empty value: the service says why
    ]
    if missing:  # bad usage, as a missing required flag always was: exit 2
        print(
            _("Geef {flags}, of lees de eID met --from-eid.").format(flags=", ".join(missing)),
            file=sys.stderr,
        )
        return 2
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
            eligibility=Eligibility(
                code=args.eligibility or "",
                referrer=args.referrer or "",
                checked_on=_date(args.checked_on, _("controledatum")),
                valid_until=_date(args.valid_until, _("geldig tot")),
            ),
            birth_year=_year(args.birth_year),
            age_band=args.age_band or "",
        ),
        duplicate_ok=args.duplicate_ok,
    )
    if args.json:
        emit_json(borrower_json(borrower))
    else:
        # Scripts read the card number from stdout: print it alone.
        print(borrower.card_number)
    return 0


def _date(text: str | None, what: str) -> dt.date | None:
    return parse_iso_date(text, what) if text else None


def _year(text: str | None) -> int | None:
    if text in (None, ""):
        return None
    try:
        return int(str(text).strip())
    except ValueError:
        raise UserError(
            _("Geboortejaar '{year}' klopt niet: vier cijfers, bv. 1984.").format(year=text)
        ) from None


def _fill_from_eid(args: argparse.Namespace) -> None:
    """The card's fields where no flag was given; what was read goes to stderr (stdout keeps the card)."""
    from app import eid
    from app.cli.cmd_eid import person_lines

    person = eid.read_card()
    args.first_name = person.first_names if args.first_name is None else args.first_name
    args.last_name = person.last_name if args.last_name is None else args.last_name
    args.postcode = person.postcode if args.postcode is None else args.postcode
    args.street = args.street or person.street
    if not args.municipality and args.postcode == person.postcode:
        args.municipality = person.municipality
    print(eid.notice(), file=sys.stderr)
    for line in person_lines(person):
        print(line, file=sys.stderr)


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
    pending = ctx.erasure_requests.pending_for(borrower.id)
    if args.json:
        data = _with_pending(ctx, borrower_json(borrower))
        data["open_loans"] = [
            {"asset_tag": v.device.asset_tag, "due_date": v.loan.due_date.isoformat(), "overdue": v.overdue}
            for v in loans
        ]
        emit_json(data)
        return 0
    print(_line(borrower))
    nis = _(" (NIS {nis})").format(nis=borrower.nis_code) if borrower.nis_code else ""
    print(_("Provincie: {province}").format(province=province_name(borrower.province)) + nis)
    if borrower.eligibility_code:
        print(
            _("Bewijs: {proof}, gecontroleerd {checked}, geldig tot {until}").format(
                proof=eligibility_names().get(borrower.eligibility_code, borrower.eligibility_code),
                checked=date_be(borrower.eligibility_checked_on) if borrower.eligibility_checked_on else "?",
                until=date_be(borrower.eligibility_valid_until) if borrower.eligibility_valid_until else "?",
            )
        )
    if borrower.referrer:
        print(_("Doorverwezen door: {referrer}").format(referrer=borrower.referrer))
    if borrower.phone:
        print(_("Telefoon: {phone}").format(phone=borrower.phone))
    if borrower.email:
        print(_("E-mail: {email}").format(email=borrower.email))
    if borrower.blocked:
        print(_("Geblokkeerd: {reason}").format(reason=borrower.blocked_reason))
    if pending is not None:
        print(_("Let op: {what}; er wordt niets meer uitgeleend.").format(what=pending.line()))
    print(_("{count} toestel(len) in bruikleen.").format(count=len(loans)))
    for view in loans:
        late = "  " + _("TE LAAT") if view.overdue else ""
        print(
            _("  {tag} tot {due}").format(tag=view.device.asset_tag, due=date_be(view.loan.due_date)) + late
        )
    return 0


def _edit(args: argparse.Namespace, ctx: AppContext) -> int:
    changes: dict[str, object] = {
        name: getattr(args, name) for name, _flag in EDIT_FLAGS if getattr(args, name) is not None
    }
    for name in DATE_FIELDS:
        if name in changes:
            changes[name] = _date(str(changes[name]), name) if changes[name] else None
    if "birth_year" in changes:
        changes["birth_year"] = _year(str(changes["birth_year"]))
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
    from app.cli.cmd_erasure import print_outcome

    outcome = ctx.erasure_requests.erase_borrower(args.card, reason=args.reason)
    if args.json:
        emit_json(_with_pending(ctx, borrower_json(ctx.borrowers.get(outcome.code))))
        return 0
    print_outcome(
        outcome,
        _("De gegevens van {card} zijn gewist; postcode en doelgroep blijven voor de rapporten.").format(
            card=outcome.code
        ),
    )
    return 0


def _with_pending(ctx: AppContext, data: dict[str, Any]) -> dict[str, Any]:
    """`erasure_pending`: the request waiting for a coordinator's confirmation, or null."""
    pending = ctx.erasure_requests.pending_for(data["id"])
    data["erasure_pending"] = pending.as_dict() if pending is not None else None
    return data


def _export_data(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.cli import refuse_existing

    card = ctx.borrowers.get(args.card).card_number  # the files are named after the card
    json_file = Path(args.out).expanduser() / f"{card}-gegevens.json"
    refuse_existing([json_file, json_file.with_suffix(".pdf")], args)
    target = ctx.privacy.export_data(args.card, args.out, backup_keep_days=ctx.settings.backup_keep_days)
    print(target)
    print(target.with_suffix(".pdf"))
    return 0
