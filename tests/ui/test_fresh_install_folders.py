"""A fresh install has no `etiketten` folder yet: the intake's labels and the donor's wipe
certificate still work, and a label failure is never hidden behind a green message."""

from __future__ import annotations

from app.bench import BenchService
from app.donations import DonationService
from app.errors import UserError
from app.printing.service import PrintService
from ui.donations_view import DonationsView


def _intake(qtbot, ctx, labels_dir, printer=None) -> DonationsView:
    donations = DonationService(ctx.sessions, ctx.devices)
    view = DonationsView(
        donations,
        printer=printer or PrintService(ctx.sessions, ctx.settings),
        labels_dir=labels_dir,
        open_labels=False,
    )
    qtbot.addWidget(view)
    view.donor.setText("Bakkerij Dewitte bv")
    assert view.start_donation()
    view.brand.setText("Lenovo")
    view.model.setText("ThinkPad T480")
    view.add_serial("PF1ABCD2")
    return view


def test_labels_and_certificate_on_a_fresh_install_create_the_folder(qtbot, ctx, tmp_path):
    labels_dir = tmp_path / "data" / "etiketten"  # not there yet, as on a fresh install
    view = _intake(qtbot, ctx, labels_dir)
    assert view.finish()
    assert view.last_labels is not None and view.last_labels.is_file()
    assert view.last_labels.parent == labels_dir
    assert "✔" in view.message.text() and "Etiketten" in view.message.text()
    donation = view.donations.list()[0]
    for device in view.donations.devices(donation.number):
        BenchService(ctx.sessions, ctx.devices).record_wipe(
            device.asset_tag, method="nist-purge", result="passed"
        )
    view.refresh_recent()
    view.recent.setCurrentRow(0)
    certificate = view.certificate_for_selected()
    assert certificate is not None and certificate.is_file() and certificate.parent == labels_dir


class BrokenPrinter:
    def labels_for_tags(self, tags, layout, out):
        raise UserError("De printer is stuk.")


def test_a_label_failure_is_not_shown_as_success(qtbot, ctx, tmp_path):
    view = _intake(qtbot, ctx, tmp_path / "etiketten", printer=BrokenPrinter())
    view.finish()
    text = view.message.text()
    # The devices are booked in (that part worked), but the message is a warning, not green.
    assert len(view.donations.devices(view.donations.list()[0].number)) == 1
    assert text.startswith("⚠"), text
    assert "ingeboekt" in text and "De printer is stuk." in text
    assert "#1b5e20" not in view.message.styleSheet()
