"""Escaping and splitting answers for Telegram (bot/channels/telegram/rendering.py)."""

import pytest

from bot.channels.telegram.rendering import (
    MAX_MESSAGE_LENGTH,
    escape,
    render_parts,
    split_message,
    telegram_length,
)
from tests.telegram.fake_bot_api import ApiError, visible_text


@pytest.mark.parametrize(
    "text",
    [
        "Use <Settings> & then <b>Save</b>",
        "a < b && c > d",
        "&amp; is not an entity here; neither is &lt;",
        "</pre><script>alert(1)</script>",
        "quotes \" and ' stay",
        "Arabic: كلمة المرور < ٨ أحرف & رموز",
    ],
)
def test_escaped_text_parses_and_shows_exactly_as_written(text):
    assert visible_text(escape(text)) == text


def test_unescaped_markup_is_what_telegram_would_refuse():
    with pytest.raises(ApiError, match="can't parse entities"):
        visible_text("Use <Settings> & then")


def test_short_text_is_one_part():
    assert split_message("Hello.\n\nBye.") == ["Hello.\n\nBye."]
    assert split_message("   ") == []


def paragraphs(count: int, length: int) -> list[str]:
    sentence = "This sentence explains one small step clearly. "
    return [(sentence * (length // len(sentence) + 1))[:length].strip() for _ in range(count)]


def test_long_text_splits_between_paragraphs():
    paras = paragraphs(6, 1000)
    text = "\n\n".join(paras)
    parts = split_message(text)
    assert len(parts) == 2
    assert all(telegram_length(p) <= MAX_MESSAGE_LENGTH for p in parts)
    # No paragraph is cut: each part is whole paragraphs.
    assert [p.split("\n\n") for p in parts] == [paras[:4], paras[4:]]


def test_a_paragraph_too_long_splits_between_sentences():
    sentence = "Sentence number {} is here. "
    text = "".join(sentence.format(i) for i in range(300)).strip()  # one 8,000-char paragraph
    parts = split_message(text, 4096)
    assert len(parts) >= 2
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text


def test_sentences_of_languages_without_spaces_split_after_full_stops():
    text = "这是第一句话。" * 1000  # 7,000 characters, no spaces at all
    parts = split_message(text)
    assert all(telegram_length(p) <= MAX_MESSAGE_LENGTH and p.endswith("。") for p in parts)
    assert "".join(parts) == text


def test_a_single_word_longer_than_the_limit_is_cut_as_a_last_resort():
    text = "x" * 5000
    assert split_message(text) == ["x" * 4096, "x" * 904]


def test_the_limit_counts_utf16_units_as_telegram_does():
    text = "😀" * 3000  # 6,000 UTF-16 units
    parts = split_message(text)
    assert [telegram_length(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text


def test_escaping_happens_after_splitting():
    text = ("a < b & c. " * 800).strip()  # escaping would make it much longer than 4096
    rendered = render_parts(text)
    shown = [visible_text(part) for part in rendered]
    assert all(telegram_length(s) <= MAX_MESSAGE_LENGTH for s in shown)
    assert " ".join(shown) == text
