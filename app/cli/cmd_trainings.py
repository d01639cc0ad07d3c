"""`digibank training add|list|register|attend|walk-in|attendance-list|attestation`.

SESSION is the session's short number (first 8 characters of its id, shown by
`training add` and `training list`), or any unique start of at least 4 characters.
"""

from __future__ import annotations

import argparse

from app.cli.output import add_json_flag, emit_json, record_json
from app.context import AppContext
from app.formatting import datetime_be
from app.i18n import _
from app.trainings import TrainingService, parse_start, registration_state_names, short_number


def training_service(ctx: AppContext) -> TrainingService:
    return getattr(ctx, "trainings", None) or TrainingService(ctx.sessions, now=ctx.now)


def register(sub: argparse._SubParsersAction) -> None:
    training = sub.add_parser("training", help=_("opleidingen: sessies, inschrijvingen, aanwezigheden"))
    tsub = training.add_subparsers(dest="training_command", metavar=_("actie"), parser_class=type(training))
    tsub.required = True

    p = tsub.add_parser("add", help=_("een sessie plannen (toont het sessienummer)"))
    p.add_argument("--title", required=True)
    p.add_argument("--start", required=True, help='"JJJJ-MM-DD UU:MM"')
    p.add_argument("--capacity", type=int, default=12)
    p.add_argument("--minutes", type=int, default=120, help=_("duur in minuten"))
    p.add_argument("--series", default="", help=_("naam van de reeks, bv. 'Basis laptop'"))
    p.add_argument("--part", type=int, default=0, help=_("het hoeveelste deel van de reeks"))
    p.add_argument("--of", type=int, default=0, help=_("aantal delen in de reeks"))
    p.add_argument("--trainer", default="")
    p.add_argument("--place", default="", help=_("bv. 'bibliotheek' of 'de bus'"))
    p.add_argument("--topic", default="")
    add_json_flag(p)
    p.set_defaults(handler=_add)

    p = tsub.add_parser("list", help=_("sessies oplijsten"))
    add_json_flag(p)
    p.set_defaults(handler=_list)

    for name, handler, helptext in (
        ("register", _register, _("iemand inschrijven (of op de wachtlijst als het vol is)")),
        ("attend", _attend, _("iemand aanwezig zetten (kaart scannen)")),
    ):
        p = tsub.add_parser(name, help=helptext)
        p.add_argument("session", metavar="SESSION")
        p.add_argument("card", metavar="CARD")
        add_json_flag(p)
        p.set_defaults(handler=handler)

    p = tsub.add_parser("walk-in", help=_("vrije deelnemers zonder kaart tellen"))
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--count", type=int, default=1)
    p.set_defaults(handler=_walk_in)

    p = tsub.add_parser("attendance-list", help=_("aanwezigheidslijst van een sessie (PDF)"))
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--out", required=True)
    p.set_defaults(handler=_attendance_list)

    p = tsub.add_parser("attestation", help=_("deelnameattest na een reeks (PDF)"))
    p.add_argument("card", metavar="CARD")
    p.add_argument("--series", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(handler=_attestation)


def _add(args: argparse.Namespace, ctx: AppContext) -> int:
    training = training_service(ctx).add(
        args.title,
        parse_start(args.start),
        capacity=args.capacity,
        series=args.series,
        part=args.part,
        of=args.of,
        trainer=args.trainer,
        place=args.place,
        topic=args.topic,
        minutes=args.minutes,
    )
    if args.json:
        emit_json({**record_json(training), "short": short_number(training)})
    else:
        print(short_number(training))
    return 0


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    rows = training_service(ctx).list()
    if args.json:
        emit_json(
            [
                {
                    **record_json(r.session),
                    "short": r.short,
                    "registered": r.registered,
                    "waiting": r.waiting,
                    "attended": r.attended,
                }
                for r in rows
            ]
        )
        return 0
    for r in rows:
        t = r.session
        print(
            _(
                "{short}  {start}  {title}  ingeschreven {reg}/{cap}, wachtend {wait}, aanwezig {present}"
            ).format(
                short=r.short,
                start=datetime_be(t.starts_at),
                title=t.title,
                reg=r.registered,
                cap=t.capacity,
                wait=r.waiting,
                present=r.present,
            )
        )
    return 0


def _register(args: argparse.Namespace, ctx: AppContext) -> int:
    registration = training_service(ctx).register(args.session, args.card)
    if args.json:
        emit_json(record_json(registration))
    elif registration.state == "waiting":
        print(_("De sessie is volzet: {card} staat op de wachtlijst.").format(card=args.card.upper()))
    else:
        print(
            _("{card}: {state}.").format(
                card=args.card.upper(), state=registration_state_names()[registration.state]
            )
        )
    return 0


def _attend(args: argparse.Namespace, ctx: AppContext) -> int:
    result = training_service(ctx).attend(args.session, args.card)
    if args.json:
        emit_json({**record_json(result.attendance), "already": result.already})
    elif result.already:
        print(
            _("{name} was al aanwezig gezet (telt één keer).").format(
                name=f"{result.borrower.first_name} {result.borrower.last_name}"
            )
        )
    else:
        print(
            _("{name} is aanwezig.").format(name=f"{result.borrower.first_name} {result.borrower.last_name}")
        )
    return 0


def _walk_in(args: argparse.Namespace, ctx: AppContext) -> int:
    training = training_service(ctx).walk_in(args.session, args.count)
    print(_("Vrije deelnemers: {n}.").format(n=training.walk_ins))
    return 0


def _attendance_list(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.printing.attestations import render_attendance_list

    service = training_service(ctx)
    summary = service.summary(args.session)
    rows = service.registrations(args.session)
    out = render_attendance_list(summary, rows, ctx.locations.current(), args.out)
    print(_("Aanwezigheidslijst geschreven naar {out}.").format(out=out))
    return 0


def _attestation(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.printing.attestations import render_attestation

    participation = training_service(ctx).participation(args.card, args.series)
    out = render_attestation(participation, ctx.locations.current(), args.out, issued_on=ctx.now().date())
    print(_("Attest geschreven naar {out}.").format(out=out))
    return 0
