"""The admin interface in every language: a complete catalogue, placeholders intact, and
the pages in that language (Arabic right to left)."""

import re

import pytest
from babel.messages.pofile import read_po

from bot.admin.web.rendering import direction, gettext_for
from bot.i18n.catalogs import LOCALES_DIR
from bot.i18n.locales import SUPPORTED_LANGUAGES

with (LOCALES_DIR / "admin.pot").open("rb") as pot:
    TEMPLATE = {m.id for m in read_po(pot) if m.id}


@pytest.mark.parametrize("language", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_every_admin_text_is_translated(language):
    with (LOCALES_DIR / language / "LC_MESSAGES" / "admin.po").open("rb") as po:
        catalog = read_po(po)
    for message in TEMPLATE:
        entry = catalog.get(message)
        assert entry is not None and entry.string, f"{language}: {message!r}"
        placeholders = sorted(re.findall(r"%\(\w+\)s", message))
        assert sorted(re.findall(r"%\(\w+\)s", entry.string)) == placeholders, message
    assert gettext_for(language)("Sign in") != "Sign in"


def test_arabic_is_right_to_left():
    assert direction("ar") == "rtl" and direction("fr") == "ltr"
