"""Which other sites may embed the web chat: `DIGIBRIDGE_WEB_ALLOWED_ORIGINS`.

The same list drives both doors: CSP `frame-ancestors` on the chat page (so only those
sites can show it in a frame) and CORS on the API (so only their pages can call it, which
is how `widget.js` finds out whether it may open at all). Other sites get neither.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from bot.settings import Settings, SettingsError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# scheme://host[:port], nothing else: no path, no wildcard, nothing that could end a CSP
# directive.
_ORIGIN = re.compile(r"^(https?)://([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$")
PAGE_PATHS = frozenset({"/"})
CORS_MAX_AGE = "600"


def parse_origins(values: Iterable[str]) -> frozenset[str]:
    """Normalised origins; a malformed one stops start-up with the variable's name."""
    origins = set()
    for value in values:
        origin = value.strip().rstrip("/").lower()
        if not _ORIGIN.match(origin):
            raise SettingsError(
                "DIGIBRIDGE_WEB_ALLOWED_ORIGINS must list origins such as "
                f"https://library.example, not {value!r}"
            )
        origins.add(origin)
    return frozenset(origins)


def page_policy(base_policy: str, origins: frozenset[str]) -> str:
    """The page's CSP with `frame-ancestors` naming exactly the allowed sites."""
    ancestors = " ".join(sorted(origins)) if origins else "'none'"
    directives = [d.strip() for d in base_policy.split(";") if d.strip()]
    kept = [d for d in directives if not d.startswith("frame-ancestors")]
    return "; ".join([*kept, f"frame-ancestors {ancestors}"])


class Embedding:
    """The allowed origins and the headers that follow from them."""

    def __init__(self, origins: frozenset[str], base_policy: str) -> None:
        self.origins = origins
        self.page_policy = page_policy(base_policy, origins)

    @classmethod
    def from_settings(cls, settings: Settings, base_policy: str) -> Embedding:
        return cls(parse_origins(settings.web_allowed_origins), base_policy)

    def allows(self, origin: str | None) -> bool:
        return bool(origin) and origin.lower() in self.origins

    def cors_headers(self, origin: str) -> dict[str, str]:
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, Accept-Language",
            "Access-Control-Max-Age": CORS_MAX_AGE,
        }


EMBEDDING = web.AppKey("embedding", Embedding)


def _add_vary(response: web.StreamResponse, value: str) -> None:
    present = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    if value not in present:
        response.headers["Vary"] = ", ".join([*present, value])


@web.middleware
async def embedding_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """CORS for allowed origins on /api/, frame-ancestors for them on the chat page."""
    embedding = request.app.get(EMBEDDING)
    if embedding is None:
        return await handler(request)
    origin = request.headers.get("Origin")
    is_api = request.path.startswith("/api/")
    if (
        is_api
        and request.method == "OPTIONS"
        and request.headers.get("Access-Control-Request-Method")
    ):
        if not embedding.allows(origin):
            response = web.Response(status=403)
        else:
            response = web.Response(status=204, headers=embedding.cors_headers(origin or ""))
        _add_vary(response, "Origin")
        return response
    response = await handler(request)
    if is_api:
        if embedding.allows(origin):
            response.headers["Access-Control-Allow-Origin"] = origin or ""
        _add_vary(response, "Origin")
    elif request.path in PAGE_PATHS:
        response.headers["Content-Security-Policy"] = embedding.page_policy
    return response
