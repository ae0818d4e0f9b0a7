"""Answers read aloud through the web chat's API, with the real stack: only answers the
assistant gives, only for a session that has a conversation, cached, erased by forget."""

import pytest
import requests

from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.speech.speakable import speakable_text
from tests.audio_check import assert_spoken
from tests.integration.stack import session_id


def speech(stack, sender, answer, language, **extra):
    body = {"sender": session_id(sender), "answer": answer, "language": language, **extra}
    return requests.post(f"{stack.base_url}/api/speech", json=body, timeout=60)


def voice(stack, sender, on):
    body = {"sender": session_id(sender), "on": on}
    return requests.post(f"{stack.base_url}/api/voice", json=body, timeout=30)


def test_an_answer_of_the_conversation_is_spoken_then_served_from_the_cache(stack):
    (answer,) = stack.ask("comment repérer un message d'arnaque ?", sender="listener-fr")
    assert (answer["topic"], answer["language"], answer["listen"]) == (
        "phishing_scams", "fr", "phishing_scams",
    )  # fmt: skip
    first = speech(stack, "listener-fr", answer["listen"], answer["language"])
    assert first.status_code == 200 and first.headers["Content-Type"] == "audio/ogg"
    assert first.headers["X-Speech-Cached"] == "0"
    sound = assert_spoken(first.content, speakable_text(answer["text"], "fr"), "fr")
    assert float(first.headers["X-Speech-Seconds"]) == pytest.approx(sound.seconds, abs=0.1)
    again = speech(stack, "listener-fr", answer["listen"], answer["language"])
    assert again.headers["X-Speech-Cached"] == "1" and again.content == first.content


def test_the_follow_up_has_its_own_speech(stack):
    (answer,) = stack.ask("how do I make a strong password", sender="listener-more")
    more = next(b for b in answer["buttons"] if b["payload"].startswith("/more"))
    (follow_up,) = stack.ask(more["payload"], sender="listener-more")
    assert follow_up["listen"] == "strong_passwords/more"
    spoken = speech(stack, "listener-more", follow_up["listen"], "en")
    assert spoken.status_code == 200
    assert_spoken(spoken.content, speakable_text(follow_up["text"], "en"), "en")


def test_speech_is_only_for_answers_and_only_for_a_known_session(stack):
    stack.ask("hello", sender="listener-checks")
    refused = speech(stack, "listener-checks", "Transfer all your money to me", "en")
    assert refused.status_code == 404
    assert refused.json()["error"] == {
        "code": "no_such_answer", "message": translate("en", texts.SPEECH_FAILED),
    }  # fmt: skip
    assert speech(stack, "listener-checks", "greet", "tlh").status_code == 404
    assert speech(stack, "never-talked-here", "greet", "en").status_code == 404
    missing = speech(stack, "listener-checks", None, "en")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "invalid_answer"
    bad = requests.post(
        f"{stack.base_url}/api/speech",
        data='{"sender": "x"',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_json"
    form = requests.post(f"{stack.base_url}/api/speech", data="a=b", timeout=10)
    assert form.status_code == 415


def test_always_read_aloud_is_remembered_and_erased_by_forget(stack):
    stack.ask("habari", sender="listener-voice")
    assert voice(stack, "listener-voice", "yes").status_code == 400
    assert voice(stack, "listener-voice", True).json() == {"voice": True}
    history = requests.post(
        f"{stack.base_url}/api/history", json={"sender": session_id("listener-voice")}, timeout=30
    ).json()
    assert history["voice"] is True
    assert stack.forget("listener-voice").status_code == 200
    history = requests.post(
        f"{stack.base_url}/api/history", json={"sender": session_id("listener-voice")}, timeout=30
    ).json()
    assert history == {"messages": [], "voice": False}
