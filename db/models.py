"""Domain records. Every class here syncs (mixin `Synced`); see db/base.py.

Codes stored here are the values the command line uses (`laptop`, `on-loan`, ...);
the window shows Dutch names for them. Money is kept in euro cents (integers),
so sums in reports are exact.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Synced

DEVICE_KINDS = ("laptop", "desktop", "screen", "tablet", "smartphone", "printer", "router", "other")
DEVICE_SOURCES = ("donation", "purchase")
DEVICE_STATUSES = (
    "intake",
    "wiping",
    "repair",
    "ready",
    "on-loan",
    "given-away",
    "recycled",
    "lost",
)
WIPE_METHODS = ("nist-clear", "nist-purge", "nwipe", "secure-erase", "destroyed")
HELPDESK_TOPICS = (
    "tax-on-web",
    "itsme",
    "ebox",
    "burgerprofiel",
    "bank",
    "health",
    "vdab",
    "benefits",
    "device",
    "other",
)
HELPDESK_OUTCOMES = ("solved", "referred", "follow-up")
LOCATION_KINDS = ("fixed", "mobile")
WIPE_RESULTS = ("passed", "failed")
DONOR_KINDS = ("person", "organisation")
# "cancelled": a checkout taken back (undo, or the losing side of a double loan). Not a
# tombstone: a counter-scope token may cancel, while deleting a loan needs a coordinator
# (server/store.py); lists and reports leave cancelled loans out.
LOAN_STATES = ("open", "returned", "cancelled")
# How the deposit was paid at checkout ("" = no deposit asked); "waived" needs a reason.
DEPOSIT_METHODS = ("", "cash", "payconiq", "waived")
REGISTRATION_STATES = ("registered", "waiting", "cancelled")
WAITING_STATES = ("waiting", "served", "cancelled")
BORROWER_LANGUAGES = ("nl", "fr", "en", "other")
# How a counter checked that a person may borrow ('' = not recorded). The proof itself is
# never kept (no scan, no copy): only which kind it was, who referred, when, and until when.
ELIGIBILITY_PROOFS = (
    "",
    "verhoogde-tegemoetkoming",
    "leefloon-ocmw",
    "budgetbegeleiding",
    "schuldbemiddeling",
    "igo",
    "inkomensvervangende-tegemoetkoming",
    "dringende-medische-hulp",
    "inkomen-onder-grens",
    "doorverwezen-zonder-attest",
    "andere",
)
# Age bands for reports; asked as a band or a birth year, never as a full birth date.
AGE_BANDS = ("", "0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
PRIORITIES = (1, 2, 3)
# Upper bounds that no real record reaches: a value above them is a typo (or worse).
MAX_CENTS = 100_000_000  # one million euro
MAX_COUNT = 100_000
MAX_MINUTES = 10_000


class Location(Synced, Base):
    """A counter or a van of this digibank."""

    __tablename__ = "location"

    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), default="fixed", info={"choices": LOCATION_KINDS})
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(4), default="")
    municipality: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")


class Donation(Synced, Base):
    """Hardware received from one donor in one go (the wipe certificate is per donation)."""

    __tablename__ = "donation"

    number: Mapped[str] = mapped_column(String(24), unique=True)  # e.g. KRT-D-00007
    donor_name: Mapped[str] = mapped_column(String(160))
    donor_kind: Mapped[str] = mapped_column(String(16), default="organisation", info={"choices": DONOR_KINDS})
    donor_contact: Mapped[str] = mapped_column(String(200), default="")
    received_on: Mapped[dt.date]
    item_count: Mapped[int] = mapped_column(Integer, default=0, info={"min": 0, "max": MAX_COUNT})
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id"), default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    # GDPR erasure of a private donor: name and contact cleared, sticky like a borrower's.
    erased: Mapped[bool] = mapped_column(default=False)


class Device(Synced, Base):
    __tablename__ = "device"
    __table_args__ = (Index("ix_device_status_kind", "status", "kind"),)

    asset_tag: Mapped[str] = mapped_column(String(24), unique=True)  # e.g. KRT-000123
    kind: Mapped[str] = mapped_column(String(16), default="laptop", info={"choices": DEVICE_KINDS})
    brand: Mapped[str] = mapped_column(String(80), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    serial: Mapped[str] = mapped_column(String(120), default="", index=True)
    source: Mapped[str] = mapped_column(String(16), default="donation", info={"choices": DEVICE_SOURCES})
    donation_id: Mapped[str | None] = mapped_column(ForeignKey("donation.id"), default=None)
    intake_date: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(16), default="intake", info={"choices": DEVICE_STATUSES})
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id"), default=None)
    acquisition_cost_cents: Mapped[int] = mapped_column(Integer, default=0, info={"min": 0, "max": MAX_CENTS})
    specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    accessories: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # End of life: given to a person (handover form) — who and when.
    given_to_borrower_id: Mapped[str | None] = mapped_column(ForeignKey("borrower.id"), default=None)
    given_on: Mapped[dt.date | None] = mapped_column(default=None)


class Borrower(Synced, Base):
    """A person the digibank serves (borrows, trains, gets helpdesk help)."""

    __tablename__ = "borrower"

    card_number: Mapped[str] = mapped_column(String(24), unique=True)  # e.g. KRT-B-00042
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(160), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(4), index=True)
    municipality: Mapped[str] = mapped_column(String(80), default="")
    province: Mapped[str] = mapped_column(String(32), default="")
    # Statbel REFNIS code of the municipality ('' when the postcode table does not know it).
    nis_code: Mapped[str] = mapped_column(String(5), default="")
    language: Mapped[str] = mapped_column(String(8), default="nl", info={"choices": BORROWER_LANGUAGES})
    target_group: Mapped[str] = mapped_column(String(60), default="")
    eligibility_proof: Mapped[str] = mapped_column(String(200), default="")
    eligibility_code: Mapped[str] = mapped_column(
        String(40), default="", info={"choices": ELIGIBILITY_PROOFS}
    )
    referrer: Mapped[str] = mapped_column(String(80), default="")
    eligibility_checked_on: Mapped[dt.date | None] = mapped_column(default=None)
    eligibility_valid_until: Mapped[dt.date | None] = mapped_column(default=None)
    birth_year: Mapped[int | None] = mapped_column(Integer, default=None, info={"min": 1900, "max": 2100})
    age_band: Mapped[str] = mapped_column(String(8), default="", info={"choices": AGE_BANDS})
    consent_date: Mapped[dt.date | None] = mapped_column(default=None)
    blocked: Mapped[bool] = mapped_column(default=False)
    blocked_reason: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # GDPR erasure anonymises the person but keeps postcode/province for report counts.
    erased: Mapped[bool] = mapped_column(default=False)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id"), default=None)


class Loan(Synced, Base):
    __tablename__ = "loan"
    __table_args__ = (
        Index("ix_loan_device_state", "device_id", "state"),
        Index("ix_loan_borrower_state", "borrower_id", "state"),
        Index("ix_loan_state_due", "state", "due_date"),
    )

    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"))
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrower.id"))
    out_location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id"), default=None)
    in_location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id"), default=None)
    out_at: Mapped[dt.datetime]
    in_at: Mapped[dt.datetime | None] = mapped_column(default=None, index=True)
    due_date: Mapped[dt.date]
    state: Mapped[str] = mapped_column(String(16), default="open", info={"choices": LOAN_STATES})
    deposit_cents: Mapped[int] = mapped_column(Integer, default=0, info={"min": 0, "max": MAX_CENTS})
    deposit_refunded_cents: Mapped[int] = mapped_column(Integer, default=0, info={"min": 0, "max": MAX_CENTS})
    deposit_method: Mapped[str] = mapped_column(String(16), default="", info={"choices": DEPOSIT_METHODS})
    # Why less than the asked deposit was paid (or none: waived).
    deposit_reason: Mapped[str] = mapped_column(String(200), default="")
    # Why part of the deposit was kept at the return (damage, a missing charger).
    deposit_kept_reason: Mapped[str] = mapped_column(String(200), default="")
    extensions: Mapped[int] = mapped_column(Integer, default=0, info={"min": 0, "max": 1000})
    contract_version: Mapped[str] = mapped_column(String(40), default="")
    contract_printed: Mapped[bool] = mapped_column(default=False)
    signed_on_paper: Mapped[bool] = mapped_column(default=False)
    # PNG of the on-screen signature, base64 text (syncs like every other field).
    signature_png: Mapped[str] = mapped_column(Text, default="")
    condition_out: Mapped[str] = mapped_column(String(400), default="")
    condition_in: Mapped[str] = mapped_column(String(400), default="")
    # Set when a sync showed the device was lent twice; cleared by a person resolving it.
    conflict: Mapped[str] = mapped_column(String(200), default="")


class DataWipe(Synced, Base):
    __tablename__ = "data_wipe"

    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), index=True)
    method: Mapped[str] = mapped_column(String(20), info={"choices": WIPE_METHODS})
    tool: Mapped[str] = mapped_column(String(80), default="")
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    ended_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    result: Mapped[str] = mapped_column(String(10), info={"choices": WIPE_RESULTS})
    technician: Mapped[str] = mapped_column(String(80), default="")
    verified_by: Mapped[str] = mapped_column(String(80), default="")
    log_text: Mapped[str] = mapped_column(Text, default="")


class Repair(Synced, Base):
    __tablename__ = "repair"

    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), index=True)
    done_on: Mapped[dt.date]
    action: Mapped[str] = mapped_column(String(200))
    parts: Mapped[str] = mapped_column(String(200), default="")
    cost_cents: Mapped[int] = mapped_column(Integer, default=0, info={"min": 0, "max": MAX_CENTS})
    minutes: Mapped[int] = mapped_column(Integer, default=0, info={"min": 0, "max": MAX_MINUTES})
    technician: Mapped[str] = mapped_column(String(80), default="")
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id"), default=None)


class TrainingSession(Synced, Base):
    __tablename__ = "training_session"

    title: Mapped[str] = mapped_column(String(160))
    topic: Mapped[str] = mapped_column(String(80), default="")
    series: Mapped[str] = mapped_column(String(160), default="", index=True)
    series_part: Mapped[int] = mapped_column(Integer, default=0, info={"min": 0, "max": 1000})
    series_size: Mapped[int] = mapped_column(Integer, default=0, info={"min": 0, "max": 1000})
    trainer: Mapped[str] = mapped_column(String(120), default="")
    place: Mapped[str] = mapped_column(String(160), default="")
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id"), default=None)
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    minutes: Mapped[int] = mapped_column(Integer, default=120, info={"min": 0, "max": MAX_MINUTES})
    capacity: Mapped[int] = mapped_column(Integer, default=12, info={"min": 0, "max": 10_000})
    # anonymous, counted only
    walk_ins: Mapped[int] = mapped_column(Integer, default=0, info={"min": 0, "max": 10_000})


class Registration(Synced, Base):
    """A person registered for a session, or on its waiting list when it was full."""

    __tablename__ = "registration"
    __table_args__ = (Index("ix_registration_session_borrower", "session_id", "borrower_id"),)

    session_id: Mapped[str] = mapped_column(ForeignKey("training_session.id"))
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrower.id"))
    state: Mapped[str] = mapped_column(
        String(16), default="registered", info={"choices": REGISTRATION_STATES}
    )
    registered_at: Mapped[dt.datetime]


class Attendance(Synced, Base):
    """A person present at a session. Its id is derived from (session, person), so the
    same card scanned twice — even at two offline places — is one record."""

    __tablename__ = "attendance"
    __table_args__ = (Index("ix_attendance_session_borrower", "session_id", "borrower_id"),)

    session_id: Mapped[str] = mapped_column(ForeignKey("training_session.id"))
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrower.id"), index=True)
    attended_at: Mapped[dt.datetime]


class HelpdeskVisit(Synced, Base):
    __tablename__ = "helpdesk_visit"

    visited_at: Mapped[dt.datetime] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(String(20), info={"choices": HELPDESK_TOPICS})
    minutes: Mapped[int] = mapped_column(Integer, default=10, info={"min": 0, "max": MAX_MINUTES})
    outcome: Mapped[str] = mapped_column(String(12), default="solved", info={"choices": HELPDESK_OUTCOMES})
    borrower_id: Mapped[str | None] = mapped_column(ForeignKey("borrower.id"), default=None, index=True)
    # Anonymous visitors leave only a postcode (for the reach per municipality).
    postcode: Mapped[str] = mapped_column(String(4), default="")
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id"), default=None)
    notes: Mapped[str] = mapped_column(String(400), default="")


class WaitingListEntry(Synced, Base):
    """A person waiting for a device when none is ready."""

    __tablename__ = "waiting_list_entry"

    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrower.id"), index=True)
    device_kind: Mapped[str] = mapped_column(String(16), default="laptop", info={"choices": DEVICE_KINDS})
    priority: Mapped[int] = mapped_column(Integer, default=2, info={"min": 1, "max": 3})  # 1 = urgent
    requested_on: Mapped[dt.date]
    state: Mapped[str] = mapped_column(String(16), default="waiting", info={"choices": WAITING_STATES})
    served_loan_id: Mapped[str | None] = mapped_column(ForeignKey("loan.id"), default=None)
    notes: Mapped[str] = mapped_column(String(400), default="")


# Staff and the audit log live in their own module; imported here so every user of the
# models (counters, server, export) registers them too.
class BorrowerSortKey(Base):
    """Local sort and search keys of a borrower (db/sort_keys.py), written by SQLite triggers
    (migration 0016) at every write of the borrower; never synced, never written by the ORM."""

    __tablename__ = "borrower_sort"
    __table_args__ = (
        Index("ix_borrower_sort_name", "name_key"),
        Index("ix_borrower_sort_first", "first_key"),
        Index("ix_borrower_sort_phone", "phone_key"),
    )

    borrower_rowid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name_key: Mapped[str] = mapped_column(Text, default="")
    first_key: Mapped[str] = mapped_column(Text, default="")
    phone_key: Mapped[str] = mapped_column(Text, default="")


from db.models_privacy import ErasureRequest  # noqa: E402, F401
from db.models_staff import AuditEvent, Staff  # noqa: E402, F401
