"""Settings from the environment (and an optional `.env`), read once at start-up.

Every setting is prefixed `DIGIBRIDGE_` except `TELEGRAM_BOT_TOKEN`. A bad value stops the
program with a message naming the variable, instead of failing later mid-conversation.

The fields are a pydantic `BaseSettings` model, so pydantic does the converting and checking,
and each field carries its variable, help text and whether it is secret. Only `from_env` reads
variables (from the mapping it is given, or the process environment, then `.env`), and passes
them to the constructor: `Settings(**kwargs)` never looks at the environment, which keeps
tests and embedding code independent of whoever runs them. Pydantic's own environment source
is not used because it reads only `os.environ`, would treat `PORT=` as a bad number rather
than unset, and parses lists as JSON rather than "a,b".
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import (
    BaseSettings,
    ConstrainedFloat,
    ConstrainedInt,
    Field,
    ValidationError,
    validator,
)
from pydantic.env_settings import SettingsSourceCallable as Source
from pydantic.fields import ModelField

from bot import PROJECT_ROOT

LOCAL_SETTING_NAMES = (
    "portal_url",
    "cybercrime_contact",
    "emergency_number",
    "help_desk",
    "operator_name",
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class SettingsError(ValueError):
    """A setting is missing or malformed."""


class Port(ConstrainedInt):
    ge, le = 1, 65535


class Count(ConstrainedInt):
    ge = 0


class Seconds(ConstrainedFloat):
    gt = 0
    allow_inf_nan = False


class Points(ConstrainedFloat):
    ge = 0
    allow_inf_nan = False


class Servers(ConstrainedInt):
    ge, le = 1, 16


# What a value of each type must be, for messages when pydantic cannot convert it.
_EXPECTED: dict[type, str] = {
    Port: "a positive integer up to 65535 (a port number)",
    Count: "a whole number, 0 or more",
    Seconds: "a positive number",
    Points: "a number, 0 or more",
    Servers: "a whole number from 1 to 16",
    Path: "a path",
    str: "text",
}


def _field(env: str, default: Any, help: str, secret: bool = False) -> Any:
    """A pydantic field with its variable, help text and secrecy (masked by `describe`)."""
    return Field(default, env=env, description=help, secret=secret)


class Settings(BaseSettings):
    data_dir: Path = _field(
        "DIGIBRIDGE_DATA_DIR", PROJECT_ROOT / "var", "where the SQLite files and run files live"
    )
    database_url: str = _field(
        "DIGIBRIDGE_DATABASE_URL",
        "",
        "content database (default: SQLite file in the data dir)",
        secret=True,
    )
    tracker_store_url: str = _field(
        "DIGIBRIDGE_TRACKER_STORE_URL",
        "",
        "Rasa conversation store (default: SQLite file in the data dir)",
        secret=True,
    )
    lock_store_url: str = _field(
        "DIGIBRIDGE_LOCK_STORE_URL",
        "",
        "Redis URL for Rasa's lock store, needed when several Rasa servers run",
        secret=True,
    )
    admin_token: str = _field(
        "DIGIBRIDGE_ADMIN_TOKEN",
        "",
        "token for the admin interface (disabled when unset)",
        secret=True,
    )
    rasa_token: str = _field(
        "DIGIBRIDGE_RASA_TOKEN",
        "",
        "token for Rasa's HTTP API (random per run when unset)",
        secret=True,
    )
    rasa_channel_secret: str = _field(
        "DIGIBRIDGE_RASA_CHANNEL_SECRET",
        "",
        "secret the gateway shows Rasa's message channel (random per run when unset)",
        secret=True,
    )
    actions_secret: str = _field(
        "DIGIBRIDGE_ACTIONS_SECRET",
        "",
        "secret Rasa shows the action server (random per run when unset; needed by "
        "`digibridge serve rasa` and `digibridge serve actions`)",
        secret=True,
    )
    host: str = _field("DIGIBRIDGE_HOST", "127.0.0.1", "address the gateway listens on")
    port: Port = _field("DIGIBRIDGE_PORT", 8080, "port of the gateway (web chat and chat API)")
    rasa_port: Port = _field("DIGIBRIDGE_RASA_PORT", 5005, "port of the Rasa server (localhost)")
    actions_port: Port = _field(
        "DIGIBRIDGE_ACTIONS_PORT", 5055, "port of the action server (localhost)"
    )
    rasa_url: str = _field(
        "DIGIBRIDGE_RASA_URL",
        "",
        "Rasa servers the gateway talks to, comma-separated (default: those it starts)",
    )
    rasa_host: str = _field(
        "DIGIBRIDGE_RASA_HOST",
        "127.0.0.1",
        "address `digibridge serve rasa` listens on (those `digibridge up` starts: localhost)",
    )
    actions_host: str = _field(
        "DIGIBRIDGE_ACTIONS_HOST",
        "127.0.0.1",
        "address `digibridge serve actions` listens on (those `digibridge up` starts: localhost)",
    )
    actions_url: str = _field(
        "DIGIBRIDGE_ACTIONS_URL",
        "",
        "action server `digibridge serve rasa` calls (default: this machine's, on "
        "DIGIBRIDGE_ACTIONS_PORT)",
    )
    model_url: str = _field(
        "DIGIBRIDGE_MODEL_SERVER_URL",
        "",
        "the gateway's model endpoint (/internal/model) the Rasa servers pull models from "
        "(default: this machine's gateway)",
    )
    models_dir: Path = _field("DIGIBRIDGE_MODELS_DIR", PROJECT_ROOT / "models", "trained models")
    reply_timeout: Seconds = _field(
        "DIGIBRIDGE_REPLY_TIMEOUT", 8.0, "seconds to wait for Rasa before apologising"
    )
    max_message_chars: Count = _field(
        "DIGIBRIDGE_MAX_MESSAGE_CHARS", 2000, "longest message accepted from a user"
    )
    log_level: str = _field("DIGIBRIDGE_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR")
    telegram_bot_token: str = _field(
        "TELEGRAM_BOT_TOKEN",
        "",
        "Telegram bot token from BotFather (Telegram off when unset)",
        secret=True,
    )
    telegram_api_url: str = _field(
        "DIGIBRIDGE_TELEGRAM_API_URL", "", "Bot API base URL, for a self-hosted Bot API server"
    )
    telegram_webhook_url: str = _field(
        "DIGIBRIDGE_TELEGRAM_WEBHOOK_URL", "", "public webhook URL (webhook mode when set)"
    )
    telegram_webhook_secret: str = _field(
        "DIGIBRIDGE_TELEGRAM_WEBHOOK_SECRET",
        "",
        "secret Telegram sends with webhook calls",
        secret=True,
    )
    web_allowed_origins: tuple[str, ...] = _field(
        "DIGIBRIDGE_WEB_ALLOWED_ORIGINS", (), "comma-separated sites that may embed the chat"
    )
    web_session_rate: Count = _field(
        "DIGIBRIDGE_WEB_SESSION_RATE", 30, "web chat requests a minute per session (0: no limit)"
    )
    web_address_rate: Count = _field(
        "DIGIBRIDGE_WEB_ADDRESS_RATE", 1800, "web chat requests a minute per address (0: no limit)"
    )
    redis_url: str = _field(
        "DIGIBRIDGE_REDIS_URL",
        "",
        "Redis shared by instances: rate limits, conversation locks, Telegram duplicates",
        secret=True,
    )
    trusted_proxies: tuple[str, ...] = _field(
        "DIGIBRIDGE_TRUSTED_PROXIES",
        (),
        "comma-separated proxy addresses or networks whose X-Forwarded-For is believed",
    )
    retention_days: Count = _field(
        "DIGIBRIDGE_RETENTION_DAYS",
        180,
        "days after a person's last message when everything about them is erased (0: never)",
    )
    publish_max_drop: Points = _field(
        "DIGIBRIDGE_PUBLISH_MAX_DROP",
        1.0,
        "points of held-out accuracy a language may lose before a publish is refused",
    )
    speech_cache_mb: Count = _field(
        "DIGIBRIDGE_SPEECH_CACHE_MB",
        200,
        "megabytes of spoken answers kept in the data dir's speech folder",
    )
    rasa_servers: Servers = _field(
        "DIGIBRIDGE_RASA_SERVERS",
        1,
        "Rasa servers (each with its action server) `digibridge up` starts; more than one "
        "needs the Redis lock store",
    )
    workshop_retention_days: Count = _field(
        "DIGIBRIDGE_WORKSHOP_RETENTION_DAYS",
        30,
        "days after a workshop ends when its participants' nicknames and answers are erased",
    )
    public_url: str = _field(
        "DIGIBRIDGE_PUBLIC_URL",
        "",
        "address people open the web chat at, for workshop join links (default: the "
        "address the admin page is opened with)",
    )
    review_retention_days: Count = _field(
        "DIGIBRIDGE_REVIEW_RETENTION_DAYS",
        30,
        "days the review queue keeps a (masked) message the assistant could not answer",
    )
    portal_url: str = _field(
        "DIGIBRIDGE_LOCAL_PORTAL_URL", "", "local: the government services portal's address"
    )
    cybercrime_contact: str = _field(
        "DIGIBRIDGE_LOCAL_CYBERCRIME_CONTACT", "", "local: where to report online fraud or abuse"
    )
    emergency_number: str = _field(
        "DIGIBRIDGE_LOCAL_EMERGENCY_NUMBER", "", "local: the emergency phone number"
    )
    help_desk: str = _field(
        "DIGIBRIDGE_LOCAL_HELP_DESK", "", "local: the help desk or trainer contact"
    )
    operator_name: str = _field(
        "DIGIBRIDGE_LOCAL_OPERATOR_NAME", "", "local: who runs this assistant"
    )

    class Config:
        frozen = True

        @classmethod
        def customise_sources(
            cls, init_settings: Source, env_settings: Source, file_secret_settings: Source
        ) -> tuple[Source, ...]:
            return (init_settings,)  # the environment is read by `from_env` only

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise SettingsError(_explain(error, self.__fields__, values)) from None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = None
    ) -> Settings:
        """Reads the process environment, with values from `.env` where it has none.

        A variable that is set, even to blanks, hides `.env`; blanks then mean the default.
        """
        dotenv = dotenv if dotenv is not None else PROJECT_ROOT / ".env"
        env: dict[str, str | None] = dict(dotenv_values(dotenv)) if dotenv.is_file() else {}
        env.update(os.environ if environ is None else environ)
        values = {}
        for name, field in cls.__fields__.items():
            raw = env.get(field.field_info.extra["env"])
            if raw is not None and raw.strip():
                values[name] = raw.strip()
        return cls(**values)

    @validator("data_dir", "models_dir")
    def _resolve(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @validator("web_allowed_origins", "trusted_proxies", pre=True)
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @validator("trusted_proxies")
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for part in value:
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(
                    f"comma-separated IP addresses or networks ({part!r} is neither)"
                ) from None
        return value

    @validator("rasa_url")
    def _http_list(cls, value: str) -> str:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if value and (not parts or not all(p.startswith(("http://", "https://")) for p in parts)):
            raise ValueError("comma-separated http:// or https:// addresses")
        return ",".join(parts)

    @validator("actions_url", "model_url")
    def _http(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("an http:// or https:// address")
        return value.rstrip("/")

    @validator("log_level")
    def _level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError("DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @property
    def content_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'digibridge.sqlite3'}"

    @property
    def speech_cache_dir(self) -> Path:
        return self.data_dir / "speech"

    @property
    def tracker_database_url(self) -> str:
        return self.tracker_store_url or f"sqlite:///{self.data_dir / 'tracker.sqlite3'}"

    @validator("rasa_servers")
    def _shared_locks(cls, value: int, values: dict[str, Any]) -> int:
        if value > 1 and not values.get("lock_store_url"):
            raise ValueError(
                "1 unless DIGIBRIDGE_LOCK_STORE_URL is set: several Rasa servers share "
                "conversations only through Redis locks"
            )
        return value

    @property
    def rasa_base_urls(self) -> list[str]:
        """The Rasa servers, which `digibridge up` starts on consecutive ports."""
        if self.rasa_url:
            return [url.strip().rstrip("/") for url in self.rasa_url.split(",") if url.strip()]
        return [f"http://127.0.0.1:{self.rasa_port + i}" for i in range(self.rasa_servers)]

    @property
    def rasa_base_url(self) -> str:
        return self.rasa_base_urls[0]

    @property
    def actions_base_urls(self) -> list[str]:
        """Each Rasa server's own action server."""
        return [f"http://127.0.0.1:{self.actions_port + i}" for i in range(self.rasa_servers)]

    @property
    def actions_base_url(self) -> str:
        return self.actions_base_urls[0]

    @property
    def external_rasa(self) -> bool:
        """The Rasa servers are run by someone else (`DIGIBRIDGE_RASA_URL`): `up` starts none."""
        return bool(self.rasa_url)

    @property
    def model_server_url(self) -> str:
        """Where the Rasa servers pull the serving model from: the gateway."""
        if self.model_url:
            return self.model_url
        return f"{local_url(self.host, self.port)}/internal/model"

    def require(self, purpose: str, *names: str) -> None:
        """Stops with a message naming every variable among `names` (fields) that is unset.

        For the secrets that separately run services share: a missing one must stop the
        service at once, rather than make every request between them fail later.
        """
        fields = type(self).__fields__
        missing = [
            fields[name].field_info.extra["env"] for name in names if not getattr(self, name)
        ]
        if missing:
            named = ", ".join(missing[:-1]) + " and " + missing[-1] if missing[1:] else missing[0]
            raise SettingsError(
                f"{named} {'is' if len(missing) == 1 else 'are'} not set: "
                f"{purpose} (set in the environment; see deploy/.env.example)"
            )

    def local_values(self) -> dict[str, str]:
        """The deployment's country-specific values that answers refer to by name."""
        return {name: getattr(self, name) for name in LOCAL_SETTING_NAMES}

    def local_environment(self) -> dict[str, str]:
        """The local values as the variables that set them (for the action server)."""
        fields = type(self).__fields__
        return {
            fields[name].field_info.extra["env"]: getattr(self, name)
            for name in LOCAL_SETTING_NAMES
            if getattr(self, name)
        }

    def describe(self) -> list[tuple[str, str, str]]:
        """(variable, value with secrets masked, help) for `digibridge settings`."""
        rows = []
        for name, field in self.__fields__.items():
            value = getattr(self, name)
            shown = ",".join(value) if isinstance(value, tuple) else str(value)
            if field.field_info.extra["secret"] and shown:
                shown = _mask(shown)
            rows.append((field.field_info.extra["env"], shown, field.field_info.description or ""))
        return rows


def local_url(host: str, port: int) -> str:
    """`http://host:port` for reaching a server on this machine that listens on `host`."""
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}"


def _explain(
    error: ValidationError, fields: Mapping[str, ModelField], values: Mapping[str, Any]
) -> str:
    """Each bad value as "VARIABLE must be WHAT IT SHOULD BE, not 'VALUE'", joined by ";"."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0])
        field = fields.get(name)
        if field is None:
            lines.append(f"there is no setting called {name!r}")
            continue
        if problem["type"] == "value_error":  # raised by a validator above, saying what it wants
            expected = problem["msg"]
        else:
            expected = _EXPECTED.get(field.type_, problem["msg"])
        lines.append(
            f"{field.field_info.extra['env']} must be {expected}, not {values.get(name)!r}"
        )
    return "; ".join(dict.fromkeys(lines))


def _mask(value: str) -> str:
    if "://" in value:
        from sqlalchemy.engine import make_url

        try:
            return make_url(value).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - an unparsable URL is masked whole
            return "****"
    return "****"
