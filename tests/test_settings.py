import pytest

from app.cli import main
from app.config import Settings
from app.errors import UserError
from app.settings_service import change


def test_changes_are_checked_and_saved(tmp_path, capsys):
    folder = tmp_path / "data"
    assert main(["--data-dir", str(folder), "init", "--location-code", "KRT", "--location-name", "K"]) == 0
    assert main(["--data-dir", str(folder), "settings", "set", "max_open_loans_per_borrower", "2"]) == 0
    assert main(["--data-dir", str(folder), "settings", "set", "default_deposit", "25,50"]) == 0
    saved = Settings.load(folder)
    assert (saved.max_open_loans_per_borrower, saved.default_deposit_cents) == (2, 2550)
    capsys.readouterr()
    assert main(["--data-dir", str(folder), "settings", "set", "loan_period_days", "zero"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "loan_period_days" in err
    assert Settings.load(folder).loan_period_days == 90


@pytest.mark.parametrize(
    ("name", "value"),
    [("language", "de"), ("label_layout", "A5"), ("sync_interval_seconds", "1"), ("default_deposit", "-3")],
)
def test_bad_values_are_refused(name, value):
    settings = Settings()
    before = Settings()
    with pytest.raises(UserError):
        change(settings, name, value)
    assert settings == before


def test_a_larger_loan_limit_lets_the_counter_lend_two_devices(ctx):
    from app.borrowers import BorrowerInput
    from app.inventory import DeviceInput
    from tests.conftest import make_ready

    card = ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    tags = [ctx.devices.add(DeviceInput("laptop", "Dell", "M", f"S{i}")).asset_tag for i in range(2)]
    for tag in tags:
        make_ready(ctx, tag)
    ctx.loans.checkout(tags[0], card)
    with pytest.raises(UserError, match="maximum 1"):
        ctx.loans.checkout(tags[1], card)
    change(ctx.settings, "max_open_loans_per_borrower", "2")
    ctx.loans.checkout(tags[1], card)
    assert ctx.loans.open_count() == 2


def test_deposit_per_kind_is_typed_as_kind_amount_pairs_and_shown_in_describe(tmp_path, capsys):
    from app.settings_service import describe

    folder = tmp_path / "data"
    assert main(["--data-dir", str(folder), "init", "--location-code", "KRT", "--location-name", "K"]) == 0
    assert (
        main(["--data-dir", str(folder), "settings", "set", "deposit_by_kind", "laptop=25,00; tablet=15"])
        == 0
    )
    saved = Settings.load(folder)
    assert saved.deposit_by_kind_cents == {"laptop": 2500, "tablet": 1500}
    shown = {name: value for name, value, _why in describe(saved)}
    assert shown["deposit_by_kind"] == "laptop=25,00;tablet=15,00"
    capsys.readouterr()
    for bad in ("laptop", "boot=10,00", "laptop=10;laptop=12", "laptop=-1"):
        assert main(["--data-dir", str(folder), "settings", "set", "deposit_by_kind", bad]) == 1
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert Settings.load(folder).deposit_by_kind_cents == {"laptop": 2500, "tablet": 1500}
    assert main(["--data-dir", str(folder), "settings", "set", "deposit_by_kind", ""]) == 0
    assert Settings.load(folder).deposit_by_kind_cents == {}
