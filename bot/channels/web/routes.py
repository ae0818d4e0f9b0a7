"""The web chat's routes on the gateway's application."""

from __future__ import annotations

from aiohttp import web

from bot.channels.web import STATIC_DIR
from bot.channels.web.chat_api import handle_chat
from bot.channels.web.session_api import handle_forget, handle_history, handle_inbox
from bot.channels.web.speech_api import handle_speech, handle_voice
from bot.channels.web.ui_api import handle_ui


async def handle_index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", handle_index)
    app.router.add_post("/api/chat", handle_chat)
    app.router.add_post("/api/history", handle_history)
    app.router.add_post("/api/inbox", handle_inbox)
    app.router.add_post("/api/forget", handle_forget)
    app.router.add_post("/api/speech", handle_speech)
    app.router.add_post("/api/voice", handle_voice)
    app.router.add_get("/api/ui", handle_ui)
    app.router.add_static("/static/", STATIC_DIR, show_index=False, follow_symlinks=False)
