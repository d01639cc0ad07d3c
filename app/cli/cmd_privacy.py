"""`digibank donation erase` and `digibank privacy retention [--apply]` (GDPR)."""

from __future__ import annotations

import argparse
import sys

from app.cli.output import add_json_flag, emit_json, record_json
from app.context import AppContext
from app.errors import UserError
from app.formatting import date_be
from app.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    privacy = sub.add_parser("privacy", help=_("privacy: bewaartermijn van persoonsgegevens"))
    psub = privacy.add_subparsers(dest="privacy_command", metavar=_("actie"), parser_class=type(privacy))
    psub.required = True
    p = psub.add_parser(
        "retention", help=_("wie lang niet meer kwam en geanonimiseerd moet worden (--apply: doen)")
    )
    p.add_argument("--apply", action="store_true", help=_("deze personen nu anonimiseren"))
    add_json_flag(p)
    p.set_defaults(handler=_retention)


def _retention(args: argparse.Namespace, ctx: AppContext) -> int:
    months = ctx.settings.retention_months
    today = ctx.now().date()
    due = ctx.privacy.retention_due(months, today)
    if args.json and not args.apply:
        emit_json(
            [
                {"card": r.card, "last_activity": r.last_activity.isoformat(), "open_loans": r.open_loans}
                for r in due
            ]
        )
        return 0
    if not due:
        print(
            _("Niemand is aan de beurt: iedereen kwam de laatste {months} maanden nog.").format(months=months)
        )
        return 0
    if not args.apply:
        for r in due:
            note = "  " + _("(nog een toestel in bruikleen)") if r.open_loans else ""
            print(
                f"{r.card:<13} " + _("laatste activiteit {date}").format(date=date_be(r.last_activity)) + note
            )
        print(
            _(
                "{count} persoon/personen zonder activiteit sinds {months} maanden; anonimiseren met --apply."
            ).format(count=len(due), months=months)
        )
        return 0
    ready = [r for r in due if not r.open_loans]
    if ready and sys.stdin.isatty():
        answer = input(
            _("{count} persoon/personen anonimiseren? Dit kan niet ongedaan. [j/N] ").format(count=len(ready))
        )
        if answer.strip().lower() not in ("j", "ja", "y", "yes"):
            print(_("Niets gewijzigd."))
            return 0
    if not ctx.erasure_requests.erases_at_once():
        # An ordinary counter: the server would refuse these erasures (app/erasure_requests.py).
        asked = ctx.erasure_requests.request_retention([r.card for r in ready])
        if args.json:
            emit_json({"requested": asked, "skipped": [r.card for r in due if r.open_loans]})
        else:
            print(
                _(
                    "{count} wissing(en) aangevraagd: een coördinator bevestigt ze op een pc met een "
                    "coördinatorsleutel ('digibank erasure list')."
                ).format(count=len(asked))
            )
        skipped = [r.card for r in due if r.open_loans]
        if skipped:
            raise UserError(
                _("Niet geanonimiseerd, want nog een toestel in bruikleen: {cards}.").format(
                    cards=", ".join(skipped)
                )
            )
        return 0
    result = ctx.privacy.apply_retention(months, today)
    if args.json:
        emit_json({"erased": result.erased, "skipped": result.skipped})
    else:
        print(_("{count} persoon/personen geanonimiseerd.").format(count=len(result.erased)))
    if result.skipped:
        raise UserError(
            _("Niet geanonimiseerd, want nog een toestel in bruikleen: {cards}.").format(
                cards=", ".join(result.skipped)
            )
        )
    return 0


def add_donation_erase(dsub: argparse._SubParsersAction) -> None:
    """Called by cmd_bench.py, which owns the `donation` command group."""
    p = dsub.add_parser("erase", help=_("naam en contact van een particuliere schenker wissen (GDPR)"))
    p.add_argument("donation", metavar="DONATION", help=_("schenkingsnummer, bv. KRT-D-00001"))
    p.add_argument(
        "--reason", default="", help=_("waarom (bij een aanvraag aan de coördinator; geen persoonsgegevens)")
    )
    add_json_flag(p)
    p.set_defaults(handler=_donation_erase)


def _donation_erase(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.cli.cmd_erasure import print_outcome
    from app.privacy import donation_in

    outcome = ctx.erasure_requests.erase_donor(args.donation, reason=args.reason)
    if args.json:
        with ctx.sessions() as s:
            data = record_json(donation_in(s, outcome.code))
        data["erasure_pending"] = outcome.pending.as_dict() if outcome.pending is not None else None
        emit_json(data)
        return 0
    print_outcome(
        outcome, _("De schenker van {number} is gewist; de toestellen blijven.").format(number=outcome.code)
    )
    return 0
