"""Who may run which command, checked in one place before a handler runs.

`COMMANDS` classifies every sub-command: `None` is read-only and stays open to the PC's
user; anything else is the capability (app/staff.py) the signed-in person needs. A test
walks the parser and fails on a command missing here, and a command not in the table is
treated as coordinator work, so a new command is never open by accident.

Once staff exist, a command that needs a capability needs `--staff NAME` (or
`DIGIBANK_STAFF`) and the PIN in `DIGIBANK_PIN` (or typed at a terminal prompt). Every
such command, allowed or refused, becomes an audit event; before any staff exist the
program is a lone counter and works as it always did.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable

from app.context import AppContext
from app.errors import UserError
from app.i18n import _
from app.staff import StaffView, check, may

Rule = str | None | Callable[[argparse.Namespace], str | None]

COMMANDS: dict[str, Rule] = {
    # counter, borrowers, helpdesk, trainings, waiting list: every staff member
    "loan checkout": "counter",
    "loan return": "counter",
    "loan extend": "counter",
    "loan list": None,
    "card": "counter",
    "contract": "counter",
    "receipt": "counter",
    "borrower add": "borrowers",
    "eid read": "borrowers",
    "borrower edit": "borrowers",
    "borrower block": "borrowers",
    "borrower unblock": "borrowers",
    "borrower find": None,
    "borrower show": None,
    "helpdesk log": "helpdesk",
    "helpdesk day": None,
    "training add": "trainings",
    "training register": "trainings",
    "training attend": "trainings",
    "training walk-in": "trainings",
    "training attendance-list": "trainings",
    "training attestation": "trainings",
    "training list": None,
    "waiting add": "waiting-list",
    "waiting list": None,
    "waiting next": None,
    # devices, bench, wipes, specs, labels, donations: technicians and coordinators
    "device add": "devices",
    "device status": "devices",
    "device edit": "devices",
    "device give-away": "devices",
    "device list": None,
    "device show": None,
    "wipe": "wipes",
    "repair": "bench",
    "specs import": "specs",
    "labels": "labels",
    "donation add": "donations",
    "donation intake": "donations",
    "donation certificate": "donations",
    "donation list": None,
    # coordinators only
    "borrower erase": "gdpr",
    "borrower export-data": "gdpr",
    "borrower merge": "gdpr",
    "donation erase": "gdpr",
    "erasure list": None,
    "erasure approve": "gdpr",
    "deleted list": None,
    "deleted restore": "restore",
    "privacy retention": lambda args: "gdpr" if getattr(args, "apply", False) else None,
    "report people": "reports-people",
    "report reach": None,
    "report cost": None,
    "settings": None,
    "settings show": None,
    "settings set": "settings",
    "init": "settings",
    "demo": "settings",
    "backup": "backup",
    "restore": "restore",
    "login": "server",
    "conflicts": None,
    "conflicts resolve": "conflicts",
    "staff add": "staff",
    "staff disable": "staff",
    "staff unlock": "staff",
    # Changing one's own PIN is for everyone; someone else's is coordinator work (see below).
    "staff pin": "staff",
    "staff list": None,
    # Read-only, or (sync) only exchanging changes that signed-in people already made.
    "audit": None,
    "export": None,
    "selftest": None,
    "sync": None,
}

# Options that are bookkeeping of the command line, not fields of a change.
_NOT_FIELDS = frozenset(
    {"handler", "command", "command_path", "data_dir", "lang", "staff", "json", "out_is_folder"}
)
# Arguments that name the subject of a command by its code (never personal values).
_SUBJECT = ("tag", "tags", "card", "cards", "donation", "session", "name", "file", "table", "id")


def capability_for(args: argparse.Namespace) -> str | None:
    path = getattr(args, "command_path", None) or getattr(args, "command", "") or ""
    rule = COMMANDS.get(path, "staff")
    return rule(args) if callable(rule) else rule


def _subject(args: argparse.Namespace) -> str:
    """The codes a command is about, e.g. "KRT-000001 KRT-B-00001" for a checkout."""
    parts = []
    for attr in _SUBJECT:
        value = getattr(args, attr, None)
        if value:
            parts.append(",".join(map(str, value)) if isinstance(value, list | tuple) else str(value))
    return " ".join(parts)


def _detail(args: argparse.Namespace) -> str:
    """Which options were given (the fields a change touches), never their values."""
    names = [
        k
        for k, v in sorted(vars(args).items())
        if k not in _NOT_FIELDS
        and not k.endswith("_command")
        and k not in _SUBJECT
        and v not in (None, False, [], "")
    ]
    return ",".join(names)


def _pin(name: str) -> str:
    pin = os.environ.get("DIGIBANK_PIN")
    if pin is not None:
        return pin
    if sys.stdin.isatty():
        return getpass.getpass(_("Pincode van {name}: ").format(name=name))
    raise UserError(_("Geef de pincode van {name} in DIGIBANK_PIN.").format(name=name))


class Gate:
    """Signs the person in for one command and writes the command's audit event."""

    def __init__(self, args: argparse.Namespace, ctx: AppContext) -> None:
        self.args = args
        self.ctx = ctx
        self.path = getattr(args, "command_path", None) or args.command
        self.capability = capability_for(args)
        self.active = self.capability is not None and ctx.staff.any_staff()

    def admit(self) -> StaffView | None:
        """The signed-in person, None when nobody needs to sign in, or a UserError."""
        if not self.active:
            return None
        assert self.capability is not None
        name = (getattr(self.args, "staff", None) or os.environ.get("DIGIBANK_STAFF") or "").strip()
        if not name:
            self.ctx.audit.record(
                self.path, None, subject=_subject(self.args), outcome="refused", detail="not signed in"
            )
            check(None, self.capability, self.path)
        staff = self.ctx.staff.authenticate(name, _pin(name))
        allowed = may(staff.role, self.capability) or (
            self.path == "staff pin"
            and (getattr(self.args, "name", "") or "").strip().casefold() == staff.name.casefold()
        )
        if not allowed:
            self.ctx.audit.record(
                self.path, staff, subject=_subject(self.args), outcome="refused", detail="role"
            )
            check(staff, self.capability, self.path)
        self.ctx.sign_in(staff)
        return staff

    def before(self) -> None:
        if self.path == "restore":
            # The backup is older than the audit log: what happened since must survive it.
            self._carried = self.ctx.audit.snapshot()

    def after(self) -> None:
        carried = getattr(self, "_carried", None)
        if carried:
            from db.engine import migrate

            migrate(self.ctx.engine)  # a backup from before the audit log has no table for it
            self.ctx.audit.carry_over(carried)

    def done(self, ok: bool, error: str = "") -> None:
        """The command's own event, once it ran (ok) or its handler refused it."""
        if self.capability is None or not self.ctx.staff.any_staff():
            return
        if self.path.startswith("staff ") and self.path != "staff list" and ok:
            return  # the staff service writes these events itself
        self.ctx.audit.record(
            self.path,
            self.ctx.signed_in,
            subject=_subject(self.args),
            detail=_detail(self.args) if ok else (error or "error"),
            outcome="ok" if ok else "refused",
        )
