"""`digibank erasure list|approve`: GDPR erasures asked at an ordinary counter, waiting for a
coordinator-scope PC to confirm them (app/erasure_requests.py)."""

from __future__ import annotations

import argparse

from app.cli.output import add_json_flag, emit_json
from app.context import AppContext
from app.erasure_requests import ErasureOutcome
from app.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    erasure = sub.add_parser("erasure", help=_("wissingen die op bevestiging wachten (GDPR)"))
    esub = erasure.add_subparsers(dest="erasure_command", metavar=_("actie"), parser_class=type(erasure))
    esub.required = True
    p = esub.add_parser("list", help=_("de aangevraagde wissingen"))
    add_json_flag(p)
    p.set_defaults(handler=_list)
    p = esub.add_parser(
        "approve", help=_("een aangevraagde wissing bevestigen (op een pc met een coördinatorsleutel)")
    )
    p.add_argument("id", metavar="ID", help=_("het nummer uit 'digibank erasure list'"))
    add_json_flag(p)
    p.set_defaults(handler=_approve)


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    pending = ctx.erasure_requests.pending()
    if args.json:
        emit_json([p.as_dict() for p in pending])
        return 0
    if not pending:
        print(_("Geen aangevraagde wissingen."))
        return 0
    for p in pending:
        reason = f"  ({p.reason})" if p.reason else ""
        print(f"{p.id[:8]}  {p.subject_code:<13} {p.line()}{reason}")
    return 0


def _approve(args: argparse.Namespace, ctx: AppContext) -> int:
    view = ctx.erasure_requests.approve(args.id)
    if args.json:
        emit_json({**view.as_dict(), "state": "approved"})
    else:
        print(_("Bevestigd: de gegevens van {code} zijn gewist.").format(code=view.subject_code))
    return 0


def print_outcome(outcome: ErasureOutcome, erased_line: str) -> None:
    """What `borrower erase` / `donation erase` say: erased now, or asked for confirmation."""
    if outcome.erased:
        print(erased_line)
        return
    assert outcome.pending is not None
    print(
        _(
            "Wissing van {code} aangevraagd: ze gebeurt zodra een coördinator ze bevestigt op een pc "
            "met een coördinatorsleutel ('digibank erasure approve {id}') of de beheerder van de server "
            "('digibank-server erasure approve'). Tot dan wordt er niets meer aan uitgeleend."
        ).format(code=outcome.code, id=outcome.pending.id[:8])
    )
