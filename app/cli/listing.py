"""What `device list` and `loan list` print, for both ways of reading the rows: the services
(app/cli/cmd_devices.py, cmd_loans.py) and the light read path (app/cli/light.py), which
hands over plain records with the same attributes. One place, so the two print alike.

No SQLAlchemy here (issue 13: start-up).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.cli.output import emit_json, record_json
from app.formatting import date_be
from app.i18n import _
from app.loan_view import LoanView
from app.names import full_name, kind_names, status_name


def device_line(device: Any) -> str:
    what = kind_names().get(device.kind, device.kind)
    return f"{device.asset_tag:<12} {what:<12} {device.brand} {device.model}  [{status_name(device.status)}]"


def print_devices(devices: Sequence[Any], as_json: bool) -> int:
    if as_json:
        emit_json([record_json(d) for d in devices])
        return 0
    if not devices:
        print(_("Geen toestellen gevonden."))
        return 0
    for device in devices:
        print(device_line(device))
    print(_("{count} toestel(len).").format(count=len(devices)))
    return 0


def loan_json(view: LoanView) -> dict[str, Any]:
    loan = view.loan
    return {
        "id": loan.id,
        "asset_tag": view.device.asset_tag,
        "card_number": view.borrower.card_number,
        "borrower": full_name(view.borrower),
        "state": loan.state,
        "out_at": loan.out_at.isoformat(timespec="seconds"),
        "in_at": loan.in_at.isoformat(timespec="seconds") if loan.in_at else None,
        "due_date": loan.due_date.isoformat(),
        "extensions": loan.extensions,
        "deposit_cents": loan.deposit_cents,
        "deposit_method": loan.deposit_method,
        "deposit_reason": loan.deposit_reason,
        "deposit_refunded_cents": loan.deposit_refunded_cents,
        "deposit_kept_reason": loan.deposit_kept_reason,
        "overdue": view.overdue,
    }


def print_loans(views: Sequence[LoanView], as_json: bool) -> int:
    if as_json:
        emit_json([loan_json(v) for v in views])
        return 0
    if not views:
        print(_("Geen uitleningen gevonden."))
        return 0
    for view in views:
        if view.loan.state == "open":
            state = _("TE LAAT") if view.overdue else _("loopt")
        else:
            state = _("terug op {date}").format(date=date_be(view.loan.in_at))
        print(
            f"{view.device.asset_tag:<12} {view.borrower.card_number:<13} "
            f"{full_name(view.borrower):<28} {date_be(view.loan.due_date)}  {state}"
        )
    print(_("{count} uitlening(en).").format(count=len(views)))
    return 0
