"""`digibank` command line: parse, call a service, print.

Each `cmd_*.py` module in this package adds its sub-commands through
`register(subparsers)`; a sub-command's handler takes `(args, ctx)` and returns
an exit code. User errors (`UserError`) print one line on stderr and exit 1;
argparse's usage errors exit 2; anything unexpected is logged in the data
folder and reported in one line, never as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app import i18n
from app.config import DB_FILE, Settings, data_dir
from app.errors import UserError, os_error_message
from app.i18n import _

log = logging.getLogger(__name__)


class Parser(argparse.ArgumentParser):
    """argparse with Dutch-first messages; usage errors still exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, _("{prog}: fout: {message}").format(prog=self.prog, message=message) + "\n")


def command_modules() -> list[str]:
    import pkgutil

    package = sys.modules[__name__]
    return sorted(
        f"{__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("cmd_")
    )


# The module that registers each top-level command. A command line builds only the parser of
# the command it runs, so it imports only that command's code (issue 13: a command starts in
# a fraction of a second, not after importing reports, printing and sync). A command missing
# here still works (every module is then loaded); tests/test_cli_startup.py keeps it complete.
COMMAND_MODULES = {
    "backup": "cmd_admin",
    "restore": "cmd_admin",
    "selftest": "cmd_admin",
    "demo": "cmd_admin",
    "donation": "cmd_bench",
    "wipe": "cmd_bench",
    "repair": "cmd_bench",
    "specs": "cmd_bench",
    "borrower": "cmd_borrowers",
    "init": "cmd_core",
    "export": "cmd_core",
    "gui": "cmd_core",
    "device": "cmd_devices",
    "helpdesk": "cmd_helpdesk",
    "loan": "cmd_loans",
    "labels": "cmd_printing",
    "card": "cmd_printing",
    "contract": "cmd_printing",
    "receipt": "cmd_printing",
    "privacy": "cmd_privacy",
    "report": "cmd_reports",
    "settings": "cmd_settings",
    "staff": "cmd_staff",
    "audit": "cmd_staff",
    "login": "cmd_sync",
    "sync": "cmd_sync",
    "conflicts": "cmd_sync",
    "training": "cmd_trainings",
    "waiting": "cmd_waiting",
    "deleted": "cmd_deleted",
    "eid": "cmd_eid",
    "erasure": "cmd_erasure",
    "reminders": "cmd_reminders",
}
GLOBAL_OPTIONS_WITH_VALUE = ("--data-dir", "--lang", "--staff")


def command_name(argv: Sequence[str]) -> str | None:
    """The top-level command in argv (after the global options), or None (help, none given)."""
    for i, arg in enumerate(argv):
        if arg in ("-h", "--help"):
            return None
        if arg.startswith("-") or (i > 0 and argv[i - 1] in GLOBAL_OPTIONS_WITH_VALUE):
            continue
        return arg
    return None


def build_parser(command: str | None = None) -> Parser:
    """The whole command line; with a known `command`, only that command's sub-parser."""
    parser = Parser(
        prog="digibank", description=_("Digibank Balie: uitlenen, herstellen, opleiden, rapporteren.")
    )
    parser.add_argument(
        "--data-dir", help=_("map met de gegevens (standaard: DIGIBANK_DATA_DIR of de gebruikersmap)")
    )
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help=_("taal van de meldingen (nl, en of fr)"))
    parser.add_argument(
        "--staff",
        metavar=_("NAAM"),
        help=_("wie deze opdracht doet (of DIGIBANK_STAFF; pincode in DIGIBANK_PIN)"),
    )
    sub = parser.add_subparsers(dest="command", metavar=_("opdracht"), parser_class=Parser)
    module = COMMAND_MODULES.get(command or "")
    for name in [f"{__name__}.{module}"] if module else command_modules():
        importlib.import_module(name).register(sub)
    _name_commands(parser, [])
    _harden(parser)
    return parser


def _name_commands(parser: argparse.ArgumentParser, path: list[str]) -> None:
    """Every (sub-)command parser sets `command_path` ("borrower erase"), which the
    staff gate (app/cli/staff_gate.py) looks up; the deepest one chosen wins."""
    if path:
        parser.set_defaults(command_path=" ".join(path))
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                _name_commands(child, [*path, name])


# Options that name a file the command writes; each such command also gets `--force`.
OUTPUT_OPTIONS = ("out", "xlsx", "form", "csv", "letters")
# Far beyond any real count or limit, far within SQLite's 64-bit integers.
INT_LIMIT = 1_000_000_000


def _bounded_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{value} is geen geheel getal.").format(value=text)) from None
    if abs(value) > INT_LIMIT:
        raise argparse.ArgumentTypeError(
            _("{value} is te groot (hoogstens {limit}).").format(value=text[:30], limit=INT_LIMIT)
        )
    return value


def _harden(parser: argparse.ArgumentParser) -> None:
    """Give every sub-command bounded whole numbers and, where it writes a file, `--force`."""
    dests = set()
    for action in parser._actions:
        dests.add(action.dest)
        if action.type is int:
            action.type = _bounded_int
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                _harden(child)
    if dests & set(OUTPUT_OPTIONS) and "force" not in dests:
        parser.add_argument("--force", action="store_true", help=_("een bestaand bestand vervangen"))


def _non_utf8_argument(argv: Sequence[str]) -> str | None:
    """The first argument that is not valid text (bytes the terminal could not decode)."""
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return arg.encode("utf-8", "backslashreplace").decode("ascii", "replace")
    return None


def _early_language(argv: Sequence[str]) -> None:
    """Pick the language before argparse builds its (translated) help texts."""
    # Only the global options (before the command) count: `contract --lang en` sets the
    # contract's language, not the language of the messages.
    globals_only: list[str] = []
    for i, arg in enumerate(argv):
        if not arg.startswith("-") and (i == 0 or argv[i - 1] not in ("--data-dir", "--lang", "--staff")):
            break
        globals_only.append(arg)
    argv = globals_only
    lang = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    if lang is None:
        folder = None
        for i, arg in enumerate(argv):
            if arg == "--data-dir" and i + 1 < len(argv):
                folder = argv[i + 1]
            elif arg.startswith("--data-dir="):
                folder = arg.split("=", 1)[1]
        if os.environ.get("DIGIBANK_LANG"):
            lang = os.environ["DIGIBANK_LANG"]
        else:
            settings_file = data_dir(folder) / "settings.json"
            lang = Settings.load(settings_file.parent).language if settings_file.exists() else None
        lang = lang or i18n.language_from_environment()
    i18n.set_language(lang)


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def refuse_existing(paths: Sequence[Path], args: argparse.Namespace) -> None:
    """An existing file is replaced only with `--force` or a yes on a terminal, never silently."""
    if getattr(args, "force", False):
        return
    for path in paths:
        if not (path.exists() or path.is_symlink()):
            continue
        if _stdin_is_terminal():
            try:
                answer = input(_("{path} bestaat al. Vervangen? [j/N] ").format(path=path))
            except EOFError:
                answer = ""
            if answer.strip().lower() in ("j", "ja", "y", "yes"):
                continue
        raise UserError(
            _("{path} bestaat al; kies een andere naam, of geef --force om het te vervangen.").format(
                path=path
            )
        )


def _check_output_files(args: argparse.Namespace) -> None:
    """Refuse an output file that cannot be one before any work is done."""
    if getattr(args, "out_is_folder", False):
        return
    for attr in OUTPUT_OPTIONS:
        value = getattr(args, attr, None)
        if not value or not isinstance(value, str | Path):
            continue
        path = Path(value).expanduser()
        if path.is_dir():
            raise UserError(_("{path} is een map; geef een bestandsnaam.").format(path=path))
        if not path.parent.is_dir():
            raise UserError(_("De map {folder} bestaat niet.").format(folder=path.parent))
        refuse_existing([path], args)


# Commands that may run on a folder without a database yet (they create or fetch one).
CREATES_DATA = frozenset({"init", "demo", "restore", "login", "sync", "selftest", "settings"})


def _desktop_parts_missing() -> str:
    """A plain `pip install .` has only what the desktop and the server share (pyproject.toml):
    name the first missing desktop part instead of failing with an ImportError later."""
    import importlib.util

    for module in ("sqlcipher3", "PySide6", "reportlab", "httpx", "keyring"):
        if importlib.util.find_spec(module) is None:
            return module
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    # Without this, a log call made before the log file exists would print a traceback.
    logging.getLogger().addHandler(logging.NullHandler())
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        _early_language(argv)
    except Exception:  # a broken settings file must not stop the command line
        i18n.set_language(None)
    bad = _non_utf8_argument(argv)
    if bad is not None:
        print(
            _("Het argument {arg} is geen geldige tekst (UTF-8); typ het opnieuw.").format(arg=bad),
            file=sys.stderr,
        )
        return 1
    missing = _desktop_parts_missing()  # before the parser: building it imports the services
    if missing:
        print(
            _(
                "Het programma is niet volledig geïnstalleerd ({part} ontbreekt): "
                "installeer het met pip install 'digibank-balie[desktop]'."
            ).format(part=missing),
            file=sys.stderr,
        )
        return 1
    # `device list`, `loan list`: read without SQLAlchemy where that gives the same answer.
    from app.cli.light import run as run_light

    light = run_light(argv)
    if light is not None:
        return light
    parser = build_parser(command_name(argv))
    args = parser.parse_args(argv)
    if args.command in (None, "gui"):
        from app.cli.gui_launch import launch_gui

        return launch_gui(args)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    from app.context import open_context, setup_logging

    folder = data_dir(args.data_dir)
    if folder.exists() and not folder.is_dir():
        print(
            _("{folder} is geen map: geef met --data-dir een map op.").format(folder=folder), file=sys.stderr
        )
        return 1
    if not (folder / DB_FILE).exists() and args.command not in CREATES_DATA:
        # A mistyped --data-dir must not answer "no devices" from a new empty database.
        print(
            _(
                "Geen gegevens in {folder}. Kies de juiste map met --data-dir, of stel deze computer "
                'eerst in: digibank init --location-code KRT --location-name "Kortrijk balie".'
            ).format(folder=folder),
            file=sys.stderr,
        )
        return 1
    ctx = None
    try:
        _check_output_files(args)
        setup_logging(folder)
        from app.credentials import terminal_passphrase

        # Without a keychain the passphrase is asked on a terminal, never on a pipe.
        ctx = open_context(folder, ask=terminal_passphrase if sys.stdin.isatty() else None)
        code = _run_signed_in(handler, args, ctx)
        return 0 if code is None else int(code)
    except UserError as exc:
        print(exc.cli_message, file=sys.stderr)
        return 1
    except _database_operational_error() as exc:
        log.exception("database error")
        if "locked" in str(exc):
            print(_("De database is even bezet door een ander programma; probeer opnieuw."), file=sys.stderr)
        else:
            print(
                _("De database kon niet gelezen of geschreven worden (details in het logboek)."),
                file=sys.stderr,
            )
        return 1
    except BrokenPipeError:
        # `digibank loan list | head`: the reader left; nothing to tell anyone.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (Python's own recipe)
        return 1
    except OSError as exc:
        log.warning("file error in %s: %s", args.command, exc)
        print(os_error_message(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(_("Onderbroken: er is niets half opgeslagen."), file=sys.stderr)
        return 1
    except Exception as exc:  # the one place that turns surprises into one plain line
        log.exception("unexpected error in %s", args.command)
        print(
            _("Onverwachte fout ({kind}); details in {log}.").format(
                kind=type(exc).__name__, log=folder / "digibank.log"
            ),
            file=sys.stderr,
        )
        return 1
    finally:
        if ctx is not None:
            ctx.close()


class _NoDatabaseError(Exception):
    """Never raised: stands for SQLAlchemy's error while SQLAlchemy is not loaded."""


def _database_operational_error() -> type[Exception]:
    # An except clause's class is looked up only when an exception passes by: SQLAlchemy is
    # imported by the command that needs it, never for the command line itself (issue 13).
    exc = sys.modules.get("sqlalchemy.exc")
    return exc.OperationalError if exc is not None else _NoDatabaseError


def _run_signed_in(handler, args: argparse.Namespace, ctx) -> int | None:
    """Who may, then the handler, then the audit event (app/cli/staff_gate.py)."""
    from app.cli.staff_gate import Gate

    gate = Gate(args, ctx)
    gate.admit()
    gate.before()
    try:
        code = handler(args, ctx)
        gate.after()
    except UserError as exc:
        gate.done(False, exc.code)
        raise
    gate.done(code in (None, 0))
    return code


if __name__ == "__main__":
    sys.exit(main())
