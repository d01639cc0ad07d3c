"""Wipe certificate, attendance list and attestation PDFs: they render and read right."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from app.bench import BenchService
from app.borrowers import BorrowerInput
from app.donations import DonationService, IntakeItem
from app.errors import UserError
from app.printing.attestations import render_attendance_list, render_attestation
from app.printing.certificates import render_wipe_certificate
from app.trainings import TrainingService
from tests.shots import shots_folder


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def snapshot(pdf: Path, name: str) -> None:
    """PNG of page 1 for people to look at (outside the repository)."""
    folder = shots_folder()
    if folder is not None:
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(folder / name)], check=True
        )


def test_wipe_certificate_reads_right(ctx, tmp_path):
    donations = DonationService(ctx.sessions, ctx.devices, today=lambda: dt.date(2026, 1, 5))
    bench = BenchService(ctx.sessions, ctx.devices, now=lambda: dt.datetime(2026, 1, 9, 16, 0))
    donation = donations.add("Bakkerij Dewitte bv", contact="An Dewitte, 056 12 34 56")
    devices = donations.intake(
        donation.number,
        [
            IntakeItem("laptop", "Lenovo", "ThinkPad T480", "PF1ABCD2"),
            IntakeItem("laptop", "HP", "EliteBook 840 G4", "5CG7281XYZ"),
            IntakeItem("desktop", "Dell", "OptiPlex 7050", "7XK9Q42"),
            IntakeItem("laptop", "Acer", "Aspire 5", "NXHE3EH001"),
        ],
    )
    tags = [d.asset_tag for d in devices]
    bench.record_wipe(tags[0], "nwipe", "passed", technician="Pieter Claes", tool="nwipe 0.34",
                      ended_at=dt.datetime(2026, 1, 7, 11, 2), verified_by="Anja Wouters")  # fmt: skip
    bench.record_wipe(
        tags[1], "nist-purge", "passed", technician="Pieter Claes", ended_at=dt.datetime(2026, 1, 8, 9, 30)
    )
    bench.record_wipe(
        tags[2], "destroyed", "passed", technician="Pieter Claes", ended_at=dt.datetime(2026, 1, 8, 10, 0)
    )
    bench.record_wipe(
        tags[3], "secure-erase", "failed", technician="Pieter Claes", ended_at=dt.datetime(2026, 1, 8, 10, 5)
    )
    out = tmp_path / "attest.pdf"
    # One device failed: no certificate declares the donation wiped.
    data = donations.certificate_data(donation.number)
    refused = f"1 van 4 toestellen zijn nog niet met succes gewist \\({tags[3]}\\)"
    with pytest.raises(UserError, match=refused):
        render_wipe_certificate(data, out, issued_on=dt.date(2026, 1, 9))
    assert not out.exists()
    draft = tmp_path / "overzicht.pdf"
    render_wipe_certificate(
        donations.certificate_data(donation.number), draft, issued_on=dt.date(2026, 1, 9), draft=True
    )
    text = pdf_text(draft)
    assert "Voorlopig overzicht — nog niet gewist" in text and "Dit is geen attest" in text
    assert "Attest van gegevensverwijdering" not in text and "verklaart dat" not in text
    assert "Handtekening" not in text
    failed_row = line_of(text, tags[3])
    assert "Secure erase van de fabrikant" in failed_row and "08/01/2026" in failed_row
    assert failed_row.rstrip().endswith("mislukt")
    assert "3 van 4 toestellen met succes gewist." in text
    snapshot(draft, "wipe-overview-draft")

    bench.record_wipe(
        tags[3], "secure-erase", "passed", technician="Pieter Claes", ended_at=dt.datetime(2026, 1, 9, 11, 15)
    )
    render_wipe_certificate(donations.certificate_data(donation.number), out, issued_on=dt.date(2026, 1, 9))
    text = pdf_text(out)
    for expected in (
        "Attest van gegevensverwijdering",
        "verklaart dat de gegevens",
        "Bakkerij Dewitte bv",
        "KRT-D-00001",
        "ontvangen op 05/01/2026",
        "PF1ABCD2",
        "5CG7281XYZ",
        "7XK9Q42",
        "4 van 4 toestellen met succes gewist.",
        "Opgemaakt op 09/01/2026",
        "Handtekening technicus",
        "Anja Wouters",
    ):
        assert expected in text, expected
    assert "nog niet gewist" not in text and "mislukt" not in text
    # Each device line carries the method, date and result of that device's own wipe.
    for tag, method, date in (
        (tags[0], "nwipe/ShredOS (overschrijven)", "07/01/2026"),
        (tags[1], "NIST 800-88 Purge", "08/01/2026"),
        (tags[2], "Fysiek vernietigd", "08/01/2026"),
        (tags[3], "Secure erase van de fabrikant", "09/01/2026"),
    ):
        row = line_of(text, tag)
        assert method in row and date in row and row.rstrip().endswith("geslaagd"), row
    assert "2026-01" not in text  # only Belgian dates
    snapshot(out, "wipe-certificate")


def line_of(text: str, tag: str) -> str:
    rows = [row for row in text.splitlines() if tag in row]
    assert len(rows) == 1, rows
    return rows[0]


def test_certificate_is_written_atomically(ctx, tmp_path, monkeypatch):
    from app.printing import certificates

    donations = DonationService(ctx.sessions, ctx.devices)
    donation = donations.add("X")
    with pytest.raises(UserError, match="nog geen toestellen"):
        donations.certificate_data(donation.number)
    (device,) = donations.intake(donation.number, [IntakeItem("laptop", "Lenovo", "T480", "S1")])
    BenchService(ctx.sessions, ctx.devices).record_wipe(device.asset_tag, "nist-clear", "passed")
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "attest.pdf"
    out.write_bytes(b"old")

    def broken(self):
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(certificates.Document, "finish", broken)
    with pytest.raises(RuntimeError):
        render_wipe_certificate(donations.certificate_data(donation.number), out)
    assert out.read_bytes() == b"old"
    assert list(folder.iterdir()) == [out]


@pytest.fixture
def series(ctx):
    trainings = TrainingService(ctx.sessions, now=lambda: dt.datetime(2026, 2, 1, 10))
    cards = [
        ctx.borrowers.add(BorrowerInput(f, last, "8500")).card_number
        for f, last in (("Mina", "El Amrani"), ("Jan", "Peeters"), ("Rita", "Vermeulen"))
    ]
    ids = [
        trainings.add(
            title, dt.datetime(2026, 2, 2 + 7 * i, 14, 0), capacity=2, series="Basis laptop",
            part=i + 1, of=3, trainer="Els Goossens", place="Bibliotheek Kortrijk",
        ).id
        for i, title in enumerate(("Aan de slag met de laptop", "Mails en bijlagen", "Veilig online"))
    ]  # fmt: skip
    for card in cards:
        trainings.register(ids[0], card)
    trainings.attend(ids[0], cards[0])
    trainings.attend(ids[0], cards[2])
    trainings.attend(ids[2], cards[0])
    trainings.walk_in(ids[0], 2)
    return trainings, cards, ids


def test_attendance_list_reads_right(ctx, series, tmp_path):
    trainings, cards, ids = series
    out = tmp_path / "lijst.pdf"
    render_attendance_list(
        trainings.summary(ids[0]), trainings.registrations(ids[0]), ctx.locations.current(), out
    )
    text = pdf_text(out)
    for expected in (
        "Aanwezigheidslijst",
        "Aan de slag met de laptop — Basis laptop, deel 1 van 3",
        "02/02/2026 14:00",
        "Bibliotheek Kortrijk",
        "Els Goossens",
        "El Amrani, Mina",
        "Vermeulen, Rita",
        "wachtlijst",
        "2 met kaart + 2 vrije deelnemers = 4 (capaciteit 2)",
    ):
        assert expected in text, expected
    snapshot(out, "attendance-list")


def test_attestation_reads_right(ctx, series, tmp_path):
    trainings, cards, _ids = series
    out = tmp_path / "attest.pdf"
    part = trainings.participation(cards[0], "Basis laptop")
    render_attestation(part, ctx.locations.current(), out, issued_on=dt.date(2026, 2, 20))
    text = pdf_text(out)
    for expected in (
        "Deelnameattest",
        "Mina El Amrani",
        "Basis laptop",
        "op 2 van de 3 sessies aanwezig",
        "02/02/2026",
        "16/02/2026",
        "Veilig online",
        "afwezig",
        "Opgemaakt op 20/02/2026",
    ):
        assert expected in text, expected
    snapshot(out, "attestation")
    with pytest.raises(UserError, match="geen attest"):
        render_attestation(trainings.participation(cards[1], "Basis laptop"), None, tmp_path / "no.pdf")
