"""The subject-access PDF: everything kept about one person, readable, in their language.

The data comes from PrivacyService.export_data (the same records as the JSON file);
this module only lays it out. Rendered inside `use_language`, so every heading and
code name (topics, states) is in the person's language (Dutch, English or French).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.i18n import _
from app.printing.contracts import STYLES, key_value_table
from app.printing.pdf import (
    FONT_BOLD,
    atomic_output,
    date_be,
    datetime_be,
    document_language,
    euro,
    shape,
    use_language,
)

log = logging.getLogger(__name__)


@dataclass
class SubjectData:
    """What the PDF shows; values already plain text or dates (codes are named here)."""

    card: str
    language: str
    person: list[tuple[str, str]]
    consent_date: dt.date | None
    loans: list[list[str]] = field(default_factory=list)
    helpdesk: list[list[str]] = field(default_factory=list)
    trainings: list[list[str]] = field(default_factory=list)
    waiting: list[list[str]] = field(default_factory=list)
    made_on: dt.date = field(default_factory=dt.date.today)
    backup_keep_days: int = 30


def pdf_language(language: str) -> str:
    return document_language(language)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> Table:
    cell = STYLES["small"]  # 8 pt: a date fits its column without wrapping
    head = ParagraphStyle("small-key", parent=cell, fontName=FONT_BOLD)
    data = [[Paragraph(escape(h), head) for h in headers]]
    data += [[Paragraph(escape(shape(str(v))), cell) for v in row] for row in rows]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def write_subject_access_pdf(data: SubjectData, out: Path) -> Path:
    with use_language(pdf_language(data.language)), atomic_output(out) as tmp:
        doc = SimpleDocTemplate(
            str(tmp), pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=15 * mm,
            bottomMargin=15 * mm, title=_("Jouw gegevens bij de digibank ({card})").format(card=data.card),
        )  # fmt: skip
        consent = (
            _("gegeven op {date}").format(date=date_be(data.consent_date))
            if data.consent_date
            else _("geen toestemming geregistreerd")
        )
        story: list = [
            Paragraph(escape(_("Jouw gegevens bij de digibank")), STYLES["title"]),
            Paragraph(
                escape(
                    _("Overzicht van alles wat we over kaart {card} bewaren, gemaakt op {date}.").format(
                        card=data.card, date=date_be(data.made_on)
                    )
                ),
                STYLES["copy"],
            ),
            Spacer(1, 4 * mm),
            Paragraph(escape(_("Persoon")), STYLES["h2"]),
            key_value_table([*data.person, (_("Privacytoestemming"), consent)]),
        ]
        sections = [
            (
                _("Uitleningen"),
                [_("Toestel"), _("Uitgeleend"), _("Terug tegen"), _("Teruggebracht"), _("Waarborg"),
                 _("Staat bij uitlening"), _("Staat bij terugbrengen"), _("Handtekening")],
                data.loans,
                [28, 22, 22, 22, 16, 24, 24, 20],
            ),
            (
                _("Helpdeskbezoeken"),
                [_("Datum"), _("Onderwerp"), _("Minuten"), _("Afloop"), _("Notities")],
                data.helpdesk,
                [30, 32, 18, 26, 72],
            ),
            (_("Opleidingen"), [_("Opleiding"), _("Datum"), _("Inschrijving")], data.trainings, [90, 40, 48]),
            (
                _("Wachtlijst"),
                [_("Soort toestel"), _("Gevraagd op"), _("Toestand"), _("Notities")],
                data.waiting,
                [34, 28, 30, 86],
            ),
        ]  # fmt: skip
        for title, headers, rows, widths in sections:
            story.append(Paragraph(escape(title), STYLES["h2"]))
            if rows:
                story.append(_table(headers, rows, widths))
            else:
                story.append(Paragraph(escape(_("Niets bewaard.")), STYLES["body"]))
        story += [
            Spacer(1, 5 * mm),
            Paragraph(escape(_("Back-ups")), STYLES["h2"]),
            Paragraph(
                escape(
                    _(
                        "De digibank maakt elke dag een reservekopie (back-up) van haar gegevens. "
                        "Worden je gegevens gewist, dan blijven ze in oudere back-ups nog staan tot die "
                        "na {days} dagen automatisch verwijderd worden. Niemand gebruikt die kopieën "
                        "behalve om verloren gegevens terug te zetten."
                    ).format(days=data.backup_keep_days)
                ),
                STYLES["body"],
            ),
            Spacer(1, 2 * mm),
            Paragraph(
                escape(
                    _(
                        "Je mag vragen om een fout te verbeteren of om je gegevens te wissen. "
                        "Vraag het aan de balie."
                    )
                ),
                STYLES["body"],
            ),
        ]
        doc.build(story)
    log.info("subject-access overview for %s written", data.card)
    return out


def money(cents: int) -> str:
    return euro(cents)


def when(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    return datetime_be(value) if isinstance(value, dt.datetime) else date_be(value)
