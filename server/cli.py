"""`digibank-server`: run the sync server and manage tenants and location tokens."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from app.errors import UserError, os_error_message
from app.i18n import _
from server.database import Database
from server.models import LocationToken, Tenant
from server.security import hash_token, new_token
from server.settings import ServerSettings, has_password

log = logging.getLogger(__name__)


class CliError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digibank-server", description=_("Centrale synchronisatieserver."))
    parser.add_argument(
        "--db",
        help=_(
            "database-URL zonder wachtwoord (standaard: DIGIBANK_SERVER_DB, of "
            "DIGIBANK_SERVER_DB_FILE: een bestand met de URL)"
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help=_("de server starten"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    tenant = sub.add_parser("tenant", help=_("digibanken beheren")).add_subparsers(
        dest="action", required=True
    )
    p = tenant.add_parser("add", help=_("een digibank toevoegen"))
    p.add_argument("name")
    tenant.add_parser("list", help=_("digibanken tonen"))
    token = sub.add_parser("token", help=_("locatiesleutels beheren")).add_subparsers(
        dest="action", required=True
    )
    p = token.add_parser("issue", help=_("een sleutel uitgeven (wordt één keer getoond)"))
    p.add_argument("--tenant", required=True)
    p.add_argument("--location", required=True)
    p.add_argument(
        "--scope",
        choices=("counter", "coordinator"),
        default="counter",
        help=_(
            "counter (standaard): gewone wijzigingen; coordinator: ook personen wissen en "
            "personen, toestellen, uitleningen en personeel verwijderen"
        ),
    )
    p = token.add_parser("revoke", help=_("een sleutel intrekken"))
    p.add_argument("token_id", type=int)
    p = token.add_parser("list", help=_("sleutels tonen"))
    p.add_argument("--tenant")
    erasure = sub.add_parser(
        "erasure", help=_("wissingen die een gewone balie aanvroeg (GDPR)")
    ).add_subparsers(dest="action", required=True)
    p = erasure.add_parser("list", help=_("de aangevraagde wissingen"))
    p.add_argument("--tenant")
    p.add_argument("--json", action="store_true", help=_("als JSON"))
    p = erasure.add_parser(
        "approve", help=_("een aangevraagde wissing bevestigen: de persoon wordt overal gewist")
    )
    p.add_argument("id", help=_("het nummer uit 'digibank-server erasure list'"))
    report = sub.add_parser("report", help=_("rapport over alle locaties van een digibank")).add_subparsers(
        dest="action", required=True
    )
    for name, text in (("reach", _("bereik")), ("cost", _("kosten"))):
        p = report.add_parser(name, help=text)
        p.add_argument("--tenant", required=True)
        p.add_argument("--from", dest="start", required=True, help=_("begindatum JJJJ-MM-DD (telt mee)"))
        p.add_argument("--to", dest="end", required=True, help=_("einddatum JJJJ-MM-DD (telt mee)"))
        p.add_argument("--xlsx", help=_("Excel-bestand om te schrijven"))
        p.add_argument("--force", action="store_true", help=_("een bestaand bestand vervangen"))
        p.add_argument("--json", action="store_true", help=_("de cijfers als JSON"))
    return parser


def _report(args: argparse.Namespace, settings: ServerSettings) -> int:
    import json

    from app.reports.periods import parse_period
    from app.reports.xlsx import write_cost_xlsx, write_reach_xlsx
    from server.reports import UnknownTenant, tenant_report

    period = parse_period(args.start, args.end)
    if args.xlsx:
        target = Path(args.xlsx).expanduser()
        if target.is_dir():
            raise CliError(_("{path} is een map; geef een bestandsnaam.").format(path=target))
        if not target.parent.is_dir():
            raise CliError(_("De map {folder} bestaat niet.").format(folder=target.parent))
        if target.exists() and not args.force:  # never silently replace someone's file
            raise CliError(
                _("{path} bestaat al; kies een andere naam, of geef --force om het te vervangen.").format(
                    path=target
                )
            )
    database = Database(settings.server_db)
    try:
        database.migrate()
        try:
            report = tenant_report(database, args.tenant, args.action, period)
        except UnknownTenant:
            raise CliError(
                _("Geen digibank met de naam '{name}' (digibank-server tenant add NAAM).").format(
                    name=args.tenant
                )
            ) from None
    finally:
        database.dispose()
    if args.xlsx:
        writer = write_reach_xlsx if args.action == "reach" else write_cost_xlsx
        writer(report, args.xlsx)  # type: ignore[arg-type]
        print(_("Geschreven naar {path}.").format(path=args.xlsx), file=sys.stderr)
    if args.json or not args.xlsx:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1, sort_keys=True, default=str))
    return 0


def _tenant(session, name: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.name == name))
    if tenant is None:
        raise CliError(
            _("Geen digibank met de naam '{name}' (digibank-server tenant add NAAM).").format(name=name)
        )
    return tenant


def _erasure(args: argparse.Namespace, settings: ServerSettings) -> int:
    import json

    from server import erasure_requests

    database = Database(settings.server_db)
    try:
        database.migrate()
        with database.sessions() as s, s.begin():
            if args.action == "list":
                if args.tenant:
                    _tenant(s, args.tenant)
                rows = erasure_requests.pending(s, args.tenant)
                if args.json:
                    print(json.dumps(rows, ensure_ascii=False, indent=1, sort_keys=True))
                elif not rows:
                    print(_("Geen aangevraagde wissingen."))
                for row in rows if not args.json else []:
                    print(
                        f"{row['id']}\t{row['tenant']}\t{row['subject_code']}\t{row['requested_at']}"
                        f"\t{row['requested_by']}"
                    )
                return 0
            with database.serialised():
                done = erasure_requests.approve(s, args.id, settings.max_clock_ahead_s * 1000)
            print(
                _(
                    "Bevestigd: {code} is gewist; elke balie krijgt de wissing bij de volgende "
                    "synchronisatie."
                ).format(code=done["subject_code"])
            )
            return 0
    finally:
        database.dispose()


def run(args: argparse.Namespace, settings: ServerSettings) -> int:
    if args.command == "report":
        return _report(args, settings)
    if args.command == "erasure":
        return _erasure(args, settings)
    if args.command == "serve":
        import uvicorn

        from server.main import create_app

        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
        return 0
    database = Database(settings.server_db)
    try:
        database.migrate()
        with database.sessions() as s, s.begin():
            row: LocationToken | None
            if args.command == "tenant" and args.action == "add":
                name = args.name.strip()
                if not name:
                    raise CliError(_('Geef de naam van de digibank, bv. "Digibank Kortrijk".'))
                if s.scalar(select(Tenant).where(Tenant.name == name)):
                    raise CliError(_("Digibank '{name}' bestaat al.").format(name=name))
                s.add(Tenant(name=name, last_seq=0))
                print(_("Digibank '{name}' toegevoegd.").format(name=name))
            elif args.command == "tenant":
                for t in s.scalars(select(Tenant).order_by(Tenant.name)):
                    print(f"{t.name}\t{t.last_seq}")
            elif args.action == "issue":
                tenant = _tenant(s, args.tenant)
                code = args.location.strip().upper()
                token = new_token()
                row = LocationToken(
                    tenant_id=tenant.id, location_code=code, token_hash=hash_token(token), scope=args.scope
                )
                s.add(row)
                s.flush()
                print(token)
                print(
                    _(
                        "Sleutel {id} ({scope}) voor {code} van '{tenant}': bewaar hem nu, "
                        "hij wordt niet opnieuw getoond."
                    ).format(id=row.id, scope=args.scope, code=code, tenant=tenant.name),
                    file=sys.stderr,
                )
            elif args.action == "revoke":
                row = s.get(LocationToken, args.token_id)
                if row is None:
                    raise CliError(_("Geen sleutel met nummer {id}.").format(id=args.token_id))
                row.revoked = True
                print(_("Sleutel {id} is ingetrokken.").format(id=row.id))
            else:
                stmt = select(LocationToken, Tenant).join(Tenant, Tenant.id == LocationToken.tenant_id)
                if args.tenant:
                    stmt = stmt.where(Tenant.name == args.tenant)
                for tok, ten in s.execute(stmt.order_by(LocationToken.id)):
                    state = _("ingetrokken") if tok.revoked else _("actief")
                    print(
                        f"{tok.id}\t{ten.name}\t{tok.location_code}\t{tok.scope}\t{state}"
                        f"\t{tok.created_at:%d/%m/%Y}"
                    )
        return 0
    finally:
        database.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    logging.getLogger().addHandler(logging.NullHandler())  # no stray tracebacks on stderr
    if os.environ.get("DIGIBANK_DEBUG"):
        logging.basicConfig(level=logging.DEBUG)
    args = build_parser().parse_args(argv)
    if args.db and has_password(args.db):
        print(
            _(
                "Waarschuwing: het wachtwoord in --db is zichtbaar voor iedereen op deze computer "
                "(ps, shellgeschiedenis). Zet de URL in DIGIBANK_SERVER_DB of in een bestand "
                "(DIGIBANK_SERVER_DB_FILE)."
            ),
            file=sys.stderr,
        )
    try:
        settings = ServerSettings(server_db=args.db) if args.db else ServerSettings()
        return run(args, settings)
    except (CliError, UserError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except OSError as exc:
        print(os_error_message(exc), file=sys.stderr)
        return 1
    except Exception as exc:  # an administrator gets one plain line (DIGIBANK_DEBUG=1: the traceback)
        log.debug("digibank-server %s failed", args.command, exc_info=True)
        first_line = (str(exc).strip().splitlines() or [""])[0]
        print(
            _("Onverwachte fout ({kind}): {error}").format(kind=type(exc).__name__, error=first_line),
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
