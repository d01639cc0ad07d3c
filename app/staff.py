"""Staff members, their PINs and roles, and who may do what.

Three roles, each with the capabilities of the one before it and more. `PERMISSIONS` is
the one table of who may: the command line (app/cli/staff_gate.py) and the window ask it
through `may()` / `check()`, nothing else decides.

Until the first staff member exists the program is a lone counter: nobody signs in and
everything is allowed, as before. The first staff member must be a coordinator, so a
digibank never locks itself out of its own settings.

PINs are 4 to 8 digits, stored as scrypt hashes with a random salt and the parameters
(`scrypt$n$r$p$salt$hash`). Five wrong PINs in a row lock the person for five minutes;
a coordinator can lift the lock. Every attempt and lock goes to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.audit import AuditLog
from app.errors import UserError
from app.i18n import _
from db.models_staff import ROLES, Staff

log = logging.getLogger(__name__)

VOLUNTEER, TECHNICIAN, COORDINATOR = ROLES

# What each role may do on top of the role before it.
_VOLUNTEER_CAN = frozenset({"counter", "borrowers", "helpdesk", "trainings", "waiting-list"})
_TECHNICIAN_CAN = _VOLUNTEER_CAN | {"devices", "bench", "wipes", "specs", "labels", "donations"}
_COORDINATOR_CAN = _TECHNICIAN_CAN | {
    "settings",
    "reports-people",
    "gdpr",
    "staff",
    "backup",
    "restore",
    "conflicts",
    "server",
}
PERMISSIONS: dict[str, frozenset[str]] = {
    VOLUNTEER: _VOLUNTEER_CAN,
    TECHNICIAN: _TECHNICIAN_CAN,
    COORDINATOR: _COORDINATOR_CAN,
}
CAPABILITIES = _COORDINATOR_CAN

MAX_FAILED_PINS = 5
LOCK_MINUTES = 5

# scrypt at n=2^14, r=8: about 16 MB and a few tens of milliseconds per check.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def role_label(role: str) -> str:
    return {VOLUNTEER: _("vrijwilliger"), TECHNICIAN: _("technieker"), COORDINATOR: _("coördinator")}.get(
        role, role
    )


def may(role: str, capability: str) -> bool:
    return capability in PERMISSIONS.get(role, frozenset())


def who_may(capability: str) -> str:
    """The sentence that says who may, e.g. "Alleen een coördinator mag dit"."""
    roles = [r for r in ROLES if may(r, capability)]
    if roles == [COORDINATOR]:
        return _("Alleen een coördinator mag dit")
    if roles == [TECHNICIAN, COORDINATOR]:
        return _("Alleen een technieker of een coördinator mag dit")
    return _("Elk personeelslid mag dit")


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2
        )
    except (ValueError, TypeError):
        log.warning("a staff record has an unreadable PIN hash")
        return False
    return hmac.compare_digest(got.hex(), digest)


def check_pin_format(pin: str) -> str:
    pin = pin.strip()
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise UserError(_("Een pincode heeft 4 tot 8 cijfers."))
    return pin


def check_role(role: str) -> str:
    aliases = {"coördinator": COORDINATOR, "volunteer": VOLUNTEER, "technician": TECHNICIAN}
    role = aliases.get(role.strip().lower(), role.strip().lower())
    if role not in ROLES:
        raise UserError(
            _("Onbekende rol {role}: kies vrijwilliger, technieker of coordinator.").format(role=role)
        )
    return role


@dataclass(frozen=True)
class StaffView:
    """A staff member as shown: never the PIN hash."""

    id: str
    name: str
    role: str
    disabled: bool
    locked_until: dt.datetime | None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "disabled": self.disabled,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
        }


def _view(staff: Staff) -> StaffView:
    return StaffView(staff.id, staff.name, staff.role, bool(staff.disabled), staff.locked_until)


class StaffService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        audit: AuditLog,
        now: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self._sessions = session_factory
        self._audit = audit
        self._now = now

    # -- reading ------------------------------------------------------------------

    def any_staff(self) -> bool:
        """True once a staff member exists: from then on changes need a signed-in person."""
        with self._sessions() as s:
            return bool(s.scalar(select(func.count()).select_from(Staff).where(Staff.deleted.is_(False))))

    def list(self) -> list[StaffView]:
        with self._sessions() as s:
            rows = s.scalars(select(Staff).where(Staff.deleted.is_(False)).order_by(Staff.name, Staff.id))
            return [_view(r) for r in rows]

    def names(self) -> dict[str, str]:
        """Staff id → name, also of disabled people (to show who changed a record)."""
        with self._sessions() as s:
            return {row[0]: row[1] for row in s.execute(select(Staff.id, Staff.name))}

    def get(self, staff_id: str) -> StaffView | None:
        with self._sessions() as s:
            staff = s.get(Staff, staff_id)
            return _view(staff) if staff is not None and not staff.deleted else None

    @staticmethod
    def _find(s: Session, name: str) -> Staff:
        wanted = name.strip().casefold()
        matches = [
            r
            for r in s.scalars(select(Staff).where(Staff.deleted.is_(False)))
            if r.name.strip().casefold() == wanted
        ]
        if not matches:
            raise UserError(_("Geen personeelslid met de naam {name}.").format(name=name.strip()))
        if len(matches) > 1:
            # Two counters added the same name while offline: both stay, nobody guesses.
            raise UserError(
                _(
                    "Er zijn {count} personeelsleden met de naam {name}; "
                    "een coördinator moet er één hernoemen of uitschakelen."
                ).format(count=len(matches), name=name.strip())
            )
        return matches[0]

    # -- changes ------------------------------------------------------------------

    def add(self, name: str, role: str, pin: str, by: StaffView | None = None) -> StaffView:
        name = " ".join(name.split())
        if not name or len(name) > 80:
            raise UserError(_("Geef een naam van 1 tot 80 tekens."))
        role = check_role(role)
        pin = check_pin_format(pin)
        with self._sessions() as s, s.begin():
            count = s.scalar(select(func.count()).select_from(Staff).where(Staff.deleted.is_(False)))
            if not count and role != COORDINATOR:
                raise UserError(
                    _(
                        "Het eerste personeelslid moet een coördinator zijn (--role coordinator), "
                        "anders kan niemand nog instellingen of personeel beheren."
                    )
                )
            wanted = name.casefold()
            if any(
                n.strip().casefold() == wanted
                for n in s.scalars(select(Staff.name).where(Staff.deleted.is_(False)))
            ):
                raise UserError(_("Er is al een personeelslid met de naam {name}.").format(name=name))
            staff = Staff(name=name, role=role, pin_hash=hash_pin(pin))
            s.add(staff)
            s.flush()
            view = _view(staff)
        self._audit.record("staff add", by, subject=view.name, detail=f"role={role}")
        return view

    def disable(self, name: str, by: StaffView | None) -> StaffView:
        with self._sessions() as s, s.begin():
            staff = self._find(s, name)
            if staff.role == COORDINATOR and not staff.disabled:
                others = [
                    r
                    for r in s.scalars(
                        select(Staff).where(Staff.deleted.is_(False), Staff.disabled.is_(False))
                    )
                    if r.role == COORDINATOR and r.id != staff.id
                ]
                if not others:
                    raise UserError(
                        _("{name} is de laatste coördinator en kan niet uitgeschakeld worden.").format(
                            name=staff.name
                        )
                    )
            staff.disabled = True
            view = _view(staff)
        self._audit.record("staff disable", by, subject=view.name)
        return view

    def set_pin(self, name: str, pin: str, by: StaffView | None) -> StaffView:
        pin = check_pin_format(pin)
        with self._sessions() as s, s.begin():
            staff = self._find(s, name)
            staff.pin_hash = hash_pin(pin)
            staff.failed_attempts = 0
            staff.locked_until = None
            view = _view(staff)
        self._audit.record("staff pin", by, subject=view.name, detail="pin")
        return view

    def unlock(self, name: str, by: StaffView | None) -> StaffView:
        with self._sessions() as s, s.begin():
            staff = self._find(s, name)
            staff.failed_attempts = 0
            staff.locked_until = None
            view = _view(staff)
        self._audit.record("staff unlock", by, subject=view.name)
        return view

    # -- signing in ---------------------------------------------------------------

    def authenticate(self, name: str, pin: str) -> StaffView:
        """The staff member with this name and PIN, or a UserError (every failure audited)."""
        now = self._now()
        failure: str | None = None
        with self._sessions() as s, s.begin():
            try:
                staff = self._find(s, name)
            except UserError:
                staff = None
            if staff is None or staff.disabled:
                failure = "unknown" if staff is None else "disabled"
                who = None if staff is None else _view(staff)
            elif staff.locked_until is not None and staff.locked_until > now:
                failure = "locked"
                who = _view(staff)
            elif not pin_matches(pin, staff.pin_hash):
                staff.failed_attempts = (staff.failed_attempts or 0) + 1
                if staff.failed_attempts >= MAX_FAILED_PINS:
                    staff.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
                    staff.failed_attempts = 0
                    failure = "lockout"
                else:
                    failure = "wrong-pin"
                who = _view(staff)
            else:
                if staff.failed_attempts or staff.locked_until is not None:
                    staff.failed_attempts = 0
                    staff.locked_until = None
                return _view(staff)
        # The attempt is written in its own transaction, after the counter above committed.
        if failure == "unknown":
            # Never the typed text itself: it may be a PIN typed in the wrong field.
            self._audit.record("sign-in", None, outcome="refused", detail="unknown name")
            raise UserError(_("Geen personeelslid met de naam {name}.").format(name=name.strip()))
        assert who is not None
        if failure == "disabled":
            self._audit.record("sign-in", who, outcome="refused", detail="disabled")
            raise UserError(_("{name} is uitgeschakeld; vraag een coördinator.").format(name=who.name))
        if failure == "locked":
            self._audit.record("sign-in", who, outcome="refused", detail="locked")
        elif failure == "lockout":
            self._audit.record("sign-in", who, outcome="refused", detail="wrong pin")
            self._audit.record("lockout", who, outcome="refused", detail=f"{MAX_FAILED_PINS} wrong pins")
        else:
            self._audit.record("sign-in", who, outcome="refused", detail="wrong pin")
            raise UserError(_("Verkeerde pincode voor {name}.").format(name=who.name))
        until = who.locked_until.strftime("%H:%M") if who.locked_until else ""
        raise UserError(
            _(
                "{name} is geblokkeerd tot {time} na {count} verkeerde pincodes; "
                "een coördinator kan de blokkering opheffen."
            ).format(name=who.name, time=until, count=MAX_FAILED_PINS)
        )


def check(staff: StaffView | None, capability: str, what: str) -> None:
    """Refuse `what` unless `staff` (None: nobody signed in) has `capability`."""
    if staff is not None and may(staff.role, capability):
        return
    if staff is None:
        raise UserError(
            _(
                "{who}: {what}. Meld je aan met --staff NAAM (of DIGIBANK_STAFF) "
                "en je pincode in DIGIBANK_PIN."
            ).format(who=who_may(capability), what=what)
        )
    raise UserError(
        _("{who}: {what} ({name} is {role}).").format(
            who=who_may(capability), what=what, name=staff.name, role=role_label(staff.role)
        )
    )
