"""The Telegram settings are checked before anything starts (config.py)."""

import pytest

from bot.channels.telegram.config import telegram_config
from bot.settings import Settings, SettingsError


def settings(tmp_path, **env):
    return Settings.from_env(env, dotenv=tmp_path / "none")


def test_telegram_is_off_without_a_token(tmp_path):
    assert telegram_config(settings(tmp_path)) is None


def test_polling_by_default_and_the_api_url_as_base_url(tmp_path):
    config = telegram_config(
        settings(
            tmp_path,
            TELEGRAM_BOT_TOKEN="123456:ABC-def_1",
            DIGIBRIDGE_TELEGRAM_API_URL="http://127.0.0.1:8081/bot",
        )
    )
    assert not config.webhook_mode
    assert config.base_url == "http://127.0.0.1:8081/bot"
    assert config.base_file_url == "http://127.0.0.1:8081/file/bot"


def test_webhook_mode_serves_the_path_of_the_public_url(tmp_path):
    config = telegram_config(
        settings(
            tmp_path,
            TELEGRAM_BOT_TOKEN="123456:ABC",
            DIGIBRIDGE_TELEGRAM_WEBHOOK_URL="https://bot.example.org/tg/hook",
            DIGIBRIDGE_TELEGRAM_WEBHOOK_SECRET="s3cret_-X",
        )
    )
    assert config.webhook_mode and config.webhook_path == "/tg/hook"


def test_webhook_without_a_secret_refuses_to_start(tmp_path):
    with pytest.raises(SettingsError, match="webhook mode needs a secret"):
        telegram_config(
            settings(
                tmp_path,
                TELEGRAM_BOT_TOKEN="123456:ABC",
                DIGIBRIDGE_TELEGRAM_WEBHOOK_URL="https://bot.example.org/tg/hook",
            )
        )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TELEGRAM_BOT_TOKEN": "not a token"}, "does not look like a bot token"),
        (
            {
                "TELEGRAM_BOT_TOKEN": "1:A",
                "DIGIBRIDGE_TELEGRAM_WEBHOOK_URL": "https://x.example/h",
                "DIGIBRIDGE_TELEGRAM_WEBHOOK_SECRET": "has spaces!",
            },
            "SECRET must be 1 to 256",
        ),
        ({"DIGIBRIDGE_TELEGRAM_WEBHOOK_URL": "https://x.example/h"}, "TELEGRAM_BOT_TOKEN is not"),
        ({"TELEGRAM_BOT_TOKEN": "1:A", "DIGIBRIDGE_TELEGRAM_API_URL": "localhost:8081"}, "http"),
    ],
)
def test_bad_settings_are_named(tmp_path, env, message):
    with pytest.raises(SettingsError, match=message):
        telegram_config(settings(tmp_path, **env))
