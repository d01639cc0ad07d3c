"""`digibank loan checkout|return|extend|list`: lending at the counter, from a script."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from app.borrowers import full_name
from app.cli.listing import loan_json, print_loans
from app.cli.output import add_json_flag, emit_json
from app.context import AppContext
from app.counter import deposit_at_checkout, deposit_at_return
from app.formatting import date_be, parse_euro, parse_iso_date
from app.i18n import _
from app.inventory import kind_names


def register(sub: argparse._SubParsersAction) -> None:
    loan = sub.add_parser("loan", help=_("uitlenen, terugbrengen, verlengen, oplijsten"))
    lsub = loan.add_subparsers(dest="loan_command", metavar=_("actie"), parser_class=type(loan))
    lsub.required = True

    p = lsub.add_parser("checkout", help=_("een toestel uitlenen"))
    p.add_argument("tag", metavar="TAG")
    p.add_argument("card", metavar="CARD")
    p.add_argument("--due", help=_("terugbrengdatum JJJJ-MM-DD (standaard: de uitleentermijn)"))
    p.add_argument(
        "--deposit", help=_("betaalde waarborg, bv. 25,00 (standaard: de gevraagde voor de soort)")
    )
    p.add_argument(
        "--deposit-method",
        choices=("cash", "payconiq", "waived"),
        help=_("hoe de waarborg betaald werd (standaard: cash; waived vraagt een reden)"),
    )
    p.add_argument("--deposit-reason", default="", help=_("reden voor vrijstelling of minder waarborg"))
    add_json_flag(p)
    p.set_defaults(handler=_checkout)

    p = lsub.add_parser("return", help=_("een toestel terugnemen"))
    p.add_argument("tag", metavar="TAG")
    p.add_argument("--condition", default="", help=_("staat bij terugkomst"))
    p.add_argument(
        "--refund", help=_("terugbetaalde waarborg, bv. 25,00 (standaard: alles wat betaald werd)")
    )
    p.add_argument("--kept-reason", default="", help=_("reden voor het ingehouden deel van de waarborg"))
    add_json_flag(p)
    p.set_defaults(handler=_return)

    p = lsub.add_parser("extend", help=_("een uitlening verlengen"))
    p.add_argument("tag", metavar="TAG")
    p.add_argument("--due", help=_("nieuwe terugbrengdatum JJJJ-MM-DD (standaard: één termijn later)"))
    add_json_flag(p)
    p.set_defaults(handler=_extend)

    p = lsub.add_parser("list", help=_("uitleningen oplijsten"))
    p.add_argument("--open", action="store_true", help=_("enkel lopende uitleningen"))
    p.add_argument("--overdue", action="store_true", help=_("enkel te late uitleningen"))
    add_json_flag(p)
    p.set_defaults(handler=_list)


def _due(text: str | None) -> dt.date | None:
    return parse_iso_date(text, _("terugbrengdatum")) if text else None


def _checkout(args: argparse.Namespace, ctx: AppContext) -> int:
    due = _due(args.due)  # parsed before anything is written
    deposit = parse_euro(args.deposit) if args.deposit is not None else None
    view = ctx.loans.checkout(
        args.tag,
        args.card,
        due=due,
        deposit_cents=deposit,
        deposit_method=args.deposit_method,
        deposit_reason=args.deposit_reason,
    )
    for warning in view.warnings:  # the loan is made; stderr so stdout stays what scripts read
        print(warning, file=sys.stderr)
    if args.json:
        emit_json({**loan_json(view), "warnings": list(view.warnings)})
    else:
        what = kind_names().get(view.device.kind, view.device.kind).capitalize()
        print(
            _("{what} {tag} uitgeleend aan {name} tot {due}.").format(
                what=what,
                tag=view.device.asset_tag,
                name=full_name(view.borrower),
                due=date_be(view.loan.due_date),
            )
            + deposit_at_checkout(view, at_counter=False)
        )
    return 0


def _return(args: argparse.Namespace, ctx: AppContext) -> int:
    refund = parse_euro(args.refund) if args.refund is not None else None
    view = ctx.loans.return_device(
        args.tag, condition=args.condition, refund_cents=refund, kept_reason=args.kept_reason
    )
    if args.json:
        emit_json(loan_json(view))
    else:
        print(
            _("{tag} teruggebracht door {name}.").format(
                tag=view.device.asset_tag, name=full_name(view.borrower)
            )
            + deposit_at_return(view)
        )
    return 0


def _extend(args: argparse.Namespace, ctx: AppContext) -> int:
    due = _due(args.due)
    view = ctx.loans.extend(args.tag, due=due)
    if args.json:
        emit_json(loan_json(view))
    else:
        print(
            _("{tag} verlengd tot {due}.").format(tag=view.device.asset_tag, due=date_be(view.loan.due_date))
        )
    return 0


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    # What is printed lives in app/cli/listing.py, shared with the light read path.
    return print_loans(ctx.loans.list(open_only=args.open, overdue_only=args.overdue), args.json)
