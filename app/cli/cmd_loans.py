"""`digibank loan checkout|return|extend|list`: lending at the counter, from a script."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from app.borrowers import full_name
from app.cli.output import add_json_flag, emit_json
from app.context import AppContext
from app.counter import deposit_at_checkout, deposit_at_return
from app.formatting import date_be, parse_euro, parse_iso_date
from app.i18n import _
from app.inventory import kind_names
from app.loans import LoanView


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


def loan_json(view: LoanView) -> dict[str, Any]:
    loan = view.loan
    return {
        "id": loan.id,
        "asset_tag": view.device.asset_tag,
        "card_number": view.borrower.card_number,
        "borrower": full_name(view.borrower),
        "state": loan.state,
        "out_at": loan.out_at.isoformat(timespec="seconds"),
        "in_at": loan.in_at.isoformat(timespec="seconds") if loan.in_at else None,
        "due_date": loan.due_date.isoformat(),
        "extensions": loan.extensions,
        "deposit_cents": loan.deposit_cents,
        "deposit_method": loan.deposit_method,
        "deposit_reason": loan.deposit_reason,
        "deposit_refunded_cents": loan.deposit_refunded_cents,
        "deposit_kept_reason": loan.deposit_kept_reason,
        "overdue": view.overdue,
    }


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
    views = ctx.loans.list(open_only=args.open, overdue_only=args.overdue)
    if args.json:
        emit_json([loan_json(v) for v in views])
        return 0
    if not views:
        print(_("Geen uitleningen gevonden."))
        return 0
    for view in views:
        if view.loan.state == "open":
            state = _("TE LAAT") if view.overdue else _("loopt")
        else:
            state = _("terug op {date}").format(date=date_be(view.loan.in_at))
        print(
            f"{view.device.asset_tag:<12} {view.borrower.card_number:<13} "
            f"{full_name(view.borrower):<28} {date_be(view.loan.due_date)}  {state}"
        )
    print(_("{count} uitlening(en).").format(count=len(views)))
    return 0
