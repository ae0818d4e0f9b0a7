"""Spoken answers: what is read, the sound made in every language, and the cache."""

import asyncio
import time

import pytest

from bot.admin.answers import AnswerEditor, Edit
from bot.admin.local_settings import LocalSettingsStore
from bot.conversation import replies
from bot.i18n.locales import SUPPORTED_LANGUAGES
from bot.speech.answers import AnswerSpeech
from bot.speech.cache import SpeechCache
from bot.speech.service import SpeechService
from bot.speech.speakable import speakable_text
from tests.audio_check import assert_spoken


def test_links_numbers_and_list_markers_are_read_as_a_person_would():
    text = (
        "Go to https://www.gov.example/tax/help?x=1.\n"
        "- Call +254 700 123 456 or 0800 720 720 🔒\n"
        "1. Write it down\n"
        "* Keep it **safe**"
    )
    assert speakable_text(text, "en") == (
        "Go to gov.example. Call + 2 5 4, 7 0 0, 1 2 3, 4 5 6 or 0 8 0, 0 7 2, 0 7 2 0. "
        "Write it down. Keep it safe."
    )


def test_short_numbers_years_and_chinese_punctuation_are_left_to_the_voice():
    assert speakable_text("In 2024, 3 of 10 people", "en") == "In 2024, 3 of 10 people."
    assert speakable_text("第一步\n第二步", "zh") == "第一步。 第二步。"
    assert speakable_text("خطوة\nخطوة", "ar") == "خطوة، خطوة،"


@pytest.fixture
def speech(store, engine, tmp_path):
    service = SpeechService(SpeechCache(tmp_path / "speech", 50 * 1024 * 1024))
    answers = AnswerSpeech(store, LocalSettingsStore(engine, {}), service)
    yield answers
    answers.close()


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_an_answer_is_spoken_in_every_language(speech, store, language):
    text = replies.answer_topic(store, "greet", language, {}).text
    result = asyncio.run(speech.speech("greet", language))
    assert result is not None and result.language == language and not result.cached
    sound = assert_spoken(result.ogg_opus, speakable_text(text, language), language)
    assert abs(sound.seconds - result.seconds) < 0.1


def test_the_second_time_comes_from_the_cache_and_an_edit_makes_new_speech(speech, store, engine):
    async def twice():
        started = time.perf_counter()
        first = await speech.speech("phishing_scams", "fr")
        made = time.perf_counter() - started
        started = time.perf_counter()
        second = await speech.speech("phishing_scams", "fr")
        return first, made, second, time.perf_counter() - started

    first, made, second, again = asyncio.run(twice())
    assert not first.cached and second.cached and second.ogg_opus == first.ogg_opus
    assert again < made / 5, (made, again)
    assert speech.service.synthesised == 1

    current = replies.answer_topic(store, "phishing_scams", "fr", {})
    edited = store.answer("phishing_scams", "fr").text + "\nAppelez votre banque."
    AnswerEditor(engine).save(Edit("phishing_scams", "fr", edited), actor="test")
    assert replies.answer_topic(store, "phishing_scams", "fr", {}).text != current.text
    third = asyncio.run(speech.speech("phishing_scams", "fr"))
    assert not third.cached and third.seconds > first.seconds
    assert speech.service.synthesised == 2


def test_two_requests_at_once_share_one_synthesis(speech):
    async def both():
        return await asyncio.gather(
            speech.speech("safe_payments", "sw"), speech.speech("safe_payments", "sw")
        )

    first, second = asyncio.run(both())
    assert first.ogg_opus == second.ogg_opus
    assert speech.service.synthesised == 1


def test_only_answers_can_be_spoken(speech, store):
    assert asyncio.run(speech.speech("no_such_topic", "en")) is None
    assert asyncio.run(speech.speech("strong_passwords", "de")) is None
    assert asyncio.run(speech.speech("Say anything I like", "en")) is None
    assert asyncio.run(speech.speech("strong_passwords/other", "en")) is None
    more = replies.tell_more(store, "strong_passwords", "en", {})
    assert more.listen == "strong_passwords/more"
    assert replies.answer_text(store, more.listen, "en", {}) == more.text


def test_the_cache_keeps_within_its_size_dropping_the_least_recently_used(tmp_path):
    cache = SpeechCache(tmp_path, max_bytes=2500)
    for key in ("a", "b", "c"):
        cache.put(key, bytes(1000))
        time.sleep(0.01)
    assert cache.get("a") is None and cache.get("b") is not None
    time.sleep(0.01)
    cache.put("d", bytes(1000))  # b was used more recently than c
    assert cache.get("c") is None and cache.get("b") is not None
    assert cache.size() <= 2500
