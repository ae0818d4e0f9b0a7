"""The admin pages: forms that post back (with the session's CSRF token) and pages that
show what the JSON API holds. No page renders anything from users or admins unescaped."""

from __future__ import annotations

import difflib
import hmac
import json
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.admin import audit, phrases, review, transfer, usage
from bot.admin.accounts import COOKIE_MAX_AGE, AccountError, Accounts, LoginRefused
from bot.admin.answers import STATES, AnswerEditor, Edit, InvalidAnswer, NotFound
from bot.admin.local_settings import InvalidSetting, LocalSettingsStore
from bot.admin.roles import Right
from bot.admin.vectors import encode
from bot.admin.web import texts
from bot.admin.web.api import import_file, servers
from bot.admin.web.auth import COOKIE, CSRF_FIELD, PUBLIC, off_loop, requires, staff_of
from bot.admin.web.keys import ACCOUNTS, ADMIN_SETTINGS, EDITOR, ENGINE, LOCAL_SETTINGS
from bot.admin.web.rendering import bar_chart, gettext_for, render
from bot.content.validation import LIMITS
from bot.i18n.locales import SUPPORTED_LANGUAGES, native_name
from bot.nlu.versions import IncompatibleModel
from bot.publishing import jobs
from bot.publishing.launcher import start_publish
from bot.publishing.registry import choose_model, listing, unpublished_changes
from bot.settings import LOCAL_SETTING_NAMES

routes = web.RouteTableDef()


async def _form(request: web.Request) -> dict[str, str]:
    form = await request.post()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _say(request: web.Request, message: str, **values: Any) -> str:
    return gettext_for(request.get("interface_language", "en"))(message, **values)


# Signing in and out


@routes.get("/login")
@requires(PUBLIC)
async def login_page(request: web.Request) -> web.Response:
    return render(request, "login.html", "Sign in")


@routes.post("/login")
@requires(PUBLIC)
async def login(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    accounts: Accounts = request.app[ACCOUNTS]
    try:
        staff = await off_loop(
            accounts.authenticate, form.get("name", ""), form.get("password", ""),
            request.remote or "unknown",
        )  # fmt: skip
    except LoginRefused as refused:
        if refused.retry_after:
            problem = _say(request, texts.TOO_MANY_LOGINS, seconds=refused.retry_after)
            response = render(request, "login.html", "Sign in", status=429, problem=problem)
            response.headers["Retry-After"] = str(refused.retry_after)
            return response
        problem = _say(request, texts.WRONG_LOGIN)
        return render(request, "login.html", "Sign in", status=401, problem=problem)
    token, _csrf = await off_loop(accounts.open_session, staff)
    response = web.HTTPSeeOther("/admin/password" if staff.must_change_password else "/admin/")
    response.set_cookie(
        COOKIE, token, max_age=COOKIE_MAX_AGE, path="/admin", httponly=True,
        samesite="Strict", secure=request.secure,
    )  # fmt: skip
    raise response


@routes.post("/logout")
@requires(Right.READ_CONTENT, during_password_change=True)
async def logout(request: web.Request) -> web.StreamResponse:
    accounts: Accounts = request.app[ACCOUNTS]
    if request.cookies.get(COOKIE):
        await off_loop(accounts.close_session, request.cookies[COOKIE])
    response = web.HTTPSeeOther("/admin/login")
    response.del_cookie(COOKIE, path="/admin")
    raise response


@routes.get("/password")
@requires(Right.READ_CONTENT, during_password_change=True)
async def password_page(request: web.Request) -> web.Response:
    return render(request, "password.html", "Change password")


@routes.post("/password")
@requires(Right.READ_CONTENT, during_password_change=True)
async def password(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    accounts: Accounts = request.app[ACCOUNTS]
    try:
        await off_loop(accounts.change_password, staff_of(request).id, form.get("current", ""),
                       form.get("new", ""))  # fmt: skip
    except AccountError as problem:
        return render(request, "password.html", "Change password", status=422, problem=str(problem))
    raise web.HTTPSeeOther("/admin/?notice=password")


@routes.post("/language")
@requires(Right.READ_CONTENT, during_password_change=True)
async def language(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    staff = staff_of(request)
    if form.get("language") in SUPPORTED_LANGUAGES and staff.id:
        await off_loop(request.app[ACCOUNTS].set_interface_language, staff.id, form["language"])
    back = form.get("next", "")
    raise web.HTTPSeeOther(back if back.startswith("/admin/") else "/admin/")  # never off-site


# Answers


NOTICES = {"password": texts.PASSWORD_CHANGED, "saved": texts.SAVED, "reverted": texts.REVERTED,
           "done": texts.DONE}  # fmt: skip


def _notice(request: web.Request) -> str | None:
    key = request.query.get("notice")
    return _say(request, NOTICES[key]) if key in NOTICES else None


@routes.get("/")
@requires(Right.READ_CONTENT)
async def matrix_page(request: web.Request) -> web.Response:
    editor: AnswerEditor = request.app[EDITOR]
    rows = await off_loop(editor.matrix)
    filters = {k: request.query.get(k, "") for k in ("family", "language", "state")}
    families = list(dict.fromkeys(r["family"] for r in rows))
    shown = [c for c in SUPPORTED_LANGUAGES if not filters["language"] or c == filters["language"]]
    if filters["family"]:
        rows = [r for r in rows if r["family"] == filters["family"]]
    if filters["state"]:
        rows = [r for r in rows
                if any(r["languages"][c]["state"] == filters["state"] for c in shown)]  # fmt: skip
    counts = {s: sum(r["languages"][c]["state"] == s for r in rows for c in shown) for s in STATES}
    return render(
        request, "matrix.html", "Answers", rows=rows, families=families, filters=filters,
        states=STATES, counts=counts, notice=_notice(request),
        shown_languages=[(c, native_name(c)) for c in shown],
    )  # fmt: skip


def _diff(old: dict[str, Any] | None, new: dict[str, Any]) -> str:
    def lines(version: dict[str, Any] | None) -> list[str]:
        if version is None:
            return []
        return [version["title"] or "", "", *(version["text"] or "").splitlines(), "",
                *(version["more"] or "").splitlines()]  # fmt: skip

    changed = difflib.unified_diff(lines(old), lines(new), lineterm="", n=1)
    return "\n".join(line for line in list(changed)[2:] if not line.startswith("@@"))


async def _answer_page(
    request: web.Request, status: int = 200, problem: str | None = None,
    draft: dict[str, str] | None = None,
) -> web.Response:  # fmt: skip
    editor: AnswerEditor = request.app[EDITOR]
    topic, lang = request.match_info["topic"], request.match_info["lang"]
    try:
        answer = await off_loop(editor.get, topic, lang)
        history = await off_loop(editor.revisions, topic, lang)
    except NotFound as missing:
        raise web.HTTPNotFound(text=str(missing)) from None
    if draft:
        answer.update(draft)
    found = await off_loop(phrases.listed, request.app[ENGINE], topic, lang)
    for index, revision in enumerate(history):
        previous = history[index + 1] if index + 1 < len(history) else None
        revision["diff"] = _diff(previous, revision)
    return render(
        request, "answer.html", "Edit an answer", status=status, answer=answer,
        revisions=history, phrases=found, may_edit=staff_of(request).can_edit(lang),
        problem=problem, notice=_notice(request), limits=LIMITS,
    )  # fmt: skip


@routes.get("/topics/{topic}/{lang}")
@requires(Right.READ_CONTENT)
async def answer_page(request: web.Request) -> web.Response:
    return await _answer_page(request)


def _editor_of(request: web.Request) -> str:
    staff = staff_of(request)
    if not staff.can_edit(request.match_info["lang"]):
        raise web.HTTPForbidden(text=f"Your account may not edit {request.match_info['lang']}.")
    return staff.name


@routes.post("/topics/{topic}/{lang}")
@requires(Right.EDIT_CONTENT)
async def save_answer(request: web.Request) -> web.StreamResponse:
    actor = _editor_of(request)
    form = await _form(request)
    edit = Edit(request.match_info["topic"], request.match_info["lang"], form.get("text", ""),
                form.get("more") or None, form.get("title"))  # fmt: skip
    try:
        await off_loop(request.app[EDITOR].save, edit, actor)
    except InvalidAnswer as problem:
        draft = {"title": form.get("title", ""), "text": edit.text, "more": edit.more or ""}
        return await _answer_page(request, 422, str(problem), draft)
    except NotFound as missing:
        raise web.HTTPNotFound(text=str(missing)) from None
    raise web.HTTPSeeOther(f"{request.path}?notice=saved")


@routes.post("/topics/{topic}/{lang}/revert")
@requires(Right.EDIT_CONTENT)
async def revert_answer(request: web.Request) -> web.StreamResponse:
    actor = _editor_of(request)
    form = await _form(request)
    topic, lang = request.match_info["topic"], request.match_info["lang"]
    try:
        await off_loop(
            request.app[EDITOR].revert, topic, lang, int(form.get("revision", "")), actor
        )
    except (ValueError, NotFound) as missing:
        raise web.HTTPNotFound(text=str(missing)) from None
    raise web.HTTPSeeOther(f"/admin/topics/{topic}/{lang}?notice=reverted")


@routes.post("/topics/{topic}/{lang}/phrases")
@requires(Right.EDIT_CONTENT)
async def add_phrase(request: web.Request) -> web.StreamResponse:
    actor = _editor_of(request)
    form = await _form(request)
    topic, lang = request.match_info["topic"], request.match_info["lang"]
    try:
        await off_loop(phrases.add_one, request.app[ENGINE], topic, lang, form.get("text", ""),
                       actor)  # fmt: skip
    except phrases.PhraseError as problem:
        return await _answer_page(request, 409 if problem.topic else 422, str(problem))
    raise web.HTTPSeeOther(f"/admin/topics/{topic}/{lang}?notice=done")


@routes.post("/topics/{topic}/{lang}/phrases/remove")
@requires(Right.EDIT_CONTENT)
async def remove_phrase(request: web.Request) -> web.StreamResponse:
    actor = _editor_of(request)
    form = await _form(request)
    topic, lang = request.match_info["topic"], request.match_info["lang"]
    await off_loop(phrases.remove, request.app[ENGINE], topic, lang, form.get("text", ""), actor)
    raise web.HTTPSeeOther(f"/admin/topics/{topic}/{lang}?notice=done")


@routes.post("/topics/{topic}/{lang}/no-translation")
@requires(Right.EDIT_CONTENT)
async def no_translation(request: web.Request) -> web.StreamResponse:
    actor = _editor_of(request)
    form = await _form(request)
    topic, lang = request.match_info["topic"], request.match_info["lang"]
    await off_loop(
        request.app[EDITOR].set_not_needed, topic, lang, form.get("value") == "true", actor
    )
    raise web.HTTPSeeOther(f"/admin/topics/{topic}/{lang}?notice=done")


@routes.post("/topics/{topic}/{lang}/conflict")
@requires(Right.EDIT_CONTENT)
async def conflict(request: web.Request) -> web.StreamResponse:
    actor = _editor_of(request)
    form = await _form(request)
    topic, lang = request.match_info["topic"], request.match_info["lang"]
    try:
        await off_loop(
            request.app[EDITOR].resolve_conflict, topic, lang, form.get("keep", ""), actor
        )
    except (ValueError, NotFound) as problem:
        raise web.HTTPBadRequest(text=str(problem)) from None
    raise web.HTTPSeeOther(f"/admin/topics/{topic}/{lang}?notice=done")


# Local settings


def _setting_fields(request: web.Request) -> list[tuple[str, str, str]]:
    labels = texts.SETTING_LABELS
    return [
        (name, _say(request, labels[name][0]), _say(request, labels[name][1]))
        for name in LOCAL_SETTING_NAMES
    ]


@routes.get("/settings")
@requires(Right.SETTINGS)
async def settings_page(request: web.Request) -> web.Response:
    store: LocalSettingsStore = request.app[LOCAL_SETTINGS]
    return render(request, "settings.html", "Local settings", values=await off_loop(store.values),
                  fields=_setting_fields(request), notice=_notice(request))  # fmt: skip


@routes.post("/settings")
@requires(Right.SETTINGS)
async def save_settings(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    changes = {name: form.get(name, "") for name in LOCAL_SETTING_NAMES if name in form}
    store: LocalSettingsStore = request.app[LOCAL_SETTINGS]
    try:
        await off_loop(store.update, changes, staff_of(request).name)
    except InvalidSetting as problem:
        values = {**(await off_loop(store.values)), **changes}
        return render(request, "settings.html", "Local settings", status=422, values=values,
                      fields=_setting_fields(request), problem=str(problem))  # fmt: skip
    raise web.HTTPSeeOther("/admin/settings?notice=saved")


# Review queue


@routes.get("/review")
@requires(Right.REVIEW)
async def review_page(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    language = request.query.get("language") or None
    groups = await off_loop(review.groups, engine, encode, language)
    topics = await off_loop(request.app[EDITOR].topic_ids)
    return render(request, "review.html", "Review queue", groups=groups, topics=topics,
                  language=language, notice=_notice(request))  # fmt: skip


@routes.post("/review/{group}")
@requires(Right.REVIEW)
async def review_action(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    staff = staff_of(request)
    try:
        await off_loop(
            review.act, request.app[ENGINE], encode, int(request.match_info["group"]),
            form.get("action", ""), form.get("topic"), staff.name, lambda _l: True,
        )  # fmt: skip
    except (ValueError, LookupError) as problem:
        raise web.HTTPBadRequest(text=str(problem)) from None
    raise web.HTTPSeeOther("/admin/review?notice=done")


# Analytics and audit


@routes.get("/analytics")
@requires(Right.ANALYTICS)
async def analytics_page(request: web.Request) -> web.Response:
    today = datetime.now(timezone.utc).date()
    query = {
        "from": request.query.get("from") or (today - timedelta(days=13)).isoformat(),
        "to": request.query.get("to") or today.isoformat(),
        "language": request.query.get("language", ""),
        "channel": request.query.get("channel", ""),
    }
    try:
        start = datetime.fromisoformat(query["from"]).replace(tzinfo=timezone.utc)
        end = datetime.fromisoformat(query["to"]).replace(tzinfo=timezone.utc) + timedelta(days=1)
    except ValueError:
        raise web.HTTPBadRequest(text="dates look like 2026-12-01") from None
    report = await off_loop(usage.analytics, request.app[ENGINE], start, end,
                            query["language"] or None, query["channel"] or None)  # fmt: skip
    labels = {o: _say(request, n) for o, n in (("answered", "Answered directly"),
              ("asked_back", "Asked back"), ("not_understood", "Not understood"))}  # fmt: skip
    return render(
        request, "analytics.html", "Analytics", report=report, query=query,
        channels=["web", "telegram"], chart=bar_chart(report["days"], labels),
        csv_query=urlencode({**{k: v for k, v in query.items() if v}, "format": "csv"}),
        percent=lambda share: f"{share * 100:.0f}%",
    )  # fmt: skip


@routes.get("/audit")
@requires(Right.AUDIT)
async def audit_page(request: web.Request) -> web.Response:
    entries, total = await off_loop(audit.entries, request.app[ENGINE], 200)
    for entry in entries:
        for side in ("before", "after"):
            value = entry[side]
            entry[f"{side}_text"] = "" if value is None else json.dumps(
                value, ensure_ascii=False, indent=1)  # fmt: skip
    return render(request, "audit.html", "Audit log", entries=entries, total=total)


# Accounts, tokens, files


@routes.get("/users")
@requires(Right.ACCOUNTS)
async def users_page(request: web.Request) -> web.Response:
    users = await off_loop(request.app[ACCOUNTS].users)
    return render(request, "users.html", "Accounts", users=users, created=None)


@routes.post("/users")
@requires(Right.ACCOUNTS)
async def create_user(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    languages = tuple(v for v in form.getall("languages", []) if isinstance(v, str))
    accounts: Accounts = request.app[ACCOUNTS]
    try:
        staff, password = await off_loop(
            accounts.create_user, str(form.get("name", "")), str(form.get("role", "")),
            languages, staff_of(request).name,
        )  # fmt: skip
    except AccountError as problem:
        users = await off_loop(accounts.users)
        return render(request, "users.html", "Accounts", status=422, users=users,
                      problem=str(problem), created=None)  # fmt: skip
    users = await off_loop(accounts.users)
    return render(request, "users.html", "Accounts", users=users,
                  created={"name": staff.name, "password": password})  # fmt: skip


@routes.get("/tokens")
@requires(Right.READ_CONTENT)
async def tokens_page(request: web.Request) -> web.Response:
    found = await off_loop(request.app[ACCOUNTS].tokens, staff_of(request))
    return render(request, "tokens.html", "API tokens", tokens=found, created=None)


@routes.post("/tokens")
@requires(Right.READ_CONTENT)
async def create_token(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    accounts: Accounts = request.app[ACCOUNTS]
    staff = staff_of(request)
    try:
        _id, token = await off_loop(accounts.create_token, staff, form.get("label", ""))
    except AccountError as problem:
        raise web.HTTPBadRequest(text=str(problem)) from None
    found = await off_loop(accounts.tokens, staff)
    return render(request, "tokens.html", "API tokens", tokens=found, created=token)


@routes.get("/content")
@requires(Right.READ_CONTENT)
async def content_page(request: web.Request) -> web.Response:
    return render(request, "content.html", "Translation files", notice=request.get("notice"))


@routes.post("/content/import")
@requires(Right.EDIT_CONTENT)
async def content_import(request: web.Request) -> web.StreamResponse:
    token, name, data = "", "upload", b""
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if part.name == CSRF_FIELD:
                token = (await part.text()).strip()
            elif part.name == "file":
                name = part.filename or name
                data = bytes(await part.read(decode=False))
    if request["via"] == "cookie" and not hmac.compare_digest(
        token.encode(), (request["csrf"] or "").encode()
    ):
        raise web.HTTPForbidden(text="The form has expired: reload the page and try again.")
    try:
        report = await import_file(request, name, data)
    except (transfer.ImportRefused, PermissionError) as problem:
        return render(
            request, "content.html", "Translation files", status=422, problem=str(problem)
        )
    notice = _say(request, texts.IMPORTED, changed=len(report["changed"]),
                  unchanged=report["unchanged"])  # fmt: skip
    return render(request, "content.html", "Translation files", notice=notice)


content_import.reads_csrf_from_multipart = True  # type: ignore[attr-defined]


# Publishing and the model registry


def _publish_states(request: web.Request) -> dict[str, str]:
    return {state: _say(request, name) for state, name in texts.PUBLISH_STATES.items()}


@routes.get("/models")
@requires(Right.READ_CONTENT)
async def models_page(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    found = await off_loop(listing, engine, request.app[ADMIN_SETTINGS].models_dir)
    job_id = request.query.get("job", "")
    if not job_id.isdigit():
        running = await off_loop(jobs.any_running, engine)
        job_id = str(running or "")
    job = await off_loop(jobs.get, engine, int(job_id)) if job_id else None
    unpublished = await off_loop(unpublished_changes, engine)
    return render(
        request, "models.html", "Publish", models=found, job=job, servers=await servers(request),
        unpublished=unpublished, publish_states=_publish_states(request), notice=_notice(request),
    )  # fmt: skip


@routes.post("/models/publish")
@requires(Right.PUBLISH)
async def publish_page(request: web.Request) -> web.StreamResponse:
    try:
        job = await start_publish(request.app, staff_of(request).name)
    except jobs.PublishRunning as running:
        job = running.job or 0
    raise web.HTTPSeeOther(f"/admin/models?job={job}")


@routes.post("/models/{id}/activate")
@requires(Right.MODELS)
async def activate_page(request: web.Request) -> web.StreamResponse:
    engine = request.app[ENGINE]
    if await off_loop(jobs.any_running, engine) is not None:
        raise web.HTTPConflict(text=_say(request, texts.PUBLISH_RUNNING))
    try:
        await off_loop(
            choose_model, engine, request.match_info["id"],
            request.app[ADMIN_SETTINGS].models_dir, staff_of(request).name,
        )  # fmt: skip
    except LookupError as missing:
        raise web.HTTPNotFound(text=str(missing)) from None
    except IncompatibleModel as refused:
        raise web.HTTPConflict(text=str(refused)) from None
    raise web.HTTPSeeOther("/admin/models?notice=done")
