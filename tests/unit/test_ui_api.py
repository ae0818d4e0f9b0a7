"""The web chat's own text comes from the catalogues; the page ships no words and no HTML
insertion, and stays small."""

import re

import pytest

from bot.channels.web import STATIC_DIR
from bot.channels.web.ui_api import UI_TEXTS, ui_description, ui_language
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import SUPPORTED_LANGUAGES

PAGE_FILES = ["index.html", "chat.js", "chat.css"]


@pytest.mark.parametrize(
    ("requested", "accept", "expected"),
    [
        ("ar", "fr", "ar"),
        ("", "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        (None, "pt-BR", "pt"),
        ("tlh", "de-DE, sw;q=0.5", "sw"),
        (None, "", "en"),
        ("x" * 100, "", "en"),
    ],
)
def test_the_language_is_the_choice_else_the_browsers_else_english(requested, accept, expected):
    assert ui_language(requested, accept) == expected


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_text_is_served_translated(language):
    ui = ui_description(language, 2000)
    assert ui["language"] == language
    assert ui["dir"] == ("rtl" if language == "ar" else "ltr")
    assert set(ui["texts"]) == set(UI_TEXTS)
    for name, text in ui["texts"].items():
        assert text == translate(language, getattr(texts, name))
        assert text.strip()
    names = {entry["code"]: entry["name"] for entry in ui["languages"]}
    assert list(names) == list(SUPPORTED_LANGUAGES)
    assert (names["zh"], names["ar"], names["fr"]) == ("中文", "العربية", "Français")


def test_the_page_asks_only_for_texts_the_server_serves():
    html = (STATIC_DIR / "index.html").read_text()
    script = (STATIC_DIR / "chat.js").read_text() + (STATIC_DIR / "widget.js").read_text()
    used = set(re.findall(r'data-text="(\w+)"', html))
    used |= set(re.findall(r'\bt\("(\w+)"\)', script))
    used |= set(re.findall(r"texts\.(\w+)", script))
    assert used and used <= set(UI_TEXTS), used - set(UI_TEXTS)


def test_no_inline_script_and_no_html_insertion():
    html = (STATIC_DIR / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert not re.search(r"\son\w+=", html), "inline event handler"
    assert "style=" not in html
    for name in ["chat.js", "widget.js"]:
        script = (STATIC_DIR / name).read_text()
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("]:
            assert sink not in script, f"{name} uses {sink}"


def test_the_page_and_its_scripts_weigh_under_100_kb():
    total = sum((STATIC_DIR / name).stat().st_size for name in [*PAGE_FILES, "widget.js"])
    assert total < 100 * 1024, total
