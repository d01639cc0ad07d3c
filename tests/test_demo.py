"""`digibank demo` (issue 15): a believable month whose dates hang together, marked as practice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.config import Settings
from app.context import open_context
from app.demo import load_demo
from db.models import (
    Borrower,
    DataWipe,
    Device,
    Donation,
    HelpdeskVisit,
    Loan,
    Repair,
    TrainingSession,
    WaitingListEntry,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, module_environment):
    folder = tmp_path_factory.mktemp("demo")
    ctx = open_context(str(folder))
    counts = load_demo(ctx)
    yield ctx, counts
    ctx.close()


def test_every_kind_of_counter_work_is_there(demo) -> None:
    ctx, counts = demo
    with ctx.sessions() as s:

        def n(model, *where):
            return s.scalar(select(func.count()).select_from(model).where(*where))

        assert n(Donation) == 4
        assert n(Device, Device.status == "intake") >= 2  # not wiped yet: the certificate waits
        assert n(Device, Device.status == "repair") == 1
        assert n(Device, Device.status == "wiping") == 1  # came back, waits for its wipe
        assert n(Repair) == 2
        assert n(Borrower, Borrower.blocked.is_(True)) == 1
        assert n(Borrower, Borrower.consent_date.is_(None)) == 2
        phones = n(Borrower, Borrower.phone != "")
        assert phones >= 0.8 * n(Borrower)
        assert n(WaitingListEntry) == 4
        assert n(TrainingSession) == counts["trainings"] == 5
    assert len(ctx.loans.list(overdue_only=True)) == 2
    today = dt.date.today()
    open_loans = ctx.loans.list(open_only=True)
    assert any(
        0 <= (view.loan.due_date - today).days <= 3 for view in open_loans
    )  # a reminder before the due date


def test_dates_hang_together(demo) -> None:
    ctx, _ = demo
    now = dt.datetime.now()
    with ctx.sessions() as s:
        for loan in s.scalars(select(Loan)):
            device = s.get(Device, loan.device_id)
            assert device.intake_date <= loan.out_at.date(), device.asset_tag
            wipes = [w.ended_at for w in s.scalars(select(DataWipe).where(DataWipe.device_id == device.id))]
            assert wipes and min(wipes) < loan.out_at, "lent before it was wiped"
            assert loan.out_at <= now
            if loan.in_at is not None:
                assert loan.out_at < loan.in_at <= now
        for visit in s.scalars(select(HelpdeskVisit)):
            assert visit.visited_at <= now
        months = {v.visited_at.date().replace(day=1) for v in s.scalars(select(HelpdeskVisit))}
        assert len(months) >= 2  # this month and earlier ones, to compare
        this_month = s.scalar(
            select(func.count())
            .select_from(HelpdeskVisit)
            .where(HelpdeskVisit.visited_at >= now - dt.timedelta(days=30))
        )
        assert this_month >= 20


def test_the_folder_is_marked_as_practice(demo) -> None:
    ctx, _ = demo
    assert Settings.load(ctx.data_dir).demo is True


def _pdf_text(path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_every_printout_of_a_practice_folder_says_oefening_and_a_real_one_does_not(demo, tmp_path) -> None:
    ctx, _ = demo
    from app import config

    config.set_practice_mode(True)  # as open_context sets it for this folder
    tag = ctx.loans.list(open_only=True)[0].device.asset_tag
    contract = tmp_path / "contract.pdf"
    ctx.printing.contract(tag, contract)
    labels = tmp_path / "labels.pdf"
    ctx.printing.labels_for_tags([tag], None, labels)
    for printed in (contract, labels):
        assert "OEFENING" in _pdf_text(printed), printed
    real = open_context(str(tmp_path / "real"))  # a folder that is not a demo resets the mark
    try:
        assert config.practice_mode is False
    finally:
        real.close()
    again = tmp_path / "contract-real.pdf"
    ctx.printing.contract(tag, again)
    assert "OEFENING" not in _pdf_text(again)
