"""`digibank deleted list|restore`: undo a deletion within 30 days (coordinators; app/deletions.py)."""

from __future__ import annotations

import argparse

from app.cli.output import add_json_flag, emit_json
from app.context import AppContext
from app.formatting import date_be
from app.i18n import _
from app.sync.refusals import table_name
from db.deletions import RESTORABLE, UNDO_DAYS


def register(sub: argparse._SubParsersAction) -> None:
    deleted = sub.add_parser(
        "deleted", help=_("verwijderde records van de laatste {days} dagen").format(days=UNDO_DAYS)
    )
    dsub = deleted.add_subparsers(dest="deleted_command", metavar=_("actie"), parser_class=type(deleted))
    dsub.required = True
    p = dsub.add_parser("list", help=_("wat nog hersteld kan worden"))
    add_json_flag(p)
    p.set_defaults(handler=_list)
    p = dsub.add_parser("restore", help=_("een verwijdering ongedaan maken (coördinator)"))
    p.add_argument("table", choices=RESTORABLE, metavar="TABLE", help=" | ".join(RESTORABLE))
    p.add_argument("id", metavar="ID", help=_("het id uit 'digibank deleted list'"))
    add_json_flag(p)
    p.set_defaults(handler=_restore)


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    rows = ctx.deletions.list()
    if args.json:
        emit_json([r.as_dict() for r in rows])
        return 0
    if not rows:
        print(_("Niets verwijderd in de laatste {days} dagen.").format(days=UNDO_DAYS))
        return 0
    for r in rows:
        until = _("herstellen kan tot {date}").format(date=date_be(r.final_on))
        print(f"{r.table:<15} {r.id}  {table_name(r.table)} {r.label}  ({until})")
    return 0


def _restore(args: argparse.Namespace, ctx: AppContext) -> int:
    view = ctx.deletions.restore(args.table, args.id)
    if args.json:
        emit_json(view.as_dict())
    else:
        print(_("Hersteld: {what} {label}.").format(what=table_name(view.table), label=view.label))
    return 0
