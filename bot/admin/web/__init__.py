"""The admin side at /admin: pages and the JSON API, with their own middleware chain
(credentials and roles, CSRF, no framing, none of the web chat's CORS allowances).

Its routes are added to the gateway's router under /admin, each wrapped in the admin chain,
rather than as an aiohttp sub-application: aiohttp 3.9's sub-application lookup builds
`request.url`, which the pinned yarl refuses for a Host header with a port, and that lookup
runs for every request, the web chat's included."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from functools import partial, update_wrapper
from pathlib import Path

from aiohttp import web

from bot.admin import review
from bot.admin.accounts import Accounts
from bot.admin.answers import AnswerEditor
from bot.admin.local_settings import LocalSettingsStore
from bot.admin.web import api, lessons_api, pages, workshop_pages, workshops_api
from bot.admin.web.auth import PUBLIC, Handler, admin_headers, authorise, requires
from bot.admin.web.keys import (
    ACCOUNTS,
    ADMIN_SETTINGS,
    ADMIN_TOKEN,
    EDITOR,
    ENGINE,
    LOCAL_SETTINGS,
)
from bot.admin.web.openapi import openapi
from bot.admin.web.rendering import interface_language
from bot.db.engine import create_database_engine
from bot.publishing.launcher import workers
from bot.settings import Settings

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
STATIC_FILES = {"admin.css": "text/css", "admin.js": "text/javascript", "print.css": "text/css"}
PURGE_EVERY_SECONDS = 3600
PREFIX = "/admin"


@web.middleware
async def choose_language(request: web.Request, handler) -> web.StreamResponse:  # noqa: ANN001
    request["interface_language"] = interface_language(request)
    return await handler(request)


@requires(PUBLIC)
async def static_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in STATIC_FILES:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC / name, headers={"Content-Type": STATIC_FILES[name]})


async def _purge_regularly(app: web.Application) -> None:
    """Keeps the review queue within its retention, and drops expired sessions."""
    settings = app[ADMIN_SETTINGS]
    loop = asyncio.get_running_loop()
    while True:
        try:
            await loop.run_in_executor(
                None, review.purge, app[ENGINE], settings.review_retention_days
            )
            await loop.run_in_executor(None, app[ACCOUNTS].purge_sessions)
        except Exception as error:  # noqa: BLE001 - try again next hour
            logger.warning("admin purge failed: %s", type(error).__name__)
        await asyncio.sleep(PURGE_EVERY_SECONDS)


async def _background(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_purge_regularly(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    app[ENGINE].dispose()


MIDDLEWARES = (admin_headers, authorise, choose_language)


def _in_admin_chain(handler: Handler) -> Handler:
    """`handler` behind the admin middleware chain; it keeps the handler's declared right."""
    wrapped = handler
    for middleware in reversed(MIDDLEWARES):
        wrapped = partial(middleware, handler=wrapped)

    async def admin_route(request: web.Request) -> web.StreamResponse:
        return await wrapped(request)

    return update_wrapper(admin_route, handler)


def attach_admin(app: web.Application, settings: Settings) -> None:
    """Adds the admin side to the gateway's application, under /admin."""
    engine = create_database_engine(settings.content_database_url)
    app[ENGINE] = engine
    app[ADMIN_SETTINGS] = settings
    app[ADMIN_TOKEN] = settings.admin_token
    app[ACCOUNTS] = Accounts(engine)
    app[EDITOR] = AnswerEditor(engine)
    app[LOCAL_SETTINGS] = LocalSettingsStore(engine, settings.local_values())
    table = [
        *pages.routes, *workshop_pages.routes, *api.routes, *lessons_api.routes,
        *workshops_api.routes,
    ]  # fmt: skip
    table.append(web.get("/api/openapi.json", openapi))
    table.append(web.get("/static/{name}", static_file))
    for route in table:
        app.router.add_route(route.method, PREFIX + route.path, _in_admin_chain(route.handler))
    app.cleanup_ctx.append(_background)
    app.cleanup_ctx.append(workers)


def admin_routes(app: web.Application) -> list[tuple[str, str, Handler]]:
    """(method, path, handler) of every admin route, as the API description lists them."""
    found = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if path.startswith(PREFIX + "/") and route.method != "HEAD":
            found.append((route.method, path, route.handler))
    return found
