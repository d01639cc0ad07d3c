"""`digibank loan …` and `export --json`, in process and end to end through the installed command."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.context import open_context
from tests.cli_helpers import export, one_line_error, run
from tests.conftest import make_ready

# Due dates a few months ahead of whenever the tests run (more than two years is refused).
SOON = dt.date.today() + dt.timedelta(days=100)
LATER = SOON + dt.timedelta(days=20)

DIGIBANK = str(Path(sys.executable).with_name("digibank"))


def open_loans(capsys, data):
    code, out, _ = run(capsys, data, "loan", "list", "--open", "--json")
    assert code == 0
    return json.loads(out)


@pytest.fixture
def shop(capsys, tmp_path):
    """A counter with two ready laptops and two people."""
    data = str(tmp_path / "data")
    assert run(capsys, data, "init", "--location-code", "KRT", "--location-name", "Kortrijk balie")[0] == 0
    for serial in ("A", "B"):
        code, _o, _e = run(capsys, data, "device", "add", "--kind", "laptop", "--brand", "Lenovo",
                           "--model", "T480", "--serial", serial)  # fmt: skip
        assert code == 0
    for first, last in (("Jan", "Peeters"), ("Els", "Maes")):
        code, _o, _e = run(capsys, data, "borrower", "add", "--first-name", first, "--last-name", last,
                           "--postcode", "8500")  # fmt: skip
        assert code == 0
    ctx = open_context(data)
    try:
        make_ready(ctx, "KRT-000001")
        make_ready(ctx, "KRT-000002")
    finally:
        ctx.close()
    return data


def test_checkout_return_extend(capsys, shop):
    code, out, _ = run(
        capsys, shop, "loan", "checkout", "KRT-000001", "KRT-B-00001", "--due", SOON.isoformat()
    )
    assert code == 0
    assert out.strip() == f"Laptop KRT-000001 uitgeleend aan Jan Peeters tot {SOON:%d/%m/%Y}."
    code, out, _ = run(capsys, shop, "loan", "extend", "KRT-000001", "--due", LATER.isoformat())
    assert code == 0 and f"{LATER:%d/%m/%Y}" in out
    code, out, _ = run(capsys, shop, "loan", "return", "KRT-000001", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["state"], data["asset_tag"], data["card_number"], data["extensions"]) == (
        "returned",
        "KRT-000001",
        "KRT-B-00001",
        1,
    )
    code, out, err = run(capsys, shop, "loan", "return", "KRT-000001")
    assert code == 1 and "niet uitgeleend" in one_line_error(err)


def test_checkout_json_uses_the_default_period(capsys, shop):
    code, out, _ = run(capsys, shop, "loan", "checkout", "krt-000002", "krt-b-00002", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["due_date"] == (dt.date.today() + dt.timedelta(days=90)).isoformat()
    assert (data["state"], data["borrower"], data["overdue"]) == ("open", "Els Maes", False)


def test_checkout_of_a_lent_device_exits_1_and_keeps_one_open_loan(capsys, shop):
    assert (
        run(capsys, shop, "loan", "checkout", "KRT-000001", "KRT-B-00001", "--due", SOON.isoformat())[0] == 0
    )
    before = export(capsys, shop)
    code, out, err = run(capsys, shop, "loan", "checkout", "KRT-000001", "KRT-B-00002")
    assert (code, out) == (1, "")
    line = one_line_error(err)
    assert f"nog uitgeleend aan Jan Peeters tot {SOON:%d/%m/%Y}" in line
    assert len(open_loans(capsys, shop)) == 1
    assert export(capsys, shop) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["KRT-000001", "KRT-B-00001", "--due", "12-2099-03"], "terugbrengdatum"),
        (["KRT-000001", "KRT-B-00001", "--due", "2027-02-30"], "bestaat niet"),
        (["KRT-000001", "KRT-B-00001", "--due", "2000-01-01"], "verleden"),
        (["KRT-000999", "KRT-B-00001"], "KRT-000999"),
        (["KRT-000001", "KRT-B-00999"], "KRT-B-00999"),
    ],
)
def test_bad_checkouts_exit_1_with_one_line_and_change_nothing(capsys, shop, args, message):
    before = export(capsys, shop)
    code, out, err = run(capsys, shop, "loan", "checkout", *args)
    assert (code, out) == (1, "")
    assert message in one_line_error(err)
    assert export(capsys, shop) == before
    assert open_loans(capsys, shop) == []


def test_usage_errors_exit_2(capsys, shop):
    for args in (["loan", "checkout", "KRT-000001"], ["loan"], ["loan", "list", "--late"]):
        code, _out, err = run(capsys, shop, *args)
        assert code == 2, args
        assert "Traceback" not in err


def test_list_open_and_overdue(capsys, shop):
    run(capsys, shop, "loan", "checkout", "KRT-000001", "KRT-B-00001", "--due", dt.date.today().isoformat())
    run(capsys, shop, "loan", "checkout", "KRT-000002", "KRT-B-00002")
    code, out, _ = run(capsys, shop, "loan", "list", "--open")
    assert code == 0 and "KRT-000001" in out and "KRT-000002" in out and "2 uitlening" in out
    code, out, _ = run(capsys, shop, "loan", "list", "--overdue", "--json")
    assert json.loads(out) == []  # due today is not late
    ctx = open_context(shop, now=lambda: dt.datetime.now() + dt.timedelta(days=2))
    try:
        overdue = ctx.loans.list(overdue_only=True)
    finally:
        ctx.close()
    assert [v.device.asset_tag for v in overdue] == ["KRT-000001"]
    run(capsys, shop, "loan", "return", "KRT-000002")
    code, out, _ = run(capsys, shop, "loan", "list", "--json")
    assert [(d["asset_tag"], d["state"]) for d in json.loads(out)] == [
        ("KRT-000001", "open"),
        ("KRT-000002", "returned"),
    ]
    code, out, _ = run(capsys, shop, "loan", "list", "--overdue")
    assert code == 0 and "Geen uitleningen" in out


def test_export_is_stable_and_ordered_by_table_then_id(capsys, shop):
    run(capsys, shop, "loan", "checkout", "KRT-000001", "KRT-B-00001")
    first, second = export(capsys, shop), export(capsys, shop)
    assert first == second
    data = json.loads(first)
    assert list(data) == sorted(data)
    assert {"device", "borrower", "loan", "location", "data_wipe"} <= set(data)
    for rows in data.values():
        ids = [r["id"] for r in rows]
        assert ids == sorted(ids)
    assert len(data["device"]) == 2 and len(data["borrower"]) == 2 and len(data["loan"]) == 1
    for row in data["device"]:
        assert "clocks" not in row and "origin" not in row  # per-replica metadata stays out


def test_lang_en_is_accepted(capsys, shop):
    code, _out, err = run(capsys, shop, "--lang", "en", "loan", "checkout", "KRT-000001", "KRT-B-00001",
                          "--due", "nope")  # fmt: skip
    assert code == 1
    one_line_error(err)
    assert run(capsys, shop, "--lang", "en", "loan", "list", "--open")[0] == 0


def _digibank(data, *args):
    env = {**os.environ, "DIGIBANK_LANG": "nl"}
    return subprocess.run(
        [DIGIBANK, "--data-dir", data, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_end_to_end_with_the_installed_command(tmp_path):
    data = str(tmp_path / "e2e")
    assert (
        _digibank(data, "init", "--location-code", "KRT", "--location-name", "Kortrijk balie").returncode == 0
    )
    tag = _digibank(data, "device", "add", "--kind", "laptop", "--brand", "Dell", "--model", "E7470")
    assert tag.returncode == 0 and tag.stdout == "KRT-000001\n"
    card = _digibank(
        data, "borrower", "add", "--first-name", "Jan", "--last-name", "Peeters", "--postcode", "8500"
    )
    assert card.returncode == 0 and card.stdout == "KRT-B-00001\n"
    refused = _digibank(data, "loan", "checkout", "KRT-000001", "KRT-B-00001")
    assert refused.returncode == 1 and refused.stdout == ""
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert "niet klaar" in refused.stderr
    ctx = open_context(data)
    try:
        make_ready(ctx, "KRT-000001")
    finally:
        ctx.close()
    assert (
        _digibank(data, "loan", "checkout", "KRT-000001", "KRT-B-00001", "--due", SOON.isoformat()).returncode
        == 0
    )
    before = _digibank(data, "export", "--json").stdout
    again = _digibank(data, "loan", "checkout", "KRT-000001", "KRT-B-00001")
    assert again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1
    assert "Traceback" not in again.stderr and f"{SOON:%d/%m/%Y}" in again.stderr
    listed = _digibank(data, "loan", "list", "--open", "--json")
    assert len(json.loads(listed.stdout)) == 1
    assert _digibank(data, "export", "--json").stdout == before
    usage = _digibank(data, "--lang", "en", "loan", "checkout")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_window_without_a_screen_says_so_in_one_line(monkeypatch, capsys):
    from app.cli import main

    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert main([]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "scherm" in err


def test_an_expired_proof_warns_on_stderr_or_refuses_with_the_setting(capsys, shop):
    old = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    code, _o, _e = run(
        capsys, shop, "borrower", "edit", "KRT-B-00001", "--eligibility", "igo", "--checked-on", old
    )
    assert code == 0
    code, out, err = run(capsys, shop, "loan", "checkout", "KRT-000001", "KRT-B-00001", "--json")
    assert code == 0 and json.loads(out)["state"] == "open"
    assert "controleer het opnieuw" in one_line_error(err)
    assert json.loads(out)["warnings"] == [err.strip()]
    assert run(capsys, shop, "settings", "set", "eligibility_expired", "refuse")[0] == 0
    code, _o, _e = run(
        capsys, shop, "borrower", "edit", "KRT-B-00002", "--eligibility", "igo", "--checked-on", old
    )
    assert code == 0
    code, _out, err = run(capsys, shop, "loan", "checkout", "KRT-000002", "KRT-B-00002")
    assert code == 1 and "is verlopen sinds" in one_line_error(err)
    assert len(open_loans(capsys, shop)) == 1


def test_deposit_collected_and_refunded_shows_in_list_receipt_and_cost_report(capsys, shop, tmp_path):
    """Acceptance (issue 12): the deposit paid at checkout and refunded at return appear in
    `loan list --json`, on the receipt and in the cost report."""
    import shutil

    from openpyxl import load_workbook

    assert run(capsys, shop, "settings", "set", "deposit_by_kind", "laptop=25,00;tablet=15,00")[0] == 0
    due = ["--due", SOON.isoformat()]
    code, out, _e = run(capsys, shop, "loan", "checkout", "KRT-000001", "KRT-B-00001", *due,
                        "--deposit", "25,00", "--deposit-method", "payconiq")  # fmt: skip
    assert code == 0, _e
    assert "€ 25,00" in out and "Payconiq" in out
    code, out, _e = run(capsys, shop, "loan", "checkout", "KRT-000002", "KRT-B-00002", *due,
                        "--deposit-method", "waived", "--deposit-reason", "OCMW")  # fmt: skip
    assert code == 0, _e
    (first, second) = sorted(open_loans(capsys, shop), key=lambda r: r["asset_tag"])
    assert (first["deposit_cents"], first["deposit_method"]) == (2500, "payconiq")
    assert (second["deposit_cents"], second["deposit_method"], second["deposit_reason"]) == (
        0,
        "waived",
        "OCMW",
    )

    code, out, _e = run(capsys, shop, "loan", "return", "KRT-000001", "--refund", "20,00",
                        "--kept-reason", "lader kwijt")  # fmt: skip
    assert code == 0, _e
    assert "Geef € 20,00 waarborg terug" in out and "€ 5,00 waarborg ingehouden: lader kwijt" in out
    code, out, _e = run(capsys, shop, "loan", "list", "--json")
    returned = next(r for r in json.loads(out) if r["asset_tag"] == "KRT-000001")
    assert (returned["deposit_refunded_cents"], returned["deposit_kept_reason"]) == (2000, "lader kwijt")

    receipt = tmp_path / "bewijs.pdf"
    assert run(capsys, shop, "receipt", "KRT-000001", "--out", str(receipt))[0] == 0
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed to read the receipt"
    text = subprocess.run(["pdftotext", "-layout", str(receipt), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "Waarborg betaald" in text and "€ 25,00" in text and "Payconiq" in text
    assert "terugbetaald" in text and "€ 20,00" in text  # the label column may wrap
    assert "Waarborg ingehouden" in text and "€ 5,00: lader kwijt" in text

    today = dt.date.today()
    period = [
        "--from",
        (today - dt.timedelta(days=1)).isoformat(),
        "--to",
        (today + dt.timedelta(days=1)).isoformat(),
    ]
    book = tmp_path / "kosten.xlsx"
    code, out, _e = run(capsys, shop, "report", "cost", *period, "--json", "--xlsx", str(book))
    assert code == 0, _e
    report = json.loads(out)
    assert report["deposits_collected_cents"] == 2500
    assert report["deposits_refunded_cents"] == 2000
    assert report["deposits_kept_cents"] == 500
    assert report["deposits_waived"] == 1
    cells = [c for row in load_workbook(book).worksheets[0].iter_rows(values_only=True) for c in row]
    assert "Waarborgen ontvangen" in cells and 25 in cells
    assert "Waarborgen terugbetaald" in cells and 20 in cells
    code, out, _e = run(capsys, shop, "report", "cost", *period)
    assert "waarborgen ontvangen € 25,00" in out and "terugbetaald € 20,00" in out
