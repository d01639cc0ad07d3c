"""`digibank waiting add|list|next`: the waiting list for devices."""

from __future__ import annotations

import argparse

from app.borrowers import full_name
from app.cli.output import add_json_flag, emit_json, record_json
from app.context import AppContext
from app.formatting import date_be
from app.i18n import _
from app.inventory import kind_names
from app.waiting_list import WaitingListService, WaitingRow, priority_names


def waiting_service(ctx: AppContext) -> WaitingListService:
    return getattr(ctx, "waiting_list", None) or WaitingListService(
        ctx.sessions, today=lambda: ctx.now().date()
    )


def register(sub: argparse._SubParsersAction) -> None:
    waiting = sub.add_parser("waiting", help=_("wachtlijst voor toestellen"))
    wsub = waiting.add_subparsers(dest="waiting_command", metavar=_("actie"), parser_class=type(waiting))
    wsub.required = True

    p = wsub.add_parser("add", help=_("iemand op de wachtlijst zetten"))
    p.add_argument("card", metavar="CARD")
    p.add_argument("--kind", default="laptop")
    p.add_argument("--priority", type=int, default=2, help=_("1 = dringend, 2 = normaal, 3 = kan wachten"))
    p.add_argument("--notes", default="")
    add_json_flag(p)
    p.set_defaults(handler=_add)

    p = wsub.add_parser("list", help=_("de wachtlijst in volgorde"))
    p.add_argument("--kind")
    add_json_flag(p)
    p.set_defaults(handler=_list)

    p = wsub.add_parser("next", help=_("wie is de volgende?"))
    p.add_argument("--kind", default="laptop")
    add_json_flag(p)
    p.set_defaults(handler=_next)


def _row_json(row: WaitingRow) -> dict[str, object]:
    return {**record_json(row.entry), "position": row.position, "card": row.borrower.card_number}


def _row_line(row: WaitingRow) -> str:
    e, b = row.entry, row.borrower
    return _("{position:>3}. {card:<12} {name}  {kind}, {priority}, sinds {since}").format(
        position=row.position,
        card=b.card_number,
        name=full_name(b),
        kind=kind_names().get(e.device_kind, e.device_kind),
        priority=priority_names()[e.priority],
        since=date_be(e.requested_on),
    )


def _add(args: argparse.Namespace, ctx: AppContext) -> int:
    service = waiting_service(ctx)
    entry = service.add(args.card, kind=args.kind, priority=args.priority, notes=args.notes)
    position = next(r.position for r in service.list(entry.device_kind) if r.entry.id == entry.id)
    if args.json:
        emit_json({**record_json(entry), "position": position})
    else:
        print(
            _("{card} staat op plaats {position} van de wachtlijst.").format(
                card=args.card.upper(), position=position
            )
        )
    return 0


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    rows = waiting_service(ctx).list(args.kind)
    if args.json:
        emit_json([_row_json(r) for r in rows])
    else:
        for r in rows:
            print(_row_line(r))
        if not rows:
            print(_("Niemand op de wachtlijst."))
    return 0


def _next(args: argparse.Namespace, ctx: AppContext) -> int:
    row = waiting_service(ctx).next(args.kind)
    if args.json:
        emit_json(_row_json(row) if row else None)
    else:
        print(_row_line(row) if row else _("Niemand op de wachtlijst."))
    return 0
