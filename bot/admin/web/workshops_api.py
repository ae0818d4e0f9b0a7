"""The workshops JSON API under /admin/api/: trainers create, follow and lead workshops.

A trainer sees and leads only their own workshops; an admin sees every one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.admin.roles import Right
from bot.admin.web.api import _text, json_body
from bot.admin.web.auth import error, off_loop, requires, staff_of
from bot.admin.web.keys import ADMIN_SETTINGS
from bot.channels.telegram.chats import CHANNEL as TELEGRAM
from bot.gateway.keys import ASSISTANT
from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.workshops.pacing import PREPARED, Pacing
from bot.workshops.report import export_csv, live_view
from bot.workshops.store import WorkshopError, WorkshopState

MAX_TITLE_CHARS = 120
routes = web.RouteTableDef()


def pacing(request: web.Request) -> Pacing:
    return Pacing(request.app[ASSISTANT])


def base_url(request: web.Request) -> str:
    configured = request.app[ADMIN_SETTINGS].public_url.rstrip("/")
    return configured or f"{request.scheme}://{request.host}"


def links(request: web.Request, state: WorkshopState) -> dict[str, str | None]:
    """Where participants join: the web chat's link and, when Telegram runs, the deep link."""
    telegram = request.app[ASSISTANT].channels.get(TELEGRAM)
    username = getattr(telegram, "username", None)
    return {
        "join_url": f"{base_url(request)}/?join={quote(state.code)}",
        "telegram_url": f"https://t.me/{username}?start={state.code}" if username else None,
    }


async def _workshop(request: web.Request) -> WorkshopState:
    """The workshop of the route, if this account may lead it (else 404: not even named)."""
    staff = staff_of(request)
    state = await off_loop(pacing(request).chat.workshops.get, request.match_info["workshop"])
    if state is None or (staff.role != "admin" and state.created_by != staff.name):
        raise web.HTTPNotFound(reason="no such workshop")
    return state


async def view(request: web.Request, state: WorkshopState) -> dict[str, Any]:
    chat = pacing(request).chat
    members = await off_loop(chat.workshops.members, state.id)
    positions = await off_loop(chat.flow.progress.workshop_positions, state.id)
    return live_view(state, members, positions, chat.flow.lessons, links(request, state))


@routes.get("/api/lessons")
@requires(Right.WORKSHOPS)
async def lessons(request: web.Request) -> web.Response:
    """Every lesson: id, DigComp area, the topics it teaches, steps and questions, and its
    title in each language that has it."""
    catalogue = pacing(request).chat.flow.lessons
    return web.json_response(
        [
            {
                "id": entry.id,
                "area": entry.area,
                "topics": list(entry.topics),
                "steps": entry.steps,
                "questions": len(entry.questions),
                "titles": {
                    language: catalogue.texts[language][entry.id].title
                    for language in SUPPORTED_LANGUAGES
                    if entry.id in catalogue.texts.get(language, {})
                },
            }
            for entry in catalogue.catalogue.values()
        ]
    )


@routes.get("/api/workshops")
@requires(Right.WORKSHOPS)
async def workshops(request: web.Request) -> web.Response:
    """The workshops this account leads (an admin: all), newest first."""
    staff = staff_of(request)
    owner = None if staff.role == "admin" else staff.name
    found = await off_loop(pacing(request).chat.workshops.listing, owner)
    return web.json_response(
        [
            {
                "id": s.id,
                "code": s.code,
                "title": s.title,
                "created_by": s.created_by,
                "created_at": s.created_at.isoformat(),
                "ended": not s.open,
            }
            for s in found
        ]  # fmt: skip
    )


@routes.post("/api/workshops")
@requires(Right.WORKSHOPS)
async def create(request: web.Request) -> web.StreamResponse:
    """Creates a workshop from `{"title", "lessons": [ids], "language"}`; answers its id,
    join code and join links."""
    body = await json_body(request)
    title = " ".join((_text(body, "title", True) or "").split())
    language = _text(body, "language") or DEFAULT_LANGUAGE
    chosen = body.get("lessons")
    catalogue = pacing(request).chat.flow.lessons.catalogue
    if not title or len(title) > MAX_TITLE_CHARS:
        return error(
            request, 422, "invalid_workshop", f"a title has 1 to {MAX_TITLE_CHARS} characters"
        )
    if language not in SUPPORTED_LANGUAGES:
        return error(request, 422, "invalid_workshop", f"unsupported language {language!r}")
    if (
        not isinstance(chosen, list)
        or not chosen
        or not all(isinstance(x, str) for x in chosen)
        or len(set(chosen)) != len(chosen)
    ):
        return error(request, 422, "invalid_workshop", "'lessons' is a list of lesson ids")
    unknown = [lesson for lesson in chosen if lesson not in catalogue]
    if unknown:
        return error(request, 422, "invalid_workshop", f"unknown lessons: {', '.join(unknown)}")
    staff = staff_of(request)
    state = await off_loop(
        pacing(request).chat.workshops.create, title, chosen, language, staff.name
    )
    return web.json_response(
        {"id": state.id, "code": state.code, **links(request, state)}, status=201
    )


@routes.get("/api/workshops/{workshop}")
@requires(Right.WORKSHOPS)
async def workshop(request: web.Request) -> web.Response:
    """The live view: participants (nickname, language, channel, position, help asked) and,
    per quiz question, how many chose each answer, across languages."""
    return web.json_response(await view(request, await _workshop(request)))


async def _led(request: web.Request, action) -> web.StreamResponse:  # noqa: ANN001
    state = await _workshop(request)
    try:
        reached = await action(state)
    except WorkshopError as problem:
        return error(request, 409, "workshop_state", str(problem))
    state = await off_loop(pacing(request).chat.workshops.get, state.id)
    assert state is not None
    shown = await view(request, state)
    if isinstance(reached, int):
        shown["delivered"] = reached
    return web.json_response(shown)


@routes.post("/api/workshops/{workshop}/advance")
@requires(Right.WORKSHOPS)
async def advance(request: web.Request) -> web.StreamResponse:
    """Opens the next lesson (or `{"lesson": index}`) for everyone, each in their language."""
    body = await json_body(request) if request.can_read_body else {}
    index = body.get("lesson")
    if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
        raise web.HTTPBadRequest(reason="'lesson' is the index of a lesson of the workshop")
    return await _led(request, lambda state: pacing(request).advance(state.id, index))


@routes.post("/api/workshops/{workshop}/close-quiz")
@requires(Right.WORKSHOPS)
async def close_quiz(request: web.Request) -> web.StreamResponse:
    """Stops taking answers to the open lesson's quiz."""
    return await _led(request, lambda state: pacing(request).close_quiz(state.id))


@routes.post("/api/workshops/{workshop}/results")
@requires(Right.WORKSHOPS)
async def show_results(request: web.Request) -> web.StreamResponse:
    """Shows every participant their own answers to the open lesson's quiz, with feedback."""
    return await _led(request, lambda state: pacing(request).show_results(state.id))


@routes.post("/api/workshops/{workshop}/announce")
@requires(Right.WORKSHOPS)
async def announce(request: web.Request) -> web.StreamResponse:
    """Sends `{"message": <prepared id>}` (each participant reads it in their language) or
    `{"text": ...}` (as written) to everyone."""
    body = await json_body(request)
    prepared = _text(body, "message")
    text = _text(body, "text")
    if (prepared is None) == (text is None):
        return error(
            request, 422, "invalid_announcement",
            f"send either 'message' (one of {', '.join(PREPARED)}) or 'text'",
        )  # fmt: skip
    return await _led(request, lambda state: pacing(request).announce(state.id, prepared, text))


@routes.post("/api/workshops/{workshop}/end")
@requires(Right.WORKSHOPS)
async def end(request: web.Request) -> web.StreamResponse:
    """Ends the workshop: thanks everyone and keeps the summary (counts, no nicknames)."""
    return await _led(request, lambda state: pacing(request).end(state.id))


@routes.get("/api/workshops/{workshop}/export.csv")
@requires(Right.WORKSHOPS)
async def export(request: web.Request) -> web.StreamResponse:
    """Participants' progress and answers as CSV, until the retention erases them."""
    state = await _workshop(request)
    chat = pacing(request).chat
    members = await off_loop(chat.workshops.members, state.id)
    positions = await off_loop(chat.flow.progress.workshop_positions, state.id)
    body = export_csv(state, members, positions, chat.flow.lessons)
    return web.Response(
        text=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="workshop-{state.code}.csv"'},
    )
