"""Loan contract (two copies, Belgian dates, versioned conditions, signature) and return receipt."""

from __future__ import annotations

import base64
import datetime as dt
import io
import subprocess

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from app.borrowers import BorrowerInput
from app.errors import UserError
from app.inventory import DeviceInput
from app.printing.contracts import load_conditions
from app.printing.service import PrintService
from db.models import Loan
from tests.conftest import make_ready
from tests.test_printing_labels import pdf_text

DUE = dt.date.today() + dt.timedelta(days=60)


def lend(ctx) -> tuple[str, str]:
    device = ctx.devices.add(
        DeviceInput("laptop", "Lenovo", "ThinkPad T480", "PF-1A2B3C", accessories="lader, tas")
    )
    make_ready(ctx, device.asset_tag)
    person = ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500", street="Doorniksestraat 12"))
    ctx.loans.checkout(device.asset_tag, person.card_number, due=DUE, deposit_cents=2500)
    return device.asset_tag, person.card_number


def signature_png() -> bytes:
    image = Image.new("RGBA", (400, 150), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(20, 120), (80, 30), (140, 110), (220, 40), (300, 120), (380, 60)], fill="black", width=5)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def loan_of(ctx) -> Loan:
    with ctx.sessions() as s:
        return s.scalars(select(Loan)).one()


def images(pdf) -> list[str]:
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
    return [line for line in listing.stdout.splitlines()[2:] if line.strip()]


def test_contract_shows_parties_device_dates_and_version_in_two_copies(ctx, tmp_path):
    tag, card = lend(ctx)
    out = tmp_path / "contract.pdf"
    PrintService(ctx.sessions, ctx.settings).contract(tag, out)
    text = pdf_text(out)
    assert "overeenkomst" in text
    for expected in ("Jan Peeters", card, tag, "Lenovo ThinkPad T480", "PF-1A2B3C", "lader, tas", "€ 25,00"):
        assert expected in text, expected
    assert DUE.strftime("%d/%m/%Y") in text
    version = load_conditions("nl").version
    assert f"Versie van de voorwaarden: {version}" in text
    assert "Exemplaar voor de digibank" in text and "Exemplaar voor de ontlener" in text
    assert "Eigendom van" not in text and "Kortrijk balie" in text  # {digibank} filled in
    assert images(out) == []
    loan = loan_of(ctx)
    assert loan.contract_printed and loan.contract_version == version


def test_signed_contract_embeds_the_signature_in_both_copies(ctx, tmp_path):
    tag, _card = lend(ctx)
    png = signature_png()
    out = tmp_path / "signed.pdf"
    PrintService(ctx.sessions, ctx.settings).sign_contract(tag, png, out=out)
    loan = loan_of(ctx)
    assert base64.b64decode(loan.signature_png) == png and loan.contract_printed and not loan.signed_on_paper
    rows = images(out)
    assert len(rows) >= 2  # one signature per copy (pdfimages lists the alpha mask separately)
    assert all(" 400 " in row and " 150 " in row for row in rows)
    assert "Digitaal ondertekend" in pdf_text(out)


def test_reprint_of_signed_contract_keeps_the_signed_conditions(ctx, tmp_path):
    tag, _card = lend(ctx)
    own = tmp_path / "own"
    own.mkdir()
    (own / "conditions_nl.md").write_text(
        "version: 2099-9\n# Nieuwe voorwaarden\n\n1. Iets nieuws.\n", "utf-8"
    )
    shipped = load_conditions("nl").version
    PrintService(ctx.sessions, ctx.settings).sign_contract(tag, None, signed_on_paper=True)
    printing = PrintService(ctx.sessions, ctx.settings, templates_dir=own)
    printing.contract(tag, tmp_path / "again.pdf")
    text = pdf_text(tmp_path / "again.pdf")
    assert f"Versie van de voorwaarden: {shipped}" in text and "Iets nieuws" not in text
    assert loan_of(ctx).contract_version == shipped


def test_unsigned_contract_uses_the_digibanks_own_conditions(ctx, tmp_path):
    tag, _card = lend(ctx)
    own = tmp_path / "own"
    own.mkdir()
    (own / "conditions_nl.md").write_text(
        "version: 2099-9\n# Eigen voorwaarden\n\n1. Iets eigens.\n", "utf-8"
    )
    PrintService(ctx.sessions, ctx.settings, templates_dir=own).contract(tag, tmp_path / "c.pdf")
    text = pdf_text(tmp_path / "c.pdf")
    assert "Iets eigens." in text and "2099-9" in text
    assert loan_of(ctx).contract_version == "2099-9"


def test_english_contract(ctx, tmp_path):
    tag, _card = lend(ctx)
    PrintService(ctx.sessions, ctx.settings).contract(tag, tmp_path / "en.pdf", language="en")
    text = pdf_text(tmp_path / "en.pdf")
    assert "Conditions of the loan" in text and tag in text


def test_no_open_loan_and_no_signature_are_refused(ctx, tmp_path):
    device = ctx.devices.add(DeviceInput("laptop", "Dell", "E7450", "X1"))
    printing = PrintService(ctx.sessions, ctx.settings)
    with pytest.raises(UserError, match="niet uitgeleend"):
        printing.contract(device.asset_tag, tmp_path / "c.pdf")
    tag, _card = lend(ctx)
    with pytest.raises(UserError, match="handtekening"):
        printing.sign_contract(tag, None, out=tmp_path / "c.pdf")
    assert list(tmp_path.glob("*.pdf")) == []
    assert loan_of(ctx).signature_png == ""


def test_return_receipt(ctx, tmp_path):
    tag, card = lend(ctx)
    ctx.loans.return_device(tag, condition="kras op het deksel")
    out = tmp_path / "receipt.pdf"
    PrintService(ctx.sessions, ctx.settings).receipt(tag, out)
    text = pdf_text(out)
    assert "Ontvangstbewijs" in text and tag in text and card in text
    assert "kras op het deksel" in text and dt.date.today().strftime("%d/%m/%Y") in text
    assert "€ 25,00" in text
    assert "Uw gegevens op dit toestel worden gewist" in " ".join(text.split())
