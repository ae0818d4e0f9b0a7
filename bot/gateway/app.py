"""The gateway's web application: chat API, health check, and the page to try it."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.gateway.chat_api import handle_chat
from bot.gateway.conversations import ConversationEraser
from bot.gateway.embedding import EMBEDDING, Embedding, embedding_headers
from bot.gateway.rasa_client import RasaClient, url_answers
from bot.gateway.ratelimit import RATE_LIMITER, WebRateLimiter, rate_limits
from bot.gateway.session_api import handle_forget, handle_history
from bot.gateway.ui_api import handle_ui
from bot.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"
MAX_REQUEST_BYTES = 64 * 1024
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:  # noqa: ANN001
    try:
        response = await handler(request)
    except web.HTTPException as error:
        if error.status >= 400 and request.path.startswith("/api/"):
            response = web.json_response(
                {
                    "error": {
                        "code": error.reason.lower().replace(" ", "_"),
                        "message": error.reason,
                    }
                },
                status=error.status,
            )
        else:
            raise
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


async def handle_health(request: web.Request) -> web.Response:
    rasa: RasaClient = request.app["rasa"]
    settings: Settings = request.app["settings"]
    checks = {
        "gateway": True,
        "rasa": await rasa.is_ready(),
        "actions": await url_answers(rasa.session, f"{settings.actions_base_url}/health"),
    }
    status = 200 if all(checks.values()) else 503
    body = {"status": "ok" if status == 200 else "unavailable"}
    body.update({name: "ok" if ok else "down" for name, ok in checks.items()})
    return web.json_response(body, status=status)


async def handle_index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


async def _close_eraser(app: web.Application) -> None:
    app["eraser"].close()


def create_app(settings: Settings, rasa: RasaClient) -> web.Application:
    app = web.Application(
        client_max_size=MAX_REQUEST_BYTES,
        middlewares=[security_headers, embedding_headers, rate_limits],
    )
    app["settings"] = settings
    app["rasa"] = rasa
    app["eraser"] = ConversationEraser(settings.tracker_database_url)
    app[EMBEDDING] = Embedding.from_settings(settings, CONTENT_SECURITY_POLICY)
    app[RATE_LIMITER] = WebRateLimiter.from_settings(settings)
    app.on_cleanup.append(_close_eraser)
    app.router.add_get("/", handle_index)
    app.router.add_get("/healthz", handle_health)
    app.router.add_post("/api/chat", handle_chat)
    app.router.add_get("/api/history", handle_history)
    app.router.add_post("/api/forget", handle_forget)
    app.router.add_get("/api/ui", handle_ui)
    app.router.add_static("/static/", STATIC_DIR, show_index=False, follow_symlinks=False)
    return app
