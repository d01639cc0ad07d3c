"""Command line of the bench, donations, trainings, helpdesk and waiting list (DESIGN.md)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "specs"


@pytest.fixture
def run(tmp_path, capsys):
    data = str(tmp_path / "data")

    def _run(*args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", data, *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert _run("init", "--location-code", "KRT", "--location-name", "Kortrijk balie")[0] == 0
    return _run


def test_donation_intake_wipe_then_ready(run):
    code, out, _err = run("donation", "add", "--donor", "Bakkerij Dewitte bv", "--contact", "an@dewitte.be")
    assert code == 0 and out.strip() == "KRT-D-00001"
    code, out, _err = run("donation", "add", "--donor", "Jan Peeters", "--kind", "person", "--json")
    assert json.loads(out)["number"] == "KRT-D-00002"
    code, out, _err = run(
        "donation", "intake", "KRT-D-00001", "--brand", "Lenovo", "--model", "T480",
        "--serial", "PF1ABCD2", "--serial", "PF1ABCD3",
    )  # fmt: skip
    assert code == 0 and out.split() == ["KRT-000001", "PF1ABCD2", "KRT-000002", "PF1ABCD3"]

    code, _out, err = run("device", "status", "KRT-000001", "ready")
    assert code == 1
    assert err.count("\n") == 1 and "geen geslaagde gegevenswissing" in err

    code, out, _err = run(
        "wipe", "KRT-000001", "--method", "nwipe", "--result", "passed", "--technician", "Pieter"
    )
    assert code == 0 and "geslaagd" in out
    code, out, _err = run("device", "status", "KRT-000001", "ready")
    assert code == 0

    code, out, _err = run(
        "repair", "KRT-000002", "--action", "nieuwe batterij", "--cost", "12,50", "--minutes", "15"
    )
    assert code == 0 and "€ 12,50" in out


@pytest.mark.parametrize(
    "args",
    [
        ("wipe", "KRT-000001", "--method", "shred", "--result", "passed"),
        ("wipe", "KRT-000001", "--method", "nwipe", "--result", "ok"),
        ("helpdesk", "log", "--topic", "taxes"),
        ("helpdesk", "log", "--topic", "itsme", "--outcome", "done"),
        ("device", "status", "KRT-000001", "broken"),
        ("donation", "add", "--donor", "X", "--kind", "company"),
        ("training", "add", "--title", "T", "--start", "tomorrow"),
        ("waiting", "add", "KRT-B-00001", "--priority", "9"),
    ],
)
def test_bad_codes_exit_1_with_one_line(run, args):
    run("device", "add", "--kind", "laptop", "--brand", "Lenovo", "--model", "T480")
    run("borrower", "add", "--first-name", "Mina", "--last-name", "El Amrani", "--postcode", "8500")
    code, _out, err = run(*args)
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err


def test_wipe_from_nwipe_log(run, tmp_path):
    from tests.test_bench import NWIPE_LOG

    run("device", "add", "--kind", "laptop", "--brand", "Lenovo", "--model", "T480")
    log = tmp_path / "nwipe.log"
    log.write_text(NWIPE_LOG)
    code, _out, err = run("wipe", "KRT-000001", "--log", str(log))
    assert code == 1 and err.count("\n") == 1
    assert "PF1ABCD3" in err and "--disk-confirmed" in err  # no specs: a person confirms the disk
    code, out, _err = run("wipe", "KRT-000001", "--log", str(log), "--disk-confirmed", "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["method"], data["result"], data["tool"]) == ("nwipe", "passed", "nwipe 0.34 — DoD Short")
    assert data["started_at"] == "2026-01-05T09:58:20"


def test_specs_import_folder_exit_1_names_bad_files_keeps_good(run, tmp_path):
    folder = tmp_path / "usb"
    shutil.copytree(FIXTURES, folder)
    code, out, err = run("specs", "import", str(folder))
    assert code == 1
    assert "trimmed-R90XYZ12.json: MISLUKT" in out
    assert "PF1ABCD2.json: ingelezen" in out
    assert "5 bestand(en) ingelezen, 3 mislukt." in out
    assert "Niet ingelezen: empty.json, not-lshw.json, trimmed-R90XYZ12.json" in err
    code, out, _err = run("device", "list", "--json")
    serials = {d["serial"] for d in json.loads(out)}
    assert serials == {"PF1ABCD2", "5CG7281XYZ", "7XK9Q42", "VMTEST0001"}
    code, out, _err = run("specs", "import", str(FIXTURES / "PF1ABCD2.json"))
    assert code == 0 and "gegevens toegevoegd aan" in out


def test_training_commands(run, tmp_path):
    for first, last in (("Mina", "El Amrani"), ("Jan", "Peeters")):
        run("borrower", "add", "--first-name", first, "--last-name", last, "--postcode", "8500")
    code, out, _err = run(
        "training", "add", "--title", "Basis laptop 1", "--start", "2026-02-03 14:00", "--capacity", "1",
        "--series", "Basis laptop", "--part", "1", "--of", "2", "--trainer", "Els",
    )  # fmt: skip
    session = out.strip()
    assert code == 0 and len(session) == 8
    assert run("training", "register", session, "KRT-B-00001")[0] == 0
    code, out, _err = run("training", "register", session, "KRT-B-00002")
    assert "wachtlijst" in out
    assert "is aanwezig" in run("training", "attend", session, "KRT-B-00001")[1]
    assert "telt één keer" in run("training", "attend", session, "krt-b-00001")[1]
    assert run("training", "walk-in", session, "--count", "2")[1].strip() == "Vrije deelnemers: 2."
    code, out, _err = run("training", "list", "--json")
    row = json.loads(out)[0]
    assert (row["registered"], row["waiting"], row["attended"], row["walk_ins"]) == (1, 1, 1, 2)
    assert run("training", "attendance-list", session, "--out", str(tmp_path / "a.pdf"))[0] == 0
    assert (
        run(
            "training",
            "attestation",
            "KRT-B-00001",
            "--series",
            "Basis laptop",
            "--out",
            str(tmp_path / "b.pdf"),
        )[0]
        == 0
    )
    code, _out, err = run(
        "training", "attestation", "KRT-B-00002", "--series", "Basis laptop", "--out", str(tmp_path / "c.pdf")
    )
    assert code == 1 and "geen attest" in err
    assert not (tmp_path / "c.pdf").exists()


def test_helpdesk_and_waiting_commands(run):
    run("borrower", "add", "--first-name", "Mina", "--last-name", "El Amrani", "--postcode", "8500")
    assert run("helpdesk", "log", "--topic", "itsme", "--card", "KRT-B-00001", "--minutes", "15")[0] == 0
    code, out, _err = run(
        "helpdesk", "log", "--topic", "burgerprofiel", "--postcode", "8790", "--outcome", "referred"
    )
    assert code == 0 and "Mijn Burgerprofiel" in out and "doorverwezen" in out
    code, out, _err = run("helpdesk", "day", "--json")
    data = json.loads(out)
    assert data["count"] == 2 and data["per_topic"] == {"itsme": 1, "burgerprofiel": 1}
    assert (
        run("waiting", "add", "KRT-B-00001", "--priority", "1")[1]
        .strip()
        .endswith("plaats 1 van de wachtlijst.")
    )
    code, out, _err = run("waiting", "next", "--json")
    assert json.loads(out)["card"] == "KRT-B-00001"


def test_give_away_handler(run, tmp_path, capsys):
    """`device give-away` is attached by cmd_devices; the handler is tested directly too."""
    import argparse

    from app.cli.cmd_bench import add_device_commands

    parser = argparse.ArgumentParser()
    add_device_commands(parser.add_subparsers())
    args = parser.parse_args(
        ["give-away", "KRT-000001", "--card", "KRT-B-00001", "--form", str(tmp_path / "f.pdf")]
    )
    assert args.handler.__name__ == "_give_away"
    run("device", "add", "--kind", "laptop", "--brand", "Lenovo", "--model", "T480", "--serial", "S1")
    run("borrower", "add", "--first-name", "Mina", "--last-name", "El Amrani", "--postcode", "8500")
    run("wipe", "KRT-000001", "--method", "destroyed", "--result", "passed")
    run("device", "status", "KRT-000001", "ready")
    code, out, _err = run(
        "device", "give-away", "KRT-000001", "--card", "KRT-B-00001", "--form", str(tmp_path / "f.pdf")
    )
    assert "weggeschonken aan Mina El Amrani" in out
    assert code == 0
    assert (
        "Overdrachtsformulier"
        in subprocess.run(
            ["pdftotext", str(tmp_path / "f.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
    )
    code, out, _err = run("device", "show", "KRT-000001", "--json")
    assert json.loads(out)["status"] == "given-away"


def test_end_to_end_subprocess(tmp_path):
    env_dir = str(tmp_path / "e2e")
    base = [
        sys.executable,
        "-c",
        "import sys; from app.cli import main; sys.exit(main())",
        "--data-dir",
        env_dir,
    ]
    subprocess.run(
        [*base, "init", "--location-code", "GNT", "--location-name", "Gent"], check=True, capture_output=True
    )
    done = subprocess.run(
        [*base, "donation", "add", "--donor", "VZW Kringwinkel"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.strip() == "GNT-D-00001"
    bad = subprocess.run([*base, "helpdesk", "log", "--topic", "nope"], capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1


def test_donation_certificate_refused_until_every_device_is_wiped(run, tmp_path):
    run("donation", "add", "--donor", "Bakkerij Dewitte bv")
    run("donation", "intake", "KRT-D-00001", "--brand", "Lenovo", "--model", "T480",
        "--serial", "PF1ABCD2", "--serial", "PF1ABCD3")  # fmt: skip
    pdf = tmp_path / "attest.pdf"
    run("wipe", "KRT-000001", "--method", "nist-clear", "--result", "passed")
    code, _out, err = run("donation", "certificate", "KRT-D-00001", "--out", str(pdf))
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "nog niet met succes gewist (KRT-000002)" in err and "--draft" in err
    assert not pdf.exists()

    draft = tmp_path / "overzicht.pdf"
    code, out, _err = run("donation", "certificate", "KRT-D-00001", "--out", str(draft), "--draft")
    assert code == 0 and "Voorlopig overzicht" in out
    text = subprocess.run(["pdftotext", str(draft), "-"], capture_output=True, text=True, check=True).stdout
    assert "voorlopig overzicht — nog niet gewist" in text.lower()
    assert "verklaart dat" not in text and "nog niet gewist" in text

    run("wipe", "KRT-000002", "--method", "destroyed", "--result", "passed")
    code, out, _err = run("donation", "certificate", "KRT-D-00001", "--out", str(pdf))
    assert code == 0 and "Attest geschreven" in out
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Attest van gegevensverwijdering" in text and "2 van 2 toestellen met succes gewist." in text
