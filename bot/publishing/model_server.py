"""The model endpoint the Rasa servers poll (Rasa's own model server protocol).

Each Rasa server asks `GET /internal/model` every few seconds with the ETag of the model it
serves (`If-None-Match`); the gateway answers 304 while that is still the registry's
serving model, and the new archive (ETag: its name) once another is activated. Rasa loads it
beside the running one and switches over between two messages, so a swap drops nothing; a
model that fails to load leaves the previous one serving. Only Rasa servers, which carry the
gateway's channel secret, may fetch a model: it holds the training data.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.admin.web.keys import ADMIN_SETTINGS, ENGINE
from bot.core.rasa_channel import SECRET_HEADER
from bot.publishing.registry import archive, serving_name

logger = logging.getLogger(__name__)

MODEL_ROUTE = "/internal/model"
CHANNEL_SECRET = web.AppKey("channel_secret", str)


async def handle_model(request: web.Request) -> web.StreamResponse:
    secret = request.app[CHANNEL_SECRET].encode()
    if not secret or not hmac.compare_digest(
        request.headers.get(SECRET_HEADER, "").encode(), secret
    ):
        raise web.HTTPUnauthorized()
    settings = request.app[ADMIN_SETTINGS]
    loop = asyncio.get_running_loop()
    try:
        name = await loop.run_in_executor(None, serving_name, request.app[ENGINE])
    except SQLAlchemyError as error:
        # The database is down: Rasa keeps its model and asks again (not a 500 and a
        # traceback every poll of every server).
        logger.warning("model endpoint: registry unavailable (%s)", type(error).__name__)
        return web.Response(status=503)
    if name is None:
        return web.Response(status=404)
    if request.headers.get("If-None-Match", "").strip('"') == name:
        return web.Response(status=304, headers={"ETag": name})
    path = archive(settings.models_dir, name)
    try:
        body = await loop.run_in_executor(None, path.read_bytes)
    except OSError:
        return web.Response(status=404)
    return web.Response(
        body=body,
        content_type="application/gzip",
        headers={"ETag": name, "filename": path.name, "Cache-Control": "no-store"},
    )
