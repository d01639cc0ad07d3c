"""Opens the main window and every dialog we can build on a simulated screen and reports, as
JSON, where each one lands and which buttons cannot be reached.

Run in its own process (the screen and the scale factor are fixed when Qt starts):
    QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json QT_SCALE_FACTOR=1.5 \
        python -m tests.ui.fit_probe DATA_DIR [SHOTS_DIR [LANGUAGE]]
tests/ui/test_screen_fit.py writes SCREEN.json (1366×768) and checks the answer.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QApplication, QDialog, QWidget


def _rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def _in_scroll_area(widget: QWidget, top: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def probe(top: QWidget, app: QApplication) -> dict[str, object]:
    screen = top.screen() or app.primaryScreen()
    available = screen.availableGeometry()
    frame = top.frameGeometry()
    unreachable = []
    for button in top.findChildren(QAbstractButton):
        if not button.isVisibleTo(top) or _in_scroll_area(button, top):
            continue  # hidden, or reachable by scrolling its area
        rect = QRect(button.mapToGlobal(button.rect().topLeft()), button.size())
        if not available.contains(rect):
            unreachable.append(button.text() or button.objectName() or type(button).__name__)
    return {
        "frame": _rect(frame),
        "available": _rect(available),
        "inside": available.contains(frame),
        "unreachable": unreachable,
        "minimum": [top.minimumSizeHint().width(), top.minimumSizeHint().height()],
    }


def main() -> int:
    data, shots = Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None
    app = QApplication(sys.argv[:1])
    if len(sys.argv) > 3:  # a language for the screenshots: nl (default) or en
        from app import i18n
        from ui.qt_i18n import install_qt_translations

        install_qt_translations(app, i18n.set_language(sys.argv[3]))

    from app.borrowers import BorrowerInput
    from app.context import open_context
    from app.inventory import DeviceInput
    from tests.conftest import make_ready
    from ui.dialogs.borrower_dialog import BorrowerDialog
    from ui.dialogs.device_dialog import DeviceDialog
    from ui.main_window import MainWindow
    from ui.operations import wait_for_running

    ctx = open_context(data, actor="probe")
    if not ctx.locations.is_initialised():
        ctx.locations.initialise("KRT", "Kortrijk balie")
    card = ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "ThinkPad T480", "SN-FIT-1")).asset_tag
    make_ready(ctx, tag)
    ctx.loans.checkout(tag, card)
    device = ctx.devices.get(tag)
    borrower = ctx.borrowers.get(card)

    window = MainWindow(ctx)
    window.show()
    app.processEvents()
    wait_for_running()
    results: dict[str, object] = {}

    def check(name: str, top: QWidget) -> None:
        top.show()
        for _ in range(3):
            app.processEvents()
        results[name] = probe(top, app)
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            top.grab().save(str(shots / f"{name}.png"))

    check("main_window", window)
    factories: dict[str, Callable[[], QDialog]] = {
        "borrower_new": lambda: BorrowerDialog(ctx.borrowers, None, window),
        "borrower_edit": lambda: BorrowerDialog(ctx.borrowers, borrower, window),
        "device_new": lambda: DeviceDialog(ctx.devices, None, window),
        "device_edit": lambda: DeviceDialog(ctx.devices, device, window),
    }
    try:
        from ui.printing.contract_dialog import ContractDialog

        factories["contract"] = lambda: ContractDialog(ctx.printing, tag, parent=window, open_pdf=False)
        from ui.printing.dialogs import CardPrintDialog, LabelPrintDialog

        factories["labels"] = lambda: LabelPrintDialog(ctx.printing, [tag], "L7160", window)
        factories["cards"] = lambda: CardPrintDialog(ctx.printing, [card], window)
    except ImportError:
        pass
    from ui.settings_dialog import SettingsDialog

    factories["settings"] = lambda: SettingsDialog(ctx.settings, ctx.save_settings, window)
    from ui.audit_dialog import AuditDialog
    from ui.first_coordinator import FirstCoordinatorDialog
    from ui.first_start import FirstStartDialog, join_setup_for
    from ui.passphrase_dialog import PassphraseDialog

    factories["audit"] = lambda: AuditDialog(ctx.audit, ctx.staff, window)
    factories["first_coordinator"] = lambda: FirstCoordinatorDialog(ctx.staff, window)
    factories["first_start"] = lambda: FirstStartDialog(ctx.locations, join_setup_for(ctx))
    factories["passphrase"] = lambda: PassphraseDialog(True, data)
    for name, make in factories.items():
        try:
            dialog = make()
        except Exception as exc:  # noqa: BLE001 - reported, the test says which one broke
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        check(name, dialog)
        dialog.close()
        dialog.deleteLater()
    window.close()
    wait_for_running()
    ctx.close()
    print(
        json.dumps(
            {
                "screen": _rect(app.primaryScreen().availableGeometry()),
                "at": str(dt.date.today()),
                "results": results,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
