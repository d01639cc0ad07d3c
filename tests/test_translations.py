"""Every catalogue (English, French) covers every Dutch text in the code, placeholders intact."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app import i18n

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT_LANGUAGE]


def _script():
    spec = importlib.util.spec_from_file_location("translations", ROOT / "scripts" / "translations.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_french_is_a_language():
    assert TRANSLATED == ["en", "fr"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_has_a_translation(language):
    missing = _script().missing(language)
    assert missing == [], (
        f"{len(missing)} untranslated ({language}); run scripts/translations.py: {missing[:5]}"
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_document_text_is_translated(language):
    # What a borrower or donor takes home (app/printing, and the code names it prints:
    # device kinds, wipe methods, donor kinds, states) must exist in their language.
    missing = _script().missing(language, folders=("app/printing",))
    assert missing == [], f"{language}: {missing}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_and_accelerators_survive_translation(language):
    with (ROOT / f"resources/locale/{language}/LC_MESSAGES/digibank.po").open("rb") as fh:
        catalog = read_po(fh, locale=language)
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in filter(None, strings):  # empty ones are reported by the test above
            assert set(PLACEHOLDER.findall(ids[-1])) == set(PLACEHOLDER.findall(text)), message.id
            if "&" in ids[0] and "&&" not in ids[0]:
                assert text.count("&") == ids[0].count("&"), message.id


@pytest.mark.parametrize("language", TRANSLATED)
def test_contract_conditions_and_privacy_statement_exist(language):
    # No silent Dutch conditions for a French borrower: every language has its own text.
    assert (ROOT / f"resources/contracts/conditions_{language}.md").is_file()
    assert (ROOT / f"resources/privacy/privacy_{language}.md").is_file()


def test_switching_language_changes_messages():
    dutch = "Geen toestel met nummer '{tag}'."
    for language in TRANSLATED:
        i18n.set_language(language)
        try:
            translated = i18n._(dutch)
        finally:
            i18n.set_language("nl")
        assert translated != dutch and "{tag}" in translated, language
    assert i18n._(dutch) == dutch


def test_strict_mode_refuses_a_missing_translation():
    i18n.set_language("fr")
    try:
        with i18n.strict(), pytest.raises(i18n.MissingTranslation):
            i18n._("Deze tekst staat in geen enkele catalogus.")
        with i18n.strict():
            assert i18n._("Uitleenovereenkomst") == "Contrat de prêt"
        # Outside documents the screen still shows Dutch rather than nothing.
        assert (
            i18n._("Deze tekst staat in geen enkele catalogus.")
            == "Deze tekst staat in geen enkele catalogus."
        )
    finally:
        i18n.set_language("nl")
    with i18n.strict():  # Dutch needs no catalogue
        assert (
            i18n._("Deze tekst staat in geen enkele catalogus.")
            == "Deze tekst staat in geen enkele catalogus."
        )
