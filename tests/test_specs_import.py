"""Hardware specs from `lshw -json` and dmidecode: real output, trimmed and broken files."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from app.bench import BenchService
from app.errors import UserError
from app.inventory import DeviceInput
from app.specs import parse_lshw

FIXTURES = Path(__file__).parent / "fixtures" / "specs"


@pytest.fixture
def bench(ctx):
    return BenchService(ctx.sessions, ctx.devices, now=lambda: dt.datetime(2026, 1, 6, 14, 30))


def test_real_machine_output_gives_cpu_and_ram():
    parsed = parse_lshw((FIXTURES / "VMTEST0001.json").read_text())
    assert parsed.specs["cpu"].startswith("Intel(R) Xeon(R)")
    assert parsed.specs["ram_bytes"] == 25769803776
    assert parsed.specs["ram"] == "24 GB"


def test_laptop_lshw_fills_specs_and_empty_identity(ctx, bench):
    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "pf1abcd2")).asset_tag
    result = bench.import_specs_file(FIXTURES / "PF1ABCD2.json")
    assert result.ok and result.tag == tag and not result.created
    specs = ctx.devices.get(tag).specs
    assert specs["cpu"] == "Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz"
    assert specs["ram"] == "8 GB"
    assert specs["storage"][0]["size_bytes"] == 256060514304
    assert specs["storage"][0]["type"] == "nvme"
    assert specs["storage"][0]["model"] == "SAMSUNG MZVLB256HAHQ-000L7"
    assert specs["storage_summary"] == "256 GB NVMe-SSD"
    assert specs["serial"] == "PF1ABCD2"
    assert specs["vendor"] == "LENOVO"
    assert specs["model"] == "ThinkPad T480"
    assert specs["battery"] == {"vendor": "SMP", "model": "01AV428", "capacity_mwh": 24000}


def test_identity_filled_only_when_empty(ctx, bench):
    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "PF1ABCD2")).asset_tag
    bench.import_specs_file(FIXTURES / "PF1ABCD2.json")
    device = ctx.devices.get(tag)
    assert (device.brand, device.model) == ("Lenovo", "T480")  # typed by a person: kept


def test_folder_import_reports_each_file_and_keeps_the_good_ones(ctx, bench, tmp_path):
    folder = tmp_path / "usb"
    shutil.copytree(FIXTURES, folder)
    existing = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "PF1ABCD2")).asset_tag
    report = bench.import_specs(folder)
    by_name = {f.path.name: f for f in report.files}
    assert set(by_name) == {
        "PF1ABCD2.json",
        "PF1ABCD2-dmidecode.txt",
        "VMTEST0001.json",
        "7XK9Q42.json",
        "5CG7281XYZ-dmidecode.txt",
        "trimmed-R90XYZ12.json",
        "not-lshw.json",
        "empty.json",
    }
    assert {f.path.name for f in report.failed} == {"trimmed-R90XYZ12.json", "not-lshw.json", "empty.json"}
    assert "geen geldige JSON" in by_name["trimmed-R90XYZ12.json"].message
    assert "geen uitvoer van 'lshw -json'" in by_name["not-lshw.json"].message
    assert "leeg" in by_name["empty.json"].message
    # Partial file: imported, with what is missing said plainly.
    assert by_name["7XK9Q42.json"].ok and "processor, werkgeheugen, opslag" in by_name["7XK9Q42.json"].message
    # Unknown serials became new intake records.
    assert by_name["7XK9Q42.json"].created
    dell = ctx.devices.get(by_name["7XK9Q42.json"].tag)
    assert (dell.kind, dell.brand, dell.model, dell.serial, dell.status) == (
        "desktop",
        "Dell Inc.",
        "OptiPlex 7050",
        "7XK9Q42",
        "intake",
    )
    hp = ctx.devices.get(by_name["5CG7281XYZ-dmidecode.txt"].tag)
    assert (hp.kind, hp.brand, hp.model) == ("laptop", "HP", "HP EliteBook 840 G4")
    assert hp.specs["battery"]["capacity_mwh"] == 51000
    assert hp.specs["ram"] == "8 GB"
    vm = ctx.devices.get(by_name["VMTEST0001.json"].tag)
    assert vm.serial == "VMTEST0001"  # no serial inside: taken from the file name
    # lshw and dmidecode of the same laptop merge; dmidecode only fills gaps.
    lenovo = ctx.devices.get(existing)
    assert by_name["PF1ABCD2-dmidecode.txt"].tag == existing
    assert lenovo.specs["battery"]["model"] == "01AV428"
    assert lenovo.specs["battery"]["chemistry"] == "LION"
    assert lenovo.specs["source"] == "dmidecode+lshw"
    assert ctx.devices.count() == 4  # the Lenovo, plus Dell, HP and the VM


def test_duplicate_serials_are_not_guessed(ctx, bench):
    ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "PF1ABCD2"))
    ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "PF1ABCD2"), duplicate_ok=True)
    report = bench.import_specs(FIXTURES / "PF1ABCD2.json")
    assert not report.files[0].ok
    assert "2 toestellen hebben serienummer PF1ABCD2" in report.files[0].message


def test_missing_path(bench, tmp_path):
    with pytest.raises(UserError, match="bestaat niet"):
        bench.import_specs(tmp_path / "nope")


def test_collect_script_output_imports(ctx, bench, tmp_path):
    """The USB-stick script runs lshw on this machine; its file reads back as specs."""
    script = Path(__file__).parents[1] / "resources" / "scripts" / "collect_specs.sh"
    stick = tmp_path / "stick"
    stick.mkdir()
    shutil.copy(script, stick)
    done = subprocess.run(["sh", str(stick / "collect_specs.sh")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    [made] = list(stick.glob("*.json"))
    assert parse_lshw(made.read_text()).specs["ram_bytes"] > 0
    report = bench.import_specs(stick)
    if made.stem.startswith("onbekend-"):  # no firmware serial (a VM): asks for a rename
        assert "hernoem" in report.files[0].message
        made.rename(stick / "VM-0001.json")
        report = bench.import_specs(stick)
    assert report.files[0].ok and report.files[0].created
