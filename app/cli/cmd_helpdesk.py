"""`digibank helpdesk log|day`: the quick helpdesk register."""

from __future__ import annotations

import argparse

from app.cli.output import add_json_flag, emit_json, record_json
from app.context import AppContext
from app.formatting import date_be, parse_iso_date
from app.helpdesk import HelpdeskService, outcome_names, topic_names
from app.i18n import _
from db.models import HELPDESK_OUTCOMES, HELPDESK_TOPICS


def helpdesk_service(ctx: AppContext) -> HelpdeskService:
    return getattr(ctx, "helpdesk", None) or HelpdeskService(ctx.sessions, now=ctx.now)


def register(sub: argparse._SubParsersAction) -> None:
    helpdesk = sub.add_parser("helpdesk", help=_("helpdesk: bezoeken registreren en bekijken"))
    hsub = helpdesk.add_subparsers(dest="helpdesk_command", metavar=_("actie"), parser_class=type(helpdesk))
    hsub.required = True

    p = hsub.add_parser("log", help=_("een helpdeskbezoek registreren"))
    p.add_argument("--topic", required=True, help=", ".join(HELPDESK_TOPICS))
    p.add_argument("--card", default="", help=_("kaartnummer (of laat weg voor anoniem)"))
    p.add_argument("--postcode", default="", help=_("postcode van een anonieme bezoeker"))
    p.add_argument("--minutes", type=int, default=10)
    p.add_argument("--outcome", default="solved", help=", ".join(HELPDESK_OUTCOMES))
    p.add_argument("--notes", default="")
    add_json_flag(p)
    p.set_defaults(handler=_log)

    p = hsub.add_parser("day", help=_("de bezoeken van één dag"))
    p.add_argument("--date", help="JJJJ-MM-DD")
    add_json_flag(p)
    p.set_defaults(handler=_day)


def _log(args: argparse.Namespace, ctx: AppContext) -> int:
    visit = helpdesk_service(ctx).log(
        args.topic,
        card=args.card,
        postcode=args.postcode,
        minutes=args.minutes,
        outcome=args.outcome,
        notes=args.notes,
    )
    if args.json:
        emit_json(record_json(visit))
    else:
        print(
            _("Bezoek geregistreerd: {topic}, {minutes} min., {outcome}.").format(
                topic=topic_names()[visit.topic],
                minutes=visit.minutes,
                outcome=outcome_names()[visit.outcome],
            )
        )
    return 0


def _day(args: argparse.Namespace, ctx: AppContext) -> int:
    day = parse_iso_date(args.date) if args.date else None
    summary = helpdesk_service(ctx).day(day)
    if args.json:
        emit_json(
            {
                "date": summary.day.isoformat(),
                "count": summary.count,
                "minutes": summary.minutes,
                "per_topic": summary.per_topic,
                "visits": [record_json(r.visit) for r in summary.rows],
            }
        )
        return 0
    names, outcomes = topic_names(), outcome_names()
    print(
        _("{date}: {count} bezoeken, {minutes} minuten.").format(
            date=date_be(summary.day), count=summary.count, minutes=summary.minutes
        )
    )
    for r in summary.rows:
        v = r.visit
        print(
            f"{v.visited_at:%H:%M}  {names.get(v.topic, v.topic):<26} {v.minutes:>3} min  "
            f"{outcomes.get(v.outcome, v.outcome):<16} {r.who}"
        )
    return 0
