"""What a person sent, made safe to handle: cleaned, and told apart from a button payload.

Text is NFC without control or invisible format characters (bidi controls among them,
which would otherwise mislead language identification and how a reply is shown).

Rasa reads `/intent{json}` as that intent, bypassing understanding. A typed `/restart`
would restart the conversation silently, and a payload whose JSON does not parse is logged
by Rasa with its text. So only a well-formed payload naming one of our intents goes to Rasa
as a payload; anything else goes as text, without its leading slashes.
"""

from __future__ import annotations

import json
import re
import unicodedata

_PAYLOAD = re.compile(r"/(?P<intent>[A-Za-z_][A-Za-z0-9_]*)(?P<entities>\{.*\})?", re.DOTALL)
MAX_ENTITY_CHARS = 200
_KEPT_CONTROLS = {"\n", "\t"}
_INVISIBLE = {"Cc", "Cs", "Co", "Cf"}


def clean_text(text: str) -> str:
    """NFC text without control or invisible format characters (but line breaks, tabs)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(
        c for c in text if c in _KEPT_CONTROLS or unicodedata.category(c) not in _INVISIBLE
    ).strip()


def is_payload(text: str, intents: frozenset[str]) -> bool:
    parts = payload_parts(text)
    return parts is not None and parts[0] in intents


def as_user_message(text: str, intents: frozenset[str]) -> str:
    """`text` as Rasa should receive it: a payload of ours, or plain text."""
    if not text.startswith("/") or is_payload(text, intents):
        return text
    return text.lstrip("/").strip() or "?"  # a bare "/" means nothing: understood as such


def payload_parts(text: str) -> tuple[str, dict[str, str]] | None:
    """The intent and entities of a well-formed `/intent{json}` payload, whatever the
    intent; None for anything else."""
    match = _PAYLOAD.fullmatch(text)
    if match is None:
        return None
    if match.group("entities") is None:
        return match.group("intent"), {}
    try:
        entities = json.loads(match.group("entities"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(entities, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(v) <= MAX_ENTITY_CHARS
        for k, v in entities.items()
    ):
        return None
    return match.group("intent"), entities
