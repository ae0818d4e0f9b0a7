"""Actions on rasa_sdk trackers, against a real (temporary) content database."""

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from bot.admin.local_settings import LocalSettingsStore
from bot.conversation.context import AssistantContext
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.detect import Vocabulary
from bot.settings import Settings


@pytest.fixture
def assistant(store, engine, monkeypatch):
    settings = Settings(portal_url="https://services.example.gov")
    ctx = AssistantContext(
        settings=settings,
        store=store,
        vocabulary=Vocabulary({}),
        local_settings=LocalSettingsStore(engine, settings.local_values()),
        engine=engine,
    )
    monkeypatch.setattr(actions, "assistant_context", lambda: ctx)
    return ctx


def tracker(text, intent, entities=(), slots=None, ranking=(), metadata=None):
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [{"entity": k, "value": v} for k, v in entities],
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "metadata": metadata or {},
    }
    return Tracker("user-1", slots or {}, latest, [], False, None, {}, "action_listen")


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    return [m["custom"] for m in dispatcher.messages], events


def test_answer_in_the_language_of_the_question(assistant):
    messages, events = run(
        actions.ActionAnswerTopic(),
        tracker("comment créer un mot de passe solide", "strong_passwords"),
    )
    (message,) = messages
    assert message["topic"] == "strong_passwords" and message["language"] == "fr"
    assert message["buttons"][0]["payload"] == '/more{"topic": "strong_passwords"}'
    assert SlotSet("last_topic", "strong_passwords") in events
    assert SlotSet("conversation_language", "fr") in events


def test_local_settings_fill_answers_and_unset_ones_are_said_plainly(assistant):
    (message,), _ = run(
        actions.ActionAnswerTopic(),
        tracker("portal", "e_government_portal", slots={"language": "en"}),
    )
    assert "https://services.example.gov" in message["text"]
    (message,), _ = run(
        actions.ActionAnswerTopic(),
        tracker("cybercrime", "report_cybercrime", slots={"language": "es"}),
    )
    # The contact is unset here: its line is replaced by a sentence that stands alone,
    # and the emergency line (number unset too) by its own.
    lines = message["text"].splitlines()
    assert "{" not in message["text"] and "configurad" not in message["text"]
    assert (
        "Si sufriste una estafa, acoso o amenazas por internet, puedes denunciarlo. "
        "Puedes denunciarlo a la policía." in lines
    )
    assert "En una emergencia, llama al número de emergencias de tu país." in lines


def test_cooperation_answers_name_their_source(assistant):
    (message,), _ = run(
        actions.ActionAnswerTopic(),
        tracker("what was the GDI forum", "gdi_forum", slots={"language": "en"}),
    )
    assert message["text"].endswith(
        "Source: statement of the Global Development Initiative Digital Cooperation Forum"
    )


def test_help_shows_the_families_then_their_topics(assistant):
    (menu,), _ = run(actions.ActionShowMenu(), tracker("/help", "help", slots={"language": "ar"}))
    assert menu["language"] == "ar" and menu["topic"] == "help"
    payloads = [b["payload"] for b in menu["buttons"]]
    assert '/help{"family": "skills"}' in payloads
    (family,), _ = run(
        actions.ActionShowMenu(),
        tracker(
            '/help{"family": "skills"}', "help", [("family", "skills")], slots={"language": "ar"}
        ),
    )
    assert '/answer{"topic": "strong_passwords"}' in [b["payload"] for b in family["buttons"]]


def test_switching_language_by_name_is_remembered(assistant):
    (message,), events = run(
        actions.ActionChangeLanguage(), tracker("in Swahili please", "change_language")
    )
    assert message["language"] == "sw" and message["topic"] == "change_language"
    assert SlotSet("language", "sw") in events


def test_switching_without_a_language_offers_the_languages(assistant):
    (message,), events = run(
        actions.ActionChangeLanguage(), tracker("change language", "change_language")
    )
    assert [b["title"] for b in message["buttons"]][:2] == ["English", "中文"]
    assert not [e for e in events if e["name"] == "language"]


def test_more_follows_the_last_topic(assistant):
    (message,), _ = run(
        actions.ActionTellMore(), tracker("ещё", "more", slots={"last_topic": "backup_files"})
    )
    assert message["topic"] == "backup_files" and message["language"] == "ru"


def test_unsure_offers_the_likeliest_topics(assistant):
    ranking = [
        ("nlu_fallback", 0.3),
        ("greet", 0.2),
        ("phishing_scams", 0.2),
        ("safe_payments", 0.1),
        ("strong_passwords", 0.05),
        ("backup_files", 0.01),
    ]
    (message,), _ = run(
        actions.ActionClarify(),
        tracker("scam pay?", "nlu_fallback", ranking=ranking, slots={"language": "en"}),
    )
    assert [b["payload"] for b in message["buttons"]] == [
        '/answer{"topic": "phishing_scams"}',
        '/answer{"topic": "safe_payments"}',
        '/answer{"topic": "strong_passwords"}',
        "/help",
    ]


def test_a_locked_database_gets_a_polite_answer(assistant, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def locked(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(assistant.store, "answer", locked)
    (message,), _ = run(
        actions.ActionAnswerTopic(), tracker("hola", "greet", slots={"language": "es"})
    )
    assert message == {
        "text": translate("es", texts.TROUBLE),
        "buttons": [],
        "topic": None,
        "language": "es",
    }
    assert message["text"] != texts.TROUBLE


def test_a_language_we_dont_speak_gets_the_list_in_english(assistant):
    (message,), events = run(
        actions.ActionAnswerTopic(),
        tracker("Wie erstelle ich ein sicheres Passwort für mein Konto?", "strong_passwords"),
    )
    assert message["language"] == "en" and message["topic"] == "change_language"
    assert message["text"] == texts.UNSUPPORTED_LANGUAGE
    assert [b["title"] for b in message["buttons"]] == [
        "English",
        "中文",
        "Français",
        "Español",
        "العربية",
        "Русский",
        "Português",
        "Kiswahili",
    ]
    assert events == []


def test_an_understood_answer_offers_the_next_likeliest_when_it_missed(assistant):
    ranking = [("phishing_scams", 0.7), ("safe_payments", 0.2), ("report_cybercrime", 0.05)]
    (answer,), _ = run(
        actions.ActionAnswerTopic(),
        tracker("a parcel text wants a customs fee", "phishing_scams", ranking=ranking),
    )
    (missed,) = [b for b in answer["buttons"] if b["title"] == "That's not what I asked"]
    assert missed["payload"] == '/not_this{"topics": "safe_payments,report_cybercrime"}'
    assert answer["buttons"][-1]["payload"] == "/help", "the main menu stays last"
    (offer,), _ = run(
        actions.ActionClarify(),
        tracker(
            missed["payload"], "not_this", [("topics", "safe_payments,report_cybercrime")],
            slots={"language": "fr"},
        ),
    )  # fmt: skip
    assert offer["topic"] is None and offer["language"] == "fr"
    assert [b["payload"] for b in offer["buttons"]] == [
        '/answer{"topic": "safe_payments"}',
        '/answer{"topic": "report_cybercrime"}',
        "/help",
    ]


def test_a_button_press_has_no_alternatives_to_offer(assistant):
    (answer,), _ = run(
        actions.ActionAnswerTopic(),
        tracker('/answer{"topic": "backup_files"}', "answer", [("topic", "backup_files")]),
    )
    assert answer["topic"] == "backup_files"
    assert "That's not what I asked" not in [b["title"] for b in answer["buttons"]]


def test_turns_leave_counts_and_the_misses_a_masked_review_entry(assistant, engine):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from bot.admin.models import ReviewItem, UsageEvent

    ranking = [("nlu_fallback", 0.4), ("phishing_scams", 0.3), ("safe_payments", 0.2)]
    unsure = "my card 4111 1111 1111 1111 was charged, write to me at amina@example.org"
    english, web, telegram = {"language": "en"}, {"channel": "web"}, {"channel": "telegram"}
    run(
        actions.ActionClarify(),
        tracker(unsure, "nlu_fallback", ranking=ranking, slots=english, metadata=web),
    )
    run(
        actions.ActionAnswerTopic(),
        tracker("a strong password?", "strong_passwords", slots=english, metadata=telegram),
    )
    # "That's not what I asked" after an answer: the question it missed is queued.
    pressed = '/not_this{"topics": "safe_payments,report_cybercrime"}'
    events = [
        {"event": "session_started"},
        {"event": "user", "text": "a parcel text wants a customs fee"},
        {"event": "bot", "data": {"custom": {"topic": "phishing_scams"}}},
        {"event": "user", "text": pressed},
    ]
    latest = {"text": pressed, "intent": {"name": "not_this", "confidence": 1.0},
              "entities": [{"entity": "topics", "value": "safe_payments,report_cybercrime"}],
              "intent_ranking": [], "metadata": {"channel": "web"}}  # fmt: skip
    run(
        actions.ActionClarify(),
        Tracker("user-2", {"language": "en"}, latest, events, False, None, {}, "action_listen"),
    )
    with Session(engine, future=True) as session:
        queued = [(r.text, r.reason, r.candidates) for r in session.scalars(select(ReviewItem))]
        counted = [
            (u.channel, u.language, u.outcome, u.topic, u.new_conversation, u.rephrase_of)
            for u in session.scalars(select(UsageEvent).order_by(UsageEvent.id))
        ]
    assert queued == [
        ("my card [card] was charged, write to me at [email]", "unsure",
         ["phishing_scams", "safe_payments"]),
        ("a parcel text wants a customs fee", "not_this", ["safe_payments", "report_cybercrime"]),
    ]  # fmt: skip
    assert counted == [
        ("web", "en", "asked_back", None, True, None),
        ("telegram", "en", "answered", "strong_passwords", True, None),
        ("web", "en", "asked_back", None, False, "phishing_scams"),
    ]
