"""The admin JSON API under /admin/api/: what scripts, tests and the pages' scripts use.

Each handler's docstring is its description in /admin/api/openapi.json.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from aiohttp import web

from bot.admin import audit, phrases, review, transfer, usage
from bot.admin.accounts import AccountError, Accounts, Staff
from bot.admin.answers import AnswerEditor, Edit, InvalidAnswer, NotFound
from bot.admin.local_settings import InvalidSetting, LocalSettingsStore
from bot.admin.preview import preview
from bot.admin.roles import Right
from bot.admin.vectors import encode
from bot.admin.web.auth import error, off_loop, requires, staff_of
from bot.admin.web.keys import ACCOUNTS, ADMIN_SETTINGS, EDITOR, ENGINE, LOCAL_SETTINGS
from bot.gateway.keys import RASA
from bot.i18n.locales import SUPPORTED_LANGUAGES
from bot.nlu.versions import IncompatibleModel
from bot.publishing import jobs
from bot.publishing.launcher import start_publish
from bot.publishing.registry import ARCHIVE_SUFFIX, choose_model, listing

MAX_IMPORT_BYTES = 5 * 1024 * 1024
routes = web.RouteTableDef()


async def json_body(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send JSON (Content-Type: application/json)")
    try:
        body = json.loads(await request.text())
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(reason="Malformed JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason="Expected a JSON object")
    return body


def _text(body: dict[str, Any], name: str, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise web.HTTPBadRequest(reason=f"{name!r} must be text")
    return value


def invalid(request: web.Request, problem: InvalidAnswer) -> web.StreamResponse:
    response = web.json_response(
        {
            "error": {"code": "invalid_answer", "message": str(problem)},
            "problems": [p.__dict__ for p in problem.problems],
        },
        status=422,
    )
    return response


def _answer_key(request: web.Request) -> tuple[str, str]:
    return request.match_info["topic"], request.match_info["lang"]


def _may_edit(request: web.Request, language: str) -> Staff:
    staff = staff_of(request)
    if not staff.can_edit(language):
        raise web.HTTPForbidden(reason=f"Your account may not edit {language}")
    return staff


# Who is signed in


@routes.get("/api/me")
@requires(Right.READ_CONTENT, during_password_change=True)
async def me(request: web.Request) -> web.Response:
    """The signed-in account: name, role, languages, whether it must change its password."""
    return web.json_response(staff_of(request).as_json())


@routes.post("/api/password")
@requires(Right.READ_CONTENT, during_password_change=True)
async def change_password(request: web.Request) -> web.Response:
    """Changes the signed-in account's password (`{"current": ..., "new": ...}`)."""
    body = await json_body(request)
    accounts: Accounts = request.app[ACCOUNTS]
    staff = staff_of(request)
    try:
        await off_loop(
            accounts.change_password,
            staff.id,
            _text(body, "current", True),
            _text(body, "new", True),
        )
    except AccountError as problem:
        return error(request, 422, "invalid_password", str(problem))
    return web.json_response({"changed": True})


# Answers


@routes.get("/api/topics")
@requires(Right.READ_CONTENT)
async def topics(request: web.Request) -> web.Response:
    """Every topic with its family and the state of each language (complete, missing,
    stale, too_long, not_needed); filter with ?family=, ?language=, ?state=."""
    editor: AnswerEditor = request.app[EDITOR]
    rows = await off_loop(editor.matrix)
    family = request.query.get("family")
    language = request.query.get("language")
    state = request.query.get("state")
    if family:
        rows = [r for r in rows if r["family"] == family]
    if language:
        for row in rows:
            row["languages"] = {k: v for k, v in row["languages"].items() if k == language}
    if state:
        rows = [r for r in rows if any(v["state"] == state for v in r["languages"].values())]
    return web.json_response({"topics": rows, "languages": list(SUPPORTED_LANGUAGES)})


async def _get_answer(request: web.Request) -> dict[str, Any]:
    editor: AnswerEditor = request.app[EDITOR]
    try:
        return await off_loop(editor.get, *_answer_key(request))
    except NotFound as missing:
        raise web.HTTPNotFound(reason=str(missing)) from None


@routes.get("/api/topics/{topic}/{lang}")
@requires(Right.READ_CONTENT)
async def get_answer(request: web.Request) -> web.Response:
    """One answer: title, text, more, revision, state, the English beside it."""
    return web.json_response(await _get_answer(request))


@routes.put("/api/topics/{topic}/{lang}")
@requires(Right.EDIT_CONTENT)
async def put_answer(request: web.Request) -> web.StreamResponse:
    """Saves `{"text": ..., "more": ..., "title": ...}` as a new revision, live at the next
    message; answers the saved revision. 422 with the validator's problems."""
    topic, language = _answer_key(request)
    staff = _may_edit(request, language)
    body = await json_body(request)
    edit = Edit(topic, language, _text(body, "text", True) or "", _text(body, "more"),
                _text(body, "title"))  # fmt: skip
    editor: AnswerEditor = request.app[EDITOR]
    try:
        saved = await off_loop(editor.save, edit, staff.name)
    except NotFound as missing:
        raise web.HTTPNotFound(reason=str(missing)) from None
    except InvalidAnswer as problem:
        return invalid(request, problem)
    return web.json_response(saved)


@routes.get("/api/topics/{topic}/{lang}/revisions")
@requires(Right.READ_CONTENT)
async def revisions(request: web.Request) -> web.Response:
    """Every revision of an answer, newest first, with author and origin."""
    editor: AnswerEditor = request.app[EDITOR]
    try:
        found = await off_loop(editor.revisions, *_answer_key(request))
    except NotFound as missing:
        raise web.HTTPNotFound(reason=str(missing)) from None
    return web.json_response({"revisions": found})


@routes.post("/api/topics/{topic}/{lang}/revert")
@requires(Right.EDIT_CONTENT)
async def revert(request: web.Request) -> web.StreamResponse:
    """Saves an old revision's wording again as the newest (`{"revision": n}`)."""
    topic, language = _answer_key(request)
    staff = _may_edit(request, language)
    body = await json_body(request)
    number = body.get("revision")
    if not isinstance(number, int) or isinstance(number, bool):
        raise web.HTTPBadRequest(reason="'revision' must be a number")
    editor: AnswerEditor = request.app[EDITOR]
    try:
        return web.json_response(await off_loop(editor.revert, topic, language, number, staff.name))
    except NotFound as missing:
        raise web.HTTPNotFound(reason=str(missing)) from None
    except InvalidAnswer as problem:
        return invalid(request, problem)


@routes.post("/api/topics/{topic}/{lang}/preview")
@requires(Right.READ_CONTENT)
async def preview_answer(request: web.Request) -> web.Response:
    """How an unsaved answer would look in the web chat and on Telegram, and what the
    validator says of it."""
    topic, language = _answer_key(request)
    body = await json_body(request)
    engine = request.app[ENGINE]
    values = await off_loop(request.app[LOCAL_SETTINGS].values)
    try:
        shown = await off_loop(preview, engine, topic, language, _text(body, "title"),
                               _text(body, "text") or "", _text(body, "more"), values)  # fmt: skip
    except NotFound as missing:
        raise web.HTTPNotFound(reason=str(missing)) from None
    return web.json_response(shown)


@routes.put("/api/topics/{topic}/{lang}/no-translation")
@requires(Right.EDIT_CONTENT)
async def no_translation(request: web.Request) -> web.Response:
    """Marks (`{"value": true}`) that the English answer serves this language as it is."""
    topic, language = _answer_key(request)
    staff = _may_edit(request, language)
    value = (await json_body(request)).get("value")
    if not isinstance(value, bool):
        raise web.HTTPBadRequest(reason="'value' must be true or false")
    editor: AnswerEditor = request.app[EDITOR]
    try:
        await off_loop(editor.set_not_needed, topic, language, value, staff.name)
    except NotFound as missing:
        raise web.HTTPNotFound(reason=str(missing)) from None
    return web.json_response(await _get_answer(request))


@routes.post("/api/topics/{topic}/{lang}/conflict")
@requires(Right.EDIT_CONTENT)
async def resolve_conflict(request: web.Request) -> web.Response:
    """Ends a `content sync` conflict: `{"keep": "interface"}` or `{"keep": "files"}`."""
    topic, language = _answer_key(request)
    staff = _may_edit(request, language)
    keep = (await json_body(request)).get("keep")
    if keep not in ("interface", "files"):
        raise web.HTTPBadRequest(reason="'keep' must be 'interface' or 'files'")
    editor: AnswerEditor = request.app[EDITOR]
    try:
        await off_loop(editor.resolve_conflict, topic, language, keep, staff.name)
    except NotFound as missing:
        raise web.HTTPNotFound(reason=str(missing)) from None
    return web.json_response(await _get_answer(request))


@routes.get("/api/topics/{topic}/{lang}/phrases")
@requires(Right.READ_CONTENT)
async def topic_phrases(request: web.Request) -> web.Response:
    """A topic's training phrases in a language: those added here and those in the files."""
    try:
        found = await off_loop(phrases.listed, request.app[ENGINE], *_answer_key(request))
    except LookupError as missing:
        raise web.HTTPNotFound(reason=str(missing)) from None
    return web.json_response(found)


@routes.post("/api/topics/{topic}/{lang}/phrases")
@requires(Right.EDIT_CONTENT)
async def add_phrase(request: web.Request) -> web.StreamResponse:
    """Adds `{"text": ...}` as a training phrase (published with the next model); 409 when
    the phrase already means another topic."""
    topic, language = _answer_key(request)
    staff = _may_edit(request, language)
    text = _text(await json_body(request), "text", True) or ""

    try:
        added = await off_loop(phrases.add_one, request.app[ENGINE], topic, language, text,
                               staff.name)  # fmt: skip
    except phrases.PhraseError as problem:
        if problem.topic is not None:
            return web.json_response(
                {"error": {"code": "phrase_conflict", "message": str(problem)},
                 "topic": problem.topic}, status=409,
            )  # fmt: skip
        return error(request, 422, "invalid_phrase", str(problem))
    found = await off_loop(phrases.listed, request.app[ENGINE], topic, language)
    return web.json_response({**found, "added_now": added}, status=201 if added else 200)


@routes.delete("/api/topics/{topic}/{lang}/phrases")
@requires(Right.EDIT_CONTENT)
async def remove_phrase(request: web.Request) -> web.StreamResponse:
    """Removes `{"text": ...}`, a phrase added here (404 for one that is not)."""
    topic, language = _answer_key(request)
    staff = _may_edit(request, language)
    text = _text(await json_body(request), "text", True) or ""
    removed = await off_loop(phrases.remove, request.app[ENGINE], topic, language, text, staff.name)
    if not removed:
        raise web.HTTPNotFound(reason="no such phrase added here (phrases in data/nlu/ are "
                               "changed in the repository)")  # fmt: skip
    return web.json_response(await off_loop(phrases.listed, request.app[ENGINE], topic, language))


# Review queue


@routes.get("/api/review")
@requires(Right.REVIEW)
async def review_groups(request: web.Request) -> web.Response:
    """Queued messages grouped by meaning within each language: examples, counts, the
    topics the model considered. Filter with ?language=."""
    language = request.query.get("language") or None
    found = await off_loop(review.groups, request.app[ENGINE], encode, language)
    return web.json_response({"groups": found})


@routes.post("/api/review/{group}")
@requires(Right.REVIEW)
async def review_action(request: web.Request) -> web.StreamResponse:
    """`{"action": "add_phrase", "topic": ...}`, `{"action": "out_of_scope"}` or
    `{"action": "dismiss"}` for one group; it leaves the queue."""
    body = await json_body(request)
    try:
        group = int(request.match_info["group"])
    except ValueError:
        raise web.HTTPNotFound(reason="no such group") from None
    staff = staff_of(request)
    try:
        done = await off_loop(
            review.act, request.app[ENGINE], encode, group, body.get("action"),
            _text(body, "topic"), staff.name, lambda _lang: staff.can(Right.REVIEW),
        )  # fmt: skip
    except LookupError as missing:
        raise web.HTTPNotFound(reason=str(missing)) from None
    except review.ReviewError as problem:
        return error(request, 422, "invalid_action", str(problem))
    return web.json_response(done)


@routes.get("/api/phrases")
@requires(Right.READ_CONTENT)
async def all_phrases(request: web.Request) -> web.Response:
    """Training phrases added on the admin side (published with the next model)."""
    return web.json_response({"phrases": await off_loop(phrases.everything, request.app[ENGINE])})


# Analytics and audit


def _period(request: web.Request) -> tuple[datetime, datetime]:
    now = datetime.now(timezone.utc)
    try:
        end = _day(request.query.get("to")) + timedelta(days=1) if request.query.get("to") else now
        start = (
            _day(request.query.get("from"))
            if request.query.get("from")
            else end - timedelta(days=30)
        )
    except ValueError:
        raise web.HTTPBadRequest(reason="'from' and 'to' are dates such as 2026-12-01") from None
    if start >= end:
        raise web.HTTPBadRequest(reason="'from' must come before 'to'")
    return start, end


def _day(value: str | None) -> datetime:
    return datetime.fromisoformat(value or "").replace(tzinfo=timezone.utc)


@routes.get("/api/analytics")
@requires(Right.ANALYTICS)
async def analytics(request: web.Request) -> web.Response:
    """Counts over ?from=YYYY-MM-DD&to=YYYY-MM-DD (default: the last 30 days), per language
    and channel (?language=, ?channel=): messages, conversations, answered, asked back,
    not understood, top topics, topics followed by a rephrase. ?format=csv for a sheet."""
    start, end = _period(request)
    report = await off_loop(
        usage.analytics, request.app[ENGINE], start, end,
        request.query.get("language") or None, request.query.get("channel") or None,
    )  # fmt: skip
    if request.query.get("format") == "csv":
        return _download(usage.analytics_csv(report).encode(), "analytics.csv", "text/csv")
    return web.json_response(report)


@routes.get("/api/audit")
@requires(Right.AUDIT)
async def audit_log(request: web.Request) -> web.Response:
    """Every change: who, when, what, before and after, newest first (?limit=, ?before=id
    to page on); ?format=csv exports it all."""
    if request.query.get("format") == "csv":
        data = await off_loop(audit.export_csv, request.app[ENGINE])
        return _download(data.encode(), "audit.csv", "text/csv")
    try:
        limit = min(max(int(request.query.get("limit", "100")), 1), 1000)
        before = int(request.query["before"]) if request.query.get("before") else None
    except ValueError:
        raise web.HTTPBadRequest(reason="'limit' and 'before' are numbers") from None
    found, total = await off_loop(audit.entries, request.app[ENGINE], limit, before)
    return web.json_response({"entries": found, "total": total})


def _download(data: bytes, name: str, content_type: str) -> web.Response:
    return web.Response(
        body=data,
        content_type=content_type,
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# Local settings


@routes.get("/api/settings/local")
@requires(Right.READ_CONTENT)
async def get_local_settings(request: web.Request) -> web.Response:
    """The local values answers refer to (portal, contacts, operator's name)."""
    store: LocalSettingsStore = request.app[LOCAL_SETTINGS]
    return web.json_response(await off_loop(store.values))


@routes.put("/api/settings/local")
@requires(Right.SETTINGS)
async def put_local_settings(request: web.Request) -> web.StreamResponse:
    """Sets some or all local values (`{"portal_url": "https://…"}`); live at once. An
    empty value means "not set up here"."""
    body = await json_body(request)
    if not all(isinstance(v, str) for v in body.values()):
        raise web.HTTPBadRequest(reason="every value must be text")
    store: LocalSettingsStore = request.app[LOCAL_SETTINGS]
    try:
        values = await off_loop(store.update, body, staff_of(request).name)
    except InvalidSetting as problem:
        return error(request, 422, "invalid_setting", str(problem))
    return web.json_response(values)


# Content files


@routes.get("/api/content/export")
@requires(Right.READ_CONTENT)
async def export(request: web.Request) -> web.StreamResponse:
    """The answers as a file: ?format=po|csv|yaml&language=xx (PO needs a language)."""
    fmt = request.query.get("format", "po")
    language = request.query.get("language") or None
    if fmt not in transfer.FORMATS:
        raise web.HTTPBadRequest(reason=f"format is one of {', '.join(transfer.FORMATS)}")
    if language is not None and language not in SUPPORTED_LANGUAGES:
        raise web.HTTPBadRequest(reason=f"unknown language {language!r}")
    try:
        name, data = await off_loop(transfer.export_answers, request.app[ENGINE], fmt, language)
    except ValueError as problem:
        raise web.HTTPBadRequest(reason=str(problem)) from None
    types = {"po": "text/x-gettext-translation", "csv": "text/csv", "yaml": "application/yaml"}
    return _download(data, name, types[fmt])


async def read_upload(request: web.Request) -> tuple[str, bytes]:
    """(file name, bytes) of a multipart upload (field `file`) or a raw body (?filename=)."""
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if part.name == "file":
                data = await part.read(decode=False)
                if len(data) > MAX_IMPORT_BYTES:
                    raise web.HTTPRequestEntityTooLarge(MAX_IMPORT_BYTES, len(data))
                return part.filename or "upload", bytes(data)
        raise web.HTTPBadRequest(reason="no file in the upload (field 'file')")
    data = bytearray()
    async for chunk in request.content.iter_any():  # read(n) may stop at any chunk
        data += chunk
        if len(data) > MAX_IMPORT_BYTES:
            raise web.HTTPRequestEntityTooLarge(MAX_IMPORT_BYTES, len(data))
    return request.query.get("filename", "upload"), bytes(data)


async def import_file(request: web.Request, name: str, data: bytes) -> dict[str, Any]:
    staff = staff_of(request)
    report = await off_loop(
        transfer.import_answers, request.app[ENGINE], data, name, staff.name, staff.can_edit
    )
    return {"changed": report.changed, "unchanged": report.unchanged}


@routes.post("/api/content/import")
@requires(Right.EDIT_CONTENT)
async def import_content(request: web.Request) -> web.StreamResponse:
    """Loads a PO, CSV or YAML file (multipart field `file`, or the body with ?filename=):
    all or nothing; a problem changes nothing and says where and why (422)."""
    name, data = await read_upload(request)
    try:
        return web.json_response(await import_file(request, name, data))
    except transfer.ImportRefused as problem:
        return error(request, 422, "import_refused", str(problem))
    except PermissionError as problem:
        return error(request, 403, "forbidden", str(problem))


# Accounts and tokens


@routes.get("/api/users")
@requires(Right.ACCOUNTS)
async def users(request: web.Request) -> web.Response:
    """Every account: name, role, languages."""
    accounts: Accounts = request.app[ACCOUNTS]
    return web.json_response({"users": [u.as_json() for u in await off_loop(accounts.users)]})


@routes.post("/api/users")
@requires(Right.ACCOUNTS)
async def create_user(request: web.Request) -> web.StreamResponse:
    """Creates `{"name", "role", "languages"}`; answers its one-time password, once."""
    body = await json_body(request)
    languages = body.get("languages") or []
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise web.HTTPBadRequest(reason="'languages' must be a list of language codes")
    accounts: Accounts = request.app[ACCOUNTS]
    try:
        staff, password = await off_loop(
            accounts.create_user, _text(body, "name", True), _text(body, "role", True),
            tuple(languages), staff_of(request).name,
        )  # fmt: skip
    except AccountError as problem:
        return error(request, 422, "invalid_account", str(problem))
    return web.json_response({**staff.as_json(), "one_time_password": password}, status=201)


@routes.patch("/api/users/{name}")
@requires(Right.ACCOUNTS)
async def update_user(request: web.Request) -> web.StreamResponse:
    """Changes an account's `role`, `languages` or `disabled`."""
    body = await json_body(request)
    name = request.match_info["name"]
    languages = body.get("languages")
    accounts: Accounts = request.app[ACCOUNTS]
    try:
        after = await off_loop(
            accounts.update_user, name, staff_of(request).name, body.get("role"),
            tuple(languages) if isinstance(languages, list) else None, body.get("disabled"),
        )  # fmt: skip
    except AccountError as problem:
        return error(request, 422, "invalid_account", str(problem))
    return web.json_response({"name": name, **after})


@routes.post("/api/users/{name}/reset-password")
@requires(Right.ACCOUNTS)
async def reset_password(request: web.Request) -> web.StreamResponse:
    """A new one-time password for an account (its sessions end)."""
    name = request.match_info["name"]
    accounts: Accounts = request.app[ACCOUNTS]
    try:
        password = await off_loop(accounts.reset_password, name, staff_of(request).name)
    except AccountError as problem:
        return error(request, 404, "not_found", str(problem))
    return web.json_response({"name": name, "one_time_password": password})


@routes.get("/api/tokens")
@requires(Right.READ_CONTENT)
async def tokens(request: web.Request) -> web.Response:
    """The signed-in account's API tokens (labels and dates, never the tokens)."""
    accounts: Accounts = request.app[ACCOUNTS]
    return web.json_response({"tokens": await off_loop(accounts.tokens, staff_of(request))})


@routes.post("/api/tokens")
@requires(Right.READ_CONTENT)
async def create_token(request: web.Request) -> web.Response:
    """A new API token for the signed-in account (`{"label": ...}`), shown once."""
    body = await json_body(request)
    accounts: Accounts = request.app[ACCOUNTS]
    try:
        token_id, token = await off_loop(
            accounts.create_token, staff_of(request), _text(body, "label") or ""
        )
    except AccountError as problem:
        raise web.HTTPBadRequest(reason=str(problem)) from None
    return web.json_response({"id": token_id, "token": token}, status=201)


@routes.delete("/api/tokens/{id}")
@requires(Right.READ_CONTENT)
async def revoke_token(request: web.Request) -> web.Response:
    """Revokes one of the signed-in account's API tokens."""
    accounts: Accounts = request.app[ACCOUNTS]
    try:
        token_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(reason="no such token") from None
    if not await off_loop(accounts.revoke_token, staff_of(request), token_id):
        raise web.HTTPNotFound(reason="no such token")
    return web.json_response({"revoked": token_id})


# Publishing and the model registry


SWAP_WAIT_SECONDS = 60.0


async def servers(request: web.Request) -> list[dict[str, Any]]:
    """What each Rasa server answers with."""
    rasa = request.app[RASA]
    served = await asyncio.gather(*(client.served_model() for client in rasa.clients))
    return [
        {"server": i + 1, "model": (m or "").removesuffix(ARCHIVE_SUFFIX) or None}
        for i, m in enumerate(served)
    ]


@routes.post("/api/publish")
@requires(Right.PUBLISH)
async def publish(request: web.Request) -> web.StreamResponse:
    """Trains, checks and serves a model with the phrases added (`{"job": id}`, 202); 409
    while another publish runs."""
    try:
        job = await start_publish(request.app, staff_of(request).name)
    except jobs.PublishRunning as running:
        return web.json_response(
            {"error": {"code": "publish_running",
                       "message": "A publish is already running; wait for it to finish."},
             "job": running.job}, status=409,
        )  # fmt: skip
    return web.json_response({"job": job}, status=202)


@routes.get("/api/publish/{job}")
@requires(Right.READ_CONTENT)
async def publish_state(request: web.Request) -> web.Response:
    """A publish: `state` (training, checking, swapping, done, failed), `progress` 0..1,
    `message`, `model`."""
    try:
        job = int(request.match_info["job"])
    except ValueError:
        raise web.HTTPNotFound(reason="no such publish") from None
    found = await off_loop(jobs.get, request.app[ENGINE], job)
    if found is None:
        raise web.HTTPNotFound(reason="no such publish")
    return web.json_response(found)


@routes.get("/api/models")
@requires(Right.READ_CONTENT)
async def models(request: web.Request) -> web.Response:
    """The model registry, newest first, the serving one marked; what each Rasa server
    answers with; the running publish, if any."""
    engine = request.app[ENGINE]
    found = await off_loop(listing, engine, request.app[ADMIN_SETTINGS].models_dir)
    running = await off_loop(jobs.any_running, engine)
    return web.json_response(
        {"models": found, "servers": await servers(request), "publishing": running}
    )


@routes.post("/api/models/{id}/activate")
@requires(Right.MODELS)
async def activate_model(request: web.Request) -> web.StreamResponse:
    """Makes a model of the registry the serving one (a rollback, or forward again) and waits
    until the Rasa servers answer with it."""
    staff = staff_of(request)
    engine = request.app[ENGINE]
    name = request.match_info["id"]
    if await off_loop(jobs.any_running, engine) is not None:
        return error(request, 409, "publish_running", "A publish is running; wait for it.")

    try:
        await off_loop(choose_model, engine, name, request.app[ADMIN_SETTINGS].models_dir,
                       staff.name)  # fmt: skip
    except LookupError as missing:
        raise web.HTTPNotFound(reason=str(missing)) from None
    except IncompatibleModel as refused:
        return error(request, 409, "incompatible_model", str(refused))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SWAP_WAIT_SECONDS
    reports = await servers(request)
    while any(s["model"] != name for s in reports) and loop.time() < deadline:
        await asyncio.sleep(0.5)
        reports = await servers(request)
    serving = all(s["model"] == name for s in reports)
    return web.json_response({"model": name, "serving": serving, "servers": reports})
