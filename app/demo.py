"""`digibank demo`: a believable month of a small digibank to practise on (volunteer training).

Everything is made through the ordinary services with a clock that walks through the
month, so the dates hang together the way real work leaves them: a device is donated
before it is wiped, wiped before it is lent, lent before it is late; a training's
attendance is taken on its day. Only for an empty data folder, so practice people never
mix with real ones; the folder is marked as practice (`settings.demo`): the window's
title says OEFENING and every printout carries the watermark "OEFENING".
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import func, select

from app.borrowers import BorrowerInput
from app.context import AppContext
from app.donations import IntakeItem
from app.errors import UserError
from app.i18n import _
from db.models import Borrower, Device

# (first name, last name, postcode, phone, e-mail, language)
PEOPLE = (
    ("Fatima", "El Amrani", "8500", "0471 23 45 67", "", "nl"),
    ("Jan", "Vandenberghe", "8500", "056 21 43 65", "", "nl"),
    ("Marie", "Claeys", "8501", "0478 11 22 33", "marie.claeys@example.be", "nl"),
    ("Ahmed", "Benali", "8510", "0486 98 76 54", "", "nl"),
    ("Els", "Desmet", "8530", "0472 55 66 77", "els.desmet@example.be", "nl"),
    ("Luc", "Verhaeghe", "8560", "", "", "nl"),
    ("Noor", "Jacobs", "9000", "0493 12 34 56", "noor.jacobs@example.be", "nl"),
    ("Pieter", "De Smet", "9000", "09 223 45 67", "", "nl"),
    ("Sofie", "Maes", "8800", "0475 44 33 22", "", "nl"),
    ("Yusuf", "Kaya", "8500", "0489 77 88 99", "", "nl"),
    ("Ann", "Vermeulen", "8790", "0476 10 20 30", "ann.vermeulen@example.be", "nl"),
    ("Koen", "Lambrecht", "8520", "0497 65 43 21", "", "nl"),
    ("Olena", "Kovalenko", "8500", "0465 12 12 12", "", "en"),
    ("Jean-Pierre", "Dubois", "8930", "0470 99 88 77", "", "nl"),
    ("Hanne", "Willems", "8500", "0494 31 41 59", "hanne.willems@example.be", "nl"),
    ("Mohamed", "Amrani", "8510", "0488 26 53 58", "", "nl"),
)
DONATIONS = (
    # donor, kind, devices (kind, brand, model, accessories)
    (
        "Bakkerij Dewitte bv",
        "organisation",
        [("laptop", "Lenovo", "ThinkPad T480", "lader")] * 4
        + [("laptop", "Lenovo", "ThinkPad X270", "lader")] * 2,
    ),
    (
        "Stad Kortrijk — dienst ICT",
        "organisation",
        [("laptop", "Dell", "Latitude 5490", "lader, tas")] * 5
        + [("laptop", "HP", "EliteBook 840 G5", "lader")] * 3
        + [("tablet", "Samsung", "Galaxy Tab A8", "lader, hoes")] * 2,
    ),
    ("Familie Vanneste", "person", [("laptop", "HP", "ProBook 450 G6", "lader")] * 2),
    ("Vzw Buurtwerk", "organisation", [("screen", "Dell", "P2219H", "voedingskabel, HDMI-kabel")] * 2),
)
HELPDESK_TOPICS_DEMO = (
    "itsme",
    "tax-on-web",
    "ebox",
    "burgerprofiel",
    "bank",
    "health",
    "vdab",
    "benefits",
    "device",
)


@dataclass
class _Clock:
    """The demo's 'now', walked forward day by day through the month."""

    at: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.at

    def day(self, days_ago: int, hour: int = 10, minute: int = 0) -> None:
        today = dt.datetime.now().replace(second=0, microsecond=0)
        self.at = (today - dt.timedelta(days=days_ago)).replace(hour=hour, minute=minute)
        if self.at > today:  # "today at 10:00" before 10:00 would lie in the future
            self.at = today


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
    clock = _Clock(dt.datetime.now())
    demo = AppContext(ctx.data_dir, ctx.engine, ctx.sessions, ctx.settings, now=clock, db_key=ctx.db_key)
    if not demo.locations.is_initialised():
        demo.locations.initialise("DEMO", _("Oefenbalie"))
    ctx.settings.demo = True
    ctx.save_settings()
    from app.config import set_practice_mode

    set_practice_mode(True)

    # Earlier months: helpdesk questions from before the devices came (the reports compare).
    for days_ago in sorted(rng.sample(range(31, 75), 18), reverse=True):
        clock.day(days_ago, hour=rng.choice((9, 10, 14, 15)), minute=rng.choice((0, 15, 30, 45)))
        _helpdesk_visit(demo, rng, card="")

    # Day 30: the donations arrive; the intake gives every device a tag.
    clock.day(30, hour=9)
    tags: list[str] = []
    donation_refs: list[str] = []
    for donor, kind, items in DONATIONS:
        donation = demo.donations.add(donor, kind=kind, received_on=clock().date())
        donation_refs.append(donation.number)
        devices = demo.donations.intake(
            donation.number,
            [
                IntakeItem(k, brand, model, serial=f"DEMO{len(tags) + i + 1001}", accessories=acc)
                for i, (k, brand, model, acc) in enumerate(items)
            ],
        )
        tags.extend(d.asset_tag for d in devices)

    # Days 29–25: the bench wipes most of them; two need a repair; the screens wait.
    kinds = [k for _donor, _kind, items in DONATIONS for k, _b, _m, _a in items]
    laptops_and_tablets = [t for t, k in zip(tags, kinds, strict=True) if k != "screen"]
    to_wipe = laptops_and_tablets[:16]
    for i, tag in enumerate(to_wipe):
        clock.day(29 - i // 4, hour=9 + (i % 4) * 2)
        started = clock()
        clock.at = started + dt.timedelta(minutes=95)
        demo.bench.record_wipe(
            tag,
            method="nwipe",
            result="passed",
            technician="Demo-technieker",
            tool="ShredOS nwipe 0.34",
            started_at=started,
            ended_at=clock(),
        )
        if i in (3, 9):
            demo.bench.record_repair(
                tag,
                action=_("nieuwe batterij") if i == 3 else _("toetsenbord vervangen"),
                parts="batterij 45 Wh" if i == 3 else "toetsenbord BE-azerty",
                cost="34,90" if i == 3 else "22,50",
                minutes=40,
                technician="Demo-technieker",
                done_on=clock().date(),
            )
        demo.devices.set_status(tag, "ready")
    # One laptop waits for a part; the rest of the last donation are not wiped yet, so its
    # donor certificate is refused (practise the draft overview).
    demo.devices.set_status(laptops_and_tablets[16], "repair")

    # Day 28 onwards: people register at the counter (most agreed to the privacy statement).
    cards: list[str] = []
    for i, (first, last, postcode, phone, email, language) in enumerate(PEOPLE):
        clock.day(28 - i, hour=10 + i % 5)
        person = demo.borrowers.add(
            BorrowerInput(
                first,
                last,
                postcode,
                phone=phone,
                email=email,
                language=language,
                # Two were not asked yet: staff see "geen toestemming geregistreerd".
                consent=i not in (5, 11),
            )
        )
        cards.append(person.card_number)

    ready = list(to_wipe)
    loans = 0
    # Two loans with a short period that are now late (reminders due), one due in two days.
    clock.day(26, hour=11)
    demo.loans.checkout(ready[0], cards[0], due=clock().date() + dt.timedelta(days=14))
    demo.loans.checkout(ready[1], cards[1], due=clock().date() + dt.timedelta(days=21))
    clock.day(12, hour=14)
    demo.loans.checkout(ready[2], cards[2], due=clock().date() + dt.timedelta(days=14))
    loans += 3
    # Ordinary loans of the standard period.
    for offset, (tag, card) in enumerate(zip(ready[3:7], cards[3:7], strict=True)):
        clock.day(24 - offset * 4, hour=10)
        demo.loans.checkout(tag, card)
        loans += 1
    # A loan that came back (the device now waits for its wipe on the bench).
    clock.day(25, hour=15)
    demo.loans.checkout(ready[7], cards[7])
    clock.day(6, hour=11)
    demo.loans.return_device(ready[7], condition=_("in orde, lader mee"))
    loans += 1
    # A tablet given away for good to a family (end of its life at the digibank).
    clock.day(9, hour=16)
    tablet = next(t for t, k in zip(tags, kinds, strict=True) if k == "tablet" and t in to_wipe)
    demo.bench.give_away(tablet, cards[8])

    # A blocked card: never brought back a charger and did not answer three calls.
    clock.day(8, hour=10)
    demo.borrowers.block(cards[9], _("lader niet teruggebracht; drie keer gebeld zonder antwoord"))

    # The waiting list: three for a laptop, one for a tablet.
    for days_ago, card, kind, priority in (
        (10, cards[10], "laptop", 1),
        (5, cards[12], "laptop", 2),
        (2, cards[13], "laptop", 2),
        (3, cards[14], "tablet", 3),
    ):
        clock.day(days_ago, hour=13)
        demo.waiting_list.add(card, kind=kind, priority=priority)

    # Trainings: a three-part series with attendance, a one-off, and one coming up.
    trainings = 0
    for part, days_ago in enumerate((21, 14, 7), start=1):
        clock.day(days_ago, hour=9)
        session = demo.trainings.add(
            _("Digibasis: werken met een laptop"),
            starts_at=clock().replace(hour=13, minute=30),
            capacity=10,
            series="Digibasis",
            part=part,
            of=3,
            trainer="Demo-lesgever",
            place=_("Leslokaal"),
        )
        trainings += 1
        for card in cards[:8]:
            demo.trainings.register(session.id[:8], card)
        clock.at = clock().replace(hour=13, minute=35)
        for card in cards[: 8 - part]:  # a few miss a part, as people do
            demo.trainings.attend(session.id[:8], card)
        demo.trainings.walk_in(session.id[:8], count=part % 2 + 1)
    clock.day(3, hour=9)
    session = demo.trainings.add(
        _("itsme installeren en gebruiken"),
        starts_at=clock().replace(hour=14),
        capacity=8,
        trainer="Demo-lesgever",
    )
    trainings += 1
    for card in cards[10:15]:
        demo.trainings.register(session.id[:8], card)
    clock.at = clock().replace(hour=14, minute=5)
    for card in cards[10:14]:
        demo.trainings.attend(session.id[:8], card)
    clock.day(0, hour=9)
    coming = demo.trainings.add(
        _("Veilig online bankieren"),
        starts_at=(clock() + dt.timedelta(days=5)).replace(hour=10, minute=0),
        capacity=12,
        trainer="Demo-lesgever",
    )
    trainings += 1
    for card in cards[2:7]:
        demo.trainings.register(coming.id[:8], card)

    # Helpdesk questions of this month, a few of them today.
    visits = 18
    for days_ago in sorted([rng.randint(1, 29) for _i in range(22)] + [0, 0, 0], reverse=True):
        clock.day(days_ago, hour=rng.choice((9, 10, 11, 14, 15)), minute=rng.choice((0, 10, 20, 40)))
        _helpdesk_visit(demo, rng, card=rng.choice(cards[:9]) if rng.random() < 0.5 else "")
        visits += 1

    return {
        "devices": len(tags),
        "borrowers": len(cards),
        "loans": loans,
        "donations": len(donation_refs),
        "trainings": trainings,
        "visits": visits,
    }


def _helpdesk_visit(demo: AppContext, rng: random.Random, card: str) -> None:
    demo.helpdesk.log(
        rng.choice(HELPDESK_TOPICS_DEMO),
        card=card,
        postcode="" if card else rng.choice(("8500", "8500", "8510", "8530", "9000")),
        minutes=rng.choice((10, 15, 20, 30, 45)),
        outcome=rng.choice(("solved", "solved", "solved", "referred", "follow-up")),
    )
