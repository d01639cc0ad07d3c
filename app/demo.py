"""`digibank demo`: a small, realistic digibank to practise on (volunteer training).

Only for an empty data folder, so demo people never mix with real ones.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from app.borrowers import BorrowerInput
from app.context import AppContext
from app.errors import UserError
from app.i18n import _
from app.inventory import DeviceInput
from app.loans import LoanService
from db.models import HELPDESK_TOPICS, Borrower, DataWipe, Device, HelpdeskVisit

PEOPLE = (
    ("Fatima", "El Amrani", "8500"),
    ("Jan", "Vandenberghe", "8500"),
    ("Marie", "Claeys", "8501"),
    ("Ahmed", "Benali", "8510"),
    ("Els", "Desmet", "8530"),
    ("Luc", "Verhaeghe", "8560"),
    ("Noor", "Jacobs", "9000"),
    ("Pieter", "De Smet", "9000"),
    ("Sofie", "Maes", "8800"),
    ("Yusuf", "Kaya", "8500"),
    ("Ann", "Vermeulen", "8790"),
    ("Koen", "Lambrecht", "8520"),
)
DEVICES = (
    ("laptop", "Lenovo", "ThinkPad T480"),
    ("laptop", "Dell", "Latitude 5490"),
    ("laptop", "HP", "EliteBook 840 G5"),
    ("laptop", "Lenovo", "ThinkPad X270"),
    ("screen", "Dell", "P2219H"),
    ("tablet", "Samsung", "Galaxy Tab A8"),
)


def load_demo(ctx: AppContext, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    with ctx.sessions() as s:
        used = (s.scalar(select(func.count()).select_from(Device)) or 0) + (
            s.scalar(select(func.count()).select_from(Borrower)) or 0
        )
    if used:
        raise UserError(
            _(
                "Deze database bevat al gegevens. Oefengegevens alleen in een lege map: "
                "digibank --data-dir OEFENMAP demo"
            )
        )
    if not ctx.locations.is_initialised():
        ctx.locations.initialise("DEMO", _("Oefenbalie"))
    tags = []
    for i in range(18):
        kind, brand, model = DEVICES[i % len(DEVICES)]
        device = ctx.devices.add(DeviceInput(kind, brand, model, f"DEMO{1000 + i}"))
        tags.append(device.asset_tag)
    with ctx.sessions() as s, s.begin():
        for device in s.scalars(select(Device).where(Device.asset_tag.in_(tags[:14]))):
            s.add(
                DataWipe(
                    device_id=device.id,
                    method="nwipe",
                    tool="ShredOS",
                    result="passed",
                    technician="Demo",
                    ended_at=dt.datetime.now().replace(microsecond=0),
                )
            )
    for tag in tags[:14]:
        ctx.devices.set_status(tag, "ready")
    ctx.devices.set_status(tags[14], "repair")
    # Most demo people "were asked and agreed"; the last two were not, so staff can see
    # what a registration without consent looks like ("geen toestemming geregistreerd").
    cards = [
        ctx.borrowers.add(BorrowerInput(f, last, pc, consent=i < len(PEOPLE) - 2)).card_number
        for i, (f, last, pc) in enumerate(PEOPLE)
    ]
    # Two loans made long ago, so the overdue marking can be practised too.
    past = LoanService(ctx.sessions, ctx.settings, now=lambda: dt.datetime.now() - dt.timedelta(days=120))
    past.checkout(tags[0], cards[0])
    past.checkout(tags[1], cards[1])
    for tag, card in zip(tags[2:6], cards[2:6], strict=True):
        ctx.loans.checkout(tag, card)
    with ctx.sessions() as s, s.begin():
        location = ctx.locations.current_in(s)
        for i in range(25):
            s.add(
                HelpdeskVisit(
                    visited_at=dt.datetime.now().replace(microsecond=0)
                    - dt.timedelta(days=rng.randint(0, 30)),
                    topic=rng.choice(HELPDESK_TOPICS),
                    minutes=rng.choice((10, 15, 20, 30)),
                    outcome=rng.choice(("solved", "solved", "referred", "follow-up")),
                    postcode=rng.choice(("8500", "8510", "9000")) if i % 3 else "",
                    location_id=location.id,
                )
            )
    return {"devices": len(tags), "borrowers": len(cards), "loans": 6}
