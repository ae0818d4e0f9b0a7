"""Telegram end to end in webhook mode: `digibridge up` registers the webhook with the fake
Bot API and the gateway serves it, refusing calls without the right secret token."""

import pytest
import requests

from bot import PROJECT_ROOT
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.training import ensure_model
from tests.telegram.e2e import new_chat, start_telegram_stack, stop_telegram_stack

pytestmark = pytest.mark.integration

PUBLIC_URL = "https://bot.example.org/telegram/webhook"
SECRET = "webhook-secret_0123456789"


@pytest.fixture(scope="module")
def tg(tmp_path_factory):
    ensure_model(PROJECT_ROOT / "models")
    running = start_telegram_stack(
        tmp_path_factory.mktemp("telegram-webhook"),
        {
            "DIGIBRIDGE_TELEGRAM_WEBHOOK_URL": PUBLIC_URL,
            "DIGIBRIDGE_TELEGRAM_WEBHOOK_SECRET": SECRET,
        },
    )
    try:
        running.api.wait_call("setWebhook", timeout=60)
    except AssertionError:
        stop_telegram_stack(running)
        raise
    yield running
    assert stop_telegram_stack(running) == 0, running.stack.log_tail()


def deliver(tg, update, secret=SECRET, **kwargs):
    """What Telegram does with an update in webhook mode."""
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return requests.post(
        f"{tg.stack.base_url}/telegram/webhook",
        json=update,
        headers=headers,
        timeout=15,
        **kwargs,
    )


def test_the_webhook_is_registered_with_its_secret_and_nothing_polls(tg):
    (call,) = tg.api.calls_of("setWebhook")
    assert call.params["url"] == PUBLIC_URL
    assert call.params["secret_token"] == SECRET
    assert tg.api.calls_of("getUpdates") == []


def test_a_wrong_or_missing_secret_is_refused_and_a_good_one_answered(tg):
    api = tg.api
    chat = new_chat()
    forged = api.message(chat, "/start", "fr")
    assert deliver(tg, forged, secret="guess").status_code == 403
    assert deliver(tg, forged, secret=SECRET + "x").status_code == 403
    assert deliver(tg, forged, secret=None).status_code == 403
    genuine = api.message(chat, "/start", "fr")
    assert deliver(tg, genuine).status_code == 200
    (greeting,) = api.wait_sent(chat)
    assert greeting.text.strip() == tg.started("fr")
    # The forged update was never processed: a sticker now gets the only other answer.
    sticker = api.message(
        chat,
        None,
        "fr",
        sticker={
            "file_id": "s",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        },
    )
    assert deliver(tg, sticker).status_code == 200
    assert [s.text for s in api.wait_sent(chat, 2)][1] == translate("fr", texts.TEXT_ONLY)
    assert len(api.sent_to(chat)) == 2


def test_a_webhook_update_delivered_twice_is_answered_once(tg):
    api = tg.api
    chat = new_chat()
    update = api.message(chat, "how do I file my taxes on the internet", "en")
    assert deliver(tg, update).status_code == 200
    assert deliver(tg, update).status_code == 200  # Telegram retrying a call it thinks failed
    (answer,) = api.wait_sent(chat)
    follow = api.message(chat, "/help", "en")
    assert deliver(tg, follow).status_code == 200
    sent = api.wait_sent(chat, 2)
    assert [s.text.strip() for s in sent] == [tg.shown("online_tax", "en"), tg.shown("help", "en")]


def test_a_button_press_through_the_webhook(tg):
    api = tg.api
    chat = new_chat()
    assert deliver(tg, api.message(chat, "/language", "sw")).status_code == 200
    (menu,) = api.wait_sent(chat)
    (arabic,) = [b for b in menu.buttons if b["text"] == "العربية"]
    assert deliver(tg, api.press(menu, arabic["callback_data"], "sw")).status_code == 200
    confirmation = api.wait_sent(chat, 2)[1]
    assert confirmation.text.strip() == tg.shown("change_language", "ar")
    assert len(api.calls_of("answerCallbackQuery")) >= 1


def test_garbage_with_the_right_secret_is_a_bad_request(tg):
    assert deliver(tg, None, data=b"not json").status_code == 400


def test_the_web_chat_still_works_beside_telegram(tg):
    (message,) = tg.stack.ask("bonjour", sender="web-beside-telegram")
    assert message["language"] == "fr"
