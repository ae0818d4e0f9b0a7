"""Typed keys of the admin application's shared objects."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.engine import Engine

from bot.admin.accounts import Accounts
from bot.admin.answers import AnswerEditor
from bot.admin.local_settings import LocalSettingsStore
from bot.settings import Settings

ENGINE = web.AppKey("engine", Engine)
ACCOUNTS = web.AppKey("accounts", Accounts)
EDITOR = web.AppKey("editor", AnswerEditor)
LOCAL_SETTINGS = web.AppKey("local_settings", LocalSettingsStore)
ADMIN_TOKEN = web.AppKey("admin_token", str)
ADMIN_SETTINGS = web.AppKey("admin_settings", Settings)
