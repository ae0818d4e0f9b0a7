"""Keeps the editorial review of the content (shared/reviews/content-review.md) mended:
each pattern below is a mistake the shipped answers once made, and must not come back."""

import re

import pytest

from bot.content.files import load_content
from bot.i18n.locales import SUPPORTED_LANGUAGES

CONTENT = load_content()


def answers(language: str, topic: str | None = None) -> list[str]:
    return [
        f"{a.title}\n{a.text}\n{a.more or ''}"
        for a in CONTENT.answers
        if a.language == language and (topic is None or a.topic_id == topic)
    ]


# "A thief who steals your password still can't get in": codes by SMS are phished in real
# time and lost to SIM swaps, so two-step verification makes break-ins harder, not impossible.
TWO_STEP_OVERCLAIMS = {
    "en": r"(can'?t|cannot|can not) get in",
    "zh": r"登不进去|(?<!绝对)进不去",
    "fr": r"ne (peut|pourra) pas (entrer|se connecter)",
    "es": r"no (puede|podrá) entrar",
    "ar": r"لا يستطيع الدخول|لن يستطيع الدخول",
    "ru": r"(он )?не войд[её]т",
    "pt": r"mesmo que alguém descubra a senha, precisa",
    "sw": r"hawezi kuingia",
}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_two_step_verification_is_not_oversold(language):
    (answer,) = answers(language, "two_factor_auth")
    assert not re.search(TWO_STEP_OVERCLAIMS[language], answer, re.IGNORECASE), answer


PADLOCK = {
    "en": (r"padlock|https", r"(doesn'?t|does not|not) (prove|mean|show)|only (shows|means)"),
    "fr": (r"cadenas|https", r"ne (prouve|garantit|signifie|montre) pas|seulement|juste"),
    "sw": (r"kufuli|https", r"haithibitishi|haimaanishi|si uthibitisho|tu\b"),
    "es": (r"candado|https", r"no (prueba|garantiza|significa|demuestra)|solo"),
}


@pytest.mark.parametrize("language", sorted(PADLOCK))
def test_a_padlock_is_never_proof_that_a_site_is_honest(language):
    mention, caveat = PADLOCK[language]
    for answer in answers(language, "safe_payments"):
        if re.search(mention, answer, re.IGNORECASE):
            assert re.search(caveat, answer, re.IGNORECASE), answer


def test_chinese_password_advice_follows_current_guidance():
    (answer,) = answers("zh", "strong_passwords")
    assert not re.search(r"字母.{0,4}数字.{0,4}符号", answer), "no forced composition rules"
    assert not re.search(r"宠物|生日|出生年", answer) or "不要" in answer
    assert re.search(r"[三3四4]个.{0,6}词", answer), "a passphrase of random words"


def test_chinese_statement_wording_is_the_official_one():
    text = "\n".join(answers("zh"))
    assert "凝聚数字合作新共识 共创全球发展新时代" in text
    for wrong in ("同年6月", "注入动力"):
        assert wrong not in text


# English words where Kiswahili has its own (on-screen labels stay, in quotes).
SWAHILI_LOANWORDS = r"\b(password|passwords|email|link|code|kuchat)\b|\bapps?\b(?! Store)"


def _outside_quotes(text: str) -> str:
    return re.sub(r"\"[^\"]*\"|«[^»]*»|“[^”]*”", "", text)


def test_swahili_uses_kiswahili_words():
    for answer in answers("sw"):
        found = re.findall(SWAHILI_LOANWORDS, _outside_quotes(answer), re.IGNORECASE)
        assert not found, (found, answer[:80])
    assert "makundi hatarishi" not in "\n".join(answers("sw"))


# Brazilian Portuguese throughout, without European words or bracketed glosses.
EUROPEAN_PORTUGUESE = (
    r"\b(palavra-passe|partilh\w*|ecrã|literacia|telemóvel|burla)\b|\((senha|tela|golpe)\b"
)


def test_portuguese_is_brazilian_and_native():
    for answer in answers("pt"):
        assert not re.search(EUROPEAN_PORTUGUESE, answer, re.IGNORECASE), answer[:120]


def test_french_names_the_initiative_idm():
    for answer in answers("fr"):
        assert not re.search(r"\bla GDI\b|\(GDI\)", answer), answer[:120]


def test_russian_does_not_assume_gosuslugi():
    for answer in answers("ru"):
        assert not re.search(r"госуслуг", answer, re.IGNORECASE), answer[:120]


def test_example_addresses_use_example_domains():
    for language in SUPPORTED_LANGUAGES:
        for answer in answers(language):
            assert "@gmail.com" not in answer, (language, answer[:80])


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_button_titles_are_at_most_four_words(language):
    for answer in CONTENT.answers:
        if answer.language == language and language not in ("zh",):
            words = [w for w in answer.title.split() if re.search(r"[^\W\d_]", w)]
            assert len(words) <= 4, (answer.topic_id, answer.title)
