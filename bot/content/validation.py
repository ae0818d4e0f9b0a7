"""The one check of an answer's fields, used by `content sync`, `content import` and the
admin interface alike, so that what one accepts the others accept too."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MAX_TEXT_CHARS = 700  # a chat message a person reads on a small phone
MAX_TITLE_CHARS = 40  # a button label
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")
# Characters an editor never means to type: controls (but newline and tab), the invisible
# ones that reorder text (bidi overrides) or hide it, and Unicode's own line separators.
_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}
_ALLOWED_CONTROLS = {"\n", "\t", "\u200c", "\u200d"}  # ZWNJ/ZWJ: needed in Arabic, emoji


@dataclass(frozen=True)
class Problem:
    field: str  # title, text or more
    code: str  # required, too_long, placeholder, invisible
    message: str


LIMITS = {"title": MAX_TITLE_CHARS, "text": MAX_TEXT_CHARS, "more": MAX_TEXT_CHARS}


def is_too_long(title: str, text: str, more: str | None) -> bool:
    fields = {"title": title, "text": text, "more": more or ""}
    return any(len(fields[name]) > limit for name, limit in LIMITS.items())


def answer_problems(
    topic_id: str,
    allowed_settings: Iterable[str],
    title: str,
    text: str,
    more: str | None,
    allow_too_long: bool = False,
) -> list[Problem]:
    """What is wrong with an answer; empty when it may be served.

    `allow_too_long` is for the shipped files, whose over-long answers the completeness
    report lists for a translator instead of refusing the whole content."""
    allowed = tuple(allowed_settings)
    fields = {"title": title, "text": text, "more": more or ""}
    problems: list[Problem] = []
    for name, value in fields.items():
        problems += field_problems(
            name,
            value,
            None if allow_too_long else LIMITS[name],
            required=name != "more",
            allowed_settings=allowed,
            where=f"topic {topic_id!r}",
            within=repr(topic_id),
        )
    return problems


def field_problems(
    name: str,
    value: str,
    limit: int | None,
    required: bool = True,
    allowed_settings: Iterable[str] = (),
    where: str = "",
    within: str | None = None,
) -> list[Problem]:
    """What is wrong with one text field of content (an answer's, a lesson's)."""
    allowed = tuple(allowed_settings)
    problems: list[Problem] = []
    if required and not value.strip():
        problems.append(Problem(name, "required", f"{where or 'it'} has no {name}"))
    if limit is not None and len(value) > limit:
        problems.append(
            Problem(name, "too_long", f"the {name} has {len(value)} characters (at most {limit})")
        )
    for placeholder in PLACEHOLDER.findall(value):
        if placeholder not in allowed:
            shown = ", ".join(f"{{{s}}}" for s in allowed) or "none"
            problems.append(
                Problem(
                    name,
                    "placeholder",
                    f"placeholder {{{placeholder}}} is not allowed in {within or where or name} "
                    f"(allowed: {shown})",
                )
            )
    bad = sorted(
        {
            f"U+{ord(c):04X}"
            for c in value
            if unicodedata.category(c) in _INVISIBLE and c not in _ALLOWED_CONTROLS
        }
    )
    if bad:
        listed = ", ".join(bad)
        problems.append(
            Problem(name, "invisible", f"the {name} has invisible characters ({listed})")
        )
    return problems
