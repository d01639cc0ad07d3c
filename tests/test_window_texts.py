"""Refusals shown in the window say where in the window to act, never a command to type;
the command line adds the command."""

from __future__ import annotations

import pytest

from app.errors import UserError
from app.inventory import DeviceInput
from tests.cli_helpers import one_line_error, run


def test_a_device_not_wiped_says_werkbank_in_the_window_and_the_command_on_the_cli(ctx):
    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "PF1")).asset_tag
    with pytest.raises(UserError) as caught:
        ctx.devices.set_status(tag, "ready")
    assert "Werkbank" in caught.value.message
    assert "digibank" not in caught.value.message
    assert f"digibank wipe {tag}" in caught.value.cli_message


def test_on_loan_and_checkout_refusals_name_the_counter_not_a_command(ctx):
    from tests.conftest import make_ready

    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "PF1")).asset_tag
    make_ready(ctx, tag)
    with pytest.raises(UserError) as caught:
        ctx.devices.set_status(tag, "on-loan")
    assert "Balie" in caught.value.message and "digibank" not in caught.value.message
    assert "digibank loan checkout" in caught.value.cli_message


def test_the_command_line_names_the_command(capsys, tmp_path):
    data = str(tmp_path / "d")
    assert run(capsys, data, "init", "--location-code", "KRT", "--location-name", "K")[0] == 0
    run(capsys, data, "device", "add", "--kind", "laptop", "--brand", "B", "--model", "M")
    code, _out, err = run(capsys, data, "device", "status", "KRT-000001", "ready")
    assert code == 1
    line = one_line_error(err)
    assert "Werkbank" in line and "digibank wipe KRT-000001 --method … --result passed" in line


def test_the_retention_line_in_ontleners_names_no_command(qtbot, ctx):
    import datetime as dt

    from ui.borrowers_view import BorrowersView

    ctx.borrowers.add(__import__("app.borrowers").borrowers.BorrowerInput("Jan", "Peeters", "8500"))
    future = lambda: ctx.now().date() + dt.timedelta(days=3 * 365)  # noqa: E731
    ctx.borrowers._today = future
    view = BorrowersView(ctx.borrowers, ctx.loans, privacy=ctx.privacy)
    qtbot.addWidget(view)
    assert not view.retention_label.isHidden()
    assert "digibank" not in view.retention_label.text()
