"""`digibank backup`, `restore`, `selftest`, `demo`."""

from __future__ import annotations

import argparse
from pathlib import Path

from app import backup
from app.context import AppContext
from app.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help=_("een back-up van de database maken"))
    p.add_argument("--out", type=Path, help=_("bestand (standaard: de map backups in de gegevensmap)"))
    p.add_argument(
        "--own-passphrase",
        action="store_true",
        help=_(
            "de back-up met een eigen wachtwoord versleutelen (DIGIBANK_BACKUP_PASSPHRASE of gevraagd), "
            "om hem op een andere computer terug te zetten"
        ),
    )
    p.set_defaults(handler=_backup)

    p = sub.add_parser(
        "restore", help=_("een back-up terugzetten (de huidige gegevens worden eerst bewaard)")
    )
    p.add_argument("file", type=Path)
    p.add_argument(
        "--own-passphrase",
        action="store_true",
        help=_("de back-up heeft een eigen wachtwoord (DIGIBANK_BACKUP_PASSPHRASE of gevraagd)"),
    )
    p.set_defaults(handler=_restore)

    p = sub.add_parser("selftest", help=_("controleren of deze installatie werkt"))
    p.set_defaults(handler=_selftest)

    p = sub.add_parser("demo", help=_("oefengegevens laden in een lege gegevensmap"))
    p.set_defaults(handler=_demo)


def _backup_passphrase(args: argparse.Namespace, new: bool) -> str | None:
    if not getattr(args, "own_passphrase", False):
        return None
    from app.credentials import backup_passphrase

    return backup_passphrase(new)


def _backup(args: argparse.Namespace, ctx: AppContext) -> int:
    own = _backup_passphrase(args, new=True)
    path = backup.make_backup(ctx.data_dir, ctx.db_key, args.out, backup_key=own)
    print(_("Back-up gemaakt: {path}").format(path=path))
    return 0


def _restore(args: argparse.Namespace, ctx: AppContext) -> int:
    own = _backup_passphrase(args, new=False)
    backup.check_backup_file(args.file, own or ctx.db_key)
    ctx.close()  # no connection may stay open while the file is replaced
    safety = backup.restore(ctx.data_dir, args.file, ctx.db_key, backup_key=own)
    print(_("Back-up teruggezet uit {file}.").format(file=args.file))
    if safety:
        print(_("De vorige gegevens zijn bewaard in {path}.").format(path=safety))
    return 0


def _selftest(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.selftest import run_checks

    checks = run_checks(ctx.data_dir, ctx.engine)
    for check in checks:
        mark = "OK  " if check.ok else "FOUT"
        print(f"[{mark}] {check.name}: {check.detail}")
    failed = [c for c in checks if not c.ok]
    if failed:
        print(_("{count} controle(s) mislukt.").format(count=len(failed)))
        return 1
    print(_("Alles in orde."))
    return 0


def _demo(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.demo import load_demo

    counts = load_demo(ctx)
    print(
        _("Oefengegevens geladen: {devices} toestellen, {borrowers} personen, {loans} uitleningen.").format(
            **counts
        )
    )
    return 0
