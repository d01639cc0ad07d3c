"""Documents in the borrower's (or donor's) language, never silently Dutch; Arabic names shaped."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from app import i18n
from app.bench import BenchService
from app.borrowers import BorrowerInput
from app.donations import DonationService, IntakeItem
from app.inventory import DeviceInput
from app.printing.attestations import render_attestation
from app.printing.certificates import render_wipe_certificate
from app.printing.pdf import shape
from app.printing.service import PrintService
from app.trainings import TrainingService
from tests.conftest import make_ready
from tests.test_printing_labels import pdf_text

DUE = dt.date.today() + dt.timedelta(days=60)
ARABIC_NAME = ("محمد", "العلي")  # Mohammed Al-Ali
# After shaping: each letter in its joined form (Arabic Presentation Forms-B), and the
# words in visual order (right to left), as reportlab must draw them from left to right.
SHAPED_LAST_FIRST = "\ufef2\ufee0\ufecc\ufedf\ufe8d \ufeaa\ufee4\ufea4\ufee3"


def lend(ctx, first="Sophie", last="Dubois", language="fr", street="Rue de Tournai 12") -> str:
    device = ctx.devices.add(DeviceInput("laptop", "Lenovo", "ThinkPad T480", "PF-1A2B3C"))
    make_ready(ctx, device.asset_tag)
    person = ctx.borrowers.add(BorrowerInput(first, last, "8500", street=street, language=language))
    ctx.loans.checkout(device.asset_tag, person.card_number, due=DUE, deposit_cents=2500)
    return device.asset_tag


def flat(path) -> str:
    return " ".join(pdf_text(path).split())


def test_french_borrowers_contract_is_in_french(ctx, tmp_path):
    tag = lend(ctx)
    PrintService(ctx.sessions, ctx.settings).contract(tag, tmp_path / "c.pdf")
    text = flat(tmp_path / "c.pdf")
    for french in (
        "Contrat de prêt",
        "Exemplaire pour l'emprunteur",
        "Conditions du prêt",
        "Caution",
        "ordinateur",
    ):
        assert french in text, french
    for dutch in ("Uitleenovereenkomst", "Waarborg", "Voorwaarden van de uitlening"):
        assert dutch not in text, dutch
    assert i18n.language() == "nl"  # the counter keeps its own language


def test_french_borrowers_return_receipt_is_in_french(ctx, tmp_path):
    tag = lend(ctx)
    ctx.loans.return_device(tag, condition="rayure sur le couvercle")
    PrintService(ctx.sessions, ctx.settings).receipt(tag, tmp_path / "r.pdf")
    text = flat(tmp_path / "r.pdf")
    assert "Accusé de retour" in text and "Vos données sur cet appareil seront effacées" in text
    assert "Ontvangstbewijs" not in text and "Teruggebracht op" not in text


def test_french_participants_attestation_is_in_french(ctx, tmp_path):
    trainings = TrainingService(ctx.sessions, now=lambda: dt.datetime(2026, 2, 1, 10))
    card = ctx.borrowers.add(BorrowerInput("Sophie", "Dubois", "8500", language="fr")).card_number
    session = trainings.add("Premiers pas", dt.datetime(2026, 2, 2, 14, 0), series="Base", part=1, of=1)
    trainings.register(session.id, card)
    trainings.attend(session.id, card)
    out = tmp_path / "a.pdf"
    render_attestation(trainings.participation(card, "Base"), None, out, issued_on=dt.date(2026, 2, 20))
    text = flat(out)
    assert "Attestation de participation" in text and "Établi le 20/02/2026" in text
    assert "Deelnameattest" not in text


def test_wipe_certificate_in_the_donors_language(ctx, tmp_path):
    donations = DonationService(ctx.sessions, ctx.devices, today=lambda: dt.date(2026, 1, 5))
    bench = BenchService(ctx.sessions, ctx.devices, now=lambda: dt.datetime(2026, 1, 9, 16, 0))
    donation = donations.add("Boulangerie Dupont sprl")
    (device,) = donations.intake(donation.number, [IntakeItem("laptop", "HP", "EliteBook 840", "5CG7")])
    bench.record_wipe(
        device.asset_tag, "nwipe", "passed", technician="Pierre", ended_at=dt.datetime(2026, 1, 7)
    )
    out = tmp_path / "w.pdf"
    render_wipe_certificate(donations.certificate_data(donation.number), out, language="fr")
    text = flat(out)
    assert "Certificat d'effacement des données" in text and "RGPD" in text
    assert "Attest van gegevensverwijdering" not in text


def test_a_missing_french_text_makes_the_document_fail(ctx, tmp_path, monkeypatch):
    tag = lend(ctx)
    real_load = i18n.load

    def load_without_deposit(language):
        translations = real_load(language)
        if language == "fr":
            translations._catalog.pop("Waarborg")  # as if nobody had translated it
        return translations

    monkeypatch.setattr(i18n, "load", load_without_deposit)
    with pytest.raises(i18n.MissingTranslation, match="Waarborg"):
        PrintService(ctx.sessions, ctx.settings).contract(tag, tmp_path / "c.pdf")
    assert not (tmp_path / "c.pdf").exists()
    assert i18n.language() == "nl"


def test_arabic_is_shaped_and_right_to_left():
    assert shape(" ".join(ARABIC_NAME)) == SHAPED_LAST_FIRST
    assert all(0xFE70 <= ord(c) <= 0xFEFF for c in SHAPED_LAST_FIRST.replace(" ", ""))
    assert shape("Jan Peeters, Rue de Tournai 12") == "Jan Peeters, Rue de Tournai 12"


def test_arabic_name_prints_shaped_on_the_contract(ctx, tmp_path):
    tag = lend(ctx, *ARABIC_NAME, language="nl", street="شارع الملك 5")
    PrintService(ctx.sessions, ctx.settings).contract(tag, tmp_path / "c.pdf")
    raw = subprocess.run(["pdftotext", "-raw", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True)
    # pdftotext reads right-to-left words back in reading order (and marks them with
    # U+202B…U+202C): each word must come out in its joined letter forms, never as the
    # bare, unjoined letters an unshaped name would leave in the PDF.
    text = raw.stdout.replace("\u202b", "").replace("\u202c", "")
    for visual_word in SHAPED_LAST_FIRST.split():
        assert visual_word[::-1] in text, visual_word
    for word in (*ARABIC_NAME, "شارع", "الملك"):
        assert word not in text, word
    for visual_word in shape("شارع الملك").split():
        assert visual_word[::-1] in text, visual_word


def test_shaping_twice_changes_nothing_more():
    once = shape(" ".join(ARABIC_NAME))
    assert shape(once) == once
