"""The gateway: one web server for every channel's routes and the health check.

The web chat is a channel like Telegram: each adds its routes here (`Channel.attach`).
Security headers, the client's address behind trusted proxies and the web chat's rate
limits apply to all of them.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.admin.web import attach_admin
from bot.channels.web.embedding import EMBEDDING, Embedding, embedding_headers
from bot.channels.web.forwarded import forwarded_middlewares
from bot.channels.web.ratelimit import (
    RATE_LIMITER,
    WebRateLimiter,
    close_rate_limiter,
    rate_limits,
)
from bot.core.assistant import Assistant
from bot.core.rasa_client import RasaPool, url_answers
from bot.gateway.keys import ASSISTANT, RASA, SETTINGS
from bot.publishing.model_server import CHANNEL_SECRET, MODEL_ROUTE, handle_model
from bot.settings import Settings

MAX_REQUEST_BYTES = 64 * 1024
STARTED = web.AppKey("started", asyncio.Event)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
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
    """200 when Rasa and the action server answer; 503 naming the part that does not.

    With external Rasa servers (`DIGIBRIDGE_RASA_URL`): the gateway and Rasa only.
    """
    rasa: RasaPool = request.app[RASA]
    settings: Settings = request.app[SETTINGS]
    if not request.app[STARTED].is_set():
        # `digibridge up` listens before Rasa is ready (Rasa fetches its model from us):
        # not healthy until everything has started.
        return web.json_response({"status": "starting", "gateway": "ok"}, status=503)
    checks = {"gateway": True, "rasa": await rasa.is_ready()}
    if not settings.external_rasa:  # external Rasa servers watch their own action servers
        actions = [url_answers(rasa.session, f"{url}/health") for url in settings.actions_base_urls]
        checks["actions"] = any(await asyncio.gather(*actions))
    status = 200 if all(checks.values()) else 503
    body = {"status": "ok" if status == 200 else "unavailable"}
    body.update({name: "ok" if ok else "down" for name, ok in checks.items()})
    return web.json_response(body, status=status)


def create_app(
    settings: Settings, rasa: RasaPool, assistant: Assistant, started: bool = True
) -> web.Application:
    """The gateway; with `started=False`, unhealthy until `app[STARTED]` is set."""
    app = web.Application(
        client_max_size=MAX_REQUEST_BYTES,
        middlewares=[
            *forwarded_middlewares(settings),
            security_headers,
            embedding_headers,
            rate_limits,
        ],
    )
    app[SETTINGS] = settings
    app[RASA] = rasa
    app[ASSISTANT] = assistant
    app[EMBEDDING] = Embedding.from_settings(settings, CONTENT_SECURITY_POLICY)
    app[RATE_LIMITER] = WebRateLimiter.from_settings(settings)
    app.on_cleanup.append(close_rate_limiter)
    app[CHANNEL_SECRET] = rasa.channel_secret
    app[STARTED] = asyncio.Event()
    if started:
        app[STARTED].set()
    app.router.add_get("/healthz", handle_health)
    app.router.add_get(MODEL_ROUTE, handle_model)
    attach_admin(app, settings)
    for channel in assistant.channels:
        channel.attach(app)
    return app
