"""Settings from the environment (and an optional `.env`), read once at start-up.

Every setting is prefixed `DIGIBRIDGE_` except `TELEGRAM_BOT_TOKEN`. A bad value stops the
program with a message naming the variable, instead of failing later mid-conversation.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from dotenv import dotenv_values

from bot import PROJECT_ROOT

LOCAL_SETTING_NAMES = (
    "portal_url",
    "cybercrime_contact",
    "emergency_number",
    "help_desk",
    "operator_name",
)


class SettingsError(ValueError):
    """A setting is missing or malformed."""


def _setting(env: str, default: object, help: str, secret: bool = False) -> object:
    return field(default=default, metadata={"env": env, "help": help, "secret": secret})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(
        "DIGIBRIDGE_DATA_DIR", PROJECT_ROOT / "var", "where the SQLite files and run files live"
    )
    database_url: str = _setting(
        "DIGIBRIDGE_DATABASE_URL",
        "",
        "content database (default: SQLite file in the data dir)",
        secret=True,
    )
    tracker_store_url: str = _setting(
        "DIGIBRIDGE_TRACKER_STORE_URL",
        "",
        "Rasa conversation store (default: SQLite file in the data dir)",
        secret=True,
    )
    lock_store_url: str = _setting(
        "DIGIBRIDGE_LOCK_STORE_URL",
        "",
        "Redis URL for Rasa's lock store, needed when several Rasa servers run",
        secret=True,
    )
    admin_token: str = _setting(
        "DIGIBRIDGE_ADMIN_TOKEN",
        "",
        "token for the admin interface (disabled when unset)",
        secret=True,
    )
    rasa_token: str = _setting(
        "DIGIBRIDGE_RASA_TOKEN",
        "",
        "token for Rasa's HTTP API (random per run when unset)",
        secret=True,
    )
    host: str = _setting("DIGIBRIDGE_HOST", "127.0.0.1", "address the gateway listens on")
    port: int = _setting("DIGIBRIDGE_PORT", 8080, "port of the gateway (web chat and chat API)")
    rasa_port: int = _setting("DIGIBRIDGE_RASA_PORT", 5005, "port of the Rasa server (localhost)")
    actions_port: int = _setting(
        "DIGIBRIDGE_ACTIONS_PORT", 5055, "port of the action server (localhost)"
    )
    rasa_url: str = _setting(
        "DIGIBRIDGE_RASA_URL", "", "Rasa server the gateway talks to (default: the one it starts)"
    )
    models_dir: Path = _setting("DIGIBRIDGE_MODELS_DIR", PROJECT_ROOT / "models", "trained models")
    reply_timeout: float = _setting(
        "DIGIBRIDGE_REPLY_TIMEOUT", 8.0, "seconds to wait for Rasa before apologising"
    )
    max_message_chars: int = _setting(
        "DIGIBRIDGE_MAX_MESSAGE_CHARS", 2000, "longest message accepted from a user"
    )
    log_level: str = _setting("DIGIBRIDGE_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR")
    telegram_bot_token: str = _setting(
        "TELEGRAM_BOT_TOKEN",
        "",
        "Telegram bot token from BotFather (Telegram off when unset)",
        secret=True,
    )
    telegram_api_url: str = _setting(
        "DIGIBRIDGE_TELEGRAM_API_URL", "", "Bot API base URL, for a self-hosted Bot API server"
    )
    telegram_webhook_url: str = _setting(
        "DIGIBRIDGE_TELEGRAM_WEBHOOK_URL", "", "public webhook URL (webhook mode when set)"
    )
    telegram_webhook_secret: str = _setting(
        "DIGIBRIDGE_TELEGRAM_WEBHOOK_SECRET",
        "",
        "secret Telegram sends with webhook calls",
        secret=True,
    )
    web_allowed_origins: tuple[str, ...] = _setting(
        "DIGIBRIDGE_WEB_ALLOWED_ORIGINS", (), "comma-separated sites that may embed the chat"
    )
    web_session_rate: int = _setting(
        "DIGIBRIDGE_WEB_SESSION_RATE", 30, "web chat requests a minute per session (0: no limit)"
    )
    web_address_rate: int = _setting(
        "DIGIBRIDGE_WEB_ADDRESS_RATE", 600, "web chat requests a minute per address (0: no limit)"
    )
    portal_url: str = _setting(
        "DIGIBRIDGE_LOCAL_PORTAL_URL", "", "local: the government services portal's address"
    )
    cybercrime_contact: str = _setting(
        "DIGIBRIDGE_LOCAL_CYBERCRIME_CONTACT", "", "local: where to report online fraud or abuse"
    )
    emergency_number: str = _setting(
        "DIGIBRIDGE_LOCAL_EMERGENCY_NUMBER", "", "local: the emergency phone number"
    )
    help_desk: str = _setting(
        "DIGIBRIDGE_LOCAL_HELP_DESK", "", "local: the help desk or trainer contact"
    )
    operator_name: str = _setting(
        "DIGIBRIDGE_LOCAL_OPERATOR_NAME", "", "local: who runs this assistant"
    )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = None
    ) -> Settings:
        """Reads the process environment, with values from `.env` where it has none."""
        env: dict[str, str] = {}
        dotenv = dotenv if dotenv is not None else PROJECT_ROOT / ".env"
        if dotenv.is_file():
            env.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        env.update(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f.metadata["env"])
            if raw is None or raw.strip() == "":
                continue
            values[f.name] = _cast(f.metadata["env"], raw.strip(), f.default)
        return cls(**values)

    @property
    def content_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'digibridge.sqlite3'}"

    @property
    def tracker_database_url(self) -> str:
        return self.tracker_store_url or f"sqlite:///{self.data_dir / 'tracker.sqlite3'}"

    @property
    def rasa_base_url(self) -> str:
        return self.rasa_url or f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_base_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    def local_values(self) -> dict[str, str]:
        """The deployment's country-specific values that answers refer to by name."""
        return {name: getattr(self, name) for name in LOCAL_SETTING_NAMES}

    def describe(self) -> list[tuple[str, str, str]]:
        """(variable, value with secrets masked, help) for `digibridge settings`."""
        rows = []
        for f in fields(self):
            value = getattr(self, f.name)
            shown = ",".join(value) if isinstance(value, tuple) else str(value)
            if f.metadata["secret"] and shown:
                shown = _mask(shown)
            rows.append((f.metadata["env"], shown, f.metadata["help"]))
        return rows


def _mask(value: str) -> str:
    if "://" in value:
        from sqlalchemy.engine import make_url

        try:
            return make_url(value).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - an unparsable URL is masked whole
            return "****"
    return "****"


def _cast(env: str, raw: str, default: object) -> object:
    try:
        if isinstance(default, bool):
            return raw.lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            value = int(raw)
            if value < 0:
                raise ValueError
            return value
        if isinstance(default, float):
            value = float(raw)
            if value <= 0:
                raise ValueError
            return value
        if isinstance(default, Path):
            return Path(raw).expanduser().resolve()
        if isinstance(default, tuple):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        kind = type(default).__name__
        raise SettingsError(f"{env} must be a positive {kind}, not {raw!r}") from None
    return raw
