"""The one list of supported locales, and Babel negotiation against it."""

from __future__ import annotations

from functools import cache, lru_cache

from babel import Locale, UnknownLocaleError, negotiate_locale

# Order is the order of language menus.
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "zh", "fr", "es", "ar", "ru", "pt", "sw")
DEFAULT_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar"})


def parse_accept_language(header: str) -> list[str]:
    """Language tags of an Accept-Language header, most preferred first."""
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(preferred: list[str] | str | None) -> str | None:
    """The supported language that best matches tags like `pt-BR` or `zh-Hans-CN`, if any."""
    if not preferred:
        return None
    tags = [preferred] if isinstance(preferred, str) else preferred
    for tag in tags:
        language = _language_of(tag)
        if language is None:
            continue
        match = negotiate_locale([language], SUPPORTED_LANGUAGES, sep="-")
        if match:
            return match
    return None


def fallback_chain(tag: str | None) -> list[str]:
    """Languages to try for content, most specific first: `pt-BR` → `pt` → `en`."""
    chain: list[str] = []
    if tag:
        chain.append(tag)
        language = _language_of(tag)
        if language and language not in chain:
            chain.append(language)
    if DEFAULT_LANGUAGE not in chain:
        chain.append(DEFAULT_LANGUAGE)
    return chain


@lru_cache(maxsize=64)
def _language_of(tag: str) -> str | None:
    try:
        return Locale.parse(tag.replace("_", "-"), sep="-").language
    except (ValueError, TypeError, UnknownLocaleError):
        return None


@cache
def native_name(language: str) -> str:
    """The language's name in itself ("Français", "العربية"), for language menus."""
    locale = Locale.parse(language)
    name = locale.get_display_name(locale) or language
    return name[:1].upper() + name[1:]


@cache
def language_name(language: str, in_language: str) -> str:
    """The language's name in another language ("French" in English, "法语" in Chinese)."""
    return Locale.parse(language).get_display_name(Locale.parse(in_language)) or language


def is_rtl(language: str) -> bool:
    return language in RIGHT_TO_LEFT
