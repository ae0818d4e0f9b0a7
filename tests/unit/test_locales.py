import pytest

from bot.i18n.locales import (
    fallback_chain,
    is_rtl,
    native_name,
    negotiate,
    parse_accept_language,
)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("pt-BR", "pt"),
        ("zh-Hans-CN", "zh"),
        ("ar_EG", "ar"),
        (["de", "sw-KE"], "sw"),
        ("de", None),
        ("not a tag", None),
        ("", None),
    ],
)
def test_negotiate_against_the_eight_languages(tags, expected):
    assert negotiate(tags) == expected


def test_accept_language_is_ordered_by_quality():
    header = "de;q=0.5, fr-CH, fr;q=0.9, en;q=0.8, *;q=0.1, es;q=0"
    assert parse_accept_language(header) == ["fr-CH", "fr", "en", "de"]
    assert negotiate(parse_accept_language(header)) == "fr"


def test_fallback_chain_ends_in_english():
    assert fallback_chain("pt-BR") == ["pt-BR", "pt", "en"]
    assert fallback_chain("en") == ["en"]
    assert fallback_chain(None) == ["en"]


def test_languages_are_named_in_themselves():
    assert native_name("ar") == "العربية"
    assert native_name("zh") == "中文"
    assert native_name("fr") == "Français"
    assert is_rtl("ar") and not is_rtl("fr")
