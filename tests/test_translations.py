"""The English catalogue covers every Dutch text in the code, placeholders intact."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from babel.messages.pofile import read_po

from app import i18n

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _script():
    spec = importlib.util.spec_from_file_location("translations", ROOT / "scripts" / "translations.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_every_message_has_an_english_translation():
    missing = _script().missing()
    assert missing == [], f"{len(missing)} untranslated; run scripts/translations.py update: {missing[:5]}"


def test_placeholders_and_accelerators_survive_translation():
    with (ROOT / "resources/locale/en/LC_MESSAGES/digibank.po").open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in filter(None, strings):  # empty ones are reported by the test above
            assert set(PLACEHOLDER.findall(ids[-1])) == set(PLACEHOLDER.findall(text)), message.id
            if "&" in ids[0] and "&&" not in ids[0]:
                assert text.count("&") == ids[0].count("&"), message.id


def test_switching_language_changes_messages():
    dutch = "Geen toestel met nummer '{tag}'."
    i18n.set_language("en")
    try:
        english = i18n._(dutch)
    finally:
        i18n.set_language("nl")
    assert english != dutch and "{tag}" in english
    assert i18n._(dutch) == dutch
