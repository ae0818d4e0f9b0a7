"""The trainer's pages: workshops, the live view, handouts and the join sheet; and the
lesson texts, for editors.

The live view updates by itself (admin.js reloads its live part every few seconds); every
control is a form with the session's CSRF token, so it works without script too. QR codes
are drawn here as SVG (segno), never fetched.
"""

from __future__ import annotations

import socket
from ipaddress import ip_address

import segno
from aiohttp import web
from markupsafe import Markup

from bot.admin.roles import Right
from bot.admin.web import texts
from bot.admin.web.auth import off_loop, requires, staff_of
from bot.admin.web.keys import ADMIN_SETTINGS
from bot.admin.web.lessons_api import fields, library, save_fields
from bot.admin.web.rendering import direction, gettext_for, render
from bot.admin.web.workshops_api import _workshop, links, pacing, view
from bot.content.files import ContentError
from bot.gateway.keys import ASSISTANT
from bot.i18n import texts as citizen_texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, native_name
from bot.workshops.pacing import PREPARED
from bot.workshops.store import WorkshopError

routes = web.RouteTableDef()
LIVE_REFRESH_SECONDS = 3


def _label(request: web.Request, message: str) -> str:
    return gettext_for(request.get("interface_language", DEFAULT_LANGUAGE))(message)


def qr_svg(data: str, label: str) -> Markup:
    """A QR code of `data` as inline SVG, with `label` as its accessible name."""
    svg = segno.make(data, error="m").svg_inline(scale=4, border=2, title=label)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - segno's own SVG


def lan_address() -> str | None:
    """This machine's address on the local network (none is contacted to find it)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))  # UDP: sets a route, sends nothing
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if ip_address(address).is_loopback else address


def workshop_mode_link(request: web.Request, code: str) -> str | None:
    """The web chat's join link on this laptop's Wi-Fi address, in workshop mode
    (`digibridge up --host 0.0.0.0`); None when the gateway listens only locally."""
    settings = request.app[ADMIN_SETTINGS]
    if settings.host not in ("0.0.0.0", "::"):  # noqa: S104 - comparing, not binding
        return None
    address = lan_address()
    return f"http://{address}:{settings.port}/?join={code}" if address else None


@routes.get("/workshops")
@requires(Right.WORKSHOPS)
async def workshops_page(request: web.Request) -> web.Response:
    staff = staff_of(request)
    chat = pacing(request).chat
    found = await off_loop(chat.workshops.listing, None if staff.role == "admin" else staff.name)
    language = request.get("interface_language", DEFAULT_LANGUAGE)
    lessons = [
        (entry.id, chat.flow.lessons.text(entry.id, language).title)
        for entry in chat.flow.lessons.catalogue.values()
    ]
    trainer = request.app[ASSISTANT].trainer
    linked = bool(staff.id and trainer and await off_loop(trainer.links.linked, staff.id))
    return render(
        request, "workshops.html", "Workshops", workshops=found, lessons=lessons,
        chosen_language=language, link_code=request.get("link_code"), linked=linked,
        can_link=bool(staff.id),
    )  # fmt: skip


@routes.post("/trainer-link")
@requires(Right.WORKSHOPS)
async def trainer_link(request: web.Request) -> web.Response:
    """A one-time code that links the trainer's chat account (`/link CODE`)."""
    staff = staff_of(request)
    trainer = request.app[ASSISTANT].trainer
    if not staff.id or trainer is None:
        raise web.HTTPSeeOther("/admin/workshops?problem=link")
    code = await off_loop(trainer.links.issue, staff.id)
    request["link_code"] = code
    return await workshops_page(request)


@routes.post("/workshops")
@requires(Right.WORKSHOPS)
async def create_workshop(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    title = " ".join(str(form.get("title", "")).split())
    language = str(form.get("language", DEFAULT_LANGUAGE))
    chosen = [str(v) for v in form.getall("lessons", [])]
    chat = pacing(request).chat
    if (
        not title
        or len(title) > 120
        or language not in SUPPORTED_LANGUAGES
        or not chosen
        or any(lesson not in chat.flow.lessons.catalogue for lesson in chosen)
    ):
        raise web.HTTPSeeOther("/admin/workshops?problem=workshop")
    state = await off_loop(
        chat.workshops.create, title, list(dict.fromkeys(chosen)), language, staff_of(request).name
    )
    raise web.HTTPSeeOther(f"/admin/workshops/{state.id}")


async def _live_context(request: web.Request) -> dict:
    state = await _workshop(request)
    shown = await view(request, state)
    local = workshop_mode_link(request, state.code)
    return {
        "w": shown,
        "local_link": local,
        "prepared": {key: translate(shown["language"], text) for key, text in PREPARED.items()},
        "refresh": LIVE_REFRESH_SECONDS,
    }


@routes.get("/workshops/{workshop}")
@requires(Right.WORKSHOPS)
async def workshop_page(request: web.Request) -> web.Response:
    context = await _live_context(request)
    shown = context["w"]
    codes = {}
    for name, label in (
        ("join_url", texts.WEB_CHAT_LINK),
        ("telegram_url", texts.TELEGRAM_LINK),
    ):
        if shown.get(name):
            codes[name] = qr_svg(shown[name], _label(request, label))
    if context["local_link"]:
        codes["local_link"] = qr_svg(context["local_link"], _label(request, texts.WIFI_LINK))
    return render(request, "workshop.html", "Workshop", codes=codes, **context)


@routes.get("/workshops/{workshop}/live")
@requires(Right.WORKSHOPS)
async def workshop_live(request: web.Request) -> web.Response:
    """The live part of the workshop page, which the page reloads by itself."""
    return render(request, "workshop_live.html", "Workshop", **(await _live_context(request)))


@routes.post("/workshops/{workshop}/{action}")
@requires(Right.WORKSHOPS)
async def workshop_action(request: web.Request) -> web.StreamResponse:
    state = await _workshop(request)
    form = await request.post()
    controls = pacing(request)
    action = request.match_info["action"]
    try:
        if action == "advance":
            await controls.advance(state.id)
        elif action == "close-quiz":
            await controls.close_quiz(state.id)
        elif action == "results":
            await controls.show_results(state.id)
        elif action == "announce":
            prepared = str(form.get("message", "")) or None
            text = None if prepared else str(form.get("text", ""))
            await controls.announce(state.id, prepared, text)
        elif action == "end":
            await controls.end(state.id)
        else:
            raise web.HTTPNotFound()
    except WorkshopError:
        raise web.HTTPSeeOther(f"/admin/workshops/{state.id}?problem={action}") from None
    raise web.HTTPSeeOther(f"/admin/workshops/{state.id}")


@routes.get("/workshops/{workshop}/sheet")
@requires(Right.WORKSHOPS)
async def join_sheet(request: web.Request) -> web.Response:
    """A printable page with the join code and QR codes, to put on the wall."""
    state = await _workshop(request)
    found = links(request, state)
    codes = [
        (_label(request, label), url, qr_svg(url, _label(request, label)))
        for label, url in (
            (texts.TELEGRAM_LINK, found["telegram_url"]),
            (texts.WEB_CHAT_LINK, found["join_url"]),
            (texts.WIFI_LINK, workshop_mode_link(request, state.code)),
        )
        if url
    ]
    return render(request, "join_sheet.html", "Join sheet", state=state, codes=codes)


@routes.get("/lessons/{lesson}/handout")
@requires(Right.WORKSHOPS)
async def handout(request: web.Request) -> web.Response:
    """A lesson on one printed A4 page, in `?language=` (right to left for Arabic)."""
    lessons = pacing(request).chat.flow.lessons
    entry = lessons.catalogue.get(request.match_info["lesson"])
    language = request.query.get("language", DEFAULT_LANGUAGE)
    if entry is None or language not in SUPPORTED_LANGUAGES:
        raise web.HTTPNotFound(reason="no such lesson or language")
    text = lessons.text(entry.id, language)
    questions = [
        (
            translate(
                language, citizen_texts.QUESTION_NUMBER, number=n, count=len(entry.questions)
            ),
            text.questions[q.id],
            q,
        )
        for n, q in enumerate(entry.questions, 1)
    ]
    page = render(
        request, "handout.html", text.title, lesson=text, entry=entry, questions=questions,
        handout_lang=language, handout_dir=direction(language),
        area=lessons.area_name(entry.area, language), language_name=native_name(language),
    )  # fmt: skip
    return page


# Lesson texts


@routes.get("/lessons")
@requires(Right.READ_CONTENT)
async def lessons_page(request: web.Request) -> web.Response:
    """Every lesson in every language: its own text, English shown instead, or edited here."""
    found = library(request)
    edited = await off_loop(found.overrides)
    rows = []
    for item in await off_loop(found.items):
        title = item if item in ("selfcheck", "areas") else found.current().text(item, "en").title
        states = {
            language: "edited" if (item, language) in edited
            else "complete" if found.has_own(item, language) else "missing"
            for language in SUPPORTED_LANGUAGES
        }  # fmt: skip
        rows.append((item, title, states))
    return render(request, "lessons.html", "Lessons", rows=rows)


@routes.get("/lessons/{lesson}/text/{lang}")
@requires(Right.READ_CONTENT)
async def lesson_page(request: web.Request, problem: str | None = None) -> web.Response:
    item, language = request.match_info["lesson"], request.match_info["lang"]
    found = library(request)
    if item not in found.items() or language not in SUPPORTED_LANGUAGES:
        raise web.HTTPNotFound()
    shown = await off_loop(fields, found, item, language)
    return render(
        request, "lesson.html", "Lesson text", lesson=shown, text_dir=direction(language),
        may_edit=staff_of(request).can_edit(language), problem=problem,
        status=422 if problem else 200,
    )  # fmt: skip


@routes.post("/lessons/{lesson}/text/{lang}")
@requires(Right.EDIT_CONTENT)
async def save_lesson_page(request: web.Request) -> web.StreamResponse:
    item, language = request.match_info["lesson"], request.match_info["lang"]
    staff = staff_of(request)
    found = library(request)
    if item not in found.items() or language not in SUPPORTED_LANGUAGES:
        raise web.HTTPNotFound()
    if not staff.can_edit(language):
        raise web.HTTPForbidden()
    form = await request.post()
    given = {k[len("f:") :]: str(v) for k, v in form.items() if k.startswith("f:")}
    try:
        await off_loop(save_fields, found, item, language, given, staff.name)
    except ContentError as problem:
        return await lesson_page(request, str(problem))
    raise web.HTTPSeeOther(f"/admin/lessons/{item}/text/{language}")
