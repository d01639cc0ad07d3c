"""Borrowers: registration, validation (names, postcode, e-mail, phone), edits, blocking, search."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.borrowers import BorrowerInput, clean_email, clean_phone
from app.errors import NotFound, UserError
from db.base import OutboxEntry
from db.models import Borrower


def add(ctx, first="Jan", last="Peeters", postcode="8500", **kw):
    return ctx.borrowers.add(BorrowerInput(first, last, postcode, **kw))


def outbox_count(ctx):
    with ctx.sessions() as s:
        return s.scalar(select(func.count()).select_from(OutboxEntry))


def test_add_gives_location_coded_incrementing_cards(ctx):
    a, b = add(ctx), add(ctx, "Els", "Maes", "9000")
    assert (a.card_number, b.card_number) == ("KRT-B-00001", "KRT-B-00002")
    assert (a.municipality, a.province) == ("Kortrijk", "WVL")
    assert (b.municipality, b.province) == ("Gent", "OVL")
    assert a.consent_date is None  # nobody asked: no consent is invented
    assert a.location_id == ctx.locations.current().id


def test_cards_continue_after_the_highest_existing_number(ctx):
    add(ctx)
    with ctx.sessions() as s, s.begin():
        s.add(Borrower(card_number="KRT-B-00077", first_name="X", last_name="Y", postcode="8500"))
        s.add(Borrower(card_number="GNT-B-00500", first_name="X", last_name="Y", postcode="9000"))
    assert add(ctx, first="Mina").card_number == "KRT-B-00078"


def test_reports_count_per_municipality_so_the_table_decides(ctx):
    # 8501 is Heule, a part of Kortrijk: the funder counts municipalities.
    with pytest.raises(UserError, match="hoort bij Kortrijk"):
        add(ctx, postcode="8501", municipality="Heule")
    with pytest.raises(UserError, match="hoort bij Kortrijk, niet bij Gent"):
        add(ctx, postcode="8500", municipality="Gent")
    person = add(ctx, postcode="8501", municipality="kortrijk")
    assert (person.municipality, person.province) == ("Kortrijk", "WVL")
    with pytest.raises(UserError):
        ctx.borrowers.edit(person.card_number, municipality="Gent")
    assert ctx.borrowers.edit(person.card_number, postcode="9000").municipality == "Gent"


def test_names_are_tidied(ctx):
    person = add(ctx, first="  Anne   Marie ", last=" Van  den Broeck ")
    assert (person.first_name, person.last_name) == ("Anne Marie", "Van den Broeck")


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"first": ""}, "voornaam is verplicht"),
        ({"first": "   "}, "voornaam is verplicht"),
        ({"last": ""}, "familienaam is verplicht"),
        ({"last": "x" * 81}, "te lang"),
        ({"postcode": "0999"}, "geen Belgische postcode"),
        ({"postcode": "75001"}, "geen Belgische postcode"),
        ({"postcode": ""}, "geen Belgische postcode"),
        ({"email": "jan@"}, "E-mailadres"),
        ({"phone": "12"}, "Telefoonnummer"),
        ({"target_group": "vip"}, "doelgroep"),
    ],
)
def test_add_refuses_bad_input_and_writes_nothing(ctx, kw, message):
    before = outbox_count(ctx)
    with pytest.raises(UserError, match=message):
        add(ctx, **kw)
    assert ctx.borrowers.count() == 0
    assert outbox_count(ctx) == before


@pytest.mark.parametrize(
    "email", ["jan@voorbeeld.be", "jan.peeters+digi@mail.example.org", "a_b@c-d.museum", "  x@y.be  "]
)
def test_valid_email(email):
    assert clean_email(email) == email.strip()


@pytest.mark.parametrize(
    "email",
    ["jan", "jan@", "@voorbeeld.be", "jan@voorbeeld", "jan@@voorbeeld.be", "jan peeters@x.be", "jan@x.b"],
)
def test_invalid_email(email):
    with pytest.raises(UserError, match="klopt niet"):
        clean_email(email)


def test_empty_email_and_phone_are_allowed():
    assert clean_email("") == ""
    assert clean_phone("  ") == ""


@pytest.mark.parametrize(
    "phone", ["056 12 34 56", "+32 470 12 34 56", "0470/12.34.56", "(056) 12-34-56", "0032470123456"]
)
def test_valid_phone(phone):
    assert clean_phone(phone) == phone


@pytest.mark.parametrize(
    "phone", ["12345", "bel me", "0470 12 34 5x", "+32 470 12 34 56 78 90 12", "-0470123456"]
)
def test_invalid_phone(phone):
    with pytest.raises(UserError, match="Telefoonnummer"):
        clean_phone(phone)


def test_edit_postcode_updates_province_and_municipality(ctx):
    card = add(ctx).card_number
    person = ctx.borrowers.edit(card, postcode="3500")
    assert (person.postcode, person.municipality, person.province) == ("3500", "Hasselt", "LIM")
    person = ctx.borrowers.edit(card, postcode="1020", municipality="brussel")
    assert (person.postcode, person.municipality, person.province) == ("1020", "Brussel", "BRU")


def test_edit_validates_and_changes_nothing_on_error(ctx):
    card = add(ctx, email="jan@x.be").card_number
    before = outbox_count(ctx)
    for bad in (
        {"email": "nope"},
        {"postcode": "123"},
        {"first_name": " "},
        {"phone": "x"},
        {"card_number": "X"},
    ):
        with pytest.raises(UserError):
            ctx.borrowers.edit(card, **bad)
    person = ctx.borrowers.get(card)
    assert (person.email, person.postcode, person.first_name) == ("jan@x.be", "8500", "Jan")
    assert outbox_count(ctx) == before


def test_erased_person_cannot_be_edited(ctx):
    card = add(ctx).card_number
    with ctx.sessions() as s, s.begin():
        s.scalar(select(Borrower).where(Borrower.card_number == card)).erased = True
    with pytest.raises(UserError, match="gewist"):
        ctx.borrowers.edit(card, phone="056 12 34 56")


def test_block_needs_a_reason_and_unblock_clears_it(ctx):
    card = add(ctx).card_number
    with pytest.raises(UserError, match="reden"):
        ctx.borrowers.block(card, "  ")
    assert not ctx.borrowers.get(card).blocked
    ctx.borrowers.block(card, " toestel beschadigd ")
    person = ctx.borrowers.get(card)
    assert (person.blocked, person.blocked_reason) == (True, "toestel beschadigd")
    ctx.borrowers.unblock(card)
    person = ctx.borrowers.get(card)
    assert (person.blocked, person.blocked_reason) == (False, "")


def test_unknown_card_is_not_found(ctx):
    with pytest.raises(NotFound, match="KRT-B-99999"):
        ctx.borrowers.get("KRT-B-99999")
    with pytest.raises(NotFound):
        ctx.borrowers.block("KRT-B-99999", "x")


def test_search_by_name_card_email_phone_and_town(ctx):
    jan = add(ctx, email="jan.peeters@mail.be", phone="0470 12 34 56").id
    els = add(ctx, "Els", "Maes", "9000").id
    fr = add(ctx, "François", "Dubois", "1000").id
    find = ctx.borrowers.search_ids
    assert find("pee") == [jan]
    assert find("PEETERS jan") == [jan]
    assert find("KRT-B-00002") == [els]
    assert find("krt-b-00003") == [fr]
    assert find("jan.peeters@mail.be") == [jan]
    assert find("gent") == [els]
    assert find("francois") == [fr]  # diacritics do not matter
    assert find("0470") == [jan]
    assert find("zzz") == []
    assert find("") == [fr, els, jan]  # by last name
    assert find("", limit=1) == [fr]
    assert [b.id for b in ctx.borrowers.find("maes")] == [els]
    assert ctx.borrowers.count() == 3


def test_search_follows_edits_and_skips_deleted(ctx):
    person = add(ctx)
    ctx.borrowers.edit(person.card_number, last_name="Janssens")
    assert ctx.borrowers.search_ids("peeters") == []
    assert ctx.borrowers.search_ids("janss") == [person.id]
    with ctx.sessions() as s, s.begin():
        s.get(Borrower, person.id).deleted = True
    assert ctx.borrowers.search_ids("janss") == []
    assert ctx.borrowers.by_id([person.id])[0].deleted is True


# -- municipality by NIS code (issue 14) -------------------------------------------------


def test_a_person_from_zwijndrecht_lives_in_east_flanders(ctx):
    zwijndrecht = add(ctx, postcode="2070")
    assert (zwijndrecht.municipality, zwijndrecht.nis_code, zwijndrecht.province) == (
        "Beveren-Kruibeke-Zwijndrecht",
        "46030",
        "OVL",
    )
    borsbeek = add(ctx, postcode="2150", municipality="Borsbeek")  # the pre-2025 name is understood
    assert (borsbeek.municipality, borsbeek.nis_code, borsbeek.province) == ("Antwerpen", "11002", "ANT")


def test_moving_changes_the_nis_code_and_province(ctx):
    card = add(ctx).card_number
    moved = ctx.borrowers.edit(card, postcode="3724")
    assert (moved.municipality, moved.nis_code, moved.province) == ("Hasselt", "71072", "LIM")
    with pytest.raises(UserError, match="hoort bij Hasselt, niet bij Gent"):
        ctx.borrowers.edit(card, municipality="Gent")


def test_a_postcode_with_several_municipalities_asks_which_one(ctx, tmp_path, monkeypatch):
    from app import postcodes

    table = tmp_path / "postcodes.csv"
    table.write_text("postcode,nis,name_nl,name_fr\n9999,44021,Gent,Gand\n9999,44088,Merelbeke-Melle,x\n")
    monkeypatch.setattr(postcodes, "POSTCODE_FILE", table)
    postcodes._by_postcode.cache_clear()
    try:
        before = outbox_count(ctx)
        with pytest.raises(
            UserError, match=r"Kies er een: Gent \(NIS 44021\), Merelbeke-Melle \(NIS 44088\)"
        ):
            add(ctx, postcode="9999")
        assert outbox_count(ctx) == before
        chosen = add(ctx, postcode="9999", municipality="44088")
        assert (chosen.nis_code, chosen.municipality) == ("44088", "Merelbeke-Melle")
    finally:
        postcodes._by_postcode.cache_clear()


# -- eligibility as counters check it ---------------------------------------------------


def test_eligibility_is_a_code_a_referrer_and_dates_never_the_proof(ctx):
    import datetime as dt

    from app.eligibility import Eligibility

    today = ctx.borrowers.today()
    b = add(ctx, eligibility=Eligibility("leefloon-ocmw", "ocmw"), birth_year=today.year - 30)
    assert (b.eligibility_code, b.referrer) == ("leefloon-ocmw", "OCMW")  # the list's spelling
    assert b.eligibility_checked_on == today
    # Valid one year (the setting's 12 months) unless said otherwise.
    assert b.eligibility_valid_until == today.replace(year=today.year + 1) or (today.month, today.day) == (
        2,
        29,
    )
    assert (b.birth_year, b.age_band) == (today.year - 30, "25-34")
    banded = add(  # another person: the same name and postcode would be asked about as a duplicate
        ctx,
        "Els",
        age_band="65-74",
        eligibility=Eligibility("igo", valid_until=today + dt.timedelta(days=30)),
    )
    assert (banded.birth_year, banded.age_band) == (None, "65-74")
    assert banded.eligibility_valid_until == today + dt.timedelta(days=30)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"eligibility_code": "attest"}, "Onbekend bewijs 'attest'"),
        ({"referrer": "de buurvrouw"}, "niet in de lijst van doorverwijzers"),
        ({"age_band": "30-40"}, "Onbekende leeftijdsgroep"),
        ({"birth_year": "84"}, "Geboortejaar 84 klopt niet"),
    ],
)
def test_eligibility_refusals_change_nothing(ctx, kw, match):
    card = add(ctx).card_number
    before = outbox_count(ctx)
    with pytest.raises(UserError, match=match):
        ctx.borrowers.edit(card, **kw)
    assert outbox_count(ctx) == before


def test_a_new_check_gets_a_new_validity(ctx):
    import datetime as dt

    card = add(ctx).card_number
    today = ctx.borrowers.today()
    b = ctx.borrowers.edit(
        card, eligibility_code="schuldbemiddeling", eligibility_checked_on=today - dt.timedelta(days=400)
    )
    assert b.eligibility_valid_until < today  # checked 400 days ago: expired
    b = ctx.borrowers.edit(card, eligibility_checked_on=today)
    assert b.eligibility_valid_until > today


def test_erasure_drops_the_birth_year_and_check_dates_but_keeps_the_counts(ctx):
    from app.eligibility import Eligibility

    card = add(ctx, postcode="2070", eligibility=Eligibility("igo", "CAW"), birth_year=1950).card_number
    band = ctx.borrowers.get(card).age_band
    ctx.privacy.erase(card)
    gone = ctx.borrowers.get(card)
    assert (gone.birth_year, gone.eligibility_checked_on, gone.eligibility_valid_until) == (None, None, None)
    assert (gone.age_band, gone.eligibility_code, gone.referrer) == (band, "igo", "CAW")
    assert (gone.nis_code, gone.province) == ("46030", "OVL")


def test_clearing_the_proof_clears_its_dates(ctx):
    from app.eligibility import Eligibility

    card = add(ctx, eligibility=Eligibility("igo", "CAW")).card_number
    cleared = ctx.borrowers.edit(card, eligibility_code="")
    assert (cleared.eligibility_code, cleared.referrer) == ("", "CAW")
    assert (cleared.eligibility_checked_on, cleared.eligibility_valid_until) == (None, None)
