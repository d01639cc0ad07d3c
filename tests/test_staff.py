"""Staff PINs, lockout, permissions and the append-only audit log (app/staff.py, app/audit.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text, update

from app.context import open_context
from app.errors import UserError
from app.staff import PERMISSIONS, hash_pin, may, pin_matches, who_may
from db.changes import TombstoneOnlyError
from db.models_staff import AuditEvent, AuditImmutableError, Staff


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 10, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def ctx(tmp_path):
    clock = Clock()
    context = open_context(tmp_path / "data", now=clock)
    context.locations.initialise("KRT", "Kortrijk")
    context.clock = clock  # type: ignore[attr-defined]
    yield context
    context.close()


def test_pin_hash_is_salted_scrypt_with_its_parameters():
    one, two = hash_pin("1234"), hash_pin("1234")
    assert one != two  # a random salt each time
    scheme, n, r, p, salt, digest = one.split("$")
    assert (scheme, n, r, p) == ("scrypt", str(2**14), "8", "1") and len(bytes.fromhex(salt)) == 16
    assert "1234" not in one
    assert pin_matches("1234", one) and pin_matches("1234", two)
    assert not pin_matches("1235", one)
    assert not pin_matches("1234", "garbage")


def test_roles_build_on_each_other():
    assert PERMISSIONS["vrijwilliger"] < PERMISSIONS["technieker"] < PERMISSIONS["coordinator"]
    assert may("vrijwilliger", "counter") and not may("vrijwilliger", "devices")
    assert may("technieker", "labels") and not may("technieker", "gdpr")
    assert all(may("coordinator", c) for c in ("settings", "gdpr", "restore", "reports-people", "staff"))
    assert who_may("gdpr") == "Alleen een coördinator mag dit"
    assert who_may("devices") == "Alleen een technieker of een coördinator mag dit"


def test_five_wrong_pins_lock_for_five_minutes(ctx):
    ctx.staff.add("Anna", "coordinator", "4321")
    for _ in range(4):
        with pytest.raises(UserError, match="Verkeerde pincode"):
            ctx.staff.authenticate("Anna", "0000")
    with pytest.raises(UserError, match="geblokkeerd tot 10:05"):
        ctx.staff.authenticate("Anna", "0000")
    with pytest.raises(UserError, match="geblokkeerd"):
        ctx.staff.authenticate("Anna", "4321")  # the right PIN does not help while locked
    ctx.clock.now += dt.timedelta(minutes=5, seconds=1)
    assert ctx.staff.authenticate("Anna", "4321").name == "Anna"
    # The count starts again: four wrong ones do not lock.
    for _ in range(4):
        with pytest.raises(UserError, match="Verkeerde pincode"):
            ctx.staff.authenticate("Anna", "0000")
    assert ctx.staff.authenticate("anna", "4321").name == "Anna"  # a right one resets it
    with ctx.sessions() as s:
        assert s.scalar(select(Staff.failed_attempts)) == 0
    actions = [(e.action, e.detail) for e in ctx.audit.events()]
    assert actions.count(("sign-in", "wrong pin")) == 9
    assert ("lockout", "5 wrong pins") in actions and ("sign-in", "locked") in actions


def test_unlock_by_a_coordinator(ctx):
    anna = ctx.staff.add("Anna", "coordinator", "4321")
    ctx.staff.add("Vera", "vrijwilliger", "1111", by=anna)
    for _ in range(5):
        with pytest.raises(UserError):
            ctx.staff.authenticate("Vera", "0000")
    ctx.staff.unlock("Vera", anna)
    assert ctx.staff.authenticate("Vera", "1111").role == "vrijwilliger"


def test_first_staff_member_is_a_coordinator_and_names_are_unique(ctx):
    with pytest.raises(UserError, match="coördinator"):
        ctx.staff.add("Vera", "vrijwilliger", "1111")
    anna = ctx.staff.add("Anna", "coordinator", "4321")
    with pytest.raises(UserError, match="al een personeelslid"):
        ctx.staff.add(" anna ", "technieker", "1111", by=anna)


def test_audit_events_cannot_be_changed_or_removed(ctx):
    ctx.audit.record("backup", None, detail="out")
    with ctx.sessions() as s:
        event = s.scalar(select(AuditEvent))
        event.detail = "something else"
        with pytest.raises(AuditImmutableError):
            s.flush()
        s.rollback()
        s.delete(s.scalar(select(AuditEvent)))
        with pytest.raises((AuditImmutableError, TombstoneOnlyError)):
            s.flush()
        s.rollback()
        s.scalar(select(AuditEvent)).deleted = True  # a tombstone is an edit too
        with pytest.raises(AuditImmutableError):
            s.flush()
        s.rollback()
    # Below the program (a crafted pull applied with Core statements): skipped, not applied.
    with ctx.sessions() as s, s.begin():
        s.execute(update(AuditEvent).values(detail="forged", outcome="refused"))
        s.execute(text("DELETE FROM audit_event"))
    [row] = ctx.audit.events()
    assert (row.action, row.detail, row.outcome) == ("backup", "out", "ok")


def test_window_changes_become_audit_events_with_field_names_only(ctx):
    from app.borrowers import BorrowerInput
    from app.inventory import DeviceInput
    from db.models_staff import AUDIT_CHANGES
    from tests.conftest import make_ready

    device = ctx.devices.add(DeviceInput(kind="laptop", brand="Lenovo", model="T480"))
    make_ready(ctx, device.asset_tag)
    person = BorrowerInput(first_name="Mia", last_name="Peeters", postcode="8500")
    card = ctx.borrowers.add(person).card_number
    ctx.sessions.kw["info"][AUDIT_CHANGES] = True
    assert ctx.audit.events() == []  # nobody signed in: a lone counter records nothing
    anna = ctx.staff.add("Anna", "coordinator", "4321")
    ctx.sign_in(ctx.staff.authenticate("Anna", "4321"))
    ctx.loans.checkout(device.asset_tag, card)
    ctx.loans.return_device(device.asset_tag)
    ctx.borrowers.edit(card, phone="0470 12 34 56")
    events = [(e.staff_name, e.action, e.subject, e.detail) for e in ctx.audit.events()]
    assert ("Anna", "loan checkout", device.asset_tag, "") in events
    assert any(a == "loan return" and s == device.asset_tag for _n, a, s, _d in events)
    [edit] = [e for e in events if e[1] == "borrower edit"]
    assert edit[2] == card and "phone" in edit[3].split(",")
    assert "0470" not in repr(events) and "Peeters" not in repr(events)
    assert all(e.staff_id == anna.id for e in ctx.audit.events() if e.action != "staff add")
    # The events travel like every change: each has its outbox entry.
    from db.base import OutboxEntry

    with ctx.sessions() as s:
        queued = set(s.scalars(select(OutboxEntry.row_id).where(OutboxEntry.table_name == "audit_event")))
    assert {e.id for e in ctx.audit.events()} <= queued


def test_an_audit_text_longer_than_its_column_is_shortened_visibly(ctx):
    from app.audit import AuditLog

    tags = " ".join(f"KRT-{n:06d}" for n in range(1, 40))
    AuditLog(ctx.sessions).record("labels", None, subject=tags)
    [event] = AuditLog(ctx.sessions).events()
    assert event.subject.endswith("…") and tags.startswith(event.subject[:-1])
