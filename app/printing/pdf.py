"""Shared reportlab helpers: fonts, text fitting, Belgian dates, atomic output files."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from reportlab.pdfbase.pdfmetrics import stringWidth

from app import config, i18n
from app.errors import UserError
from app.formatting import date_be, datetime_be, euro  # noqa: F401  (re-exported for renderers)
from app.i18n import _

log = logging.getLogger(__name__)

# Helvetica (a standard PDF font) covers only Western European letters: the names of
# Turkish, Polish, Romanian or Ukrainian borrowers (ş, ł, ț, ї) would print as black boxes.
# So an installed Unicode TrueType font is embedded when there is one: DejaVu Sans on
# Linux, Arial on Windows and macOS. Helvetica stays the fallback. Arabic script also
# needs shaping and right-to-left order, which reportlab does not do: see `shape`.
_FONT_CANDIDATES = (
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
    (
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
    ),
)


@functools.cache
def unicode_fonts() -> tuple[str, str]:
    """The embedded Unicode font pair, read from disk the first time a document needs it."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for regular, bold in _FONT_CANDIDATES:
        if Path(regular).is_file() and Path(bold).is_file():
            try:
                pdfmetrics.registerFont(TTFont("DigibankSans", regular))
                pdfmetrics.registerFont(TTFont("DigibankSans-Bold", bold))
            except Exception:  # a damaged font file: try the next, never fail printing
                log.warning("font %s could not be loaded", regular, exc_info=True)
                continue
            return "DigibankSans", "DigibankSans-Bold"
    return "Helvetica", "Helvetica-Bold"


STANDARD_FONTS = ("Helvetica", "Helvetica-Bold")


def fonts_for(texts: Iterable[str]) -> tuple[str, str]:
    """Helvetica when every text is in its character set (WinAnsi: Dutch, French, German,
    English…): nothing to load or embed, and the window's print path paints Helvetica too.
    Else the Unicode pair, for every text of the document so that it looks alike."""
    for text in texts:
        try:
            text.encode("cp1252")
        except UnicodeEncodeError:
            return unicode_fonts()
        if _RTL.search(text):
            return unicode_fonts()
    return STANDARD_FONTS


def __getattr__(name: str) -> str:
    # FONT and FONT_BOLD (the Unicode pair) are read when first used, not at import: a sheet of
    # plain labels never needs them (reading DejaVu took 0.2 s of every start, issue 13).
    if name == "FONT":
        return unicode_fonts()[0]
    if name == "FONT_BOLD":
        return unicode_fonts()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


ELLIPSIS = "…"

# Hebrew and Arabic letters as typed (not the presentation forms `shape` produces, so
# text that is shaped already is left alone rather than turned back).
_RTL = re.compile("[\u0590-\u08ff]")


def shape(text: str) -> str:
    """Text as it must be drawn: Arabic letters joined (initial/medial/final forms) and
    right-to-left runs in visual order. reportlab draws code points one by one from left
    to right, so an unshaped Arabic name would print as separate letters, backwards.
    Text without right-to-left letters comes back unchanged."""
    if not text or not _RTL.search(text):
        return text
    import arabic_reshaper
    from bidi import get_display

    # Base direction left to right: the documents are Dutch/French/English, so in an address
    # like "شارع الملك 5, 8500 Kortrijk" only the Arabic street runs right to left.
    return str(get_display(arabic_reshaper.reshape(text), base_dir="L"))


def fit_text(text: str, font: str, size: float, max_width: float, min_size: float) -> tuple[str, float]:
    """Shrink text down to min_size to fit max_width; if it still does not fit, cut it with '…'.

    Every line drawn on a canvas passes here, so names and addresses are shaped here too."""
    text = shape(" ".join((text or "").split()))
    width = stringWidth(text, font, size)
    if width <= max_width:
        return text, size
    smaller = max(min_size, size * max_width / width)
    if stringWidth(text, font, smaller) <= max_width:
        return text, smaller
    while text and stringWidth(text + ELLIPSIS, font, smaller) > max_width:
        text = text[:-1]
    return (text.rstrip() + ELLIPSIS) if text else "", smaller


# A practice folder (`digibank demo`): every PDF made while it is open says so on every
# page, so a practice contract or label is never taken for a real one. Set per open data
# folder by app/context.py (through app/config.py, so that opening a folder does not import
# reportlab) — applied here, where every PDF passes, and nowhere else.


def watermark_pdf(path: Path, text: str) -> None:
    """Stamp `text` diagonally, large and light, over every page of the PDF at `path`."""
    import io

    from pypdf import PageObject, PdfReader, PdfWriter
    from reportlab.pdfgen.canvas import Canvas

    stamps: dict[tuple[float, float], PageObject] = {}
    bold = unicode_fonts()[1]
    writer = PdfWriter(clone_from=path)
    for page in writer.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        if size not in stamps:
            buffer = io.BytesIO()
            canvas = Canvas(buffer, pagesize=size)
            width, height = size
            # Horizontal (not diagonal): the word stays whole for screen readers and text search.
            font_size = max(8.0, min(0.85 * width / max(1.0, stringWidth(text, bold, 1)), height / 3))
            canvas.setFillColorRGB(0.85, 0.1, 0.1, alpha=0.28)
            canvas.setFont(bold, font_size)
            canvas.drawCentredString(width / 2, height / 2 - font_size / 3, text)
            canvas.save()
            stamps[size] = PdfReader(io.BytesIO(buffer.getvalue())).pages[0]
        page.merge_page(stamps[size])
    with path.open("wb") as fh:
        writer.write(fh)


@contextlib.contextmanager
def atomic_output(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to `out`; move it into place only when rendering succeeded.

    A failure (or Ctrl+C) never leaves a half-written file, and an older file at
    `out` stays as it was.
    """
    target = Path(out).expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(_("De map {folder} bestaat niet: kies een bestaande map.").format(folder=folder))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if config.practice_mode and tmp.read_bytes()[:5] == b"%PDF-":
            watermark_pdf(tmp, _("OEFENING"))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def use_language(language: str | None, strict: bool = False) -> Iterator[str]:
    """Render one document in another language (e.g. an English contract), then switch back.

    `strict`: a text without translation raises `i18n.MissingTranslation` (documents handed
    to a borrower or donor must never fall back to Dutch silently)."""
    previous = i18n.language()
    active = i18n.set_language(language or previous)
    try:
        if strict:
            with i18n.strict():
                yield active
        else:
            yield active
    finally:
        i18n.set_language(previous)


def document_language(language: str | None) -> str:
    """The language a person's documents are printed in: theirs when we have it, else Dutch."""
    return language if language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
