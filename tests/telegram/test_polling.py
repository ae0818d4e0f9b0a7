"""Telegram end to end in polling mode: `digibridge up` (real Rasa, action server, content)
with the channel fetching updates from the fake Bot API. Assertions are on what the user
would see: the messages the fake Bot API received, their text, language and keyboards."""

import json
import sqlite3
import time

import pytest

from bot import PROJECT_ROOT
from bot.channels.telegram.keyboards import CallbackCodec
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import SUPPORTED_LANGUAGES, native_name
from bot.speech.speakable import speakable_text
from bot.training import ensure_model
from tests.audio_check import assert_spoken
from tests.telegram.e2e import (
    STICKER,
    new_chat,
    start_telegram_stack,
    stop_telegram_stack,
)
from tests.telegram.fake_bot_api import BOT_USERNAME, TOKEN

pytestmark = pytest.mark.integration
codec = CallbackCodec()


@pytest.fixture(scope="module")
def tg(tmp_path_factory):
    ensure_model(PROJECT_ROOT / "models")
    running = start_telegram_stack(tmp_path_factory.mktemp("telegram-polling"))
    try:
        running.api.wait_call("getUpdates", timeout=60)
    except AssertionError:
        stop_telegram_stack(running)
        raise
    yield running
    assert stop_telegram_stack(running) == 0, running.stack.log_tail()


def button(sent, title):
    (found,) = [b for b in sent.buttons if b["text"] == title]
    return found["callback_data"]


def test_polling_started_cleanly(tg):
    assert tg.api.calls_of("getMe") and tg.api.calls_of("deleteWebhook")
    allowed = tg.api.calls_of("getUpdates")[-1].params["allowed_updates"]
    assert set(json.loads(allowed)) == {"message", "callback_query"}


def test_the_command_menu_is_set_in_every_language(tg):
    menus = tg.api.command_menus
    assert set(menus) == {"", *SUPPORTED_LANGUAGES}
    assert menus[""] == menus["en"]
    assert menus["fr"] == [
        ("start", "Commencer et voir ce que je sais faire"),
        ("help", "Ce que je peux faire pour vous"),
        ("menu", "Menu principal"),
        ("language", "Choisir la langue"),
        ("privacy", "Ce qui est enregistré sur vous"),
        ("voice", "Lire chaque réponse à voix haute : oui ou non"),
        ("lessons", translate("fr", texts.COMMAND_LESSONS)),
        ("forget", translate("fr", texts.ERASE_MY_DATA)),
    ]
    assert menus["sw"][3] == ("language", "Chagua lugha yako")


def test_a_french_user_start_is_greeted_in_french_with_the_main_menu(tg):
    chat = new_chat()
    (greeting,) = tg.exchange(chat, tg.api.message(chat, "/start", "fr"), expect=1)
    assert greeting.text.strip() == tg.started("fr")
    assert greeting.parse_mode == "HTML"
    titles = [b["text"] for b in greeting.buttons]
    assert titles == [
        tg.store.family_title("cooperation", "fr"),
        tg.store.family_title("skills", "fr"),
        tg.store.family_title("services", "fr"),
        translate("fr", texts.LESSONS),
        translate("fr", texts.SELFCHECK),
        "🔊 Écouter",
    ]
    assert greeting.buttons[-1]["callback_data"] == "!listen|fr|greet"
    payloads = [codec.decode(b["callback_data"]) for b in greeting.buttons[:-1]]
    assert payloads == [
        '/help{"family": "cooperation"}',
        '/help{"family": "skills"}',
        '/help{"family": "services"}',
        "/lessons",
        "/selfcheck",
    ]


def test_a_question_in_swahili_is_answered_in_swahili(tg):
    chat = new_chat()
    tg.api.push(tg.api.message(chat, "nawezaje kuunganisha simu na wifi", "en"))
    (answer,) = tg.api.wait_sent(chat)
    assert answer.text.strip() == tg.shown("internet_connection", "sw")
    assert translate("sw", texts.MAIN_MENU) in [b["text"] for b in answer.buttons]


def test_a_button_press_is_answered_and_continues_the_conversation(tg):
    api = tg.api
    chat = new_chat()
    api.push(api.message(chat, "/start", "fr"))
    (greeting,) = api.wait_sent(chat)
    press = api.press(greeting, button(greeting, tg.store.family_title("skills", "fr")), "fr")
    api.push(press)
    menu = api.wait_sent(chat, 2)[1]
    (answered,) = [
        c
        for c in api.calls_of("answerCallbackQuery")
        if c.params["callback_query_id"] == press["callback_query"]["id"]
    ]
    assert answered.at <= menu.at, "the button stops spinning before the answer comes"
    assert menu.text.startswith(tg.store.family_title("skills", "fr"))
    strong = api.press(menu, button(menu, tg.store.answer("strong_passwords", "fr").title), "fr")
    api.push(strong)
    answer = api.wait_sent(chat, 3)[2]
    assert answer.text.strip() == tg.shown("strong_passwords", "fr")


def test_language_then_arabic_switches_for_good_and_forget_erases_it(tg):
    api = tg.api
    chat = new_chat()
    api.push(api.message(chat, "/language", "en"))
    (menu,) = api.wait_sent(chat)
    assert [b["text"] for b in menu.buttons] == [native_name(lang) for lang in SUPPORTED_LANGUAGES]
    api.push(api.press(menu, button(menu, "العربية"), "en"))
    confirmation = api.wait_sent(chat, 2)[1]
    assert confirmation.text.strip() == tg.shown("change_language", "ar")
    api.push(api.message(chat, "hello", "en"))
    greeting = api.wait_sent(chat, 3)[2]
    assert greeting.text.strip() == tg.shown("greet", "ar")
    assert tg.tracker_events(chat) > 0

    api.push(api.message(chat, "/forget", "en"))
    erased = api.wait_sent(chat, 4)[3]
    assert erased.text == translate("ar", texts.DATA_ERASED)  # in the language they chose
    assert tg.tracker_events(chat) == 0
    api.push(api.message(chat, "/start", "fr"))
    again = api.wait_sent(chat, 5)[4]
    assert again.text.strip() == tg.started("fr")


def test_privacy_offers_an_erase_button(tg):
    api = tg.api
    chat = new_chat()
    api.push(api.message(chat, "/privacy", "pt"))
    (privacy,) = api.wait_sent(chat)
    assert privacy.text.strip() == tg.shown("privacy_request", "pt")
    api.push(api.press(privacy, button(privacy, translate("pt", texts.ERASE_MY_DATA)), "pt"))
    assert api.wait_sent(chat, 2)[1].text == translate("pt", texts.DATA_ERASED)
    assert tg.tracker_events(chat) == 0


def test_a_429_storm_drops_nothing_and_retries_nothing_early(tg):
    api = tg.api
    chats = [new_chat() for _ in range(3)]
    api.rate_limit(4, retry_after=1)
    started = time.monotonic()
    api.push(
        api.message(chats[0], "/start", "fr"),
        api.message(chats[1], "/start", "es"),
        api.message(chats[2], "/help", "en"),
        api.message(chats[0], "/menu", "fr"),
    )
    first, second = api.wait_sent(chats[0], 2)
    (spanish,) = api.wait_sent(chats[1])
    (english,) = api.wait_sent(chats[2])
    api.rate_limit(0)
    assert len(api.rate_limited) >= 4
    assert api.early == [], "a request came back before its retry_after"
    for chat, limited_at, retry_after in api.rate_limited:
        assert all(s.at >= limited_at + retry_after for s in api.sent_to(chat) if s.at > limited_at)
    assert first.text.strip() == tg.started("fr")
    assert second.text.strip() == tg.shown("help", "fr")
    assert spanish.text.strip() == tg.started("es")
    assert time.monotonic() - started < 30
    for chat, count in ((chats[0], 2), (chats[1], 1), (chats[2], 1)):
        assert len(tg.exchange(chat, expect=0)) == 0 and len(api.sent_to(chat)) == count + 1


def test_5xx_from_the_bot_api_is_retried_and_sent_once(tg):
    chat = new_chat()
    tg.api.fail(2, status=502)
    (greeting,) = tg.exchange(chat, tg.api.message(chat, "/start", "es"), expect=1)
    assert greeting.text.strip() == tg.started("es")


def test_a_duplicated_update_is_answered_once(tg):
    chat = new_chat()
    update = tg.api.message(chat, "/start", "ru")
    (greeting,) = tg.exchange(chat, update, update, expect=1)
    assert greeting.text.strip() == tg.started("ru")


def test_messages_of_one_chat_are_answered_in_order(tg):
    api = tg.api
    chat = new_chat()
    answers = tg.exchange(
        chat,
        api.message(chat, "/start", "en"),
        api.message(chat, "how do I file my taxes on the internet", "en"),
        api.message(chat, "/language", "en"),
        expect=3,
    )
    assert [a.text.strip() for a in answers] == [
        tg.started("en"),
        tg.shown("online_tax", "en"),
        translate("en", texts.WHICH_LANGUAGE),
    ]


def test_a_6000_character_answer_is_split_safely(tg):
    paragraph = "Never share your password & PIN with <anyone>, not even a bank. " * 9
    long_text = "\n\n".join(f"{i}. {paragraph.strip()}" for i in range(11))
    assert 6000 <= len(long_text) <= 6600
    with sqlite3.connect(tg.content_db) as db:
        (original,) = db.execute(
            "SELECT text FROM answers WHERE topic_id='phishing_scams' AND language='en'"
        ).fetchone()
        db.execute(
            "UPDATE answers SET text=? WHERE topic_id='phishing_scams' AND language='en'",
            (long_text,),
        )
    try:
        chat = new_chat()
        question = "someone sent me a text saying I won a prize, is it a scam?"
        parts = tg.exchange(chat, tg.api.message(chat, question, "en"), expect=2)
    finally:
        with sqlite3.connect(tg.content_db) as db:
            db.execute(
                "UPDATE answers SET text=? WHERE topic_id='phishing_scams' AND language='en'",
                (original,),
            )
    assert all(len(p.text) <= 4096 for p in parts)
    assert "\n\n".join(p.text for p in parts) == long_text  # cut between paragraphs
    assert "&lt;anyone&gt;" in parts[0].html and "&amp;" in parts[0].html
    assert parts[0].reply_markup is None and parts[1].buttons, "the keyboard goes under the last"


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("photo", {"photo": [{"file_id": "p", "file_unique_id": "p1", "width": 90, "height": 90}]}),
        ("sticker", {"sticker": STICKER}),
        ("location", {"location": {"latitude": -1.29, "longitude": 36.82}}),
    ],
)
def test_non_text_messages_get_a_polite_reply_in_the_users_language(tg, kind, fields):
    chat = new_chat()
    tg.api.push(tg.api.message(chat, None, "es", **fields))
    (reply,) = tg.api.wait_sent(chat)
    assert reply.text == translate("es", texts.TEXT_ONLY)
    assert [b["text"] for b in reply.buttons] == [translate("es", texts.MAIN_MENU)]
    assert codec.decode(reply.buttons[0]["callback_data"]) == "/help"


def test_an_edited_message_is_not_a_new_question(tg):
    chat = new_chat()
    edit = tg.api.message(chat, "bonjour", "fr", kind="edited_message", edit_date=1)
    assert tg.exchange(chat, edit, expect=0) == []


def test_group_members_each_have_their_own_language_and_erasure(tg):
    api = tg.api
    group = -new_chat()
    amina, pierre = new_chat(), new_chat()

    def ask(user, text, language):
        return api.message(
            group, f"@{BOT_USERNAME} {text}", language, chat_type="group", user_id=user
        )

    (swahili,) = tg.exchange(
        group, ask(amina, "nijibu kwa Kiswahili tafadhali", "sw"), expect=1, group=True
    )
    assert swahili.reply_to is not None
    (french,) = tg.exchange(group, ask(pierre, "réponds en français", "fr"), expect=1, group=True)
    assert french.text.strip() == tg.shown("change_language", "fr")
    (amina_answer,) = tg.exchange(
        group, ask(amina, "how do I make a strong password", "en"), expect=1, group=True
    )
    assert amina_answer.text.strip() == tg.shown("strong_passwords", "sw")
    assert tg.tracker_events(f"{group}:{amina}") > 0
    assert tg.tracker_events(f"{group}:{pierre}") > 0

    (erased,) = tg.exchange(
        group, api.message(group, "/forget", "sw", chat_type="group", user_id=amina),
        expect=1, group=True,
    )  # fmt: skip
    assert erased.text == translate("sw", texts.DATA_ERASED)
    assert tg.tracker_events(f"{group}:{amina}") == 0
    assert tg.tracker_events(f"{group}:{pierre}") > 0, "one member's /forget erased another's"
    (still_french,) = tg.exchange(
        group, ask(pierre, "comment faire un mot de passe solide", "en"), expect=1, group=True
    )
    assert still_french.text.strip() == tg.shown("strong_passwords", "fr")


def test_in_a_group_only_messages_addressed_to_the_bot_are_answered(tg):
    api = tg.api
    group = -new_chat()
    ignored = api.message(group, "how do I file my taxes on the internet", "en", chat_type="group")
    mention = api.message(
        group, f"@{BOT_USERNAME} how do I file my taxes on the internet", "en", chat_type="group"
    )
    (answer,) = tg.exchange(group, ignored, mention, expect=1, group=True)
    assert answer.text.strip() == tg.shown("online_tax", "en")
    assert answer.reply_to == mention["message"]["message_id"]
    reply = api.message(
        group,
        "and how do I pay my electricity bill online",
        "en",
        chat_type="group",
        reply_to_message=answer.message,
    )
    (followup,) = tg.exchange(group, reply, expect=1, group=True)
    assert followup.text.strip() == tg.shown("pay_bills_online", "en")


def test_logs_name_chats_by_hash_and_never_the_text(tg):
    chat = 987_654_321
    secret_words = "my neighbour Wanjiru lost her passport at the market"
    tg.exchange(chat, tg.api.message(chat, secret_words, "en"), expect=1)
    log = tg.stack.log.read_text(errors="replace")
    assert "text answered" in log  # INFO lines are there...
    assert "Wanjiru" not in log and str(chat) not in log  # ...without the message or the chat
    assert TOKEN not in log, "Bot API URLs carry the token: they must not be logged"


# -- spoken answers ---------------------------------------------------------------------

VOICE_NOTE = {"voice": {"file_id": "v", "file_unique_id": "v1", "duration": 3}}
AUDIO_FILE = {"audio": {"file_id": "a", "file_unique_id": "a1", "duration": 95}}


def test_listen_sends_the_answer_as_a_voice_message(tg):
    api = tg.api
    chat = new_chat()
    api.push(api.message(chat, "/start", "sw"))
    (greeting,) = api.wait_sent(chat)
    menu = api.press(greeting, button(greeting, tg.store.family_title("skills", "sw")), "sw")
    api.push(menu)
    topics = api.wait_sent(chat, 2)[1]
    api.push(
        api.press(
            topics,
            button(topics, tg.store.titles(["strong_passwords"], "sw")["strong_passwords"]),
            "sw",
        )
    )
    answer = api.wait_sent(chat, 3)[2]
    assert answer.text.strip() == tg.shown("strong_passwords", "sw")
    listen = button(answer, "🔊 Sikiliza")
    assert listen == "!listen|sw|strong_passwords"
    pressed = time.monotonic()
    api.push(api.press(answer, listen, "sw"))
    (voice,) = api.wait_voices(chat, 1, timeout=15)
    assert voice.at - pressed < 10  # as quick as a text answer must be
    assert voice.filename.endswith(".ogg")
    sound = assert_spoken(voice.data, speakable_text(answer.text, "sw"), "sw")
    assert voice.duration == max(1, round(sound.seconds))
    assert len(api.sent_to(chat)) == 3  # a voice message, and no text besides


def test_voice_on_makes_every_answer_come_spoken_too_until_forget(tg):
    api = tg.api
    chat = new_chat()
    (on,) = tg.exchange(chat, api.message(chat, "/voice", "ar"), expect=1)
    assert on.text == translate("ar", texts.VOICE_ON)
    (answer,) = tg.exchange(chat, api.message(chat, "كيف أنشئ كلمة مرور قوية؟", "ar"), expect=1)
    assert answer.text.strip() == tg.shown("strong_passwords", "ar")
    (voice,) = api.wait_voices(chat, 1, timeout=15)
    assert voice.at > answer.at  # the text first: speech never holds it back
    assert_spoken(voice.data, speakable_text(answer.text, "ar"), "ar")

    (off,) = tg.exchange(chat, api.message(chat, "/voice", "ar"), expect=1)
    assert off.text == translate("ar", texts.VOICE_OFF)
    (on_again,) = tg.exchange(chat, api.message(chat, "/voice", "ar"), expect=1)
    assert on_again.text == translate("ar", texts.VOICE_ON)
    tg.exchange(chat, api.message(chat, "/forget", "ar"), expect=1)
    tg.exchange(chat, api.message(chat, "كيف أنشئ كلمة مرور قوية؟", "ar"), expect=1)
    time.sleep(3)  # time enough for speech that should not come
    assert len(api.voices_to(chat)) == 1


@pytest.mark.parametrize("fields", [VOICE_NOTE, AUDIO_FILE], ids=["voice note", "audio file"])
def test_a_voice_note_gets_a_kind_reply_with_the_menu(tg, fields):
    chat = new_chat()
    tg.api.push(tg.api.message(chat, None, "pt", **fields))
    (reply,) = tg.api.wait_sent(chat)
    assert reply.text == translate("pt", texts.VOICE_NOT_YET)
    assert [b["text"] for b in reply.buttons] == [
        tg.store.family_title("cooperation", "pt"),
        tg.store.family_title("skills", "pt"),
        tg.store.family_title("services", "pt"),
        translate("pt", texts.LESSONS),
        translate("pt", texts.SELFCHECK),
    ]
