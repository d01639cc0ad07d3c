"""`digibank reminders list|send|calls|call|smtp-password`: reminders for loans due or late."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.output import add_json_flag, emit_json
from app.context import AppContext
from app.errors import UserError
from app.formatting import date_be, datetime_be
from app.i18n import _
from app.reminders.mail import store_smtp_password
from app.reminders.service import CallItem, ReminderItem, SendReport, call_outcome_names, step_name
from db.models_reminders import CALL_OUTCOMES


def register(sub: argparse._SubParsersAction) -> None:
    rem = sub.add_parser("reminders", help=_("herinneringen voor uitleningen (brief, e-mail, bellijst)"))
    rsub = rem.add_subparsers(dest="reminders_command", metavar=_("actie"), parser_class=type(rem))
    rsub.required = True

    p = rsub.add_parser("list", help=_("uitleningen waarvoor vandaag een herinnering klaarstaat"))
    add_json_flag(p)
    p.set_defaults(handler=_list)

    p = rsub.add_parser("send", help=_("herinneringen maken: brieven in een PDF en/of e-mails"))
    p.add_argument("--letters", metavar=_("BESTAND"), help=_("de brieven in dit PDF-bestand"))
    p.add_argument("--email", action="store_true", help=_("e-mails versturen via de mailserver"))
    add_json_flag(p)
    p.set_defaults(handler=_send)

    p = rsub.add_parser("calls", help=_("de bellijst: te late uitleningen met telefoonnummer"))
    add_json_flag(p)
    p.set_defaults(handler=_calls)

    p = rsub.add_parser("call", help=_("de uitkomst van een telefoontje noteren"))
    p.add_argument("tag", metavar="TAG")
    p.add_argument(
        "--outcome", required=True, choices=CALL_OUTCOMES, help=_("reached, no-answer of calls-back")
    )
    add_json_flag(p)
    p.set_defaults(handler=_call)

    p = rsub.add_parser(
        "smtp-password", help=_("het wachtwoord van de mailserver in de sleutelhanger bewaren (via stdin)")
    )
    p.set_defaults(handler=_smtp_password)


def item_json(item: ReminderItem) -> dict[str, Any]:
    return {
        "loan_id": item.loan_id,
        "asset_tag": item.tag,
        "card_number": item.card,
        "borrower": item.name,
        "due_date": item.due_date.isoformat(),
        "days_late": item.days_late,
        "step": item.step,
        "has_email": bool(item.email),
        "sent": {channel: when.isoformat(timespec="seconds") for channel, when in sorted(item.sent.items())},
    }


def call_json(item: CallItem) -> dict[str, Any]:
    return {
        "loan_id": item.loan_id,
        "asset_tag": item.tag,
        "card_number": item.card,
        "borrower": item.name,
        "phone": item.phone,
        "due_date": item.due_date.isoformat(),
        "days_late": item.days_late,
        "last_outcome": item.last_outcome or None,
        "last_called": item.last_called.isoformat(timespec="seconds") if item.last_called else None,
    }


def _sent_text(item: ReminderItem) -> str:
    names = {"letter": _("brief"), "email": _("e-mail"), "sms": _("sms")}
    done = ", ".join(names.get(c, c) for c in sorted(item.sent))
    return _("verstuurd: {channels}").format(channels=done) if done else _("nog niet verstuurd")


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    items = ctx.reminders.due()
    if args.json:
        emit_json([item_json(i) for i in items])
        return 0
    if not items:
        print(_("Vandaag staat er geen herinnering klaar."))
        return 0
    for i in items:
        print(
            f"{i.tag:<12} {i.card:<13} {i.name:<28} {date_be(i.due_date)}  "
            f"{step_name(i.step or ''):<22} {_sent_text(i)}"
        )
    return 0


def _report_line(report: SendReport) -> str:
    if report.channel == "letter":
        if not report.sent:
            return _("Geen nieuwe brieven: elke herinnering van vandaag is al gemaakt.")
        return _("{count} brief/brieven in {file}.").format(count=len(report.sent), file=report.file)
    line = _("{count} e-mail(s) verstuurd.").format(count=len(report.sent))
    if not report.sent and not report.refused:
        line = _("Geen nieuwe e-mails: elke herinnering van vandaag is al verstuurd.")
    if report.refused:
        line += " " + _("{count} adres(sen) geweigerd door de mailserver: {tags}.").format(
            count=len(report.refused), tags=", ".join(i.tag for i in report.refused)
        )
    if report.without_email:
        line += " " + _("{count} zonder e-mailadres: stuur een brief of bel.").format(
            count=report.without_email
        )
    return line


def _send(args: argparse.Namespace, ctx: AppContext) -> int:
    if not args.letters and not args.email:
        raise UserError(_("Zeg wat er moet vertrekken: --letters BESTAND en/of --email."))
    if args.email:
        # Before any letter is written: a command that fails must not have changed anything.
        from app.reminders.mail import check_mail_settings

        check_mail_settings(ctx.settings)
    reports: list[SendReport] = []
    if args.letters:
        reports.append(ctx.reminders.write_letters(Path(args.letters)))
    if args.email:
        reports.append(ctx.reminders.send_emails())
    if args.json:
        emit_json(
            {
                r.channel: {
                    "sent": [item_json(i) for i in r.sent],
                    "refused": [item_json(i) for i in r.refused],
                    "without_email": r.without_email,
                    "already_sent": r.already_sent,
                    "file": str(r.file) if r.file else None,
                }
                for r in reports
            }
        )
    else:
        for report in reports:
            print(_report_line(report))
    return 1 if any(r.refused for r in reports) else 0


def _calls(args: argparse.Namespace, ctx: AppContext) -> int:
    items = ctx.reminders.call_list()
    if args.json:
        emit_json([call_json(i) for i in items])
        return 0
    if not items:
        print(_("Niemand is te laat: de bellijst is leeg."))
        return 0
    names = call_outcome_names()
    for i in items:
        last = (
            f"{names.get(i.last_outcome, i.last_outcome)} ({datetime_be(i.last_called)})"
            if i.last_outcome
            else _("nog niet gebeld")
        )
        print(
            f"{i.tag:<12} {i.name:<28} {i.phone or _('geen telefoon'):<16} "
            + _("{days} dag(en) te laat").format(days=i.days_late)
            + f"  {last}"
        )
    return 0


def _call(args: argparse.Namespace, ctx: AppContext) -> int:
    item = ctx.reminders.log_call(args.tag, args.outcome)
    if args.json:
        emit_json(call_json(item))
    else:
        print(
            _("Telefoontje over {tag} genoteerd: {outcome}.").format(
                tag=item.tag, outcome=call_outcome_names()[item.last_outcome]
            )
        )
    return 0


def _smtp_password(args: argparse.Namespace, ctx: AppContext) -> int:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UserError(
            _("Geef het wachtwoord via stdin, bv. echo WACHTWOORD | digibank reminders smtp-password.")
        )
    store_smtp_password(ctx.settings, password)
    print(_("Het wachtwoord van {host} staat in de sleutelhanger.").format(host=ctx.settings.smtp_host))
    return 0
