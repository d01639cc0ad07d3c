"""Issue 9's acceptance, with the real `digibank` commands on two counters and a real server.

Each case ends with identical `export --json` on both counters, nothing lost, no false
conflict, and nothing reported as sent that the server did not apply. Case 2 (writes
under the lock) is in test_write_lock.py, case 4 (replacement PC) in
test_join_location.py: they need threads and a third machine.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.context import open_context
from db import clock
from db.changes import HLC_KEY, read_state
from tests.cli_helpers import export, one_line_error, run

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "specs"
SOON = (dt.date.today() + dt.timedelta(days=60)).isoformat()


def _ok(capsys, data, *args):
    code, out, err = run(capsys, data, *args)
    assert code == 0, (args, err)
    return out


def _sync(capsys, data, url):
    code, out, err = run(capsys, data, "sync", "--server", url, "--json")
    assert code == 0, err
    return json.loads(out)


def _refused(capsys, data, *args):
    """A refused command: exit 1, one plain line, and nothing changed."""
    before = export(capsys, data)
    code, _out, err = run(capsys, data, *args)
    assert code == 1, (args, err)
    line = one_line_error(err)
    assert "Onverwachte fout" not in line
    assert export(capsys, data) == before
    return line


@pytest.fixture
def two_counters(tmp_path, sqlite_server, capsys, monkeypatch):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    a, b = str(tmp_path / "krt"), str(tmp_path / "bus")
    tokens = {a: server.issue_token("Kortrijk", "KRT"), b: server.issue_token("Kortrijk", "BUS")}

    def use(data):
        monkeypatch.setenv("DIGIBANK_TOKEN", tokens[data])

    use(a)
    _ok(capsys, a, "init", "--location-code", "KRT", "--location-name", "Kortrijk balie")
    use(b)
    _ok(capsys, b, "init", "--location-code", "BUS", "--location-name", "Bus", "--kind", "mobile")
    return server, a, b, use


def test_case_1_long_texts_are_refused_at_the_counter_never_sent_and_dropped(two_counters, capsys):
    server, a, b, use = two_counters
    use(a)
    line = _refused(capsys, a, "device", "add", "--kind", "laptop", "--brand", "Dell", "--model", "E7450",
                    "--accessories", "x" * 216)  # fmt: skip
    assert "200" in line
    tag = _ok(capsys, a, "device", "add", "--kind", "laptop", "--brand", "Dell", "--model", "E7450",
              "--accessories", "lader, tas", "--json")  # fmt: skip
    tag = json.loads(tag)["asset_tag"]
    _ok(capsys, a, "device", "status", tag, "wiping")
    _ok(capsys, a, "wipe", tag, "--method", "nwipe", "--result", "passed")
    _ok(capsys, a, "device", "status", tag, "ready")
    card = json.loads(
        _ok(
            capsys,
            a,
            "borrower",
            "add",
            "--first-name",
            "Jan",
            "--last-name",
            "Peeters",
            "--postcode",
            "8500",
            "--json",
        )  # fmt: skip
    )["card_number"]
    _ok(capsys, a, "loan", "checkout", tag, card, "--due", SOON)
    assert "400" in _refused(capsys, a, "loan", "return", tag, "--condition", "y" * 475)
    assert "200" in _refused(capsys, a, "borrower", "block", card, "--reason", "z" * 201)
    _ok(capsys, a, "loan", "return", tag, "--condition", "krasje op het deksel")
    pushed = _sync(capsys, a, server.url)
    assert pushed["pushed"] == pushed["applied"] + pushed["merged"] and pushed["rejected"] == 0
    _converged_each(capsys, server.url, a, b, use)
    shown = json.loads(_ok(capsys, b, "device", "show", tag, "--json"))
    assert shown["status"] == "wiping" and shown["accessories"] == "lader, tas"


def test_case_5_the_same_server_under_another_address_continues_where_it_was(two_counters, capsys):
    server, a, b, use = two_counters
    use(a)
    _ok(capsys, a, "device", "add", "--kind", "laptop", "--brand", "Dell", "--model", "E7450")
    _ok(capsys, a, "borrower", "add", "--first-name", "Els", "--last-name", "Maes", "--postcode", "8500")
    _sync(capsys, a, server.url)
    use(b)
    _sync(capsys, b, server.url)
    other = server.url.replace("127.0.0.1", "localhost")
    again = _sync(capsys, b, other)
    assert again["pulled"] == 0 and again["conflicts"] == 0 and again["repulled_tables"] == []
    use(a)
    _ok(capsys, a, "device", "add", "--kind", "screen", "--brand", "Iiyama", "--model", "X2483")
    _sync(capsys, a, other)
    use(b)
    assert _sync(capsys, b, other)["pulled"] == 1
    assert json.loads(_ok(capsys, b, "conflicts", "--json"))["fields"] == []
    assert export(capsys, a) == export(capsys, b)


def test_case_6_bad_values_never_stop_anyone(two_counters, capsys, tmp_path):
    server, a, b, use = two_counters
    use(a)
    session = json.loads(
        _ok(
            capsys,
            a,
            "training",
            "add",
            "--title",
            "Veilig online",
            "--start",
            "2026-12-10 14:00",
            "--capacity",
            "2",
            "--json",
        )  # fmt: skip
    )
    number = session["short"]
    for count in ("-5", "100000000"):
        _refused(capsys, a, "training", "walk-in", number, "--count", count)
    donation = json.loads(_ok(capsys, a, "donation", "add", "--donor", "Bakkerij Dewitte bv", "--json"))
    number_d = donation["number"]
    _refused(capsys, a, "donation", "intake", number_d, "--kind", "laptop", "--brand", "Dell",
             "--model", "E7450", "--count", "100000000")  # fmt: skip
    # An lshw file whose CPU name holds a lone surrogate (as a broken BIOS string can).
    broken = tmp_path / "broken.json"
    text = (FIXTURES / "PF1ABCD2.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    _set_cpu_product(doc, "Intel \ud83d Core i5")
    broken.write_text(json.dumps(doc), encoding="utf-8")  # ensure_ascii: "\\ud83d" in the file
    code, _out, err = run(capsys, a, "specs", "import", str(broken))
    assert "Traceback" not in err and "Onverwachte fout" not in err
    assert code in (0, 1)
    _converged_each(capsys, server.url, a, b, use)


def _set_cpu_product(node, product):
    if isinstance(node, dict):
        if node.get("class") == "processor":
            node["product"] = product
        for child in node.get("children", []):
            _set_cpu_product(child, product)
    elif isinstance(node, list):
        for child in node:
            _set_cpu_product(child, product)


def test_case_3_one_edit_a_year_ahead_then_corrected_sends_everything(two_counters, capsys, tmp_path):
    server, a, b, use = two_counters
    use(a)
    _ok(capsys, a, "device", "add", "--kind", "laptop", "--brand", "Dell", "--model", "E7450")
    _sync(capsys, a, server.url)
    env = {**os.environ, "DIGIBANK_DATA_DIR": a, "DIGIBANK_LANG": "nl"}
    # The PC's clock is set a year ahead for one edit (a real process under faketime).
    done = subprocess.run(
        [
            "faketime",
            "-f",
            "+365d",
            sys.executable,
            "-m",
            "app.cli",
            "device",
            "add",
            "--kind",
            "screen",
            "--brand",
            "Iiyama",
            "--model",
            "X2483",
        ],  # fmt: skip
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    # Clock corrected: the next round sends it (0 held), and later edits follow.
    _ok(capsys, a, "device", "add", "--kind", "tablet", "--brand", "Samsung", "--model", "Tab A")
    result = _sync(capsys, a, server.url)
    assert result["held"] == 0 and result["waiting"] == 0 and result["refused_waiting"] == 0
    use(b)
    _sync(capsys, b, server.url)
    ctx = open_context(b)
    try:
        with ctx.sessions() as s:
            hlc = clock.Stamp.decode(read_state(s, HLC_KEY))
    finally:
        ctx.close()
    ahead_ms = hlc.wall - clock.wall_ms()
    assert ahead_ms < 5 * 60 * 1000, f"the other counter's clock moved {ahead_ms} ms ahead"
    use(a)
    _converged_each(capsys, server.url, a, b, use)
    kinds = sorted(d["kind"] for d in json.loads(_ok(capsys, b, "device", "list", "--json")))
    assert kinds == ["laptop", "screen", "tablet"]


def _converged_each(capsys, url, a, b, use):
    """Rounds in turn, each counter with its own token, until both hold the same records:
    nothing refused, held, set aside or differing, and no field conflict."""
    for data in (a, b, a, b):
        use(data)
        result = _sync(capsys, data, url)
        assert result["rejected"] == 0 and result["refused_waiting"] == 0 and result["held"] == 0
        assert result["set_aside"] == 0 and result["mismatched_tables"] == []
        assert result["waiting"] == 0
    assert export(capsys, a) == export(capsys, b)
    for data in (a, b):
        assert json.loads(_ok(capsys, data, "conflicts", "--json"))["fields"] == []
