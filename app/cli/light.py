"""The light read path: `device list` and `loan list` without SQLAlchemy (issue 13: start-up).

Importing SQLAlchemy and the models costs a read command more than the rest of it together.
For the exact argument shapes below, the command line opens the database through the DB-API
driver instead (db/light.py), with the same key (app/credentials.py), the same schema check
and the SQL compiled from the services' own statements (app/cli/light_queries.py, written by
app/cli/light_build.py), and prints through the same functions (app/cli/listing.py).

Anything it is not sure of — another argument shape, a database to convert, migrate or
repair, no key without asking, a wrong key, any error before the first line is printed —
and `run` answers None: the normal path then runs and does what it always did.
tests/test_cli_light.py compares both paths' output on the same database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

_GLOBAL = ("--data-dir", "--lang", "--staff")
_FLAGS = {"device": ("--json",), "loan": ("--json", "--open", "--overdue")}
_VALUED = {"device": ("--status",), "loan": ()}


@dataclass
class Request:
    command: str  # "device" or "loan"
    data_dir: str | None = None
    options: dict[str, str | bool] = field(default_factory=dict)


def _option(arg: str, names: Sequence[str]) -> tuple[str, str | None] | None:
    """("--status", "ready") for `--status=ready`, ("--status", None) for `--status`."""
    name, eq, value = arg.partition("=")
    if name not in names:
        return None
    return name, (value if eq else None)


def parse(argv: Sequence[str]) -> Request | None:
    """The request, when argv is exactly one of the shapes the light path answers."""
    from app.i18n import LANGUAGES

    args = list(argv)
    request = Request(command="")
    seen: set[str] = set()
    while args and args[0].startswith("-"):
        found = _option(args.pop(0), _GLOBAL)
        if found is None or found[0] in seen:
            return None
        name, value = found
        if value is None:
            if not args:
                return None
            value = args.pop(0)
        seen.add(name)
        if name == "--lang" and value not in LANGUAGES:
            return None  # argparse's usage error
        if name == "--data-dir":
            request.data_dir = value
    if len(args) < 2 or args[0] not in _FLAGS or args[1] != "list":
        return None
    request.command = args[0]
    rest = args[2:]
    while rest:
        arg = rest.pop(0)
        if arg in _FLAGS[request.command] and arg not in request.options:
            request.options[arg] = True
            continue
        found = _option(arg, _VALUED[request.command])
        if found is None or found[0] in request.options:
            return None
        name, value = found
        if value is None:
            if not rest:
                return None
            value = rest.pop(0)
        request.options[name] = value
    status = request.options.get("--status")
    if status is not None:
        from app.cli.light_queries import DEVICE_STATUSES

        if status not in DEVICE_STATUSES:
            return None  # argparse's usage error
    return request


def run(argv: Sequence[str]) -> int | None:
    """Answer the command the light way (its exit code), or None: take the normal path."""
    request = parse(argv)
    if request is None:
        return None
    hand_over: list[Callable[[], None]] = []
    try:
        show = _read(request, hand_over)
        if show is None:
            for step in hand_over:  # the normal path sets up the log file (no record twice)
                step()
            return None
        # Rendered whole before a byte is written: a surprise while formatting still leaves
        # the normal path a clean terminal.
        with contextlib.redirect_stdout(io.StringIO()) as rendered:
            code = show()
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # whatever it is, the normal path knows how to say it
        log.info("light read path not taken: %s", type(exc).__name__)
        for step in hand_over:
            step()
        return None
    try:
        sys.stdout.write(rendered.getvalue())
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # `digibank device list | head`: the reader left (as app/cli/__init__.py does).
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (Python's own recipe)
        return 1


def _read(request: Request, hand_over: list[Callable[[], None]]):
    """Every row read and converted before anything is printed; None: not the light way."""
    from app import config, encryption, postcodes
    from app.cli import light_queries
    from app.credentials import DatabaseKeys
    from app.errors import UserError
    from app.logfile import setup_logging_on_first_record
    from db import light

    folder = config.data_dir(request.data_dir)
    db = folder / config.DB_FILE
    if not folder.is_dir() or not db.is_file() or db.stat().st_size == 0 or light.is_plain_sqlite(db):
        return None  # nothing there (the normal path explains), or a plain database to convert
    # The log file as the normal path has it (secure_folder too, as at every open), opened
    # only if something is logged: logging.handlers is not needed otherwise.
    hand_over.append(setup_logging_on_first_record(folder))
    if encryption.work_left(folder):
        return None
    try:
        key = DatabaseKeys().key_for(db, exists_encrypted=True, ask=None)
    except UserError:
        return None  # the key must be asked for, or is missing: the normal path says so
    try:
        connection = light.open_for_reading(db, key, light_queries.HEAD)
    except light.NotLight as exc:
        log.info("light read path not taken: %s", exc)
        return None
    try:
        if light.local_state(connection, postcodes.CHECKED_KEY) != postcodes.table_fingerprint():
            return None  # the people's municipalities are due a check (open_context does it)
        if request.command == "device":
            return _devices(connection, request, light, light_queries)
        return _loans(connection, request, light, light_queries)
    finally:
        connection.close()


def _devices(connection, request: Request, light, queries):
    from app.cli.listing import print_devices

    status = request.options.get("--status")
    name = "device list --status" if status else "device list"
    rows = light.fetch(connection, queries.QUERIES[name], {"status": status}, queries.TABLES)
    devices = [row["device"] for row in rows]
    as_json = bool(request.options.get("--json"))
    return lambda: print_devices(devices, as_json)


def _loans(connection, request: Request, light, queries):
    from app.cli.listing import print_loans
    from app.loan_view import LoanView

    today = dt.datetime.now().date()  # AppContext.today() with the real clock
    if request.options.get("--overdue"):
        name = "loan list --overdue"
    elif request.options.get("--open"):
        name = "loan list --open"
    else:
        name = "loan list"
    rows = light.fetch(connection, queries.QUERIES[name], {"today": today}, queries.TABLES)
    views = [LoanView(row["loan"], row["device"], row["borrower"], today) for row in rows]
    as_json = bool(request.options.get("--json"))
    return lambda: print_loans(views, as_json)
