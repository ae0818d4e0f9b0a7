"""Languages: which ones we speak, which one to answer in, and the interface text."""

from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

__all__ = ["DEFAULT_LANGUAGE", "SUPPORTED_LANGUAGES"]
