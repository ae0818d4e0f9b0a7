"""`digibridge telegram` on its own, in front of a stand-in Rasa that can be slow or down:
the user hears "I'm having trouble" in their language within 10 s, other chats are not held
up, and the channel recovers by itself. Also: settings that must stop it from starting."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot import PROJECT_ROOT
from bot.i18n import texts
from bot.i18n.catalogs import translate
from tests.integration.stack import free_port
from tests.telegram.e2e import new_chat
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.telegram.fake_rasa import CHANNEL_SECRET, SLOW, FakeRasa

pytestmark = pytest.mark.integration
STOP_TIMEOUT = 20


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGIBRIDGE_", "TELEGRAM_"))}
    env.update({"DIGIBRIDGE_DATA_DIR": str(data_dir), **extra})
    return env


def start(data_dir: Path, **extra: str) -> tuple[subprocess.Popen, Path]:
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "telegram.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "telegram"],
        cwd=PROJECT_ROOT,
        env=environment(data_dir, **extra),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return process, log


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.terminate()
    try:
        return process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


@pytest.fixture
def servers():
    api, rasa = FakeBotApi().start(), FakeRasa().start()
    yield api, rasa
    api.stop()
    rasa.stop()


def test_slow_or_down_rasa_gets_trouble_in_time_and_recovers(servers, tmp_path):
    api, rasa = servers
    process, log = start(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        DIGIBRIDGE_TELEGRAM_API_URL=api.base_url,
        DIGIBRIDGE_RASA_URL=rasa.address,
        DIGIBRIDGE_RASA_CHANNEL_SECRET=CHANNEL_SECRET,
        DIGIBRIDGE_REPLY_TIMEOUT="3",
    )
    try:
        api.wait_call("getUpdates", timeout=30)
        slow_chat, other_chat = new_chat(), new_chat()
        pushed = time.monotonic()
        api.push(api.message(slow_chat, SLOW, "fr"), api.message(other_chat, "hello", "sw"))
        (other,) = api.wait_sent(other_chat, timeout=10)
        (trouble,) = api.wait_sent(slow_chat, timeout=10)
        assert other.text == "echo: hello" and other.at < trouble.at, "not held up by the slow one"
        assert trouble.text == translate("fr", texts.TROUBLE)
        assert trouble.at - pushed < 10

        queued_chat = new_chat()  # a second slow message waits its turn, yet is in time
        pushed = time.monotonic()
        api.push(api.message(queued_chat, SLOW, "ru"), api.message(queued_chat, SLOW, "ru"))
        first, second = api.wait_sent(queued_chat, 2, timeout=12)
        assert first.text == second.text == translate("ru", texts.TROUBLE)
        assert second.at - pushed < 10

        rasa.down = True
        down_chat = new_chat()
        api.push(api.message(down_chat, "👋", "ar"))  # no language of its own: the hint's
        (trouble,) = api.wait_sent(down_chat, timeout=10)
        assert trouble.text == translate("ar", texts.TROUBLE)
        api.push(api.message(down_chat, "مرحبا، هل أنت هنا؟", "en"))  # the message's own
        assert api.wait_sent(down_chat, 2, timeout=10)[1].text == translate("ar", texts.TROUBLE)

        rasa.down = False
        api.push(api.message(down_chat, "hello again", "ar"))
        assert api.wait_sent(down_chat, 3, timeout=10)[2].text == "echo: hello again"
    finally:
        assert stop(process) == 0, log.read_text()
    assert "hello" not in log.read_text()


def test_webhook_mode_serves_on_host_and_port(servers, tmp_path):
    api, rasa = servers
    port = free_port()
    process, log = start(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        DIGIBRIDGE_TELEGRAM_API_URL=api.base_url,
        DIGIBRIDGE_RASA_URL=rasa.address,
        DIGIBRIDGE_RASA_CHANNEL_SECRET=CHANNEL_SECRET,
        DIGIBRIDGE_PORT=str(port),
        DIGIBRIDGE_TELEGRAM_WEBHOOK_URL="https://bot.example.org/hook/tg",
        DIGIBRIDGE_TELEGRAM_WEBHOOK_SECRET="standalone-secret",
    )
    try:
        api.wait_call("setWebhook", timeout=30)
        chat = new_chat()
        url = f"http://127.0.0.1:{port}/hook/tg"
        update = api.message(chat, "jambo", "sw")
        headers = {"X-Telegram-Bot-Api-Secret-Token": "standalone-secret"}
        assert requests.post(url, json=update, timeout=10).status_code == 403
        assert requests.post(url, json=update, headers=headers, timeout=10).status_code == 200
        assert api.wait_sent(chat)[0].text == "echo: jambo"
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
    finally:
        assert stop(process) == 0, log.read_text()


def test_a_bot_api_unreachable_at_start_is_retried_until_it_answers(tmp_path):
    rasa = FakeRasa().start()
    port = free_port()
    process, log = start(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        DIGIBRIDGE_TELEGRAM_API_URL=f"http://127.0.0.1:{port}/bot",
        DIGIBRIDGE_RASA_URL=rasa.address,
        DIGIBRIDGE_RASA_CHANNEL_SECRET=CHANNEL_SECRET,
    )
    api = None
    try:
        deadline = time.monotonic() + 20
        while "Bot API getMe failed (ConnectError)" not in log.read_text():
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()
            time.sleep(0.1)
        api = FakeBotApi(port=port).start()  # Telegram is back
        api.wait_call("getUpdates", timeout=20)
        chat = new_chat()
        api.push(api.message(chat, "habari", "sw"))
        assert api.wait_sent(chat)[0].text == "echo: habari"
    finally:
        code = stop(process)
        rasa.stop()
        if api is not None:
            api.stop()
    assert code == 0, log.read_text()


@pytest.mark.parametrize("command", ["telegram", "up"])
def test_webhook_without_a_secret_refuses_to_start(tmp_path, command):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", command],
        cwd=PROJECT_ROOT,
        env=environment(
            tmp_path,
            TELEGRAM_BOT_TOKEN=TOKEN,
            DIGIBRIDGE_TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram/webhook",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "webhook mode needs a secret" in result.stderr
    assert "DIGIBRIDGE_TELEGRAM_WEBHOOK_SECRET" in result.stderr


def test_a_refused_token_stops_the_channel_with_a_clear_message(servers, tmp_path):
    api, rasa = servers
    process, log = start(
        tmp_path,
        TELEGRAM_BOT_TOKEN="654321:WRONG",
        DIGIBRIDGE_TELEGRAM_API_URL=api.base_url,
        DIGIBRIDGE_RASA_URL=rasa.address,
        DIGIBRIDGE_RASA_CHANNEL_SECRET=CHANNEL_SECRET,
    )
    try:
        assert process.wait(timeout=30) == 1
    finally:
        stop(process)
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in log.read_text()
    assert "654321:WRONG" not in log.read_text()
