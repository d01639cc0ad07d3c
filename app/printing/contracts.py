"""The loan contract (uitleenovereenkomst), two copies, optionally with the on-screen signature.

The conditions come from an editable, versioned template
(`resources/contracts/conditions_<lang>.md`, first line `version: 2026-1`);
a digibank may put its own in `<data folder>/contracts/`. The contract records
which version was signed, so a reprint uses that same text.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.errors import UserError
from app.i18n import _
from app.printing.pdf import FONT, FONT_BOLD, atomic_output, date_be, euro, shape, use_language

log = logging.getLogger(__name__)

RESOURCE_DIR = Path(__file__).resolve().parents[2] / "resources" / "contracts"
VERSION_LINE = re.compile(r"^\s*version:\s*(\S+)\s*$", re.IGNORECASE)

STYLES = {
    "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=17, leading=21, spaceAfter=2),
    "copy": ParagraphStyle("copy", fontName=FONT, fontSize=9, leading=11, textColor=colors.grey),
    "h2": ParagraphStyle("h2", fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12),
    "small": ParagraphStyle("small", fontName=FONT, fontSize=8, leading=10),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=11),
    "key": ParagraphStyle("key", fontName=FONT_BOLD, fontSize=9, leading=11),
}


@dataclass(frozen=True)
class Conditions:
    version: str
    language: str
    lines: tuple[str, ...]


def _template_files(language: str, folders: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            found += sorted(folder.glob(f"conditions_{language}*.md"))
    return found


# A contract's conditions fit on a page or two; a bigger file is a mistake (and laying out
# 50 MB of text took minutes), so it is refused before it is read.
TEMPLATE_LIMIT = 256 * 1024


def read_template_text(path: Path) -> str:
    """A digibank's own text file (conditions, privacy statement): UTF-8 and at most 256 kB."""
    if path.stat().st_size > TEMPLATE_LIMIT:
        raise UserError(
            _("{file} is te groot voor een tekstbestand ({size} kB; hoogstens {limit} kB).").format(
                file=path, size=path.stat().st_size // 1024, limit=TEMPLATE_LIMIT // 1024
            )
        )
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(
            _("{file} is geen leesbaar tekstbestand (UTF-8); bewaar het als platte tekst.").format(file=path)
        ) from None


def read_conditions(path: Path, language: str) -> Conditions:
    lines = read_template_text(path).splitlines()
    match = VERSION_LINE.match(lines[0]) if lines else None
    if match is None:
        raise UserError(
            _("Het voorwaardenbestand {file} moet beginnen met een regel 'version: …'.").format(file=path)
        )
    return Conditions(match.group(1), language, tuple(lines[1:]))


def load_conditions(
    language: str = "nl", version: str | None = None, folders: Sequence[Path] = ()
) -> Conditions:
    """The current conditions (the digibank's own folder first), or exactly `version` for a reprint.

    Older versions stay usable when kept next to the current one, e.g. `conditions_nl_2026-1.md`.
    """
    search = [*folders, RESOURCE_DIR]
    found = language
    files = _template_files(language, search)
    if not files:
        found, files = "nl", _template_files("nl", search)
    if not files:
        raise UserError(
            _("Er zijn geen voorwaarden gevonden voor de overeenkomst ({lang}).").format(lang=language)
        )
    if version is None:
        current = [f for f in files if f.stem == f"conditions_{found}"]
        return read_conditions((current or files)[0], language)
    for path in files:
        conditions = read_conditions(path, language)
        if conditions.version == version:
            return conditions
    raise UserError(
        _(
            "De voorwaarden versie {version} (die ondertekend werden) zijn niet meer te vinden: "
            "bewaar oude versies als conditions_{lang}_{version}.md."
        ).format(version=version, lang=language)
    )


@dataclass(frozen=True)
class ContractData:
    digibank_name: str
    digibank_address: str
    digibank_contact: str
    place: str
    borrower_name: str
    borrower_card: str
    borrower_address: str
    borrower_contact: str
    tag: str
    kind: str
    brand: str
    model: str
    serial: str
    accessories: str
    condition_out: str
    out_date: dt.date
    due_date: dt.date
    deposit_cents: int
    signature_png: bytes | None = None
    signed_on_paper: bool = False


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, STYLES[style])


def key_value_table(pairs: Sequence[tuple[str, str]]) -> Table:
    table = Table(
        [[_p(escape(k), "key"), _p(escape(shape(v)) or "—", "cell")] for k, v in pairs],
        colWidths=[45 * mm, 129 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _conditions_flowables(conditions: Conditions, digibank: str) -> list:
    flow: list = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            flow.append(_p(escape(" ".join(paragraph)).replace("{digibank}", escape(digibank))))
            flow.append(Spacer(1, 2.5))
            paragraph.clear()

    for raw in conditions.lines:
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#"):
            flush()
            flow.append(_p(escape(line.lstrip("# ")), "h2"))
        elif re.match(r"^(\d+[.)]|[-*])\s", line):
            flush()
            paragraph.append(line)
            flush()
        else:
            paragraph.append(line)
    flush()
    return flow


def _signature_boxes(data: ContractData) -> Table:
    borrower_box: list = [_p(escape(_("Handtekening van de ontlener")), "key")]
    if data.signature_png:
        image = Image(io.BytesIO(data.signature_png), width=62 * mm, height=24 * mm, kind="proportional")
        borrower_box += [image, _p(escape(_("Digitaal ondertekend aan de balie.")), "small")]
    else:
        borrower_box.append(Spacer(1, 26 * mm))
    borrower_box.append(_p(escape(shape(data.borrower_name)), "small"))
    bank_box = [
        _p(escape(_("Voor de digibank")), "key"),
        Spacer(1, 26 * mm),
        _p(escape(data.digibank_name), "small"),
    ]
    table = Table([[bank_box, borrower_box]], colWidths=[87 * mm, 87 * mm])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (0, 0), 0.5, colors.black),
                ("BOX", (1, 0), (1, 0), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _copy(data: ContractData, conditions: Conditions, copy_for: str) -> list:
    flow: list = [
        _p(escape(_("Uitleenovereenkomst")), "title"),
        _p(escape(copy_for), "copy"),
        Spacer(1, 4 * mm),
        _p(escape(_("Partijen")), "h2"),
        key_value_table(
            [
                (_("Digibank"), data.digibank_name),
                (_("Adres"), data.digibank_address),
                (_("Contact"), data.digibank_contact),
                (_("Ontlener"), data.borrower_name),
                (_("Kaartnummer"), data.borrower_card),
                (_("Adres ontlener"), data.borrower_address),
                (_("Contact ontlener"), data.borrower_contact),
            ]
        ),
        _p(escape(_("Toestel")), "h2"),
        key_value_table(
            [
                (_("Nummer"), data.tag),
                (_("Soort"), data.kind),
                (_("Merk en model"), f"{data.brand} {data.model}".strip()),
                (_("Serienummer"), data.serial),
                (_("Toebehoren"), data.accessories),
                (_("Staat bij uitlening"), data.condition_out),
            ]
        ),
        _p(escape(_("Periode en waarborg")), "h2"),
        key_value_table(
            [
                (_("Uitgeleend op"), date_be(data.out_date)),
                (_("Terug uiterlijk op"), date_be(data.due_date)),
                (_("Waarborg"), euro(data.deposit_cents)),
            ]
        ),
        *_conditions_flowables(conditions, data.digibank_name),
        _p(escape(_("Versie van de voorwaarden: {version}").format(version=conditions.version)), "small"),
        Spacer(1, 4 * mm),
        KeepTogether(
            [
                _p(
                    escape(
                        _("Opgemaakt te {place} op {date}, in twee exemplaren.").format(
                            place=data.place, date=date_be(data.out_date)
                        )
                    )
                ),
                Spacer(1, 3 * mm),
                _signature_boxes(data),
            ]
        ),
    ]
    return flow


def write_contract_pdf(data: ContractData, conditions: Conditions, out: Path) -> None:
    """Two copies (digibank, borrower), each starting on a new page; written atomically."""
    with use_language(conditions.language, strict=True), atomic_output(out) as tmp:
        doc = SimpleDocTemplate(
            str(tmp),
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=15 * mm,
            bottomMargin=15 * mm,
            title=_("Uitleenovereenkomst {tag}").format(tag=data.tag),
        )
        story = _copy(data, conditions, _("Exemplaar voor de digibank"))
        story.append(PageBreak())
        story += _copy(data, conditions, _("Exemplaar voor de ontlener"))
        doc.build(story)
    log.info("contract %s (conditions %s) -> %s", data.tag, conditions.version, out)
