"""Admin pages from Jinja2 templates, autoescaped, in the staff member's language.

The interface text is gettext in `locales/<lang>/LC_MESSAGES/admin.po`; Arabic pages are
right-to-left.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from aiohttp import web
from babel import Locale
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bot.admin.roles import Right
from bot.admin.web.texts import ROLE_NAMES, STATE_NAMES
from bot.i18n.catalogs import translations
from bot.i18n.locales import SUPPORTED_LANGUAGES, native_name

TEMPLATES = Path(__file__).parent / "templates"
DOMAIN = "admin"
RTL_LANGUAGES = frozenset({"ar"})


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )


def direction(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"


def gettext_for(language: str):  # noqa: ANN201 - a gettext function
    catalog = translations(language, domain=DOMAIN)

    def gettext(message: str, **values: Any) -> str:
        text = catalog.gettext(message)
        return text % values if values else text

    return gettext


def render(
    request: web.Request, template: str, title: str, status: int = 200, **context: Any
) -> web.Response:
    language = request.get("interface_language", "en")
    _ = gettext_for(language)
    page = (
        environment()
        .get_template(template)
        .render(
            _=_,
            lang=language,
            dir=direction(language),
            dir_of=direction,
            title=_(title),
            staff=request.get("staff"),
            here=request.path_qs,
            csrf=request.get("csrf") or "",
            R=Right,
            languages=[(code, native_name(code)) for code in SUPPORTED_LANGUAGES],
            language_names={code: native_name(code) for code in SUPPORTED_LANGUAGES},
            role_names={role: _(name) for role, name in ROLE_NAMES.items()},
            state_names={state: _(name) for state, name in STATE_NAMES.items()},
            **context,
        )
    )
    return web.Response(text=page, content_type="text/html", charset="utf-8", status=status)


def interface_language(request: web.Request) -> str:
    """The account's chosen language, else the browser's (negotiated), else English."""
    staff = request.get("staff")
    if staff is not None and staff.interface_language in SUPPORTED_LANGUAGES:
        return staff.interface_language
    header = request.headers.get("Accept-Language", "")
    wanted = [part.split(";")[0].strip().replace("-", "_") for part in header.split(",")]
    found = Locale.negotiate([w for w in wanted if w], list(SUPPORTED_LANGUAGES), sep="_")
    return str(found.language) if found else "en"


def bar_chart(days: list[dict[str, Any]], labels: dict[str, str]) -> Markup:
    """Messages per day as stacked SVG bars, drawn here (nothing fetched, no script)."""
    width, height, gap = 640, 180, 2
    peak = max((d["messages"] for d in days), default=0) or 1
    bar = max((width - gap * len(days)) / max(len(days), 1), 1)
    parts = []
    for index, day in enumerate(days):
        y = height
        for outcome in ("answered", "asked_back", "not_understood"):
            h = day[outcome] / peak * (height - 20)
            if h:
                y -= h
                parts.append(
                    f'<rect class="{outcome}" x="{index * (bar + gap):.1f}" y="{y:.1f}" '
                    f'width="{bar:.1f}" height="{h:.1f}"><title>{day["day"]}: '
                    f"{Markup.escape(labels[outcome])} {day[outcome]}</title></rect>"
                )
    summary = ", ".join(f"{d['day']}: {d['messages']}" for d in days if d["messages"]) or "0"
    return Markup(  # noqa: S704 - numbers, ISO dates and escaped labels only
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{Markup.escape(summary)}">{"".join(parts)}</svg>'
    )
