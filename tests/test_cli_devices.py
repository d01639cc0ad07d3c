"""`digibank device …`: exit codes, one-line errors, human and JSON output."""

from __future__ import annotations

import json
import re

import pytest

from app.context import open_context
from tests.cli_helpers import export, one_line_error, run
from tests.conftest import make_ready


@pytest.fixture
def data(tmp_path):
    return str(tmp_path / "data")


@pytest.fixture
def ready(capsys, data):
    code, _out, _err = run(
        capsys, data, "init", "--location-code", "KRT", "--location-name", "Kortrijk balie"
    )
    assert code == 0
    return data


def add(capsys, data, *extra):
    code, out, err = run(
        capsys, data, "device", "add", "--kind", "laptop", "--brand", "Lenovo", "--model", "T480", *extra
    )
    assert code == 0, err
    return out


def test_add_prints_only_the_tag(capsys, ready):
    assert add(capsys, ready, "--serial", "SN1") == "KRT-000001\n"
    assert add(capsys, ready) == "KRT-000002\n"


def test_add_json(capsys, ready):
    data = json.loads(
        add(capsys, ready, "--serial", "SN1", "--cost", "120,50", "--source", "purchase", "--json")
    )
    assert data["asset_tag"] == "KRT-000001"
    assert (data["status"], data["serial"], data["source"]) == ("intake", "SN1", "purchase")
    assert data["acquisition_cost_cents"] == 12050
    assert re.fullmatch(r"[0-9a-f-]{36}", data["id"])


def test_add_before_init_is_a_user_error(capsys, data):
    code, out, err = run(capsys, data, "device", "add", "--kind", "laptop", "--brand", "B", "--model", "M")
    assert code == 1 and out == ""
    assert "digibank init" in one_line_error(err)


@pytest.mark.parametrize(
    "args",
    [
        ["device", "add", "--kind", "laptop", "--model", "M"],  # --brand missing
        ["device", "add", "--kind", "toaster", "--brand", "B", "--model", "M"],
        ["device"],
        ["device", "list", "--status", "broken"],
        ["device", "show"],
        ["device", "fly"],
    ],
)
def test_usage_errors_exit_2(capsys, ready, args):
    before = export(capsys, ready)
    code, _out, err = run(capsys, ready, *args)
    assert code == 2
    assert "Traceback" not in err
    assert export(capsys, ready) == before


def test_empty_brand_is_a_user_error_and_changes_nothing(capsys, ready):
    before = export(capsys, ready)
    code, out, err = run(capsys, ready, "device", "add", "--kind", "laptop", "--brand", " ", "--model", "M")
    assert (code, out) == (1, "")
    assert "merk" in one_line_error(err)
    assert export(capsys, ready) == before


def test_list_human_and_json(capsys, ready):
    add(capsys, ready, "--serial", "A")
    add(capsys, ready, "--serial", "B")
    ctx = open_context(ready)
    try:
        make_ready(ctx, "KRT-000002")
    finally:
        ctx.close()
    code, out, _ = run(capsys, ready, "device", "list")
    assert code == 0
    assert "KRT-000001" in out and "KRT-000002" in out and "klaar om uit te lenen" in out
    code, out, _ = run(capsys, ready, "device", "list", "--status", "ready", "--json")
    assert [d["asset_tag"] for d in json.loads(out)] == ["KRT-000002"]
    code, out, _ = run(capsys, ready, "device", "list", "--status", "lost")
    assert code == 0 and "Geen toestellen" in out


def test_show(capsys, ready):
    add(capsys, ready, "--serial", "SN1", "--notes", "kras")
    code, out, _ = run(capsys, ready, "device", "show", "krt-000001")
    assert code == 0
    assert "SN1" in out and "kras" in out and "binnengekomen" in out
    code, out, _ = run(capsys, ready, "device", "show", "KRT-000001", "--json")
    data = json.loads(out)
    assert data["asset_tag"] == "KRT-000001" and data["open_loan"] is None
    code, out, err = run(capsys, ready, "device", "show", "KRT-000404")
    assert code == 1 and out == ""
    assert "KRT-000404" in one_line_error(err)


def test_status_changes_and_refusals(capsys, ready):
    add(capsys, ready)
    code, out, _ = run(capsys, ready, "device", "status", "KRT-000001", "wiping")
    assert code == 0 and "wissen" in out
    before = export(capsys, ready)
    code, out, err = run(capsys, ready, "device", "status", "KRT-000001", "ready")
    assert code == 1
    assert "gegevenswissing" in one_line_error(err)
    code, out, err = run(capsys, ready, "device", "status", "KRT-000001", "on-loan")
    assert code == 1
    one_line_error(err)
    code, out, err = run(capsys, ready, "device", "status", "KRT-000001", "kapot")
    assert code == 1
    assert "Onbekende status" in one_line_error(err)
    assert export(capsys, ready) == before
    code, out, _ = run(capsys, ready, "device", "status", "KRT-000001", "recycled", "--json")
    assert json.loads(out)["status"] == "recycled"


def test_edit(capsys, ready):
    add(capsys, ready, "--serial", "OLD")
    code, out, _ = run(capsys, ready, "device", "edit", "KRT-000001", "--serial", "NEW", "--cost", "15")
    assert code == 0 and "aangepast" in out
    code, out, _ = run(capsys, ready, "device", "show", "KRT-000001", "--json")
    data = json.loads(out)
    assert (data["serial"], data["acquisition_cost_cents"]) == ("NEW", 1500)
    code, out, err = run(capsys, ready, "device", "edit", "KRT-000001")
    assert code == 1
    one_line_error(err)
    code, out, err = run(capsys, ready, "device", "edit", "KRT-000001", "--cost", "veel")
    assert code == 1
    assert "bedrag" in one_line_error(err)


def test_lang_en_is_accepted(capsys, ready):
    code, out, _ = run(capsys, ready, "--lang", "en", "device", "add", "--kind", "laptop", "--brand", "B",
                       "--model", "M")  # fmt: skip
    assert code == 0 and out == "KRT-000001\n"
    code, _out, err = run(capsys, ready, "--lang", "en", "device", "show", "KRT-000999")
    assert code == 1
    one_line_error(err)


def test_a_second_device_with_the_same_serial_is_refused_then_saved_with_duplicate_ok(tmp_path, capsys):
    from app.cli import main

    data = str(tmp_path / "d")
    assert main(["--data-dir", data, "init", "--location-code", "KRT", "--location-name", "K"]) == 0
    add = ["--data-dir", data, "device", "add", "--kind", "laptop", "--brand", "Lenovo", "--model", "T480"]
    assert main([*add, "--serial", "PF1"]) == 0
    assert capsys.readouterr().err == ""
    assert main([*add, "--serial", "PF1"]) == 1  # refused, naming the device that has it
    captured = capsys.readouterr()
    assert captured.out == "" and "KRT-000001" in captured.err
    assert main([*add, "--serial", "PF1", "--duplicate-ok"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "KRT-000002"
    assert "KRT-000001" in captured.err and "dubbel" in captured.err
