"""Who is asking, and may they: the admin side's own middleware.

Every route names the right it needs (`@requires`); a route that names none is refused,
so a new route cannot be left open by mistake. Credentials are a session cookie (pages,
with a CSRF token on every change) or `Authorization: Bearer` (scripts: the deployment's
`DIGIBRIDGE_ADMIN_TOKEN`, acting as an admin, or a per-user API token).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiohttp import web

from bot.admin.accounts import TOKEN_ADMIN, Accounts, Staff
from bot.admin.roles import Right
from bot.admin.web.keys import ACCOUNTS, ADMIN_TOKEN

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
COOKIE = "digibridge_admin"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC = "public"  # the login page and the stylesheet, which must be reachable signed out
ADMIN_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def requires(right: Right | str, *, during_password_change: bool = False) -> Callable:
    """Declares the right a handler needs (or `PUBLIC`)."""

    def mark(handler: Handler) -> Handler:
        handler.admin_right = right  # type: ignore[attr-defined]
        handler.during_password_change = during_password_change  # type: ignore[attr-defined]
        return handler

    return mark


def route_right(request: web.Request) -> tuple[Right | str | None, bool]:
    handler = request.match_info.handler
    return getattr(handler, "admin_right", None), getattr(handler, "during_password_change", False)


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/admin/api/")


def error(request: web.Request, status: int, code: str, message: str) -> web.StreamResponse:
    """A JSON error on the API; on pages, the same as a plain page."""
    if is_api(request):
        return web.json_response({"error": {"code": code, "message": message}}, status=status)
    return web.Response(status=status, text=message, content_type="text/plain")


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _identify(request: web.Request) -> tuple[Staff | None, str | None, str]:
    """(staff, CSRF token of the session, how they signed in: bearer, cookie or none)."""
    accounts: Accounts = request.app[ACCOUNTS]
    token = _bearer(request)
    if token is not None:
        admin_token: str = request.app[ADMIN_TOKEN]
        if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
            return TOKEN_ADMIN, None, "bearer"
        staff = await off_loop(accounts.token_user, token)
        return staff, None, "bearer"
    cookie = request.cookies.get(COOKIE)
    if cookie:
        found = await off_loop(accounts.session_user, cookie)
        if found is not None:
            return found[0], found[1], "cookie"
    return None, None, "none"


async def off_loop(function: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, partial(function, *args))


async def _csrf_ok(request: web.Request, expected: str) -> bool:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


@web.middleware
async def admin_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Never framed, never cached, no CORS: the web chat's allowances stop at /admin."""
    try:
        response = await handler(request)
    except web.HTTPException as exception:
        if exception.status < 400 or not is_api(request):
            raise
        code = exception.reason.lower().replace(" ", "_")
        response = error(request, exception.status, code, exception.reason)
    response.headers["Content-Security-Policy"] = ADMIN_CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.popall("Access-Control-Allow-Origin", None)
    return response


@web.middleware
async def authorise(request: web.Request, handler: Handler) -> web.StreamResponse:
    right, during_password_change = route_right(request)
    if right == PUBLIC:
        return await handler(request)
    if right is None:  # unknown route (404) or a handler that declares nothing: refused
        staff, _, _ = await _identify(request)
        if staff is None:
            return _unauthenticated(request)
        if request.match_info.http_exception is not None:
            raise request.match_info.http_exception
        return error(request, 403, "forbidden", "This route declares no right.")
    staff, csrf, via = await _identify(request)
    if staff is None:
        return _unauthenticated(request)
    changes = request.method not in SAFE_METHODS
    # A multipart form's token is read by its handler, which must not lose the upload.
    deferred = request.content_type.startswith("multipart/") and getattr(
        request.match_info.handler, "reads_csrf_from_multipart", False
    )
    if via == "cookie" and changes and not deferred and not await _csrf_ok(request, csrf or ""):
        return error(request, 403, "csrf", "The form has expired: reload the page and try again.")
    if staff.must_change_password and not during_password_change:
        if is_api(request):
            return error(request, 403, "password_change_required", "Change your password first.")
        raise web.HTTPSeeOther("/admin/password")
    if not staff.can(Right(right)):
        return error(request, 403, "forbidden", f"Your role ({staff.role}) may not do this.")
    request["staff"] = staff
    request["csrf"] = csrf
    request["via"] = via
    return await handler(request)


def _unauthenticated(request: web.Request) -> web.StreamResponse:
    if is_api(request):
        response = error(request, 401, "unauthenticated", "Sign in or send a Bearer token.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="digibridge-admin"'
        return response
    raise web.HTTPSeeOther("/admin/login")


def staff_of(request: web.Request) -> Staff:
    return request["staff"]
