"""Interface text in every language, from the gettext catalogues in `locales/`.

The `.po` files are compiled in memory when first needed, so there is no build step and no
stale `.mo` file: what is in the repository is what is shown.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot import PROJECT_ROOT
from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "messages"


@cache
def translations(
    language: str, locales_dir: Path = LOCALES_DIR, domain: str = DOMAIN
) -> gettext.NullTranslations:
    """The catalogue of a supported language (`messages`: what citizens see; `admin`: the
    admin interface), or the untranslated (English) text."""
    path = locales_dir / language / "LC_MESSAGES" / f"{domain}.po"
    if language not in SUPPORTED_LANGUAGES or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translate(language: str, message: str, **values: object) -> str:
    """`message` in `language`, with `{name}` fields filled in from `values`."""
    text = translations(language or DEFAULT_LANGUAGE).gettext(message)
    return text.format(**values) if values else text
