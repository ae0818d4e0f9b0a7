"""What the gateway's application carries for its handlers and channels."""

from __future__ import annotations

from aiohttp import web

from bot.core.assistant import Assistant
from bot.core.rasa_client import RasaPool
from bot.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
RASA = web.AppKey("rasa", RasaPool)
ASSISTANT = web.AppKey("assistant", Assistant)
