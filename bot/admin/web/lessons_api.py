"""Lesson texts in the admin JSON API: read, edit, revert, export and import, checked by
the same loader as `data/lessons/` (an edit that breaks a lesson is refused with why)."""

from __future__ import annotations

from aiohttp import web

from bot.admin.roles import Right
from bot.admin.transfer import ImportRefused
from bot.admin.web.api import json_body, read_upload
from bot.admin.web.auth import error, off_loop, requires, staff_of
from bot.admin.web.workshops_api import pacing
from bot.content.files import ContentError
from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.lessons.library import LessonLibrary
from bot.lessons.transfer import apply, export_texts, flatten, import_texts

FORMATS = {"po": "text/x-gettext-translation", "csv": "text/csv", "yaml": "application/yaml"}
routes = web.RouteTableDef()


def library(request: web.Request) -> LessonLibrary:
    found = pacing(request).chat.library
    if found is None:
        raise web.HTTPServiceUnavailable(reason="lessons are not available here")
    return found


def _key(request: web.Request) -> tuple[str, str]:
    item, language = request.match_info["lesson"], request.match_info["lang"]
    if item not in library(request).items() or language not in SUPPORTED_LANGUAGES:
        raise web.HTTPNotFound(reason="no such lesson or language")
    return item, language


def fields(lessons: LessonLibrary, item: str, language: str) -> dict:
    english = dict(flatten(item, lessons.document(item, DEFAULT_LANGUAGE)))
    own = lessons.has_own(item, language)
    return {
        "item": item,
        "language": language,
        "own": own,
        "edited": (item, language) in lessons.overrides(),
        "fields": [
            {"key": key, "english": english.get(key, ""), "text": text if own else ""}
            for key, text in flatten(item, lessons.document(item, language))
        ],
    }


@routes.get("/api/lessons/{lesson}/{lang}")
@requires(Right.READ_CONTENT)
async def lesson_text(request: web.Request) -> web.Response:
    """A lesson's (or `selfcheck`'s, `areas`') fields in a language, with the English."""
    item, language = _key(request)
    return web.json_response(await off_loop(fields, library(request), item, language))


def save_fields(lessons: LessonLibrary, item: str, language: str, given: dict, actor: str) -> None:
    document = lessons.document(item, language)
    if not lessons.has_own(item, language):
        keys = {key for key, _ in flatten(item, document)}
        if keys - {k for k, v in given.items() if isinstance(v, str) and v.strip()}:
            raise ContentError(f"{item} has no {language} text yet: write every field")
    for key, value in given.items():
        if not isinstance(value, str) or not apply(document, item, key, value.strip()):
            raise ContentError(f"unknown field {key!r}")
    lessons.save({(item, language): document}, actor)


@routes.put("/api/lessons/{lesson}/{lang}")
@requires(Right.EDIT_CONTENT)
async def edit_lesson(request: web.Request) -> web.StreamResponse:
    """Changes fields, `{"fields": {key: text}}`; served at once when the lesson passes."""
    item, language = _key(request)
    staff = staff_of(request)
    if not staff.can_edit(language):
        raise web.HTTPForbidden(reason=f"Your account may not edit {language}")
    given = (await json_body(request)).get("fields")
    if not isinstance(given, dict):
        raise web.HTTPBadRequest(reason="'fields' maps keys to texts")
    try:
        await off_loop(save_fields, library(request), item, language, given, staff.name)
    except ContentError as problem:
        return web.json_response(
            {"error": {"code": "invalid_lesson", "message": str(problem).splitlines()[0]},
             "problems": str(problem).splitlines()}, status=422,
        )  # fmt: skip
    return web.json_response(await off_loop(fields, library(request), item, language))


@routes.delete("/api/lessons/{lesson}/{lang}")
@requires(Right.EDIT_CONTENT)
async def revert_lesson(request: web.Request) -> web.StreamResponse:
    """Serves the repository's text again (404 when it was not edited)."""
    item, language = _key(request)
    staff = staff_of(request)
    if not staff.can_edit(language):
        raise web.HTTPForbidden(reason=f"Your account may not edit {language}")
    if not await off_loop(library(request).revert, item, language, staff.name):
        raise web.HTTPNotFound(reason="this text was not edited here")
    return web.json_response(await off_loop(fields, library(request), item, language))


@routes.get("/api/lessons/export")
@requires(Right.READ_CONTENT)
async def export_lessons(request: web.Request) -> web.StreamResponse:
    """Every lesson text of `?language=` as `?format=po|csv|yaml`, with the English."""
    fmt = request.query.get("format", "po")
    language = request.query.get("language", "")
    if fmt not in FORMATS or language not in SUPPORTED_LANGUAGES:
        return error(request, 400, "bad_export", "format is po, csv or yaml; language is required")
    name, body = await off_loop(export_texts, library(request), fmt, language)
    return web.Response(
        body=body, content_type=FORMATS[fmt], charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )  # fmt: skip


@routes.post("/api/lessons/import")
@requires(Right.EDIT_CONTENT)
async def import_lessons(request: web.Request) -> web.StreamResponse:
    """A translated export (multipart field `file`, or the body with `?format=po|csv|yaml`):
    served when every lesson still passes; refused whole, with every problem, otherwise."""
    name, data = await read_upload(request)
    fmt = request.query.get("format") or name.rsplit(".", 1)[-1].lower()
    fmt = "yaml" if fmt == "yml" else fmt
    staff = staff_of(request)
    try:
        changed = await off_loop(import_texts, library(request), fmt, data, name, staff.name,
                                 staff.can_edit)  # fmt: skip
    except ImportRefused as refused:
        return web.json_response(
            {"error": {"code": "import_refused", "message": refused.problems[0]},
             "problems": refused.problems}, status=422,
        )  # fmt: skip
    return web.json_response({"changed": changed})
