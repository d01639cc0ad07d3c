"""Data-wipe certificate per donation (for the donor's GDPR records) and the handover
form for a device given away for good. reportlab on A4, written atomically."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.bench import wipe_method_names, wipe_result_names
from app.donations import CertificateData, donor_kind_names
from app.errors import UserError
from app.formatting import date_be
from app.i18n import _
from app.inventory import kind_names
from app.printing.pdf import FONT, FONT_BOLD, atomic_output, document_language, fit_text, shape, use_language
from db.models import Borrower, Device, Location

log = logging.getLogger(__name__)

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
ROW_H = 7 * mm


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # share of the usable width (all columns add up to 1)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap for short paragraphs."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if stringWidth(candidate, font, size) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


class Document:
    """A few drawing helpers shared by the certificate and the attestation PDFs."""

    def __init__(self, path: Path, title: str) -> None:
        self.canvas = Canvas(str(path), pagesize=A4)
        self.canvas.setTitle(title)
        self.canvas.setAuthor("Digibank Balie")
        self.title = title
        self.page = 1
        self.y = PAGE_H - MARGIN

    @property
    def width(self) -> float:
        return PAGE_W - 2 * MARGIN

    def heading(self, text: str, size: float = 18) -> None:
        self.canvas.setFont(FONT_BOLD, size)
        self.canvas.drawString(MARGIN, self.y - size, shape(text))
        self.y -= size + 4 * mm

    def line(self, text: str, size: float = 10.5, bold: bool = False, gap: float = 1.6 * mm) -> None:
        font = FONT_BOLD if bold else FONT
        text, size = fit_text(text, font, size, self.width, size * 0.8)
        self.canvas.setFont(font, size)
        self.canvas.drawString(MARGIN, self.y - size, text)
        self.y -= size + gap

    def label_value(self, label: str, value: str, size: float = 10.5) -> None:
        self.canvas.setFont(FONT_BOLD, size)
        self.canvas.drawString(MARGIN, self.y - size, label)
        text, fitted = fit_text(value, FONT, size, self.width - 45 * mm, size * 0.8)
        self.canvas.setFont(FONT, fitted)
        self.canvas.drawString(MARGIN + 45 * mm, self.y - size, text)
        self.y -= size + 1.8 * mm

    def paragraph(self, text: str, size: float = 10) -> None:
        self.canvas.setFont(FONT, size)
        for part in wrap(text, FONT, size, self.width):
            self.ensure_room(size + 2)
            self.canvas.drawString(MARGIN, self.y - size, shape(part))  # wrapped first, then shaped
            self.y -= size + 2.5
        self.y -= 2 * mm

    def ensure_room(self, height: float, header: Sequence[Column] | None = None) -> None:
        if self.y - height < MARGIN + 12 * mm:
            self.new_page()
            if header:
                self.table_header(header)

    def new_page(self) -> None:
        self.footer()
        self.canvas.showPage()
        self.page += 1
        self.y = PAGE_H - MARGIN
        self.canvas.setFont(FONT, 9)
        self.canvas.drawString(MARGIN, self.y - 9, self.title)
        self.y -= 9 + 5 * mm

    def footer(self) -> None:
        self.canvas.setFont(FONT, 8)
        self.canvas.drawRightString(PAGE_W - MARGIN, MARGIN / 2, _("Pagina {page}").format(page=self.page))
        self.canvas.drawString(MARGIN, MARGIN / 2, "Digibank Balie")

    def table_header(self, columns: Sequence[Column]) -> None:
        c = self.canvas
        c.setFillGray(0.88)
        c.rect(MARGIN, self.y - ROW_H, self.width, ROW_H, stroke=0, fill=1)
        c.setFillGray(0)
        self._cells([col.title for col in columns], columns, FONT_BOLD)

    def table_row(self, values: Sequence[str], columns: Sequence[Column], bold: bool = False) -> None:
        self.ensure_room(ROW_H, columns)
        self._cells(values, columns, FONT_BOLD if bold else FONT)
        self.canvas.setLineWidth(0.3)
        self.canvas.setStrokeGray(0.6)
        self.canvas.line(MARGIN, self.y, MARGIN + self.width, self.y)
        self.canvas.setStrokeGray(0)

    def _cells(self, values: Sequence[str], columns: Sequence[Column], font: str) -> None:
        x = MARGIN
        for value, col in zip(values, columns, strict=True):
            w = col.width * self.width
            text, size = fit_text(value, font, 9, w - 2 * mm, 6.5)
            self.canvas.setFont(font, size)
            self.canvas.drawString(x + 1 * mm, self.y - ROW_H + 2.3 * mm, text)
            x += w
        self.y -= ROW_H

    def signature_lines(self, labels: Sequence[str]) -> None:
        self.ensure_room(30 * mm)
        self.y -= 8 * mm
        width = (self.width - (len(labels) - 1) * 10 * mm) / len(labels)
        x = MARGIN
        c = self.canvas
        for label in labels:
            c.setLineWidth(0.6)
            c.line(x, self.y - 14 * mm, x + width, self.y - 14 * mm)
            c.setFont(FONT, 9)
            c.drawString(x, self.y - 14 * mm - 11, label)
            x += width + 10 * mm
        self.y -= 24 * mm

    def finish(self) -> None:
        self.footer()
        self.canvas.save()


def location_line(location: Location | None) -> str:
    if location is None:
        return ""
    parts = [location.name]
    address = " ".join(p for p in (location.address, location.postcode, location.municipality) if p)
    if address:
        parts.append(address)
    return " — ".join(parts)


def render_wipe_certificate(
    data: CertificateData,
    out: str | Path,
    issued_on: dt.date | None = None,
    draft: bool = False,
    language: str | None = None,
) -> Path:
    """The certificate in the donor's `language` (nl/en/fr; None: the counter's), never half-translated."""
    with use_language(document_language(language) if language else None, strict=True):
        return _render_wipe_certificate(data, out, issued_on, draft)


def _render_wipe_certificate(
    data: CertificateData, out: str | Path, issued_on: dt.date | None = None, draft: bool = False
) -> Path:
    """One certificate per donation: every device, its serial, how and when it was wiped, the result.

    While a device has no passed wipe there is no certificate (UserError): the declaration would
    be untrue. `draft` then writes a provisional overview instead, titled so on every page, with
    no declaration and no signatures. Once every device is wiped, the certificate is written."""
    issued_on = issued_on or dt.date.today()
    donation = data.donation
    methods = wipe_method_names()
    results = wipe_result_names()
    kinds = kind_names()
    provisional = not data.all_wiped
    if provisional and not draft:
        raise UserError(data.refusal())
    title = (
        _("Voorlopig overzicht — nog niet gewist") if provisional else _("Attest van gegevensverwijdering")
    )
    with atomic_output(out) as tmp:
        doc = Document(tmp, title)
        doc.heading(title)
        doc.line(
            _("Schenking {number}, ontvangen op {date}").format(
                number=donation.number, date=date_be(donation.received_on)
            ),
            size=12,
            bold=True,
            gap=4 * mm,
        )
        doc.label_value(
            _("Schenker"),
            f"{donation.donor_name} ({donor_kind_names().get(donation.donor_kind, donation.donor_kind)})",
        )
        if donation.donor_contact:
            doc.label_value(_("Contact"), donation.donor_contact)
        if data.location is not None:
            doc.label_value(_("Ontvangen door"), location_line(data.location))
        doc.label_value(_("Aantal toestellen"), str(len(data.lines)))
        doc.y -= 3 * mm
        if provisional:
            doc.line(
                _("Dit is geen attest: {count} toestel(len) zijn nog niet met succes gewist.").format(
                    count=len(data.unwiped)
                ),
                size=12,
                bold=True,
                gap=3 * mm,
            )
            doc.paragraph(
                _(
                    "Dit overzicht toont hoe ver het wissen staat. De digibank verklaart hiermee niets; "
                    "het attest van gegevensverwijdering volgt zodra elk toestel met succes gewist is."
                )
            )
        else:
            doc.paragraph(
                _(
                    "De digibank verklaart dat de gegevens op de opslagmedia van de onderstaande "
                    "toestellen verwijderd werden met de vermelde methode, of dat de opslag fysiek "
                    "vernietigd werd. De schenker kan dit attest bewaren als bewijs bij zijn "
                    "verplichtingen onder de AVG (GDPR)."
                )
            )
        columns = [
            Column(_("Nummer"), 0.12),
            Column(_("Toestel"), 0.22),
            Column(_("Serienummer"), 0.14),
            Column(_("Methode"), 0.26),
            Column(_("Datum"), 0.11),
            Column(_("Resultaat"), 0.15),  # "nog niet gewist" must fit whole
        ]
        doc.table_header(columns)
        passed = 0
        for line in data.lines:
            device, wipe = line.device, line.wipe
            what = f"{kinds.get(device.kind, device.kind)} {device.brand} {device.model}"
            if wipe is None:
                values = [device.asset_tag, what, device.serial or "—", "—", "—", _("nog niet gewist")]
            else:
                when = wipe.ended_at or wipe.started_at
                values = [
                    device.asset_tag,
                    what,
                    device.serial or "—",
                    methods.get(wipe.method, wipe.method),
                    date_be(when) if when else "—",
                    results.get(wipe.result, wipe.result),
                ]
                passed += wipe.result == "passed"
            doc.table_row(values, columns)
        doc.y -= 4 * mm
        doc.line(
            _("{passed} van {total} toestellen met succes gewist.").format(
                passed=passed, total=len(data.lines)
            ),
            bold=True,
        )
        tools = sorted({(w.tool, w.technician, w.verified_by) for w in (ln.wipe for ln in data.lines) if w})
        technicians = sorted({t for _tool, t, _v in tools if t})
        verifiers = sorted({v for _tool, _t, v in tools if v})
        programs = sorted({tool for tool, _t, _v in tools if tool})
        if programs:
            doc.label_value(_("Programma"), ", ".join(programs))
        if technicians:
            doc.label_value(_("Technicus"), ", ".join(technicians))
        if verifiers:
            doc.label_value(_("Nagekeken door"), ", ".join(verifiers))
        doc.line(
            _("Opgemaakt op {date}.").format(date=date_be(issued_on)),
            gap=2 * mm,
        )
        if not provisional:  # nobody signs an overview that declares nothing
            doc.signature_lines([_("Handtekening technicus"), _("Handtekening verantwoordelijke digibank")])
        doc.finish()
    kind = "overview" if provisional else "certificate"
    log.info("wipe %s for %s written to %s", kind, donation.number, out)
    return Path(out)


def render_handover_form(
    device: Device, person: Borrower, location: Location | None, out: str | Path, on: dt.date | None = None
) -> Path:
    """The handover form in the recipient's language."""
    with use_language(document_language(person.language), strict=True):
        return _render_handover_form(device, person, location, out, on)


def _render_handover_form(
    device: Device, person: Borrower, location: Location | None, out: str | Path, on: dt.date | None = None
) -> Path:
    """Handover form for a device given to a person for good (end of its life at the digibank)."""
    on = on or device.given_on or dt.date.today()
    title = _("Overdrachtsformulier — geschonken toestel")
    with atomic_output(out) as tmp:
        doc = Document(tmp, title)
        doc.heading(title, size=16)
        if location is not None:
            doc.label_value(_("Digibank"), location_line(location))
        doc.label_value(_("Datum"), date_be(on))
        doc.y -= 2 * mm
        doc.label_value(
            _("Toestel"), f"{kind_names().get(device.kind, device.kind)} {device.brand} {device.model}"
        )
        doc.label_value(_("Nummer"), device.asset_tag)
        doc.label_value(_("Serienummer"), device.serial or "—")
        doc.label_value(_("Ontvanger"), f"{person.first_name} {person.last_name} ({person.card_number})")
        doc.y -= 3 * mm
        doc.paragraph(
            _(
                "De ontvanger krijgt dit toestel in eigendom. De gegevens van vorige gebruikers "
                "werden gewist. De digibank geeft geen garantie; het toestel hoeft niet terug."
            )
        )
        doc.signature_lines([_("Handtekening ontvanger"), _("Handtekening digibank")])
        doc.finish()
    return Path(out)
