"""The Telegram settings, checked before anything starts (a bad one is a clear error at
start-up, not a bot that silently never answers)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.settings import Settings, SettingsError

DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
# What Telegram accepts as a webhook secret_token.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    api_url: str
    webhook_url: str
    webhook_secret: str

    @property
    def webhook_mode(self) -> bool:
        return bool(self.webhook_url)

    @property
    def webhook_path(self) -> str:
        """Where the gateway serves the webhook: the path of the public webhook URL."""
        return urlsplit(self.webhook_url).path or DEFAULT_WEBHOOK_PATH

    @property
    def base_url(self) -> str | None:
        """python-telegram-bot's `base_url` (the token is appended), or None for Telegram's."""
        return self.api_url.rstrip("/") if self.api_url else None

    @property
    def base_file_url(self) -> str | None:
        """The matching file URL of a self-hosted server (`.../bot` -> `.../file/bot`)."""
        base = self.base_url
        if base and base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return None


def telegram_config(settings: Settings) -> TelegramConfig | None:
    """The checked Telegram settings, or None when Telegram is off (no token)."""
    token = settings.telegram_bot_token.strip()
    if not token:
        if settings.telegram_webhook_url:
            raise SettingsError(
                "DIGIBRIDGE_TELEGRAM_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not: "
                "set the token BotFather gave you, or unset the webhook URL"
            )
        return None
    if not _TOKEN.fullmatch(token):
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters, "
            "digits, '_' or '-'): copy it again from BotFather"
        )
    if settings.telegram_api_url and urlsplit(settings.telegram_api_url).scheme not in (
        "http",
        "https",
    ):
        raise SettingsError(
            "DIGIBRIDGE_TELEGRAM_API_URL must be an http(s) URL such as http://127.0.0.1:8081/bot"
        )
    if settings.telegram_webhook_url:
        parts = urlsplit(settings.telegram_webhook_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(
                "DIGIBRIDGE_TELEGRAM_WEBHOOK_URL must be the public https URL Telegram calls, "
                "such as https://bot.example.org/telegram/webhook"
            )
        if not settings.telegram_webhook_secret:
            raise SettingsError(
                "webhook mode needs a secret: DIGIBRIDGE_TELEGRAM_WEBHOOK_URL is set but "
                "DIGIBRIDGE_TELEGRAM_WEBHOOK_SECRET is not. Set it to a random string of "
                "letters, digits, '_' and '-' (for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`); without it "
                "anyone could send the bot fake updates. Refusing to start."
            )
        if not _SECRET.fullmatch(settings.telegram_webhook_secret):
            raise SettingsError(
                "DIGIBRIDGE_TELEGRAM_WEBHOOK_SECRET must be 1 to 256 letters, digits, '_' or '-' "
                "(Telegram accepts nothing else)"
            )
    return TelegramConfig(
        token=token,
        api_url=settings.telegram_api_url,
        webhook_url=settings.telegram_webhook_url,
        webhook_secret=settings.telegram_webhook_secret,
    )
