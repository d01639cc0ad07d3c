"""Bench, donations, trainings, helpdesk and waiting-list views with real keystrokes.

Each test also saves a screenshot with realistic data to the folder DIGIBANK_SHOTS
names (tests/shots.py), for people to look at.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import QApplication, QWidget

from app.bench import BenchService
from app.donations import DonationService, IntakeItem
from app.helpdesk import HelpdeskService
from app.inventory import DeviceInput
from app.trainings import TrainingService
from app.waiting_list import WaitingListService
from tests.shots import shots_folder
from tests.ui.conftest import add_borrower
from ui.bench_view import BenchView
from ui.donations_view import DonationsView
from ui.helpdesk_view import HelpdeskView
from ui.trainings_view import TrainingsView
from ui.waiting_list_view import WaitingListView

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "specs"
NWIPE = Path(__file__).resolve().parents[1] / "fixtures" / "nwipe"


def show(qtbot, view: QWidget, focus: QWidget, size: tuple[int, int] = (1100, 700)) -> None:
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    focus.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is focus)


def scan(qtbot, field: QWidget, code: str) -> None:
    qtbot.keyClicks(field, code)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def shot(view: QWidget, name: str) -> None:
    folder = shots_folder()
    if folder is not None:
        QApplication.processEvents()  # let pending re-layouts (after text changes) happen first
        view.grab().save(str(folder / f"{name}.png"))


def people(ctx) -> list[str]:
    names = [("Mina", "El Amrani", "8500"), ("Jan", "Peeters", "8501"), ("Rita", "Vermeulen", "8790"),
             ("Ahmed", "Benali", "8500"), ("Sofie", "De Smet", "8530")]  # fmt: skip
    return [add_borrower(ctx, f, last, pc) for f, last, pc in names]


def test_helpdesk_digit_keys_log_and_card_digits_do_not(qtbot, ctx):
    cards = people(ctx)
    helpdesk = HelpdeskService(ctx.sessions)
    view = HelpdeskView(helpdesk)
    show(qtbot, view, view.scan_field, (1000, 760))

    scan(qtbot, view.scan_field, cards[0])  # digits typed into the field stay there
    assert helpdesk.day().count == 0
    assert cards[0] in view.card_label.text()
    view.minutes.setValue(15)
    view.topic_buttons["itsme"].click()
    view.minutes.clearFocus()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_1)  # 1 = Tax-on-web
    view.postcode.setText("8790")
    view.outcome_buttons["follow-up"].setChecked(True)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_0)  # 0 = other
    day = helpdesk.day()
    assert [r.visit.topic for r in day.rows] == ["other", "tax-on-web", "itsme"]
    assert day.rows[2].borrower is not None and day.rows[2].visit.minutes == 15
    assert day.rows[1].borrower is None  # the form was reset after each save
    assert (day.rows[0].visit.postcode, day.rows[0].visit.outcome) == ("8790", "follow-up")
    assert view.table.rowCount() == 3
    for topic, minutes, postcode in (
        ("bank", 20, "8500"),
        ("ebox", 5, ""),
        ("health", 30, "8530"),
        ("burgerprofiel", 10, "8501"),
    ):
        view.minutes.setValue(minutes)
        view.postcode.setText(postcode)
        view.log_topic(topic)
    shot(view, "helpdesk-view")
    view.undo_button.click()
    assert helpdesk.day().count == 6
    view.postcode.setText("12")
    assert not view.log_topic("vdab")
    assert "⚠" in view.message.text()


def test_waiting_list_view(qtbot, ctx):
    cards = people(ctx)
    waiting = WaitingListService(ctx.sessions)
    view = WaitingListView(waiting)
    show(qtbot, view, view.scan_field, (1000, 500))
    scan(qtbot, view.scan_field, cards[0])
    view.priority.setCurrentIndex(0)  # urgent
    scan(qtbot, view.scan_field, cards[1])
    view.priority.setCurrentIndex(2)
    scan(qtbot, view.scan_field, cards[2])
    scan(qtbot, view.scan_field, cards[2])  # twice: refused with a reason
    assert "staat al op de wachtlijst" in view.message.text()
    assert [view.table.item(r, 1).text() for r in range(view.table.rowCount())] == [
        cards[1],
        cards[0],
        cards[2],
    ]
    assert "Jan Peeters" in view.next_label.text()
    view.kind.setCurrentIndex(view.kind.findData("screen"))
    scan(qtbot, view.scan_field, cards[3])
    shot(view, "waiting-list-view")
    view.table.selectRow(0)
    view.serve_button.click()
    assert "Mina El Amrani" in view.next_label.text()


def test_trainings_view_scan_twice_counts_once_tick_and_walk_ins(qtbot, ctx):
    cards = people(ctx)
    trainings = TrainingService(ctx.sessions)
    for i, title in enumerate(("Aan de slag met de laptop", "Mails en bijlagen", "Veilig online")):
        trainings.add(title, dt.datetime(2026, 2, 2 + 7 * i, 14, 0), capacity=4, series="Basis laptop",
                      part=i + 1, of=3, trainer="Els Goossens", place="Bibliotheek Kortrijk")  # fmt: skip
    view = TrainingsView(trainings)
    show(qtbot, view, view.title_edit, (1200, 720))
    view.title_edit.setText("Repair café")
    view.start_edit.setDateTime(QDateTime(QDate(2026, 2, 21), QTime(10, 0)))
    view.capacity_edit.setValue(2)
    view.place_edit.setText("de bus")
    assert view.add_session()
    session_id = view._current
    assert view.sessions_table.rowCount() == 4

    view.mode.setCurrentIndex(view.mode.findData("register"))
    for card in cards[:3]:
        scan(qtbot, view.scan_field, card)
    assert "wachtlijst" in view.message.text()
    summary = trainings.summary(session_id)
    assert (summary.registered, summary.waiting) == (2, 1)

    view.mode.setCurrentIndex(view.mode.findData("attend"))
    scan(qtbot, view.scan_field, cards[0])
    scan(qtbot, view.scan_field, cards[0].lower())
    assert "telt één keer" in view.message.text()
    assert trainings.summary(session_id).attended == 1

    # Tick the second person by hand.
    row = next(
        r for r in range(view.people_table.rowCount()) if view.people_table.item(r, 2).text() == cards[1]
    )
    view.people_table.item(row, 0).setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: trainings.summary(session_id).attended == 2)
    view.walk_in_plus.click()
    view.walk_in_plus.click()
    view.walk_in_minus.click()
    assert trainings.summary(session_id).present == 3
    qtbot.waitUntil(lambda: view.walk_in_label.text() == "1")
    shot(view, "trainings-view")
    assert view.processed == 5


def test_bench_view_wipe_then_ready_repair_and_specs(qtbot, ctx, tmp_path):
    devices = ctx.devices
    bench = BenchService(ctx.sessions, devices)
    tag = devices.add(DeviceInput("laptop", "Lenovo", "ThinkPad T480", "PF1ABCD2")).asset_tag
    waiting = WaitingListService(ctx.sessions)
    waiting.add(add_borrower(ctx, "Sofie", "De Smet", "8530"), priority=1)
    view = BenchView(devices, bench, waiting)
    show(qtbot, view, view.scan_field, (1200, 760))
    scan(qtbot, view.scan_field, "KRT-999999")
    assert "Geen toestel" in view.message.text()
    scan(qtbot, view.scan_field, tag.lower())
    assert tag in view.device_title.text()

    view.status_combo.setCurrentIndex(view.status_combo.findData("ready"))
    assert not view.apply_status()
    assert "geen geslaagde gegevenswissing" in view.message.text()

    view.technician.setText("Pieter Claes")
    view.verified_by.setText("Anja Wouters")
    view.tool.setText("nwipe 0.34")
    assert view.save_wipe()
    view.action.setText("nieuwe batterij")
    view.parts.setText("01AV428")
    view.cost.setText("34,95")
    view.minutes.setValue(20)
    assert view.save_repair()
    view.status_combo.setCurrentIndex(view.status_combo.findData("ready"))
    assert view.apply_status()
    assert devices.get(tag).status == "ready"
    assert "Eerste op de wachtlijst: Sofie De Smet (KRT-B-00001)" in view.message.text()

    stick = tmp_path / "usb"
    stick.mkdir()
    for name in ("PF1ABCD2.json", "PF1ABCD2-dmidecode.txt", "trimmed-R90XYZ12.json"):
        shutil.copy(FIXTURES / name, stick)
    view.import_specs(stick)
    assert "2 ingelezen, 1 mislukt" in view.message.text()
    assert "i5-8350U" in view.specs_label.text()
    assert "256 GB NVMe-SSD" in view.specs_label.text()
    assert view.history.count() == 2
    shot(view, "bench-view")


def test_donations_view_wizard_books_in_and_prints_labels(qtbot, ctx, tmp_path):
    from app.printing.service import PrintService

    donations = DonationService(ctx.sessions, ctx.devices)
    old = donations.add("Stad Kortrijk, dienst ICT", contact="ict@kortrijk.be")
    donations.intake(old.number, [IntakeItem("laptop", "Dell", "Latitude 5490", f"DL{i}") for i in range(6)])
    view = DonationsView(donations, printer=PrintService(ctx.sessions, ctx.settings), labels_dir=tmp_path,
                         open_labels=False)  # fmt: skip
    show(qtbot, view, view.donor, (1200, 640))
    qtbot.keyClicks(view.donor, "Bakkerij Dewitte bv")
    view.contact.setText("An Dewitte, 056 12 34 56")
    qtbot.keyClick(view.donor, Qt.Key.Key_Return)
    assert view.pages.currentIndex() == 1
    view.brand.setText("Lenovo")
    view.model.setText("ThinkPad T480")
    view.scan_field.setFocus()
    # Back-to-back scans, as a scanner types them.
    for serial in ("PF1ABCD2", "PF1ABCD3", "PF1ABCD3", "PF1ABCD4"):
        scan(qtbot, view.scan_field, serial)
    assert view.table.rowCount() == 3
    view.kind.setCurrentIndex(view.kind.findData("screen"))
    view.brand.setText("Dell")
    view.model.setText("P2219H")
    scan(qtbot, view.scan_field, "CN0ABC123")
    shot(view, "donations-view")
    assert view.finish()
    donation = donations.list()[0]
    assert donation.donor_name == "Bakkerij Dewitte bv" and donation.item_count == 4
    assert [d.kind for d in donations.devices(donation.number)] == ["laptop", "laptop", "laptop", "screen"]
    assert view.last_labels is not None and view.last_labels.exists()
    text = subprocess.run(["pdftotext", str(view.last_labels), "-"], capture_output=True, text=True).stdout
    for tag in ("KRT-000007", "KRT-000010"):
        assert tag in text
    assert view.pages.currentIndex() == 0
    view.recent.setCurrentRow(0)
    # Nothing is wiped yet: the certificate button refuses, the overview button says so on paper.
    assert view.certificate_for_selected() is None
    assert "nog niet met succes gewist" in view.message.text()
    assert list(tmp_path.glob("wisattest-*.pdf")) == []
    overview = view.certificate_for_selected(draft=True)
    assert overview is not None and "Voorlopig overzicht" in view.message.text()
    text = subprocess.run(["pdftotext", str(overview), "-"], capture_output=True, text=True).stdout
    assert "Bakkerij Dewitte bv" in text and "Voorlopig overzicht — nog niet gewist" in text
    assert "verklaart dat" not in text
    bench = BenchService(ctx.sessions, ctx.devices)
    for device in donations.devices(donation.number):
        bench.record_wipe(device.asset_tag, method="nist-purge", result="passed")
    view.draft_button.click()  # all wiped now: the real certificate, whichever button
    assert "Wisattest" in view.message.text()
    certificate = view.certificate_for_selected()
    assert certificate is not None and certificate.name.startswith("wisattest-")
    text = subprocess.run(["pdftotext", str(certificate), "-"], capture_output=True, text=True).stdout
    assert "Attest van gegevensverwijdering" in text and "4 van 4 toestellen met succes gewist." in text
    shot(view, "donations-view-certificate")


def test_helpdesk_alt_digit_logs_while_the_card_field_has_focus_and_unknown_cards_are_named(qtbot, ctx):
    cards = people(ctx)
    helpdesk = HelpdeskService(ctx.sessions)
    view = HelpdeskView(helpdesk)
    show(qtbot, view, view.scan_field, (1000, 760))
    scan(qtbot, view.scan_field, "KRT-B-99999")
    assert "KRT-B-99999" in view.message.text() and "anoniem" in view.card_label.text()
    scan(qtbot, view.scan_field, cards[1])
    assert "Jan Peeters" in view.card_label.text()
    assert view.scan_field.hasFocus()
    qtbot.keyClick(view.scan_field, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)  # Alt+3 = eBox
    day = helpdesk.day()
    assert [r.visit.topic for r in day.rows] == ["ebox"]
    assert day.rows[0].borrower is not None and day.rows[0].borrower.card_number == cards[1]


def test_bench_view_returned_laptop_needs_a_wipe_and_the_disk_is_confirmed(qtbot, ctx, tmp_path):
    """After a return the Werkbank says why it is not ready; an nwipe log of a disk the specs do
    not know is saved only after the technician confirms it; a log of another disk never."""
    from app.loans import LoanService
    from tests.conftest import make_ready

    devices = ctx.devices
    bench = BenchService(ctx.sessions, devices)
    tag = devices.add(DeviceInput("laptop", "Lenovo", "ThinkPad T480", "PF1ABCD2")).asset_tag
    make_ready(ctx, tag, wiped_at=dt.datetime(2026, 10, 30, 10, 0))
    clock = {"now": dt.datetime(2026, 11, 2, 10, 0)}
    loans = LoanService(ctx.sessions, ctx.settings, now=lambda: clock["now"])
    loans.checkout(tag, add_borrower(ctx, "Mina", "El Amrani", "8500"))
    clock["now"] = dt.datetime(2026, 11, 29, 16, 0)  # back the day before the wipe in the log
    loans.return_device(tag)
    view = BenchView(devices, bench)
    asked: list[str] = []
    answers = [False, True]
    view.confirm_disk = lambda question: bool(asked.append(question)) or answers.pop(0)
    show(qtbot, view, view.scan_field, (1200, 760))
    scan(qtbot, view.scan_field, tag)
    assert "nog niet gewist na de vorige uitlening" in view.device_status.text()
    QApplication.processEvents()  # the re-layout after the new texts
    view.grab().save(str(tmp_path / "bench-returned.png"))

    view.technician.setText("Pieter Claes")
    view.load_log(NWIPE / "good-PF1ABCD2.log")
    assert not view.save_wipe()  # no specs: asked, and the technician says no
    assert "niet bevestigd" in view.message.text()
    assert bench.wipes(tag)[-1].ended_at == dt.datetime(2026, 10, 30, 10, 0)
    assert view.save_wipe()  # asked again, and confirmed
    assert len(asked) == 2 and "S41GNX0M123456" in asked[0] and tag in asked[0]
    assert "geslaagd" in view.message.text()
    assert view.status_combo.currentData() == "ready"  # offered, not done
    assert devices.get(tag).status == "wiping"
    assert view.apply_status()
    assert devices.get(tag).status == "ready"

    stick = tmp_path / "usb"
    stick.mkdir()
    shutil.copy(FIXTURES / "PF1ABCD2.json", stick)
    view.import_specs(stick)
    view.load_log(NWIPE / "other-disk.log")
    assert not view.save_wipe()
    assert "andere schijf" in view.message.text()
    assert len(asked) == 2  # known specs: nobody is asked to override them
    QApplication.processEvents()
    view.grab().save(str(tmp_path / "bench-other-disk.png"))
