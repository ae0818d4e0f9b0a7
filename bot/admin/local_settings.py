"""The deployment's local values (portal, contacts, operator) as administrators set them.

The environment (`DIGIBRIDGE_LOCAL_*`) gives the first values; a value saved in the
interface wins over it and is read at the next message. An empty value means "not set up
here", and the answers then leave out the sentence that needs it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.admin import audit
from bot.admin.models import LocalSetting
from bot.settings import LOCAL_SETTING_NAMES

MAX_VALUE_CHARS = 300
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-.]{1,23}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class InvalidSetting(ValueError):
    """A local value that cannot be right; `name` says which."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


def _is_https(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname) and " " not in value


def _is_phone(value: str) -> bool:
    return bool(_PHONE.fullmatch(value)) and sum(c.isdigit() for c in value) >= 2


def check_value(name: str, value: str) -> None:
    """Raises InvalidSetting when `value` cannot be what `name` needs."""
    if name not in LOCAL_SETTING_NAMES:
        raise InvalidSetting(name, f"unknown setting (known: {', '.join(LOCAL_SETTING_NAMES)})")
    if not value:
        return
    if len(value) > MAX_VALUE_CHARS or any(ord(c) < 32 for c in value):
        raise InvalidSetting(name, f"one line of at most {MAX_VALUE_CHARS} characters")
    if name == "portal_url" and not _is_https(value):
        raise InvalidSetting(name, "an address that starts with https://")
    if name == "emergency_number" and not _is_phone(value):
        raise InvalidSetting(name, "a phone number, such as 112 or +254 999")
    if name in ("cybercrime_contact", "help_desk") and not (
        _is_https(value) or _is_phone(value) or _EMAIL.fullmatch(value)
    ):
        raise InvalidSetting(name, "a phone number, an https:// address or an e-mail address")


class LocalSettingsStore:
    def __init__(self, engine: Engine, defaults: dict[str, str]) -> None:
        self._engine = engine
        self._defaults = defaults

    def values(self) -> dict[str, str]:
        values = dict(self._defaults)
        with Session(self._engine, future=True) as session:
            for row in session.scalars(select(LocalSetting)):
                if row.name in values:
                    values[row.name] = row.value
        return values

    def update(self, changes: dict[str, str], actor: str) -> dict[str, str]:
        """Checks every value first, then saves them all; the values now in force."""
        cleaned = {name: str(value).strip() for name, value in changes.items()}
        for name, value in cleaned.items():
            check_value(name, value)
        current = self.values()
        with Session(self._engine, future=True) as session, session.begin():
            for name, value in cleaned.items():
                if current.get(name) == value:
                    continue
                row = session.get(LocalSetting, name)
                if row is None:
                    session.add(LocalSetting(name=name, value=value, updated_by=actor))
                else:
                    row.value, row.updated_by = value, actor
                audit.record(session, actor, "setting.update", name, current.get(name), value)
        return self.values()
