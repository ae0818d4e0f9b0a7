"""The review queue: what people asked that the assistant could not answer, was unsure
about, or that they followed with "That's not what I asked".

Texts are masked before they are stored (phone numbers, e-mail addresses, card numbers),
never linked to who sent them, and deleted after the review retention. Reviewers see them
grouped by meaning within each language (the model's own sentence encoder) and turn a group
into training phrases of a topic, mark it out of scope, or dismiss it for good.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.admin import audit, phrases
from bot.admin.models import DismissedText, ReviewItem, utcnow

MAX_TEXT_CHARS = 500
SIMILAR = 0.9  # cosine of two e5 vectors that say the same thing in other words
ACTIONS = ("add_phrase", "out_of_scope", "dismiss")
Encoder = Callable[[list[str]], np.ndarray]

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_PHONE = re.compile(r"(?<![\w+])\+?\d(?:[\d\s().-]{5,}\d)(?!\d)")


class ReviewError(ValueError):
    """A review action that cannot be done; the message says why."""


def mask(text: str) -> str:
    """`text` with anything that looks like an e-mail, card or phone number replaced."""
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub("[card]", text)
    return _PHONE.sub(
        lambda m: "[phone]" if sum(c.isdigit() for c in m.group()) >= 6 else m.group(), text
    )


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(c if c.isalnum() or c.isspace() else " " for c in folded).split())


def _text_hash(language: str, text: str) -> str:
    return hashlib.sha256(f"{language}\x1f{normalise(text)}".encode()).hexdigest()


def record(
    session: Session, language: str, text: str, reason: str, candidates: Sequence[str] = ()
) -> bool:
    """Queues a message for review (masked), in the caller's transaction; False when its
    text was dismissed before."""
    masked = mask(" ".join(text.split()))[:MAX_TEXT_CHARS]
    if not normalise(masked):
        return False
    if session.get(DismissedText, _text_hash(language, masked)) is not None:
        return False
    session.add(
        ReviewItem(language=language, text=masked, reason=reason, candidates=list(candidates)[:3])
    )
    return True


def purge(engine: Engine, retention_days: int) -> int:
    """Deletes queued texts older than the retention; how many."""
    if retention_days <= 0:
        return 0
    cutoff = utcnow() - timedelta(days=retention_days)
    with Session(engine, future=True) as session, session.begin():
        return session.execute(delete(ReviewItem).where(ReviewItem.created_at < cutoff)).rowcount


def _vectors(session: Session, items: list[ReviewItem], encode: Encoder) -> np.ndarray:
    missing = [item for item in items if item.vector is None]
    if missing:
        for item, vector in zip(missing, encode([i.text for i in missing]), strict=True):
            vector = np.asarray(vector, dtype=np.float32)
            item.vector = (vector / (np.linalg.norm(vector) or 1.0)).tobytes()
    return np.stack([np.frombuffer(item.vector, dtype=np.float32) for item in items])


def _cluster(items: list[ReviewItem], vectors: np.ndarray) -> list[list[ReviewItem]]:
    """Greedy: each item joins the first group whose first item it is similar to."""
    groups: list[list[int]] = []
    for index in range(len(items)):
        for group in groups:
            if float(vectors[group[0]] @ vectors[index]) >= SIMILAR:
                group.append(index)
                break
        else:
            groups.append([index])
    return [[items[i] for i in group] for group in groups]


def _describe(group: list[ReviewItem]) -> dict[str, Any]:
    examples = list(dict.fromkeys(item.text for item in group))
    candidates = Counter(c for item in group for c in item.candidates or [])
    return {
        "id": min(item.id for item in group),
        "language": group[0].language,
        "count": len(group),
        "examples": examples[:5],
        "reasons": dict(Counter(item.reason for item in group)),
        "candidates": [topic for topic, _ in candidates.most_common(3)],
        "last_seen": max(item.created_at for item in group).isoformat(),
    }


def _groups(session: Session, encode: Encoder, language: str | None) -> list[list[ReviewItem]]:
    query = select(ReviewItem).order_by(ReviewItem.id)
    if language:
        query = query.where(ReviewItem.language == language)
    items = list(session.scalars(query))
    groups: list[list[ReviewItem]] = []
    for lang in sorted({item.language for item in items}):
        in_language = [item for item in items if item.language == lang]
        groups += _cluster(in_language, _vectors(session, in_language, encode))
    return sorted(groups, key=lambda g: (-len(g), min(i.id for i in g)))


def groups(engine: Engine, encode: Encoder, language: str | None = None) -> list[dict[str, Any]]:
    """The queue in groups of the same question, largest first."""
    with Session(engine, future=True) as session, session.begin():
        return [_describe(group) for group in _groups(session, encode, language)]


def act(
    engine: Engine, encode: Encoder, group_id: int, action: str, topic: str | None, actor: str,
    may_edit: Callable[[str], bool],
) -> dict[str, Any]:  # fmt: skip
    """Turns a group into phrases of `topic` or of out_of_scope, or dismisses it."""
    if action not in ACTIONS:
        raise ReviewError(f"action must be one of {', '.join(ACTIONS)}")
    with Session(engine, future=True) as session, session.begin():
        group = next(
            (g for g in _groups(session, encode, None) if min(i.id for i in g) == group_id), None
        )
        if group is None:
            raise LookupError(f"no review group {group_id}")
        language = group[0].language
        described = _describe(group)
        texts = list(dict.fromkeys(item.text for item in group))
        if action != "dismiss":
            target = "out_of_scope" if action == "out_of_scope" else topic
            if not may_edit(language):
                raise PermissionError(f"no right to add phrases in {language}")
            try:
                for text in texts:
                    phrases.add(session, target or "", language, text, actor)
            except phrases.PhraseError as problem:
                raise ReviewError(str(problem)) from None
            after: Any = {"topic": target, "phrases": texts}
        else:
            for text in texts:
                key = _text_hash(language, text)
                if session.get(DismissedText, key) is None:
                    session.add(DismissedText(text_hash=key, language=language))
            after = {"dismissed": texts}
        session.execute(delete(ReviewItem).where(ReviewItem.id.in_([i.id for i in group])))
        audit.record(session, actor, f"review.{action}", f"review/{group_id}", described, after)
        return {"group": group_id, "action": action, "language": language, **after}
