"""`digibank report reach|cost|people --from YYYY-MM-DD --to YYYY-MM-DD --xlsx FILE`."""

from __future__ import annotations

import argparse
import logging

from app.cli.output import emit_json
from app.context import AppContext
from app.errors import UserError
from app.i18n import _
from app.reports import ReportService
from app.reports.periods import parse_period

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help=_("rapporten voor de subsidiegever (bereik, kosten)"))
    reports = p.add_subparsers(dest="report", metavar=_("rapport"), required=True, parser_class=type(p))
    for name, help_text, handler in (
        ("reach", _("bereik: unieke personen per gemeente, provincie, doelgroep en locatie"), _reach),
        ("cost", _("kosten: aankoop en herstellingen per soort toestel en per locatie"), _cost),
        ("people", _("lijst van bereikte personen MET namen (alleen op uitdrukkelijke vraag)"), _people),
    ):
        r = reports.add_parser(name, help=help_text)
        r.add_argument("--from", dest="start", required=True, help=_("begindatum JJJJ-MM-DD (telt mee)"))
        r.add_argument("--to", dest="end", required=True, help=_("einddatum JJJJ-MM-DD (telt mee)"))
        r.add_argument("--xlsx", required=name == "people", help=_("Excel-bestand om te schrijven"))
        if name != "people":
            r.add_argument("--json", action="store_true", help=_("de cijfers als JSON"))
        r.set_defaults(handler=handler)


def _service(ctx: AppContext) -> ReportService:
    return ReportService(ctx.sessions, today=lambda: ctx.now().date())


def _reach(args: argparse.Namespace, ctx: AppContext) -> int:
    period = parse_period(args.start, args.end)
    service = _service(ctx)
    report = service.reach(period)
    if args.xlsx:
        from app.reports.xlsx import write_reach_xlsx

        write_reach_xlsx(report, args.xlsx)
    if args.json:
        data = report.to_json()
        data["xlsx"] = args.xlsx
        emit_json(data)
        return 0
    print(
        _("Bereik {period}: {people} unieke personen, {anonymous} anonieme helpdeskbezoeken.").format(
            period=period.label(), people=report.people, anonymous=report.anonymous_visits
        )
    )
    if args.xlsx:
        print(_("Geschreven naar {path}.").format(path=args.xlsx))
    return 0


def _cost(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.formatting import euro
    from app.reports.xlsx import write_cost_xlsx

    period = parse_period(args.start, args.end)
    report = _service(ctx).costs(period)
    if args.xlsx:
        write_cost_xlsx(report, args.xlsx)
    if args.json:
        data = report.to_json()
        data["xlsx"] = args.xlsx
        emit_json(data)
        return 0
    print(
        _("Kosten {period}: aankoop {acquisition}, herstellingen {repairs}, totaal {total}.").format(
            period=period.label(),
            acquisition=euro(report.acquisition_cents),
            repairs=euro(report.repair_cents),
            total=euro(report.total_cents),
        )
    )
    print(
        _(
            "Buiten de kosten: waarborgen ontvangen {collected}, terugbetaald {refunded}, ingehouden {kept}."
        ).format(
            collected=euro(report.deposits_collected_cents),
            refunded=euro(report.deposits_refunded_cents),
            kept=euro(report.deposits_kept_cents),
        )
    )
    if args.xlsx:
        print(_("Geschreven naar {path}.").format(path=args.xlsx))
    return 0


def _people(args: argparse.Namespace, ctx: AppContext) -> int:
    period = parse_period(args.start, args.end)
    if not args.xlsx:
        raise UserError(_("Geef met --xlsx het bestand voor de lijst met personen."))
    path = _service(ctx).export_people(period, args.xlsx)
    print(
        _("Lijst met personen geschreven naar {path}. Let op: bevat namen, deel ze niet.").format(path=path)
    )
    return 0
