"""/admin/api/openapi.json: the API described from its own route table, so that every
route is in it (a route added without a docstring is still listed)."""

from __future__ import annotations

import inspect
import re
from typing import Any

from aiohttp import web

from bot.admin.roles import Right
from bot.admin.web.auth import requires

_PARAMETER = re.compile(r"\{(\w+)\}")


def describe(app: web.Application) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    from bot.admin.web import admin_routes

    for method, path, handler in admin_routes(app):
        if not path.startswith("/admin/api/"):
            continue
        right = getattr(handler, "admin_right", None)
        doc = inspect.getdoc(handler) or ""
        operation: dict[str, Any] = {
            "summary": doc.split("\n")[0],
            "description": doc,
            "operationId": handler.__name__,
            "security": [{"bearer": []}, {"session": []}],
            "x-digibridge-right": right.value if isinstance(right, Right) else right,
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in _PARAMETER.findall(path)
            ],
            "responses": {
                "200": {"description": "OK (JSON)"},
                "401": {"description": "no or wrong credentials"},
                "403": {"description": "the role lacks the right, or the CSRF token is missing"},
            },
        }
        if method in ("POST", "PUT", "PATCH"):
            operation["requestBody"] = {
                "content": {"application/json": {"schema": {"type": "object"}}}
            }
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "DigiBridge admin API", "version": "1"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "digibridge_admin"},
            }
        },
    }


@requires(Right.READ_CONTENT)
async def openapi(request: web.Request) -> web.Response:
    """This description of the admin API."""
    return web.json_response(describe(request.app))
