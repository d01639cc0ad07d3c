"""Reminder letters as one PDF: a page per letter, with the digibank's name and address on top
and the person's address where a window envelope shows it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

from app.i18n import _
from app.printing.pdf import FONT, FONT_BOLD, atomic_output, date_be, shape
from app.reminders.templates import ReminderText

STYLES = {
    "sender": ParagraphStyle("sender", fontName=FONT_BOLD, fontSize=13, leading=16),
    "sender_line": ParagraphStyle(
        "sender_line", fontName=FONT, fontSize=9, leading=11, textColor=colors.grey
    ),
    "address": ParagraphStyle("address", fontName=FONT, fontSize=11, leading=14),
    "place": ParagraphStyle("place", fontName=FONT, fontSize=10, leading=13, alignment=2),
    "subject": ParagraphStyle("subject", fontName=FONT_BOLD, fontSize=12, leading=15, spaceAfter=6),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=14.5, spaceAfter=7),
}


@dataclass(frozen=True)
class Letter:
    digibank_name: str
    digibank_lines: tuple[str, ...]  # address, phone, e-mail
    place: str
    date: dt.date
    recipient: tuple[str, ...]  # name, street, postcode and municipality
    text: ReminderText


def _p(text: str, style: str) -> Paragraph:
    # Each line shaped on its own: an Arabic name or street prints joined and right to left.
    return Paragraph("<br/>".join(escape(shape(line)) for line in text.split("\n")), STYLES[style])


def write_letters_pdf(
    letters: Sequence[Letter], out: Path, progress: Callable[[int, int], None] | None = None
) -> None:
    story: list = []
    for number, letter in enumerate(letters):
        if number:
            story.append(PageBreak())
        story.append(_p(letter.digibank_name, "sender"))
        for line in letter.digibank_lines:
            story.append(_p(line, "sender_line"))
        story.append(Spacer(1, 16 * mm))
        # The recipient block sits where a DL window envelope (left window) shows it.
        story.append(_p("\n".join(line for line in letter.recipient if line), "address"))
        story.append(Spacer(1, 14 * mm))
        place = ", ".join(p for p in (letter.place, date_be(letter.date)) if p)
        story.append(_p(place, "place"))
        story.append(Spacer(1, 6 * mm))
        story.append(_p(letter.text.subject, "subject"))
        for paragraph in letter.text.paragraphs:
            story.append(_p(paragraph, "body"))
        if progress is not None:
            progress(number + 1, len(letters))
    with atomic_output(out) as tmp:
        doc = SimpleDocTemplate(
            str(tmp),
            pagesize=A4,
            leftMargin=22 * mm,
            rightMargin=20 * mm,
            topMargin=18 * mm,
            bottomMargin=18 * mm,
            title=_("Herinneringen"),
        )
        doc.build(story)
