"""The gettext catalogues: complete in every language and in step with the code."""

import re

import pytest
from babel.messages.pofile import read_po

from bot.i18n import texts
from bot.i18n.catalogs import LOCALES_DIR, translate
from bot.i18n.locales import SUPPORTED_LANGUAGES

MESSAGES = [v for k, v in vars(texts).items() if k.isupper() and isinstance(v, str)]


def test_template_lists_exactly_the_interface_texts():
    with (LOCALES_DIR / "messages.pot").open("rb") as pot:
        template = {m.id for m in read_po(pot) if m.id}
    assert template == set(MESSAGES), "run `make catalogs`"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_interface_text_is_translated(language):
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po)
    for message in MESSAGES:
        entry = catalog.get(message)
        assert entry is not None and entry.string, f"{language}: {message!r}"
        assert re.findall(r"\{\w+\}", entry.string) == re.findall(r"\{\w+\}", message)


def test_translation_is_served():
    assert translate("fr", texts.MAIN_MENU) != texts.MAIN_MENU
    assert translate("xx", texts.MAIN_MENU) == texts.MAIN_MENU
    assert "500" in translate("ru", texts.MESSAGE_TOO_LONG, max_chars=500)
