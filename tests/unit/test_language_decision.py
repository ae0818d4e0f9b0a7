import pytest

from bot import PROJECT_ROOT
from bot.i18n.detect import Vocabulary, detect_language, is_unsupported_language
from bot.i18n.language_request import requested_language
from bot.i18n.reply_language import decide_reply_language


@pytest.fixture(scope="module")
def vocabulary():
    return Vocabulary.from_nlu_dir(PROJECT_ROOT / "data" / "nlu")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("你好，怎么设置密码", "zh"),
        ("كيف أحمي حسابي", "ar"),
        ("как защитить телефон", "ru"),
        ("how can I protect my phone from thieves", "en"),
        ("comment protéger mon téléphone", "fr"),
        ("cómo protejo mi teléfono", "es"),
        ("como eu protejo o meu telemóvel", "pt"),
        ("nawezaje kulinda simu yangu", "sw"),
    ],
)
def test_message_language_is_identified(text, language, vocabulary):
    assert detect_language(text, vocabulary) == language


@pytest.mark.parametrize(
    ("text", "language"), [("hello", "en"), ("bonjour", "fr"), ("hola", "es"), ("habari", "sw")]
)
def test_one_word_greetings_are_identified_with_our_vocabulary(text, language, vocabulary):
    assert detect_language(text, vocabulary) == language


@pytest.mark.parametrize("text", ["", "12345", "🙂🙂", "!!!"])
def test_what_cannot_be_told_is_left_undecided(text, vocabulary):
    assert detect_language(text, vocabulary) is None


def test_preference_wins_over_everything():
    assert decide_reply_language(preference="fr", text="hello there my friend", hint="ar") == "fr"


def test_message_language_wins_over_conversation_and_hint():
    assert decide_reply_language(preference=None, text="你好", previous="fr", hint="ar") == "zh"


def test_conversation_language_then_hint_then_english():
    assert decide_reply_language(preference=None, text="123", previous="sw", hint="ar") == "sw"
    assert decide_reply_language(preference=None, text="123", hint=["pt-BR"]) == "pt"
    assert decide_reply_language(preference=None, text="123", hint="de") == "en"
    assert decide_reply_language(preference="xx", text="") == "en"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("in French please", "fr"),
        ("en español por favor", "es"),
        ("用中文回答", "zh"),
        ("بالعربية من فضلك", "ar"),
        ("можно по-английски", "en"),
        ("на португальском", "pt"),
        ("kwa Kiswahili tafadhali", "sw"),
        ("parle en russe", "ru"),
    ],
)
def test_requested_language_is_found_in_any_language(text, language):
    assert requested_language(text) == language


@pytest.mark.parametrize("text", ["change language", "english or french?", "other language"])
def test_no_single_requested_language(text):
    assert requested_language(text) is None


@pytest.mark.parametrize(
    ("text", "unsupported"),
    [
        ("Wie erstelle ich ein sicheres Passwort?", True),
        ("Come posso proteggere il mio telefono?", True),
        ("안녕하세요 비밀번호", True),
        ("नमस्ते आप कैसे हैं", True),
        ("nataka kujua kuhusu password", False),  # Lingua alone calls this Tagalog
        ("comment créer un mot de passe", False),
        ("hello", False),
        ("ok", False),
    ],
)
def test_languages_we_dont_speak_are_recognised_cautiously(text, unsupported, vocabulary):
    assert is_unsupported_language(text, vocabulary) is unsupported
