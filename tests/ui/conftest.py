"""Fixtures for the window tests: Qt offscreen, data in tmp_path, a few ready devices."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from app.borrowers import BorrowerInput  # noqa: E402
from app.context import AppContext  # noqa: E402
from app.inventory import DeviceInput  # noqa: E402
from db.models import Loan  # noqa: E402
from tests.conftest import make_ready  # noqa: E402

UI_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform warns that it cannot pass size hints to a window manager
    # it does not have; that says nothing about our code, every other warning still fails.
    for item in items:
        if UI_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"))


def add_ready_devices(ctx: AppContext, count: int) -> list[str]:
    tags = []
    for i in range(count):
        device = ctx.devices.add(DeviceInput(kind="laptop", brand="Lenovo", model=f"ThinkPad T{480 + i}"))
        make_ready(ctx, device.asset_tag)
        tags.append(device.asset_tag)
    return tags


def add_borrower(ctx: AppContext, first: str = "Mia", last: str = "Peeters", postcode: str = "8500") -> str:
    return ctx.borrowers.add(BorrowerInput(first_name=first, last_name=last, postcode=postcode)).card_number


def make_overdue(ctx: AppContext, loan_id: str, days: int = 5) -> None:
    """Move a loan's due date into the past (a checkout cannot be made overdue directly)."""
    with ctx.sessions() as s, s.begin():
        loan = s.get(Loan, loan_id)
        assert loan is not None
        loan.due_date = dt.date.today() - dt.timedelta(days=days)


@pytest.fixture
def counter_data(ctx: AppContext) -> tuple[AppContext, str, list[str]]:
    """One borrower and three ready laptops."""
    card = add_borrower(ctx)
    return ctx, card, add_ready_devices(ctx, 3)
