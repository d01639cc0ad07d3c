"""`digibank labels / card / contract / receipt` from the command line, good and bad input."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from app.borrowers import BorrowerInput
from app.cli import main
from app.context import open_context
from app.inventory import DeviceInput
from tests.conftest import make_ready
from tests.test_printing_labels import decode_pdf, pdf_text
from tests.test_printing_zpl import Collector, parse_labels


@pytest.fixture
def data(tmp_path: Path) -> dict:
    folder = tmp_path / "data"
    ctx = open_context(folder, actor="test")
    ctx.locations.initialise("KRT", "Kortrijk balie")
    tags = [ctx.devices.add(DeviceInput("laptop", "HP", "ProBook 450", f"S{i}")).asset_tag for i in range(3)]
    card = ctx.borrowers.add(BorrowerInput("An", "Claes", "8500")).card_number
    make_ready(ctx, tags[0])
    ctx.loans.checkout(tags[0], card, due=dt.date.today() + dt.timedelta(days=30))
    ctx.close()
    return {"dir": str(folder), "tags": tags, "card": card, "out": tmp_path / "out"}


def run(data: dict, *args: str) -> int:
    data["out"].mkdir(exist_ok=True)
    return main(["--data-dir", data["dir"], *args])


def test_labels_pdf(data, capsys, tmp_path):
    out = data["out"] / "labels.pdf"
    assert run(data, "labels", *data["tags"], "--layout", "L7159", "--skip", "2", "--out", str(out)) == 0
    assert "3 etiket(ten)" in capsys.readouterr().out
    assert sorted(decode_pdf(out, 300, tmp_path)[0]) == sorted(data["tags"])


def test_labels_zpl_to_file_and_to_printer(data, capsys):
    out = data["out"] / "labels.zpl"
    assert run(data, "labels", *data["tags"], "--zpl", "--out", str(out)) == 0
    assert [lab["data"] for lab in parse_labels(out.read_text("utf-8"))] == data["tags"]
    printer = Collector()
    assert run(data, "labels", data["tags"][1], "--zpl", "--printer-host", f"127.0.0.1:{printer.port}") == 0
    printer.thread.join(timeout=10)
    assert [lab["data"] for lab in parse_labels(printer.data.decode())] == [data["tags"][1]]


def test_card_contract_and_receipt(data, capsys, tmp_path):
    cards = data["out"] / "cards.pdf"
    assert run(data, "card", data["card"], "--out", str(cards), "--per-page") == 0
    assert decode_pdf(cards, 300, tmp_path) == [[data["card"]]]
    contract = data["out"] / "contract.pdf"
    assert run(data, "contract", data["tags"][0], "--out", str(contract)) == 0
    text = pdf_text(contract)
    assert "An Claes" in text and "overeenkomst" in text
    assert run(data, "contract", data["tags"][0], "--out", str(contract), "--lang", "en", "--force") == 0
    assert "Conditions of the loan" in pdf_text(contract)
    assert run(data, "contract", data["tags"][0], "--out", str(contract), "--lang", "fr", "--force") == 0
    assert "Conditions du prêt" in pdf_text(contract)
    capsys.readouterr()
    assert run(data, "receipt", data["tags"][0], "--out", str(data["out"] / "r.pdf")) == 1
    assert "nog niet teruggebracht" in capsys.readouterr().err


def test_return_then_receipt_says_the_data_will_be_erased(data, capsys):
    assert run(data, "loan", "return", data["tags"][0]) == 0
    assert run(data, "device", "show", data["tags"][0], "--json") == 0
    assert '"status": "wiping"' in capsys.readouterr().out
    receipt = data["out"] / "receipt.pdf"
    assert run(data, "receipt", data["tags"][0], "--out", str(receipt)) == 0
    text = " ".join(pdf_text(receipt).split())
    assert "Uw gegevens op dit toestel worden gewist" in text
    assert "pas opnieuw uitgeleend na een geslaagde wissing" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("labels", "KRT-999999", "--out", "{out}"), "KRT-999999"),
        (("labels", "{tag}", "--layout", "A9", "--out", "{out}"), "Onbekende etiketindeling"),
        (("labels", "{tag}", "--layout", "L7160", "--skip", "21", "--out", "{out}"), "--skip"),
        (("labels", "{tag}", "--layout", "L7160", "--skip", "-1", "--out", "{out}"), "--skip"),
        (("labels", "{tag}", "--zpl", "--layout", "L7160", "--out", "{out}"), "A4"),
        (("contract", "{free}", "--out", "{out}"), "niet uitgeleend"),
        (("card", "KRT-B-77777", "--out", "{out}"), "KRT-B-77777"),
        (("labels", "{tag}", "--out", "{missing}"), "bestaat niet"),
    ],
)
def test_bad_input_exits_1_with_one_line_and_no_file(data, capsys, args, message):
    out = data["out"] / "result.pdf"
    values = {
        "out": str(out),
        "tag": data["tags"][1],
        "free": data["tags"][2],
        "missing": "/nonexistent/x.pdf",
    }
    assert run(data, *(a.format(**values) for a in args)) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert list(data["out"].iterdir()) == []


def test_end_to_end_subprocess(data):
    out = data["out"]
    out.mkdir()
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("digibank")),
            "--data-dir",
            data["dir"],
            "labels",
            "KRT-000404",
            "--out",
            str(out / "x.pdf"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "KRT-000404" in result.stderr
    assert list(out.iterdir()) == []
