"""Return receipt: the device came back on this date, in this condition, deposit refunded, and
the borrower's data on it will be erased."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from app.i18n import _
from app.printing.contracts import STYLES, key_value_table
from app.printing.pdf import atomic_output, date_be, euro

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceiptData:
    digibank_name: str
    place: str
    borrower_name: str
    borrower_card: str
    tag: str
    kind: str
    brand: str
    model: str
    serial: str
    out_date: dt.date
    returned_on: dt.date
    condition_out: str
    condition_in: str
    deposit_cents: int
    deposit_refunded_cents: int
    deposit_method: str = ""  # as shown: "Payconiq", "contant", "vrijgesteld"
    deposit_kept_reason: str = ""


def write_receipt_pdf(data: ReceiptData, out: Path) -> None:
    with atomic_output(out) as tmp:
        doc = SimpleDocTemplate(
            str(tmp),
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=15 * mm,
            bottomMargin=15 * mm,
            title=_("Ontvangstbewijs {tag}").format(tag=data.tag),
        )
        story = [
            Paragraph(escape(_("Ontvangstbewijs terugbrengen")), STYLES["title"]),
            Paragraph(escape(data.digibank_name), STYLES["copy"]),
            Spacer(1, 5 * mm),
            key_value_table(
                [
                    (_("Teruggebracht op"), date_be(data.returned_on)),
                    (_("Ontlener"), f"{data.borrower_name} ({data.borrower_card})"),
                    (_("Toestel"), f"{data.tag} — {data.kind}, {data.brand} {data.model}".strip()),
                    (_("Serienummer"), data.serial),
                    (_("Uitgeleend op"), date_be(data.out_date)),
                    (_("Staat bij uitlening"), data.condition_out),
                    (_("Staat bij terugbrengen"), data.condition_in),
                    (
                        _("Waarborg betaald"),
                        f"{euro(data.deposit_cents)} ({data.deposit_method})"
                        if data.deposit_method
                        else euro(data.deposit_cents),
                    ),
                    (_("Waarborg terugbetaald"), euro(data.deposit_refunded_cents)),
                    *(
                        [
                            (
                                _("Waarborg ingehouden"),
                                f"{euro(data.deposit_cents - data.deposit_refunded_cents)}: "
                                f"{data.deposit_kept_reason}",
                            )
                        ]
                        if data.deposit_cents > data.deposit_refunded_cents
                        else []
                    ),
                ]
            ),
            Spacer(1, 6 * mm),
            # What the contract promised ("bij het terugbrengen wordt alles gewist"), in writing.
            Paragraph(
                escape(
                    _(
                        "Uw gegevens op dit toestel worden gewist: bestanden, wachtwoorden, aanmeldingen "
                        "en apps. Het toestel wordt pas opnieuw uitgeleend na een geslaagde wissing."
                    )
                ),
                STYLES["h2"],
            ),
            Spacer(1, 4 * mm),
            Paragraph(
                escape(
                    _("Opgemaakt te {place} op {date}. Bedankt om het toestel terug te brengen!").format(
                        place=data.place, date=date_be(data.returned_on)
                    )
                ),
                STYLES["body"],
            ),
        ]
        doc.build(story)
    log.info("receipt %s -> %s", data.tag, out)
