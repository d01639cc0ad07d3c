"""The texts of reminder letters and e-mails: one file per kind and language.

`resources/reminders/<kind>_<lang>.md` (kind `before` or `late`): first line `subject: …`,
then the body, paragraphs separated by a blank line, with {name}, {tag}, {device} (its kind),
{model}, {out}, {due}, {days_late}, {digibank} and {contact}. A digibank may put its own copies in
`<data folder>/reminders/`. A language without its files (French, until they are written)
falls back to Dutch, so adding `before_fr.md` and `late_fr.md` is all French needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.errors import UserError
from app.i18n import _
from app.printing.contracts import read_template_text

RESOURCE_DIR = Path(__file__).resolve().parents[2] / "resources" / "reminders"
SUBJECT_LINE = re.compile(r"^\s*subject:\s*(.+?)\s*$", re.IGNORECASE)
KINDS = ("before", "late")
FALLBACK_LANGUAGE = "nl"


@dataclass(frozen=True)
class ReminderText:
    language: str  # the language the text is really in (after a fallback)
    subject: str
    paragraphs: tuple[str, ...]

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs) + "\n"


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # an unknown placeholder stays visible instead of failing


def find_template(kind: str, language: str, folders: Sequence[Path] = ()) -> tuple[Path, str]:
    for lang in (language, FALLBACK_LANGUAGE):
        for folder in (*folders, RESOURCE_DIR):
            path = folder / f"{kind}_{lang}.md"
            if path.is_file():
                return path, lang
    raise UserError(_("De tekst voor herinneringen ({kind}) is niet gevonden.").format(kind=kind))


def render(kind: str, language: str, values: Mapping[str, str], folders: Sequence[Path] = ()) -> ReminderText:
    path, found = find_template(kind, language, folders)
    lines = read_template_text(path).splitlines()
    match = SUBJECT_LINE.match(lines[0]) if lines else None
    if match is None:
        raise UserError(_("Het bestand {file} moet beginnen met een regel 'subject: …'.").format(file=path))
    fill = _Blank(values)
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines[1:], ""]:
        if line.strip():
            current.append(line.rstrip().format_map(fill))
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    return ReminderText(found, match.group(1).format_map(fill), tuple(paragraphs))
