"""Subject access: `borrower export-data` also writes a readable PDF, in the person's
language, with every record kept about them and the note about backups."""

from __future__ import annotations

import datetime as dt
import subprocess

from app.borrowers import BorrowerInput
from app.inventory import DeviceInput
from tests.cli_helpers import run
from tests.conftest import make_ready


def _text(pdf):
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _seed(ctx, language):
    person = ctx.borrowers.add(
        BorrowerInput("Zeynep", "Yilmaz", "8500", phone="0470 99 88 77", email="zeynep@voorbeeld.be",
                      language=language, target_group="nieuwkomer", consent=True)
    )  # fmt: skip
    device = ctx.devices.add(DeviceInput("laptop", "Dell", "Latitude", "S9"))
    make_ready(ctx, device.asset_tag)
    ctx.loans.checkout(device.asset_tag, person.card_number)
    ctx.helpdesk.log("itsme", card=person.card_number, notes="itsme geactiveerd")
    ctx.waiting_list.add(person.card_number, kind="screen", notes="wil een scherm")
    training = ctx.trainings.add(
        "Veilig online", dt.datetime.now().replace(microsecond=0) + dt.timedelta(days=3)
    )
    ctx.trainings.register(training.id, person.card_number)
    return person, device


def test_dutch_pdf_holds_every_record(capsys, ctx, tmp_path):
    person, device = _seed(ctx, "nl")
    ctx.close()
    code, out, err = run(capsys, str(ctx.data_dir), "borrower", "export-data", person.card_number,
                         "--out", str(tmp_path / "inzage"))  # fmt: skip
    assert code == 0, err
    pdf = tmp_path / "inzage" / f"{person.card_number}-gegevens.pdf"
    assert str(pdf) in out and pdf.read_bytes().startswith(b"%PDF")
    text = _text(pdf)
    for expected in ("Jouw gegevens bij de digibank", "Zeynep Yilmaz", "0470 99 88 77", "zeynep@voorbeeld.be",
                     device.asset_tag, "itsme geactiveerd", "wil een scherm", "Veilig online", "ingeschreven",
                     "Privacytoestemming", dt.date.today().strftime("%d/%m/%Y"), "nieuwkomer", "Back-ups",
                     "30 dagen"):  # fmt: skip
        assert expected in text, expected


def test_english_speaker_gets_an_english_pdf(ctx, tmp_path):
    person, _device = _seed(ctx, "en")
    ctx.privacy.export_data(person.card_number, tmp_path / "out", backup_keep_days=14)
    text = _text(tmp_path / "out" / f"{person.card_number}-gegevens.pdf")
    assert "Your data at the digibank" in text and "14 days" in text and "Helpdesk visits" in text
    assert "Jouw gegevens" not in text


def test_no_consent_is_said_plainly(ctx, tmp_path):
    person = ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500"))
    ctx.privacy.export_data(person.card_number, tmp_path / "out")
    text = _text(tmp_path / "out" / f"{person.card_number}-gegevens.pdf")
    assert "geen toestemming geregistreerd" in text and "Niets bewaard" in text
