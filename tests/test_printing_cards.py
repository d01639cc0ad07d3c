"""Member cards decode to their card number; 10 per A4 sheet or one per page."""

from __future__ import annotations

import subprocess

import pytest

from app.borrowers import BorrowerInput
from app.errors import UserError
from app.printing.cards import CARD_H, CARD_W
from app.printing.service import PrintService
from tests.test_printing_labels import decode_pdf, pdf_text


def page_sizes(pdf) -> list[str]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True, text=True).stdout
    return [line.split(":", 1)[1].strip() for line in info.splitlines() if "size:" in line and "Page" in line]


def add_people(ctx, count: int) -> list[str]:
    # A phone each: one number shared by twelve people would be taken for one person twice.
    people = [
        BorrowerInput("Fatima", f"El Amrani {i}", "8500", phone=f"056 12 34 {i:02d}") for i in range(count)
    ]
    return [ctx.borrowers.add(person).card_number for person in people]


def test_card_sheet_decodes_every_card_number(ctx, tmp_path):
    ctx.locations.update_details(
        address="Grote Markt 1", postcode="8500", municipality="Kortrijk", phone="056 27 00 00"
    )
    cards = add_people(ctx, 12)
    out = tmp_path / "cards.pdf"
    assert PrintService(ctx.sessions, ctx.settings).cards(cards, out) == 12
    pages = decode_pdf(out, 300, tmp_path)
    assert [len(p) for p in pages] == [10, 2]
    assert sorted(v for p in pages for v in p) == sorted(cards)
    text = pdf_text(out)
    assert "Fatima El Amrani 0" in text and "Kortrijk balie" in text and "Grote Markt 1" in text
    assert "Lidkaart" in text


def test_one_card_per_page_is_credit_card_size(ctx, tmp_path):
    (card,) = add_people(ctx, 1)
    out = tmp_path / "card.pdf"
    PrintService(ctx.sessions, ctx.settings).cards([card], out, per_page=True)
    assert decode_pdf(out, 300, tmp_path) == [[card]]
    (size,) = page_sizes(out)
    w, h = (float(v) for v in size.split(" pts")[0].split(" x "))
    assert abs(w - CARD_W * 72 / 25.4) < 0.5 and abs(h - CARD_H * 72 / 25.4) < 0.5


def test_unknown_card_is_refused_without_a_file(ctx, tmp_path):
    with pytest.raises(UserError, match="KRT-B-99999"):
        PrintService(ctx.sessions, ctx.settings).cards(["KRT-B-99999"], tmp_path / "c.pdf")
    assert list(tmp_path.glob("*.pdf")) == []


def test_names_beyond_western_european_letters_print_as_letters(ctx, tmp_path):
    # Helvetica has no ş, ł or ț: without an embedded Unicode font these came out as boxes.
    card = ctx.borrowers.add(BorrowerInput("Şükrü", "Łukasiewicz-Țăran", "8500")).card_number
    out = tmp_path / "card.pdf"
    PrintService(ctx.sessions, ctx.settings).cards([card], out)
    assert "Şükrü Łukasiewicz-Țăran" in pdf_text(out)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSans" in fonts  # embedded (fonts-dejavu-core is installed by .ci/run)
    assert decode_pdf(out, 300, tmp_path) == [[card]]
