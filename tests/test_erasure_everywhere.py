"""Erasure reaches every place a person left data locally: related records, the field
conflict log, the outbox, log files; a private donor can be erased too."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.borrowers import BorrowerInput
from app.errors import UserError
from app.export import export_json
from app.inventory import DeviceInput
from app.sync.merge import record_conflict
from db.base import FieldConflict, OutboxEntry
from db.models import HelpdeskVisit, Loan, WaitingListEntry
from tests.cli_helpers import one_line_error, run
from tests.conftest import make_ready

NAME = "Uniekenaam"


@pytest.fixture
def zeynep(ctx):
    return ctx.borrowers.add(
        BorrowerInput("Zeynep", NAME, "8500", phone="0470 99 88 77", email="zeynep@uniek.be",
                      street="Uniekstraat 9", notes=f"{NAME} komt op dinsdag", target_group="nieuwkomer")
    )  # fmt: skip


def _lend_and_return(ctx, card):
    device = ctx.devices.add(DeviceInput("laptop", "Dell", "Latitude", "S9"))
    make_ready(ctx, device.asset_tag)
    ctx.loans.checkout(device.asset_tag, card)
    with ctx.sessions() as s, s.begin():
        loan = s.scalar(select(Loan))
        loan.condition_out = f"kras op deksel, gezien door {NAME}"
        loan.signature_png = "iVBORw0KGgo="
    ctx.loans.return_device(device.asset_tag, condition=f"{NAME} meldt: toets los")


def test_erasure_clears_every_related_text_and_keeps_report_counts(ctx, zeynep):
    _lend_and_return(ctx, zeynep.card_number)
    ctx.helpdesk.log("itsme", card=zeynep.card_number, notes=f"itsme voor {NAME}, tel 0470 99 88 77")
    ctx.waiting_list.add(zeynep.card_number, notes=f"{NAME} wil een scherm")
    period = ctx.reports.period("year")
    before = ctx.reports.reach(period).to_json()

    ctx.privacy.erase(zeynep.card_number)

    with ctx.sessions() as s:
        visit = s.scalar(select(HelpdeskVisit))
        entry = s.scalar(select(WaitingListEntry))
        loan = s.scalar(select(Loan))
        assert (visit.notes, entry.notes) == ("", "")
        assert (loan.condition_out, loan.condition_in, loan.signature_png) == ("", "", "")
        assert visit.borrower_id == zeynep.id  # still counted for the person
    assert NAME not in export_json(ctx.sessions)
    assert "0470 99" not in export_json(ctx.sessions)
    assert ctx.reports.reach(period).to_json() == before


def test_erasure_scrubs_the_conflict_log_and_the_outbox(ctx, zeynep):
    with ctx.sessions() as s, s.begin():
        record_conflict(s, "borrower", zeynep.id, "notes", "x", "0000000000001-000000-b",
                        f"{NAME} belt vaak", "0000000000000-000000-c", dt.datetime(2026, 1, 1))  # fmt: skip
        record_conflict(s, "borrower", zeynep.id, "postcode", "8500", "0000000000001-000000-b",
                        "8501", "0000000000000-000000-c", dt.datetime(2026, 1, 1))  # fmt: skip
    ctx.helpdesk.log("itsme", card=zeynep.card_number, notes=f"hulp voor {NAME}")
    with ctx.sessions() as s, s.begin():  # pretend the first entries were pushed already
        first = s.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)).first()
        first.pushed_batch = "b1"

    ctx.privacy.erase(zeynep.card_number)

    with ctx.sessions() as s:
        payloads = json.dumps([e.payload for e in s.scalars(select(OutboxEntry))], ensure_ascii=False)
        conflicts = list(s.scalars(select(FieldConflict)))
    assert NAME not in payloads and "0470 99" not in payloads and "zeynep@" not in payloads
    assert "(gewist)" in payloads
    # The postcode conflict is no personal data: it stays.
    assert [(c.field, c.lost_value) for c in conflicts] == [("postcode", "8501")]


def test_erasure_removes_the_persons_lines_from_the_log_files(ctx, zeynep):
    log = ctx.data_dir / "digibank.log"
    old = ctx.data_dir / "digibank.log.1"
    log.write_text(f"x INFO a: borrower {zeynep.card_number} registered\nx INFO b: device KRT-000001 added\n",
                   encoding="utf-8")  # fmt: skip
    old.write_text(f"x WARNING c: about Zeynep {NAME}\nx INFO d: backup written\n", encoding="utf-8")
    ctx.privacy.erase(zeynep.card_number)
    text = log.read_text(encoding="utf-8") + old.read_text(encoding="utf-8")
    assert NAME not in text
    assert "device KRT-000001 added" in text and "backup written" in text
    assert f"borrower {zeynep.card_number} registered" not in text


def test_private_donor_erasure(capsys, tmp_path):
    data = str(tmp_path / "d")
    assert run(capsys, data, "init", "--location-code", "KRT", "--location-name", "K")[0] == 0
    code, out, _ = run(capsys, data, "donation", "add", "--donor", f"Marc {NAME}", "--contact",
                       "marc@uniek.be", "--kind", "person")  # fmt: skip
    assert code == 0
    number = out.strip()
    code, out, _ = run(capsys, data, "donation", "add", "--donor", "Bakkerij Dewitte bv")
    org = out.strip()
    assert run(capsys, data, "donation", "erase", number)[0] == 0
    code, out, _ = run(capsys, data, "export", "--json")
    assert NAME not in out and "marc@uniek.be" not in out
    donations = {d["number"]: d for d in json.loads(out)["donation"]}
    assert donations[number]["erased"] is True and donations[org]["donor_name"] == "Bakkerij Dewitte bv"
    code, _out, err = run(capsys, data, "donation", "erase", org)
    assert code == 1 and "organisatie" in one_line_error(err)


def test_an_erased_donor_cannot_be_erased_twice(ctx):
    donation = ctx.donations.add(f"Marc {NAME}", kind="person")
    ctx.privacy.erase_donor(donation.number)
    with pytest.raises(UserError):
        ctx.privacy.erase_donor(donation.number)
