"""Callback data within 64 bytes for every payload, in every language (keyboards.py)."""

from telegram import InlineKeyboardMarkup

from bot.channels.telegram.keyboards import (
    MAX_CALLBACK_BYTES,
    CallbackCodec,
    inline_keyboard,
    pressed_title,
)
from bot.conversation import replies
from bot.core.messages import Button
from bot.i18n.locales import SUPPORTED_LANGUAGES


def every_reply(store):
    """Every reply with buttons the assistant can give, in every language."""
    local = {}
    for language in SUPPORTED_LANGUAGES:
        yield replies.show_menu(store, language, local)
        for family in ("cooperation", "skills", "services"):
            yield replies.show_menu(store, language, local, family)
        for family in ("cooperation", "skills", "services", "conversation"):
            for topic in store.family_topics(family):
                answer = replies.answer_topic(store, topic, language, local)
                if answer is not None:
                    yield answer
                yield replies.tell_more(store, topic, language, local)
        yield replies.language_menu(language)
        yield replies.clarify(store, store.family_topics("skills")[:3], language)


def test_every_payload_in_every_language_fits_and_comes_back(store):
    codec = CallbackCodec()
    payloads = {b.payload for reply in every_reply(store) for b in reply.buttons}
    assert len(payloads) > 50
    for payload in payloads:
        data = codec.encode(payload)
        assert 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES, payload
        assert not data.startswith("#"), f"{payload} should fit without the fallback table"
        assert codec.decode(data) == payload


def test_compact_form_is_readable():
    codec = CallbackCodec()
    assert codec.encode('/help{"family": "skills"}') == "/help|family=skills"
    assert codec.encode("/help") == "/help"
    assert codec.decode("/more|topic=m_un_cyberspace_governance") == (
        '/more{"topic": "m_un_cyberspace_governance"}'
    )


def test_payloads_too_long_or_free_text_use_a_short_digest():
    codec = CallbackCodec()
    long_payload = '/more{"topic": "' + "a_very_long_topic_id_" * 5 + '"}'
    free_text = "Ndiyo, tafadhali niambie zaidi kuhusu usalama wa simu"
    for payload in (long_payload, free_text):
        data = codec.encode(payload)
        assert len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES
        assert codec.decode(data) == payload


def test_data_we_did_not_make_is_refused():
    codec = CallbackCodec()
    assert codec.decode("#0123456789abcdef01234567") is None  # forgotten, e.g. after a restart
    assert codec.decode('/help{"family": "x"}') is None
    assert codec.decode("rm -rf") is None
    assert codec.decode("") is None


def test_the_fallback_table_is_bounded():
    codec = CallbackCodec(max_remembered=3)
    data = [codec.encode(f"free text {i}") for i in range(5)]
    assert codec.decode(data[0]) is None
    assert codec.decode(data[4]) == "free text 4"


def test_keyboard_layout_and_pressed_title():
    codec = CallbackCodec()
    short = [Button(t, f'/change_language{{"language": "{t}"}}') for t in "abc"]
    markup = inline_keyboard(short, codec)
    assert isinstance(markup, InlineKeyboardMarkup)
    assert [len(row) for row in markup.inline_keyboard] == [2, 1]
    long = [Button("Public services online, step by step", "/help")]
    assert [len(row) for row in inline_keyboard(long, codec).inline_keyboard] == [1]
    assert inline_keyboard([], codec) is None
    assert pressed_title(markup, markup.inline_keyboard[1][0].callback_data) == "c"
