"""The coordinator's report on the server equals what a fully synced counter computes."""

from __future__ import annotations

import datetime as dt
import json

from openpyxl import load_workbook

from app.borrowers import BorrowerInput
from app.inventory import DeviceInput
from app.reports.periods import parse_period
from app.reports.reach import reach_report
from db.models import HelpdeskVisit
from tests.conftest import make_ready
from tests.sync.conftest import make_replica


def _activity(ctx, postcodes: list[str], serial: str) -> None:
    cards = [ctx.borrowers.add(BorrowerInput("P", f"N{i}", pc)).card_number for i, pc in enumerate(postcodes)]
    tag = ctx.devices.add(DeviceInput("laptop", "Dell", "Latitude", serial)).asset_tag
    make_ready(ctx, tag)
    ctx.loans.checkout(tag, cards[0])
    with ctx.sessions() as s, s.begin():
        s.add(
            HelpdeskVisit(
                visited_at=dt.datetime.now().replace(microsecond=0),
                topic="itsme",
                minutes=10,
                outcome="solved",
                postcode="9000",
            )
        )


def test_server_reach_report_equals_a_synced_client(tmp_path, server, replicas, capsys):
    server.add_tenant("Kortrijk")
    server.add_tenant("Elders")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "BUS"), "BUS")
    other = make_replica(tmp_path, "o", server, server.issue_token("Elders", "ELD"), "ELD")
    replicas += [a, b, other]
    _activity(a.ctx, ["8500", "8500", "9000"], "SA")
    _activity(b.ctx, ["8500", "2000"], "SB")
    _activity(other.ctx, ["3500"] * 5, "SO")  # another digibank: must not be counted
    for replica in (a, b, other, a, b):
        replica.sync()

    today = dt.date.today().isoformat()
    period = parse_period(today, today)
    with a.ctx.sessions() as s:
        expected = reach_report(s, period).to_json()
    assert expected["people"] == 2  # one borrower with a loan at each location
    assert expected["anonymous_visits"] == 2  # the other digibank's visit is not ours

    out = tmp_path / "server-reach.xlsx"
    code = server.cli(
        "report",
        "reach",
        "--tenant",
        "Kortrijk",
        "--from",
        today,
        "--to",
        today,
        "--xlsx",
        str(out),
        "--json",
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    figures = json.loads(captured.out)
    assert figures == json.loads(json.dumps(expected, default=str))
    assert load_workbook(out).sheetnames  # a real workbook was written

    assert server.cli("report", "reach", "--tenant", "Nobody", "--from", today, "--to", today) == 1
    assert "Nobody" in capsys.readouterr().err
