"""Start-up work done once, and the light read path of the list commands (issue 13).

No timing here: what is checked is that the once-only repair is not run again, and that the
light path (db/light.py, no SQLAlchemy) prints exactly what the services' path prints.
"""

from __future__ import annotations

from app import postcodes
from app.borrowers import BorrowerService
from app.context import open_context


def _count_repairs(monkeypatch) -> list[int]:
    calls: list[int] = []
    original = BorrowerService.repair_municipalities

    def counting(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(BorrowerService, "repair_municipalities", counting)
    return calls


def test_the_municipality_repair_runs_once_not_at_every_open(tmp_path, monkeypatch):
    calls = _count_repairs(monkeypatch)
    folder = tmp_path / "data"
    open_context(folder, actor="test").close()
    assert len(calls) == 1  # a database without the flag: checked
    open_context(folder, actor="test").close()
    open_context(folder, actor="test").close()
    assert len(calls) == 1  # checked already against this postcode table: not again


def test_the_repair_runs_again_for_a_new_postcode_table(tmp_path, monkeypatch):
    calls = _count_repairs(monkeypatch)
    folder = tmp_path / "data"
    open_context(folder, actor="test").close()
    monkeypatch.setattr(postcodes, "table_fingerprint", lambda: "another-table")
    open_context(folder, actor="test").close()
    open_context(folder, actor="test").close()
    assert len(calls) == 2


def test_pulled_people_are_checked_at_the_next_open(tmp_path, monkeypatch):
    from app.sync.merge import apply_page
    from app.sync.protocol import LoggedChange

    calls = _count_repairs(monkeypatch)
    folder = tmp_path / "data"
    ctx = open_context(folder, actor="test")
    ctx.locations.initialise("KRT", "Kortrijk balie")
    stamp = "1764590000000-000001-other"
    fields = {
        "card_number": "GNT-B-00001",
        "first_name": "An",
        "last_name": "Peeters",
        "postcode": "2070",  # Zwijndrecht: East Flanders since 2025
        "municipality": "Zwijndrecht",
        "province": "ANT",
        "nis_code": "",  # an older program made this person
    }
    change = LoggedChange(
        seq=1,
        table="borrower",
        row_id="b-pulled",
        origin="other",
        fields=fields,
        clocks={k: stamp for k in fields},
    )
    import datetime as dt

    with ctx.sessions() as s, s.begin():
        s.info["applying_remote"] = True
        apply_page(s, [change], dt.datetime.now())
    ctx.close()
    assert len(calls) == 1
    ctx = open_context(folder, actor="test")
    try:
        assert len(calls) == 2  # the pulled person got their NIS code and province
        person = ctx.borrowers.get("GNT-B-00001")
        assert person.nis_code != "" and person.province == "OVL"
    finally:
        ctx.close()
    open_context(folder, actor="test").close()
    assert len(calls) == 2


# -- the light read path ------------------------------------------------------------------

import datetime as dt  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from sqlalchemy import select  # noqa: E402

import app.cli.light as light_cli  # noqa: E402
from app.cli import light_build, light_queries  # noqa: E402
from tests.cli_helpers import one_line_error, run  # noqa: E402
from tests.conftest import make_ready  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def light_taken(monkeypatch):
    """Counts the commands the light path answered."""
    taken: list[list[str]] = []
    original = light_cli._read

    def spy(request, *rest):
        show = original(request, *rest)
        if show is not None:
            taken.append([request.command])
        return show

    monkeypatch.setattr(light_cli, "_read", spy)
    return taken


def _normal_path_only(monkeypatch):
    monkeypatch.setattr(light_cli, "run", lambda argv: None)


@pytest.fixture(scope="module")
def counter_with_history(tmp_path_factory, module_environment):
    """Devices in every status (one deleted, one given away), people, and loans open, late,
    returned and cancelled: what `device list` and `loan list` can show."""
    from db.models import Device, Loan

    data = str(tmp_path_factory.mktemp("light") / "data")
    ctx = open_context(data, actor="test")
    ctx.locations.initialise("KRT", "Kortrijk balie")
    ctx.close()
    from app import cli

    def digibank(*args):
        assert cli.main(["--data-dir", data, *args]) == 0, args

    kinds = ("laptop", "screen", "tablet", "desktop", "smartphone", "printer", "router", "other")
    brands = ("Lenovo", "Dell", "Café Ünïcode")
    for i in range(12):
        notes = "lader\nmet 'quotes'" if i % 4 else ""
        digibank("device", "add", "--kind", kinds[i % len(kinds)], "--brand", brands[i % 3],
                 "--model", f"T{480 + i}", "--serial", f"S{i:03d}", "--notes", notes)  # fmt: skip
    for first, last, postcode in (("Jan", "Peeters", "8500"), ("Élise", "Van den Broeck", "9000"),
                                  ("Mohammed", "El Amrani", "2070"), ("An", "Li", "8510")):  # fmt: skip
        digibank("borrower", "add", "--first-name", first, "--last-name", last, "--postcode", postcode)
    past = dt.datetime.now() - dt.timedelta(days=200)
    ctx = open_context(data, actor="test", now=lambda: past)
    try:
        for tag in ("KRT-000001", "KRT-000002", "KRT-000003", "KRT-000004", "KRT-000005", "KRT-000012"):
            make_ready(ctx, tag)
        ctx.loans.checkout("KRT-000001", "KRT-B-00001")  # due 110 days ago: late
        ctx.loans.checkout("KRT-000002", "KRT-B-00002")
        ctx.loans.return_device("KRT-000002")  # returned
        ctx.loans.checkout("KRT-000003", "KRT-B-00002", due=(past + dt.timedelta(days=60)).date())
        ctx.loans.checkout("KRT-000005", "KRT-B-00004")
    finally:
        ctx.close()
    ctx = open_context(data, actor="test")
    try:
        ctx.loans.checkout("KRT-000004", "KRT-B-00003", due=dt.date.today() + dt.timedelta(days=30))
        with ctx.sessions() as s, s.begin():
            loan = s.scalar(select(Loan).join(Device).where(Device.asset_tag == "KRT-000005"))
            loan.state = "cancelled"
            devices = {d.asset_tag: d for d in s.scalars(select(Device))}
            devices["KRT-000006"].status = "repair"
            devices["KRT-000006"].specs = {"cpu": "i5-8350U", "ram_gb": 8, "disks": [{"size_gb": 256}]}
            devices["KRT-000007"].status = "given-away"
            devices["KRT-000007"].given_on = dt.date(2026, 3, 1)
            devices["KRT-000008"].status = "recycled"
            devices["KRT-000009"].status = "lost"
            devices["KRT-000010"].deleted = True  # never listed
            devices["KRT-000011"].acquisition_cost_cents = 12_050
    finally:
        ctx.close()
    return data


DEVICE_VARIANTS = [
    ["device", "list"],
    ["device", "list", "--json"],
    *(["device", "list", "--status", status] for status in light_queries.DEVICE_STATUSES),
    *(["device", "list", f"--status={status}", "--json"] for status in light_queries.DEVICE_STATUSES),
    ["device", "list", "--json", "--status", "ready"],
    ["--lang", "en", "device", "list"],
    ["--lang=fr", "device", "list", "--status", "on-loan"],
    ["--staff", "Iemand", "device", "list"],
]
LOAN_VARIANTS = [
    ["loan", "list"],
    ["loan", "list", "--open"],
    ["loan", "list", "--overdue"],
    ["loan", "list", "--open", "--overdue"],
    ["loan", "list", "--overdue", "--open", "--json"],
    ["loan", "list", "--json"],
    ["loan", "list", "--open", "--json"],
    ["loan", "list", "--overdue", "--json"],
    ["--lang", "en", "loan", "list"],
    ["--lang", "fr", "loan", "list", "--overdue"],
]


@pytest.mark.parametrize("args", DEVICE_VARIANTS + LOAN_VARIANTS, ids=" ".join)
def test_the_light_path_prints_exactly_what_the_services_print(
    args, counter_with_history, capsys, monkeypatch, light_taken
):
    from app import i18n

    with monkeypatch.context() as normal:
        _normal_path_only(normal)
        expected = run(capsys, counter_with_history, *args)
    assert light_taken == []
    i18n.set_language("nl")
    got = run(capsys, counter_with_history, *args)
    i18n.set_language("nl")
    assert len(light_taken) == 1, "the light path was not taken"
    assert got == expected
    assert expected[0] == 0 and expected[1].strip()


def test_the_history_has_what_the_lists_can_show(counter_with_history, capsys):
    code, out, _err = run(capsys, counter_with_history, "loan", "list", "--json")
    states = {(d["state"], d["overdue"]) for d in json.loads(out)}
    assert states == {("open", True), ("open", False), ("returned", False)}
    code, out, _err = run(capsys, counter_with_history, "device", "list", "--json")
    devices = json.loads(out)
    assert {d["status"] for d in devices} >= {"intake", "ready", "on-loan", "wiping", "repair", "given-away"}
    assert "KRT-000010" not in {d["asset_tag"] for d in devices}
    assert any(d["specs"] for d in devices) and any(d["given_on"] for d in devices)


def test_the_light_queries_are_compiled_from_the_current_services_and_models():
    assert light_build.source() == light_build.TARGET.read_text(encoding="utf-8"), (
        "run: python -m app.cli.light_build"
    )


def test_the_light_commands_are_read_only_for_the_staff_gate():
    from app.cli.staff_gate import COMMANDS

    assert COMMANDS["device list"] is None and COMMANDS["loan list"] is None


@pytest.mark.parametrize(
    "args",
    [
        ["device", "list", "--status", "nonsense"],
        ["device", "list", "--stat", "ready"],
        ["device", "list", "--json", "--json"],
        ["device", "list", "extra"],
        ["device", "list", "--status"],
        ["device", "list", "-h"],
        ["loan", "list", "--late"],
        ["--lang", "de", "device", "list"],
        ["--data-dir"],
        ["device", "show", "KRT-000001"],
        ["borrower", "list"],
        ["device", "list", "--open"],
    ],
    ids=" ".join,
)
def test_other_argument_shapes_take_the_normal_path(args):
    assert light_cli.parse(args) is None


def test_the_shapes_it_answers():
    request = light_cli.parse(["--data-dir=/x", "--lang", "en", "device", "list", "--status=ready", "--json"])
    assert request is not None
    assert (request.command, request.data_dir, request.options) == (
        "device",
        "/x",
        {"--status": "ready", "--json": True},
    )


def test_a_database_due_for_the_municipality_check_takes_the_normal_path(tmp_path, capsys, light_taken):
    data = str(tmp_path / "data")
    assert run(capsys, data, "init", "--location-code", "KRT", "--location-name", "Kortrijk")[0] == 0
    ctx = open_context(data)
    with ctx.sessions() as s, s.begin():
        from db.changes import write_state

        write_state(s, postcodes.CHECKED_KEY, "an older table")
    ctx.close()
    assert run(capsys, data, "device", "list")[0] == 0
    assert light_taken == []  # the normal path ran (and checked the people)
    assert run(capsys, data, "device", "list")[0] == 0
    assert len(light_taken) == 1


def test_an_older_schema_takes_the_normal_path_which_migrates(tmp_path, capsys, light_taken, monkeypatch):
    data = str(tmp_path / "data")
    assert run(capsys, data, "init", "--location-code", "KRT", "--location-name", "Kortrijk")[0] == 0
    monkeypatch.setattr(light_queries, "HEAD", "a-newer-revision")
    code, out, _err = run(capsys, data, "device", "list")
    assert (code, out) == (0, "Geen toestellen gevonden.\n")
    assert light_taken == []


def test_a_wrong_passphrase_gets_the_normal_paths_one_line(tmp_path, capsys, light_taken, monkeypatch):
    data = str(tmp_path / "data")
    assert run(capsys, data, "init", "--location-code", "KRT", "--location-name", "Kortrijk")[0] == 0
    monkeypatch.setenv("DIGIBANK_PASSPHRASE", "not-the-passphrase")
    code, out, err = run(capsys, data, "device", "list")
    assert code == 1 and out == ""
    assert "wachtwoord van de database klopt niet" in one_line_error(err)
    assert light_taken == []


def test_a_missing_folder_gets_the_normal_paths_message(tmp_path, capsys, light_taken):
    code, _out, err = run(capsys, str(tmp_path / "nothing"), "loan", "list")
    assert code == 1 and "Geen gegevens in" in one_line_error(err)
    assert light_taken == []


SCRIPT = """
import json, sys
from app.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize("args", [["device", "list"], ["loan", "list", "--open", "--json"]], ids=" ".join)
def test_a_list_command_imports_no_sqlalchemy(args, tmp_path, capsys):
    data = str(tmp_path / "data")
    assert run(capsys, data, "init", "--location-code", "KRT", "--location-name", "Kortrijk")[0] == 0
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, "--data-dir", data, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["code"] == 0
    heavy = sorted(
        m
        for m in out["modules"]
        if m.split(".")[0] in ("sqlalchemy", "alembic", "babel", "keyring", "db.models")
    )
    assert heavy == []


def test_the_log_file_opens_at_the_first_record_and_hands_over_without_doubles(tmp_path):
    import logging

    from app.logfile import setup_logging, setup_logging_on_first_record

    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    kept = [h for h in before if type(h).__name__ == "_PrivateRotatingFileHandler"]  # an earlier test's
    for handler in kept:
        root.removeHandler(handler)
    folder = tmp_path / "data"
    folder.mkdir()
    try:
        hand_over = setup_logging_on_first_record(folder)
        assert not (folder / "digibank.log").exists()  # nothing logged, no file opened
        logging.getLogger("test.light").warning("first line")
        hand_over()
        setup_logging(folder)  # the normal path: finds the file handler, adds none
        logging.getLogger("test.light").warning("second line")
        text = (folder / "digibank.log").read_text(encoding="utf-8")
        assert text.count("first line") == 1 and text.count("second line") == 1
        assert (folder / "digibank.log").stat().st_mode & 0o077 == 0
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
            handler.close()
        for handler in kept:
            root.addHandler(handler)
        root.setLevel(level)
