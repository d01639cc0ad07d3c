"""`digibank login`, `digibank sync`, `digibank conflicts`."""

from __future__ import annotations

import argparse
import sys

from app.cli.output import emit_json
from app.context import AppContext
from app.errors import UserError
from app.i18n import _
from app.sync.account import clean_url, login, service_for
from app.sync.domain_conflicts import KINDS, ConflictService, kind_names
from app.sync.refusals import clock_offset_text, held_line, refused_views, set_aside_line, summary_line
from app.sync.transport import configure


def register(sub: argparse._SubParsersAction) -> None:
    insecure = _("onbeveiligd http:// naar een andere computer toestaan (enkel op een vertrouwd netwerk)")
    p = sub.add_parser("login", help=_("deze computer aanmelden bij de server (sleutel via stdin)"))
    p.add_argument("--server", required=True, help=_("adres van de server, bv. https://sync.digibank.be"))
    p.add_argument("--insecure-http", action="store_true", help=insecure)
    p.set_defaults(handler=_login)

    p = sub.add_parser("sync", help=_("één synchronisatieronde met de server"))
    p.add_argument("--server", help=_("adres van de server (standaard: het bewaarde adres)"))
    p.add_argument("--insecure-http", action="store_true", help=insecure)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_sync)

    p = sub.add_parser("conflicts", help=_("conflicten na synchronisatie tonen en oplossen"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_conflicts)
    actions = p.add_subparsers(dest="action")
    r = actions.add_parser("resolve", help=_("een conflict oplossen"))
    r.add_argument("kind", choices=(*KINDS, "field"))
    r.add_argument("id", help=_("id van de uitlening of het toestel, of nummer van het veldconflict"))
    r.add_argument("decision", help=_("keep, cancel (uitlening), delete (toestel) of restore (veld)"))
    r.add_argument("--note", default="")


def _server_url(args: argparse.Namespace, ctx: AppContext) -> str:
    url = getattr(args, "server", None) or ctx.settings.server_url or ""
    if not url.strip():
        raise UserError(_("Geen server ingesteld: gebruik eerst 'digibank login --server URL'."))
    return clean_url(url)


def _allow_insecure(args: argparse.Namespace, ctx: AppContext) -> None:
    if getattr(args, "insecure_http", False):
        configure(ctx.settings.ca_bundle, insecure_http=True)


def _login(args: argparse.Namespace, ctx: AppContext) -> int:
    url = _server_url(args, ctx)
    _allow_insecure(args, ctx)
    token = sys.stdin.readline().strip()
    if not token:
        raise UserError(_("Geef de sleutel via de standaardinvoer, bv. 'echo SLEUTEL | digibank login ...'."))
    answer = login(ctx.sessions, url, token)
    ctx.settings.server_url = url
    if args.insecure_http:  # kept: the window's rounds use the same address (and warn)
        ctx.settings.insecure_http = True
    ctx.save_settings()
    print(
        _("Aangemeld bij {tenant} als locatie {code}. Synchroniseer nu met 'digibank sync'.").format(
            tenant=answer.tenant, code=answer.location_code
        )
    )
    return 0


def _sync(args: argparse.Namespace, ctx: AppContext) -> int:
    url = _server_url(args, ctx)
    _allow_insecure(args, ctx)
    result = service_for(ctx.sessions, url).run_once()
    # Refused or held changes did not reach the server: a script must not read "done".
    problems = 1 if (result.refused_waiting or result.held) else 0
    if args.json:
        emit_json(result.as_dict())
        return problems
    print(
        _(
            "Gesynchroniseerd met {tenant}: {pushed} verstuurd, {pulled} ontvangen, {waiting} wachtend."
        ).format(tenant=result.tenant, pushed=result.pushed, pulled=result.pulled, waiting=result.waiting)
    )
    if result.clock_warning and not result.held:  # held changes get the one clock line below
        print(
            _(
                "Let op: de klok van deze computer wijkt {amount} af van de server; zet datum en uur juist."
            ).format(amount=clock_offset_text(result.skew_ms))
        )
    if result.location_mismatch:
        print(
            _(
                "Let op: deze computer is ingesteld als een andere locatie dan de sleutel ({code}); "
                "vraag de beheerder om de juiste sleutel."
            ).format(code=result.location_code)
        )
    if result.mismatched_tables:
        print(
            _("Let op: deze tabellen verschillen nog van de server: {tables} (zie het logboek).").format(
                tables=", ".join(result.mismatched_tables)
            )
        )
    total = result.domain_conflicts + result.open_field_conflicts
    if total:
        print(_("{count} conflict(en) om op te lossen: zie 'digibank conflicts'.").format(count=total))
    if result.set_aside:
        print(set_aside_line(result.set_aside))
    if result.refused_waiting:
        print(summary_line(result.refused_waiting), file=sys.stderr)
    if result.held:
        print(held_line(result.held), file=sys.stderr)
    return problems


def _conflicts(args: argparse.Namespace, ctx: AppContext) -> int:
    service = ConflictService(ctx.sessions)
    if getattr(args, "action", None) == "resolve":
        if args.kind == "field":
            try:
                number = int(args.id)
            except ValueError as exc:
                raise UserError(_("Een veldconflict heeft een nummer, bv. 3.")) from exc
            service.resolve_field(number, args.decision)
        else:
            service.resolve_domain(args.kind, args.id, args.decision, args.note)
        print(_("Conflict opgelost; de beslissing wordt bij de volgende synchronisatie gedeeld."))
        return 0
    domain = service.domain()
    fields = service.fields()
    refused = refused_views(ctx.sessions)
    if args.json:
        out: dict[str, object] = {
            "domain": [c.__dict__ for c in domain],
            "fields": [f.__dict__ for f in fields],
        }
        if refused:  # only when there are any: the answer of a clean counter stays as it was
            out["refused"] = [r.__dict__ for r in refused]
        emit_json(out)
        return 0
    for r in refused:
        print(_("geweigerd\t{what}\t{reason}\t{todo}").format(what=r.what, reason=r.reason, todo=r.todo))
    if not domain and not fields:
        if not refused:
            print(_("Geen conflicten."))
        return 0
    names = kind_names()
    for c in domain:
        print(f"{names[c.kind]}\t{c.subject_id}\t{c.message}")
    for f in fields:
        print(
            _("veld {n}\t{table}.{field}\tbehouden: {kept}\tverloren: {lost}").format(
                n=f.id, table=f.table, field=f.field, kept=f.kept_value, lost=f.lost_value
            )
        )
    return 0
