"""The privacy statement a person reads (or gets on paper) before consenting.

The text lives in resources/privacy/privacy_<language>.md (first line a '# title');
a digibank can put its own copy in `<data folder>/privacy/`. Dutch is the fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from app.printing.contracts import STYLES, read_template_text
from app.printing.pdf import atomic_output

log = logging.getLogger(__name__)

BUILT_IN = Path(__file__).resolve().parents[2] / "resources" / "privacy"


def privacy_text(language: str, folders: Sequence[Path] = ()) -> str:
    """The statement in `language` (nl, en or fr; other languages get Dutch)."""
    for folder in (*folders, BUILT_IN):
        for code in (language, "nl"):
            path = Path(folder) / f"privacy_{code}.md"
            if path.is_file():
                return read_template_text(path).strip()
    return ""


def title_and_paragraphs(text: str) -> tuple[str, list[str]]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = lines[0].lstrip("# ").strip() if lines and lines[0].startswith("#") else ""
    return title, [line for line in lines if not line.startswith("#")]


def write_privacy_pdf(language: str, out: Path, folders: Sequence[Path] = ()) -> Path:
    title, paragraphs = title_and_paragraphs(privacy_text(language, folders))
    with atomic_output(out) as tmp:
        doc = SimpleDocTemplate(
            str(tmp), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
            bottomMargin=18 * mm, title=title,
        )  # fmt: skip
        story = [Paragraph(escape(title), STYLES["title"]), Spacer(1, 4 * mm)]
        for paragraph in paragraphs:
            story += [Paragraph(escape(paragraph), STYLES["body"]), Spacer(1, 2 * mm)]
        doc.build(story)
    log.info("privacy statement (%s) written", language)
    return Path(out)
